// Consumer test: `npm pack` the package, install the tarball into a scratch project under the
// system temp dir (checking it runs nothing at install time), and compute one bsplineBasis from
// Node, from Deno (no permissions), from a plain page with an import map (no bundler) and from a
// Vite build, the last two in Chromium, and build the apps of examples/vite and examples/esbuild
// there (esbuild installed from npm's cache); then use the `kanwasm` command there as a user
// would (npx in Node, npm:kanwasm in Deno). Ends with `consumer: N passed, N failed`.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, runPage } from "../browser/chromium.mjs";
import { examplePage } from "../browser/examples.mjs";
import { serve } from "../browser/server.mjs";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "kanwasm-consumer-"));
const sh = (cmd, args, cwd = dir) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });

// The one computation every consumer runs, and what it must give: x = 0 and x = 0.4 sit mid-interval
// of a uniform cubic grid, where the four non-zero basis values are 1/48, 23/48, 23/48, 1/48.
const COMPUTE = `
import { init, bsplineBasis } from "kanwasm";
await init();
const m = bsplineBasis([0, 0.4], { grid: 5, k: 3 });
const output = { rows: m.rows, cols: m.cols, data: Array.from(m.data) };`;
const EXPECTED = [0, 0, 1, 23, 23, 1, 0, 0, 0, 0, 0, 1, 23, 23, 1, 0].map((v) => v / 48);

function check(output) {
  if (output?.rows !== 2 || output?.cols !== 8) throw new Error(`expected a 2 x 8 matrix, got ${JSON.stringify(output)}`);
  const worst = Math.max(...EXPECTED.map((e, i) => Math.abs(output.data[i] - e)));
  if (!(worst < 1e-12)) throw new Error(`basis differs from the expected values by ${worst}: ${output.data}`);
}

// What a strict consumer writes; compiled, not run (the runtimes' cases run the same calls).
const STRICT_TS = `
import { init, KAN, KanError, Trainer, createDataset, type Dataset, type History, type Matrix, type StepInfo }
  from "kanwasm";
import { WorkerKAN } from "kanwasm/worker";
// @ts-expect-error: an internal of the package, not in its types
import { normaliseConfig } from "kanwasm";
// @ts-expect-error: an internal of the package, not in its types
import { checkDataset } from "kanwasm";

await init();
const rows: number[][] = [[0, 0.1], [0.2, 0.3], [0.4, 0.5], [0.6, 0.7]];
const labels: number[] = [0.1, 0.5, 0.9, 1.3];
const data: Dataset = { trainInput: rows, trainLabel: labels, testInput: rows, testLabel: [[0.1], [0.5], [0.9], [1.3]] };
const model = new KAN({ width: [2, 2, 1], grid: 3, seed: 1 });
const history: History = await model.fit(data, { steps: 2 });
const t: Trainer = model.trainer({ trainInput: rows, trainLabel: labels }, { steps: 3, opt: "adam" });
let last: StepInfo | undefined;
while (!t.done) last = await t.step();
t.close();
{
  using u = model.trainer(data, { steps: 1 });
  await u.step();
}
const rmse: number = model.evaluate({ trainInput: rows, trainLabel: labels }).trainRmse;
const out: Matrix = model.predict(rows);
try {
  await model.fit(data, { opt: "adam", lr: 1e300, steps: 1 });
} catch (e) {
  if (e instanceof KanError) console.log(e.code, e.history?.trainLoss.length);
}
const made = createDataset(([x, y]) => (x ?? 0) * (y ?? 0), { nVar: 2, trainNum: 10, testNum: 5, seed: 0 });
const n: number = made.trainInput.rows + made.testLabel.cols;
model[Symbol.dispose]();
{
  using scoped = new KAN({ width: [1, 1] });
  scoped.predict([[0]]);
}
// @ts-expect-error: the handle is internal (rawHandle(model) is the raw layer's way)
model.handle("x");
// @ts-expect-error: a trainer comes from model.trainer()
new Trainer();
// @ts-expect-error: internal
Trainer.open;
console.log(history, last, rmse, out, n, typeof WorkerKAN);
`;

