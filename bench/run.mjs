// `npm run bench`: kanwasm against the tools users would otherwise pick, in one run on one
// machine, one thread each (issue 6).
//
//   node bench/run.mjs [--time S] [--only kanwasm,torch,tfjs] [--shapes 1,3] [--no-write] [--kernels] [--wasm PATH]
//   node bench/run.mjs --pde [--mesh N]   time to solve Poisson's equation to 1e-6 (bench/pde.mjs)
//   node bench/run.mjs --workflow [--pykan DIR]   pykan's hellokan tutorial stage by stage,
//                                          beside pykan's own run (bench/workflow.mjs)
//   node bench/run.mjs --feynman [--only NAME,..] [--train N] [--seed S] [--steps N]   discover on the
//                                          Feynman equations of up to 3 variables (bench/feynman.mjs)
//   node bench/run.mjs --threads          training on threads 1, 2 and auto (bench/threads.mjs)
//
// For every shape and dtype it measures training throughput (samples/s of forward +
// backward + Adam step, updateGrid off) and inference throughput (samples/s of predict on
// `batch` rows) of
//   - kanwasm in Node (this package, imported as "kanwasm" from dist/);
//   - a PyTorch CPU reference KAN in the dense efficient-kan formulation (bench/torch_kan.py,
//     Debian's python3-torch, one thread; OPENBLAS_CORETYPE=SkylakeX on CPUs with avx512f),
//     and beside it a PyTorch ReLU MLP of about the KAN's parameter count;
//   - the same MLP in TF.js on the wasm backend, one thread (bench/tfjs_mlp.mjs; float32
//     only: TF.js has no float64);
// and the GFLOP/s of kanwasm's forward spline kernel next to a measured wasm-SIMD peak;
// then the hellokan workflow (bench/workflow.mjs), beside pykan's with --pykan DIR, and
// training on several threads as ratios against one (bench/threads.mjs).
// Prints the tables and writes them to bench/RESULTS.md. A missing baseline is skipped with a
// message; the bench never fails because of a baseline.
//
//   --time S      seconds per measurement (default 1.5; env BENCH_TIME)
//   --only LIST   run only these of kanwasm, torch, tfjs, workflow, threads
//   --pykan DIR   a pykan checkout: the workflow also runs in pykan (env BENCH_PYKAN)
//   --shapes LIST run only these shapes (1-based indices into SHAPES of bench/options.mjs)
//   --no-write    do not write bench/RESULTS.md
//   --passes N    measure every shape N times, in N passes over the list, and keep each
//                 tool's best figure (default 3): on a shared machine a quiet moment for one
//                 tool may be a busy one for the other (on the VM the bench was written on,
//                 the same build on the same pinned core ran at 16k or 25k samples/s,
//                 depending on the minute), and more passes even that out
//   --kernels     also run bench/kernels.mjs (SIMD dot vs scalar, bsplineBasis throughput)
//   --wasm PATH   run kanwasm on another build of the module (e.g. to compare optimisation levels);
//                 by default the benchmark module .tmp/kanwasm-bench.wasm (scripts/build-wasm.sh),
//                 the release core plus the peak probe and the forward-kernel timer
//   env BENCH_PYTHON  the python with torch (default /usr/bin/python3, then python3 on PATH)
//
// Like the baselines, kanwasm runs each shape of each pass in a fresh process (this script
// with --child): where the engine places compiled code differs from process to process, and
// with it the speed of a hot loop (by up to a quarter here), so best-of-passes should not
// hang on one process's draw.
//
// The parts: bench/options.mjs (shapes, command line), bench/kanwasm.mjs (kanwasm's
// measurements), bench/baselines.mjs (PyTorch, TF.js), bench/report.mjs (table, RESULTS.md).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuInfo, describeTorch, kanParams, mlpFor, runChild, setUpTorch, tfjsInstalled } from "./baselines.mjs";
import { childMain, loadKanwasm, simdPeak } from "./kanwasm.mjs";
import { DTYPES, parseOptions, usage } from "./options.mjs";
import { fmt, throughputReport, writeResults } from "./report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

