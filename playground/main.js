// The playground page: a KAN trained in a WorkerKAN (so the page never blocks), its loss curves
// and network drawn live, and the buttons of the paper's workflow: prune, refine the grid,
// auto-symbolic, and the formula it gives; or Discover, the whole search in one call.
import katex from "katex";
import "katex/dist/katex.min.css";
import { WorkerKAN } from "kanwasm/worker";
import { LossChart } from "./chart.js";
import { POISSON, PRESETS, parseCsv } from "./presets.js";

const $ = (id) => document.getElementById(id);
const chart = new LossChart($("chart"));
const state = {
  task: undefined, // { data, inputNames, outputNames, classes }
  model: undefined, // the WorkerKAN
  stale: true, // the model controls changed since the model was made
  abort: undefined,
  drawing: false,
  drawnAt: 0,
  js: [],
};
const BUTTONS = ["train", "reset", "prune", "refine", "symbolic", "discover", "save", "preset", "csv", "load"];

function setBusy(busy) {
  document.body.dataset.busy = String(busy);
  for (const id of BUTTONS) $(id).disabled = busy;
  $("stop").disabled = !busy || state.abort === undefined;
}

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

/** Runs one action with the controls disabled; its error is shown, not thrown. */
async function run(label, action) {
  setBusy(true);
  status(`${label}…`);
  const t0 = performance.now();
  try {
    const done = await action();
    status(done ?? `${label}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    status(`${label}: ${e?.code ? `${e.code}: ` : ""}${e?.message ?? e}`, true);
  } finally {
    state.abort = undefined;
    setBusy(false);
  }
}

const hidden = () => $("hidden").value.split(/[\s,]+/).filter(Boolean).map(Number);
const num = (id) => Number($(id).value);

function modelOptions() {
  const { data, classes } = state.task;
  const out = classes || data.trainLabel.cols;
  return { width: [data.trainInput.cols, ...hidden(), out], grid: num("grid"), k: num("k"), seed: num("seed") };
}

function showShape() {
  const w = state.model?.width;
  const text = w ? `KAN [${w.map((v) => (Array.isArray(v) ? `[${v}]` : v)).join(", ")}], grid ${state.model.grid}` : "";
  $("shape").textContent = state.stale && state.model ? `${text} (the next Train starts a new model)` : text;
}

/** Replaces the model (disposing the old one) and redraws. */
async function adopt(model, mark) {
  const old = state.model;
  state.model = model;
  state.stale = false;
  state.fits = 0;
  if (old && old !== model) await old.dispose();
  if (mark) chart.mark(mark);
  chart.draw();
  showShape();
  await drawNetwork(true);
}

async function newModel() {
  chart.clear();
  clearFormula();
  $("loss").textContent = "–";
  $("extra").textContent = "";
  await adopt(await WorkerKAN.create(modelOptions()));
}

async function drawNetwork(force = false) {
  const m = state.model;
  if (!m || (!force && (state.drawing || performance.now() - state.drawnAt < 250))) return;
  state.drawing = true;
  try {
    const { inputNames, outputNames, data } = state.task;
    const names = m.inDim === inputNames.length && m.outDim === outputNames.length ? { inputNames, outputNames } : {};
    const svg = await m.toSVG({ ...names, input: data.trainInput });
    if (m === state.model) $("network").innerHTML = svg;
  } finally {
    state.drawing = false;
    state.drawnAt = performance.now();
  }
}

let frame = 0;
function showStep(s) {
  chart.push(s);
  state.last = s;
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    chart.draw();
    const v = Number.isFinite(state.last.testLoss) ? state.last.testLoss : state.last.trainLoss;
    $("loss").textContent = String(Number(v.toPrecision(4)));
  });
  void drawNetwork();
}

async function fit(steps, extra = {}) {
  const ac = new AbortController();
  state.abort = ac;
  $("stop").disabled = false;
  const loss = state.task.classes ? "crossentropy" : "mse";
  try {
    if (state.task.problem) {
      // the PDE's loss is the weighted mean squared residual; the error against the exact
      // solution follows the fit
      // grids follow the points in a model's first fit only, so that a refined grid stays
      await state.model.fitPDE(state.task.problem, {
        steps, opt: $("opt").value, signal: ac.signal, updateGrid: state.fits === 0,
        onStep: (s) => showStep({ trainLoss: s.loss, testLoss: NaN }),
      });
    } else {
      await state.model.fit(state.task.data, {
        steps, lamb: num("lamb"), opt: $("opt").value, loss, signal: ac.signal, onStep: showStep, ...extra,
      });
    }
  } catch (e) {
    if (e?.code !== "ABORTED") throw e;
  } finally {
    state.abort = undefined;
    state.fits++;
  }
  await drawNetwork(true);
  if (state.task.classes) {
    const ev = await state.model.evaluate(state.task.data);
    $("extra").textContent = `(test accuracy ${(100 * ev.testAccuracy).toFixed(1)}%)`;
  } else if (state.task.problem) {
    const ev = await state.model.evaluate(state.task.data);
    $("extra").textContent = `(the PDE's loss; RMSE against the exact solution ${Number(ev.testRmse.toPrecision(3))})`;
  }
}

function clearFormula() {
  state.js = [];
  $("formula").textContent = "Train, prune and run auto-symbolic to get a formula.";
  $("latex").textContent = "";
  $("copy").disabled = true;
}

function renderFormula(text, latex, js) {
  $("formula").textContent = text.join("\n");
  $("latex").innerHTML = latex.map((l) => katex.renderToString(l, { displayMode: true, throwOnError: false })).join("");
  state.js = js;
  $("copy").disabled = false;
}

async function showFormula() {
  const m = state.model;
  const { inputNames, outputNames } = state.task;
  const names = m.inDim === inputNames.length && m.outDim === outputNames.length ? { inputNames, outputNames } : {};
  const [text, latex, js] = await Promise.all(
    ["text", "latex", "js"].map((format) => m.symbolicFormula({ ...names, format })));
  renderFormula(text, latex, js);
}

/**
 * discover() on the task's data in a worker of its own (discover-worker.js); each stage is
 * listed as it ends. Stop ends the worker. The model found becomes the page's model.
 */
async function discoverFormula() {
  const { data, inputNames, outputNames, classes, problem } = state.task;
  if (classes || problem) throw new Error("it searches for a formula of regression data, not classes or a PDE");
  const worker = new Worker(new URL("./discover-worker.js", import.meta.url), { type: "module" });
  const lines = [];
  clearFormula();
  $("formula").textContent = "Searching…";
  const sci = (v) => (Number.isFinite(v) ? v.toExponential(2) : "–");
  const found = await new Promise((resolve, reject) => {
    state.abort = {
      abort: () => {
        worker.terminate();
        reject(Object.assign(new Error("stopped"), { code: "ABORTED" }));
      },
    };
    $("stop").disabled = false;
    worker.onerror = (e) => reject(new Error(e.message || "the discover worker failed"));
    worker.onmessage = ({ data: msg }) => {
      if (msg.type === "stage") {
        const s = msg.stage;
        lines.push(`${s.name}: test RMSE ${sci(s.rmse.test)}${s.formula ? `  ${s.formula}` : ""}`);
        $("formula").textContent = lines.join("\n");
        status(`Discover: ${lines.length} shape${lines.length > 1 ? "s" : ""} tried, the last ${s.name} ` +
          `(${s.seconds.toFixed(1)} s)…`);
      } else if (msg.type === "done") resolve(msg);
      else reject(Object.assign(new Error(msg.message), { code: msg.code }));
    };
    // a time budget keeps the page's wait bounded on data without a simple formula
    worker.postMessage({ data, options: { inputNames, outputNames, budget: { seconds: num("discoverSeconds") } } });
  }).finally(() => worker.terminate());
  await adopt(await WorkerKAN.load(found.bytes), "discover");
  renderFormula(found.formula, found.latex, found.js);
  return `Discover: ${found.formula.join("; ")} (test RMSE ${sci(found.rmse.test)}, ${lines.length} shapes tried)`;
}

function useTask(task, settings) {
  state.task = task;
  if (settings) {
    for (const [id, v] of Object.entries(settings)) $(id).value = String(v);
  }
  return run("New model", newModel);
}

// ----- controls -----

if (typeof WorkerKAN.prototype.fitPDE === "function") PRESETS.poisson = POISSON;
for (const [key, p] of Object.entries(PRESETS)) $("preset").add(new Option(p.label, key));
$("preset").value = "hellokan";
$("preset").addEventListener("change", () => {
  const p = PRESETS[$("preset").value];
  const task = { data: p.make(), inputNames: p.inputNames, outputNames: p.outputNames, classes: p.classes ?? 0 };
  if (p.problem) task.problem = p.problem();
  void useTask(task, p.settings);
});

async function loadCsv(file) {
  let task;
  try {
    task = parseCsv(await file.text());
  } catch (e) {
    status(`${file.name}: ${e.message}`, true);
    return;
  }
  if ($("preset").querySelector("option[value=csv]") === null) $("preset").add(new Option("a CSV file", "csv"));
  $("preset").value = "csv";
  await useTask(task);
  status(`${file.name}: ${task.data.trainInput.rows} train and ${task.data.testInput?.rows ?? 0} test rows, ` +
    `${task.inputNames.length} inputs${task.classes ? `, ${task.classes} classes` : ""}`);
}
$("csv").addEventListener("change", () => $("csv").files[0] && loadCsv($("csv").files[0]));
addEventListener("dragover", (e) => {
  e.preventDefault();
  document.body.classList.add("dragging");
});
addEventListener("dragleave", () => document.body.classList.remove("dragging"));
addEventListener("drop", (e) => {
  e.preventDefault();
  document.body.classList.remove("dragging");
  const file = e.dataTransfer?.files[0];
  if (file && document.body.dataset.busy !== "true") void loadCsv(file);
});

for (const id of ["hidden", "grid", "k", "seed"]) {
  $(id).addEventListener("change", () => {
    state.stale = true;
    showShape();
  });
}

$("train").addEventListener("click", () => run("Training", async () => {
  if (state.stale) await newModel();
  await fit(num("steps"));
}));
$("stop").addEventListener("click", () => state.abort?.abort());
$("reset").addEventListener("click", () => run("New model", newModel));
$("prune").addEventListener("click", () => run("Pruning", async () => {
  await adopt(await state.model.prune({ input: state.task.data.trainInput }), "prune");
}));
$("refine").addEventListener("click", () => run("Refining the grid", async () => {
  const g = num("refineGrid");
  await adopt(await state.model.refine(g), `grid ${g}`);
  $("grid").value = String(g);
  await fit(num("steps"));
}));
$("symbolic").addEventListener("click", () => run("Auto-symbolic", async () => {
  const lib = $("lib").value.split(",").map((s) => s.trim()).filter(Boolean);
  // edge by edge in the worker: progress after each, and Stop keeps the edges fixed so far
  const ac = new AbortController();
  state.abort = ac;
  $("stop").disabled = false;
  status(`Auto-symbolic: searching ${lib.length} functions for every edge…`);
  const onEdge = ({ done, total, name, fixed: kept }) => status(`Auto-symbolic: ${done} of ${total} edges searched ` +
    `(the last ${kept ? `became ${name}` : "stays a spline"})`);
  let fixed;
  try {
    const input = state.task.data.trainInput;
    fixed = await state.model.autoSymbolicAsync({ lib, input, onEdge, signal: ac.signal });
  } catch (e) {
    if (e?.code !== "ABORTED") throw e;
    fixed = e.fixed ?? [];
  } finally {
    state.abort = undefined;
  }
  chart.mark("symbolic");
  status(`Auto-symbolic: ${fixed.length} edges fixed; fitting their parameters…`);
  await fit(20, { lamb: 0 });
  await showFormula();
  return `Auto-symbolic: ${fixed.map((e) => e.name).join(", ") || "no edge"} fixed`;
}));
$("discover").addEventListener("click", () => run("Discover", async () => {
  try {
    return await discoverFormula();
  } catch (e) {
    if (e?.code !== "ABORTED") throw e;
    $("formula").textContent += "\n(stopped)";
    return "Discover: stopped; the model is unchanged";
  }
}));
$("copy").addEventListener("click", async () => {
  const text = state.js.join("\n");
  try {
    await navigator.clipboard.writeText(text);
    status("Copied the formula as JavaScript");
  } catch {
    status("The clipboard is not available here; the JavaScript form is in the console");
    console.log(text);
  }
});
$("save").addEventListener("click", () => run("Saving", async () => {
  const bytes = await state.model.save();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  a.download = "kan.safetensors";
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  return `Saved kan.safetensors (${bytes.length} bytes)`;
}));
$("load").addEventListener("change", () => {
  const file = $("load").files[0];
  if (!file) return;
  void run("Loading", async () => {
    const m = await WorkerKAN.load(new Uint8Array(await file.arrayBuffer()));
    const { data, classes } = state.task;
    if (m.inDim !== data.trainInput.cols || m.outDim !== (classes || data.trainLabel.cols)) {
      await m.dispose();
      throw new Error(`${file.name} takes ${m.inDim} inputs and gives ${m.outDim} outputs; the data has ` +
        `${data.trainInput.cols} inputs and ${classes || data.trainLabel.cols} outputs`);
    }
    await adopt(m, "load");
    $("hidden").value = m.width.slice(1, -1).map((v) => (Array.isArray(v) ? v[0] : v)).join(",");
    await showFormula();
    return `Loaded ${file.name}`;
  });
});
addEventListener("resize", () => chart.draw());

$("preset").dispatchEvent(new Event("change"));