// kanwasm/worker from the installed package: a model in a worker predicts the same bits as
// the same model on the calling thread.
const WORKER_COMPUTE = `
import { KAN, init } from "kanwasm";
import { WorkerKAN } from "kanwasm/worker";
await init();
const opts = { width: [2, 3, 1], grid: 4, seed: 3 };
const x = [[0.1, -0.4], [0.7, 0.2]];
const w = await WorkerKAN.create(opts);
const output = { worker: Array.from((await w.predict(x)).data), here: Array.from(new KAN(opts).predict(x).data) };
await w.dispose();`;

function checkWorker(output) {
  const { worker, here } = output ?? {};
  if (!Array.isArray(worker) || worker.length !== 2 || !worker.every(Number.isFinite)) {
    throw new Error(`expected 2 predictions from the worker, got ${JSON.stringify(output)}`);
  }
  if (worker.some((v, i) => !Object.is(v, here[i]))) throw new Error(`worker ${worker} != calling thread ${here}`);
}

const results = [];
async function test(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: String(e.message).trim() }); // execFileSync puts stderr in the message
  }
}

let tarball;
let browser;
let server;
try {
  await test("npm pack ships dist/ (entry, types, Deno entry, wasm) and no sources", () => {
    sh("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], root);
    tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    const files = sh("tar", ["tzf", tarball]).split("\n").filter(Boolean);
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/deno.js", "dist/kanwasm.wasm",
      "dist/index.js.map", "dist/cli/main.js"]) {
      if (!files.includes(`package/${f}`)) throw new Error(`${f} is missing from ${tarball}: ${files.join(" ")}`);
    }
    const stray = files.filter((f) => /^package\/(ts|test|crate|scripts)\//.test(f));
    if (stray.length) throw new Error(`sources in the tarball: ${stray.join(" ")}`);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // esbuild (the repository's pinned version, from npm's cache) for the esbuild example
    const { esbuild } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;
    sh("npm", ["install", "--offline", "--no-audit", "--no-fund", `./${tarball}`, `esbuild@${esbuild}`]);
  });

  await test("the installed package declares no install-time script", () => {
    const pkg = JSON.parse(readFileSync(join(dir, "node_modules/kanwasm/package.json"), "utf8"));
    const run = ["preinstall", "install", "postinstall", "prepare"].filter((k) => pkg.scripts?.[k] !== undefined);
    if (run.length) throw new Error(`the tarball's package.json has install-time scripts: ${run.join(", ")}`);
    if (pkg.bin?.kanwasm !== "./dist/cli/main.js") throw new Error(`bin: ${JSON.stringify(pkg.bin)}`);
  });

  writeFileSync(join(dir, "main.mjs"), `${COMPUTE}\nconsole.log(JSON.stringify(output));\n`);
  await test("Node imports the installed package and computes", () => {
    check(JSON.parse(sh(process.execPath, ["main.mjs"])));
  });

  // A strict TypeScript consumer whose lib stops at ES2022 (no esnext.disposable) and who checks
  // the package's .d.ts (skipLibCheck false): plain arrays as data, 1-D labels, the Trainer with
  // `using`, KanError.history; and the internals must not be in the types (@ts-expect-error
  // fails the compile when the line compiles after all).
  writeFileSync(join(dir, "strict.ts"), STRICT_TS);
  writeFileSync(join(dir, "tsconfig.strict.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022", "DOM"], types: [],
      strict: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true,
    },
    files: ["strict.ts"],
  }));
  await test("a strict TypeScript file (lib ES2022 + DOM, skipLibCheck false) compiles against the installed types", () => {
    sh(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.strict.json"]);
  });

  await test("Deno imports the installed package with no permissions and computes", () => {
    const deno = join(root, "node_modules", ".bin", "deno");
    check(JSON.parse(sh(deno, ["run", "--no-prompt", "main.mjs"])));
  });

  const page = (importMap) => `<!doctype html>
<meta charset="utf-8" />
${importMap}
<script type="module">${COMPUTE}
globalThis.__results = [{ output }];
globalThis.__done = true;
</script>
<script type="module">addEventListener("error", (e) => { globalThis.__results = [{ ok: false, error: e.message }]; globalThis.__done = true; });</script>
`;
  const fromPage = async (url) => {
    browser ??= await launch();
    const [r] = await runPage(browser, url, 30_000);
    if (r.ok === false) throw new Error(r.error);
    check(r.output);
  };

  writeFileSync(
    join(dir, "plain.html"),
    page(`<script type="importmap">{ "imports": { "kanwasm": "./node_modules/kanwasm/dist/index.js" } }</script>`),
  );
  server = await serve(dir);
  await test("a plain page with an import map (no bundler) computes in Chromium", () =>
    fromPage(`${server.url}/plain.html`));

  await test("a Vite build computes in Chromium", async () => {
    writeFileSync(join(dir, "index.html"), page(""));
    sh(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--base", "./", "--logLevel", "warn"]);
    const assets = readdirSync(join(dir, "dist/assets"));
    if (!assets.some((f) => f.endsWith(".wasm"))) throw new Error(`Vite emitted no .wasm: ${assets.join(" ")}`);
    await fromPage(`${server.url}/dist/index.html`);
  });

  await test("examples/vite builds with Vite and trains in a worker in Chromium", async () => {
    const app = join(dir, "vite-app");
    mkdirSync(app);
    for (const f of ["index.html", "main.js", "vite.config.js"]) copyFileSync(join(root, "examples/vite", f), join(app, f));
    sh(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], app);
    browser ??= await launch();
    const [r] = await examplePage(browser, `${server.url}/vite-app/dist/index.html`, {
      name: "examples/vite",
      formula: /sin\(.*x.*\^2|\^2.*sin\(/,
    });
    if (!r.ok) throw new Error(r.error);
  });

  await test("examples/esbuild bundles with esbuild, init({ wasm }) loads the copied wasm in Chromium", async () => {
    const app = join(dir, "esbuild-app");
    mkdirSync(app);
    for (const f of ["index.html", "main.js", "build.mjs"]) copyFileSync(join(root, "examples/esbuild", f), join(app, f));
    sh(process.execPath, ["build.mjs"], app);
    browser ??= await launch();
    const [r] = await examplePage(browser, `${server.url}/esbuild-app/dist/index.html`, { name: "examples/esbuild" });
    if (!r.ok) throw new Error(r.error);
  });

  writeFileSync(join(dir, "worker.mjs"), `${WORKER_COMPUTE}\nconsole.log(JSON.stringify(output));\n`);
  await test("kanwasm/worker: Node (worker_threads) and Deno (no permissions) predict as the calling thread", () => {
    checkWorker(JSON.parse(sh(process.execPath, ["worker.mjs"])));
    checkWorker(JSON.parse(sh(join(root, "node_modules", ".bin", "deno"), ["run", "--no-prompt", "worker.mjs"])));
  });
  const workerPage = (importMap) => page(importMap).replace(COMPUTE, WORKER_COMPUTE);
  const fromWorkerPage = async (url) => {
    browser ??= await launch();
    const [r] = await runPage(browser, url, 30_000);
    if (r.ok === false) throw new Error(r.error);
    checkWorker(r.output);
  };
  writeFileSync(join(dir, "plain-worker.html"), workerPage(`<script type="importmap">{ "imports": {
    "kanwasm": "./node_modules/kanwasm/dist/index.js", "kanwasm/worker": "./node_modules/kanwasm/dist/worker/index.js" } }</script>`));
  await test("kanwasm/worker: a plain page (Web Worker) predicts as the calling thread", () =>
    fromWorkerPage(`${server.url}/plain-worker.html`));
  await test("kanwasm/worker: a Vite build (the worker as its own chunk) predicts as the calling thread", async () => {
    mkdirSync(join(dir, "vite-worker"), { recursive: true });
    writeFileSync(join(dir, "vite-worker/index.html"), workerPage(""));
    sh(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--base", "./", "--logLevel", "warn"],
      join(dir, "vite-worker"));
    await fromWorkerPage(`${server.url}/vite-worker/dist/index.html`);
  });

  await cliTests();
} finally {
  await browser?.close();
  await server?.close();
  if (!results.some((r) => !r.ok)) rmSync(dir, { recursive: true, force: true });
}

/** The `kanwasm` command from the scratch project: fit, predict, formula, a bad CSV, Deno. */
async function cliTests() {
  const npx = (args, cmd = "npx", pre = ["--no-install", "kanwasm"]) => {
    const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
    const r = spawnSync(cmd, [...pre, ...args], { cwd: dir, encoding: "utf8", env });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  const ok = (r, what) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  // y = x^2 + exp(-w) on a grid of points: the symbolic stage finds it exactly
  const rows = ["w,x,y"];
  for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) {
    const w = -1 + (2 * i) / 11;
    const x = -1 + (2 * j) / 11;
    rows.push(`${w},${x},${x * x + Math.exp(-w)}`);
  }
  writeFileSync(join(dir, "data.csv"), rows.join("\n") + "\n");
  const loadAndPredict = `
import { readFileSync } from "node:fs";
import { init, KAN } from "kanwasm";
await init();
const model = KAN.load(readFileSync(process.argv[2]));
const rows = readFileSync("data.csv", "utf8").trim().split("\\n").slice(1).map((l) => l.split(",").map(Number));
const p = model.predict(rows.map((r) => r.slice(0, 2)));
console.log(JSON.stringify({ pred: Array.from(p.data), formula: model.symbolicFormula({ inputNames: ["w", "x"], outputNames: ["y"] }) }));`;
  writeFileSync(join(dir, "load.mjs"), loadAndPredict);
  const predCol = (text) => text.trim().split("\n").slice(1).map((l) => Number(l.split(",")[2]));
  const same = (a, b, what) => {
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`${what}: ${a.slice(0, 3)}... != ${b.slice(0, 3)}...`);
  };

  let expected;
  await test("npx kanwasm fit data.csv --target y fits and saves a model that KAN.load reads", () => {
    const r = ok(npx(["fit", "data.csv", "--target", "y", "--width", "2,1,1", "--grid", "5", "--steps", "20",
      "--symbolic", "--lib", "x,x^2,exp", "--out", "model.safetensors"]), "kanwasm fit");
    if (!/^symbolic +train RMSE/m.test(r.stdout)) throw new Error(`no symbolic stage line in: ${r.stdout}`);
    expected = JSON.parse(ok(npx(["load.mjs", "model.safetensors"], process.execPath, []), "KAN.load").stdout);
    const truth = rows.slice(1).map((l) => l.split(",").map(Number)[2]);
    const worst = Math.max(...truth.map((t, i) => Math.abs(expected.pred[i] - t)));
    if (!(worst < 1e-6)) throw new Error(`the fitted model misses the data by ${worst}`);
  });

  await test("kanwasm predict writes predictions equal to model.predict", () => {
    ok(npx(["predict", "model.safetensors", "data.csv", "--out", "pred.csv"]), "kanwasm predict");
    same(predCol(readFileSync(join(dir, "pred.csv"), "utf8")), expected.pred, "predict");
  });

  await test("kanwasm formula prints the model's formula", () => {
    const r = ok(npx(["formula", "model.safetensors"]), "kanwasm formula");
    if (r.stdout.trim() !== expected.formula[0]) throw new Error(`${r.stdout.trim()} != ${expected.formula[0]}`);
    if (!/^y = .*x\^2/.test(r.stdout)) throw new Error(`unexpected formula ${r.stdout}`);
  });

  await test("a CSV with a non-number on line 3 exits 2 naming line 3", () => {
    writeFileSync(join(dir, "bad.csv"), "w,x,y\n0,1,2\n1,?,3\n");
    const r = npx(["fit", "bad.csv", "--target", "y", "--out", "bad.safetensors"]);
    if (r.code !== 2 || !/bad\.csv, line 3, column 2 \("x"\)/.test(r.stderr)) throw new Error(`exit ${r.code}: ${r.stderr}`);
    if (readdirSync(dir).includes("bad.safetensors")) throw new Error("a model file was written");
  });

  await test("examples/deno/fit.ts type-checks against the installed package (deno check)", () => {
    const deno = join(root, "node_modules", ".bin", "deno");
    writeFileSync(join(dir, "fit.ts"), readFileSync(join(root, "examples/deno/fit.ts")));
    ok(npx(["check", "fit.ts"], deno, []), "deno check");
  });

  await test("deno run -A npm:kanwasm predicts what Node's model.predict gives", () => {
    const deno = join(root, "node_modules", ".bin", "deno");
    const r = ok(npx(["predict", "model.safetensors", "data.csv"], deno, ["run", "-A", "--no-prompt", "npm:kanwasm"]), "deno");
    same(predCol(r.stdout), expected.pred, "deno predict");
  });
}

for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name}${r.ok ? "" : `\n    ${r.error.replace(/\n/g, "\n    ")}`}`);
const failed = results.filter((r) => !r.ok).length;
if (failed) console.log(`\n(scratch project kept for a look: ${dir})`);
console.log(`\nconsumer: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