// Modes that replace the throughput run: flag -> the module that runs on import.
const MODES = {
  "--pde": "./pde.mjs", "--workflow": "./workflow.mjs", "--feynman": "./feynman.mjs", "--threads": "./threads.mjs",
};
const mode = Object.keys(MODES).find((m) => args.includes(m));
if (mode) {
  await import(MODES[mode]);
  process.exit(0);
}
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage(readFileSync(fileURLToPath(import.meta.url), "utf8")));
  process.exit(0);
}
const { timeBox, passes, only, shapes, write, kernels, wasm, pykan, child } = parseOptions(args);
const started = Date.now();
const log = (...m) => console.error(...m);

const { wasmPath } = await loadKanwasm(wasm);
const pkg = JSON.parse(readFileSync(join(here, "../package.json"), "utf8"));

// ---- a child: kanwasm on one shape ------------------------------------------------------------
if (child) {
  await childMain(JSON.parse(child), timeBox);
  process.exit(0);
}

// ---- the run ---------------------------------------------------------------------------------
const cpu = cpuInfo();
const skipped = [];
const skip = (m) => {
  if (!skipped.includes(m)) skipped.push(m);
};
const warnings = [];
const loadStart = os.loadavg()[0];
if (loadStart > 0.5) {
  log(`bench: the load average is ${loadStart.toFixed(2)}: other work on this machine will lower the numbers`);
}
log(`bench: ${shapes.length} shapes x ${DTYPES.join("/")}, ${timeBox} s per measurement, on ${cpu.model} ` +
  `(${cpu.cores} cores)`);

let peak;
if (only.has("kanwasm")) {
  peak = simdPeak();
  if (peak === undefined) {
    skip(`wasm-SIMD peak: ${wasmPath ?? "dist/kanwasm.wasm"} has no kw_simd_peak_f32 export (the benchmark module ` +
      ".tmp/kanwasm-bench.wasm has; npm run build makes it)");
  } else log(`wasm-SIMD peak (f32x4 multiply-add, 1 thread): ${peak.toFixed(1)} GFLOP/s`);
}

// Shape by shape, kanwasm then its baselines, so that each ratio compares measurements taken
// within seconds of each other (other work on a shared machine comes and goes).
const kw = new Map();
const pt = new Map();
const tj = new Map();
let torchInfo;
let tfjsInfo;
const torch = only.has("torch") ? setUpTorch(cpu, skip, log) : undefined;
const tfjs = only.has("tfjs") && tfjsInstalled();
if (only.has("tfjs") && !tfjs) {
  skip("TF.js MLP: @tensorflow/tfjs or @tensorflow/tfjs-backend-wasm is not installed (npm install)");
}

/**
 * Keeps, field by field, the higher throughput of two measurements of the same thing; the
 * kernel rate keeps the peak read beside it.
 */
function best(prev, next) {
  if (!prev) return next;
  const out = { ...next };
  for (const f of ["train", "infer", "mlpTrain", "mlpInfer"]) {
    if (typeof prev[f] === "number" && !(next[f] >= prev[f])) out[f] = prev[f];
  }
  if (typeof prev.kernel === "number" && !(next.kernel >= prev.kernel)) {
    [out.kernel, out.kernelPeak] = [prev.kernel, prev.kernelPeak];
  }
  return out;
}

for (let pass = 1; pass <= passes; pass++) {
  if (passes > 1) log(`bench: pass ${pass} of ${passes}`);
  // the run's highest peak reading, for the record (the kernels' share of the peak uses the
  // readings taken beside them: see kernelRate)
  if (pass > 1 && peak !== undefined) peak = Math.max(peak, simdPeak());
  for (const s of shapes) {
    if (only.has("kanwasm")) {
      const job = JSON.stringify({ shape: s, dtypes: DTYPES });
      const argv = [fileURLToPath(import.meta.url), "--time", String(timeBox), "--child", job];
      if (wasmPath) argv.push("--wasm", wasmPath);
      const out = runChild(process.execPath, argv, {});
      for (const r of out.results ?? DTYPES.map((dtype) => ({ dtype, error: out.error }))) {
        if (r.error) {
          skip(`kanwasm ${s.id} ${r.dtype}: ${r.error}`);
          log(`kanwasm ${s.id} ${r.dtype}: failed: ${r.error}`);
          continue;
        }
        kw.set(`${s.id}|${r.dtype}`, best(kw.get(`${s.id}|${r.dtype}`), r));
        const beside = r.kernelPeak === undefined ? "" : `, peak beside them ${r.kernelPeak.toFixed(1)} GFLOP/s`;
        log(`kanwasm ${s.id} ${r.dtype}: train ${fmt(r.train)}/s, infer ${fmt(r.infer)}/s, ` +
          `forward kernels ${fmt(r.kernel)}/s${beside} (${r.params} params)`);
      }
    }
    // the MLP of about the KAN's parameter count, for PyTorch and TF.js alike
    const mlp = mlpFor(s, kw.get(`${s.id}|float32`)?.params ?? kanParams(s));
    if (torch) {
      const { id, width, grid, k, batch } = s;
      const cfg = { timeBox, dtypes: DTYPES, shapes: [{ id, width, grid, k, batch, mlp }] };
      const out = runChild(torch.py, [join(here, "torch_kan.py"), JSON.stringify(cfg)], torch.env);
      if (out.error) skip(`PyTorch reference ${s.id}: ${torch.py} bench/torch_kan.py ${out.error}`);
      else {
        torchInfo ??= describeTorch(out, torch, warnings, log);
        for (const r of out.results) pt.set(`${r.id}|${r.dtype}`, best(pt.get(`${r.id}|${r.dtype}`), r));
      }
    }
    if (tfjs) {
      const cfg = { timeBox, shapes: [{ id: s.id, mlp, batch: s.batch }] };
      const out = runChild(process.execPath, [join(here, "tfjs_mlp.mjs"), JSON.stringify(cfg)], {});
      if (out.error) skip(`TF.js MLP ${s.id}: bench/tfjs_mlp.mjs ${out.error}`);
      else {
        tfjsInfo ??= out;
        for (const r of out.results) tj.set(r.id, best(tj.get(r.id), r));
      }
    }
  }
}

// The peak once more at the end; the highest reading is the one least disturbed.
if (peak !== undefined) peak = Math.max(peak, simdPeak());
const loadEnd = os.loadavg()[0];

// ---- further sections: each a child printing { markdown } on its last line ---------------------
const sections = [];
if (only.has("workflow")) {
  const argv = [join(here, "workflow.mjs"), "--json", ...(pykan ? ["--pykan", pykan] : [])];
  const out = runChild(process.execPath, argv, {});
  if (out.error) skip(`hellokan workflow: bench/workflow.mjs ${out.error}`);
  else sections.push(out.markdown);
}
if (only.has("threads")) {
  const out = runChild(process.execPath, [join(here, "threads.mjs"), "--json", "--time", String(timeBox)], {});
  if (out.error) skip(`threads: bench/threads.mjs ${out.error}`);
  else sections.push(out.markdown);
}

// ---- the table -------------------------------------------------------------------------------
const report = throughputReport(shapes, { kw, pt, tj });
console.log();
console.log(report.mdTable);
console.log();
if (peak !== undefined) console.log(`wasm-SIMD peak (f32x4 multiply-add, one thread): ${peak.toFixed(1)} GFLOP/s`);
for (const l of report.gLines) console.log(l);
console.log("\nIssue 6 acceptance (float32):");
for (const l of report.checks) console.log(l);
for (const m of sections) console.log(`\n${m.trim()}`);
for (const m of skipped) console.log(`skipped: ${m}`);
for (const m of warnings) console.log(`warning: ${m}`);
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(`\nbench: done in ${minutes} min`);

if (write) {
  const env = { cpu, torchInfo, tfjsInfo, wasmPath, peak, version: pkg.version };
  writeResults({ ...env, timeBox, passes, loadStart, loadEnd, minutes, skipped, warnings }, report, sections);
  console.log("bench: wrote bench/RESULTS.md");
}

if (kernels) {
  console.log("\n## Kernel micro-benchmarks (bench/kernels.mjs)\n");
  spawnSync(process.execPath, [join(here, "kernels.mjs")], { cwd: join(here, ".."), stdio: "inherit" });
}
