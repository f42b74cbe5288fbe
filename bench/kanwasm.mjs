// kanwasm's side of the throughput bench: the package loaded on the benchmark module, the
// wasm-SIMD peak probe, and one shape's training, inference and forward-kernel rates, measured
// in a child process of bench/run.mjs (see there why each shape gets a fresh process).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure, mulberry32 } from "./timing.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

let kanwasm;

/**
 * Loads the package from dist/ on `wasm` (default: the benchmark module .tmp/kanwasm-bench.wasm
 * when built, which adds the peak probe and the kernel timer); exits when dist/ is missing.
 * Returns the package and the module path used (undefined: dist/kanwasm.wasm).
 */
export async function loadKanwasm(wasm) {
  if (!existsSync(join(root, "dist/index.js")) || !existsSync(join(root, "dist/kanwasm.wasm"))) {
    console.error("bench: dist/ is missing; run `npm run build` first");
    process.exit(1);
  }
  kanwasm = await import("kanwasm");
  const benchModule = join(root, ".tmp/kanwasm-bench.wasm");
  const wasmPath = wasm ?? (existsSync(benchModule) ? benchModule : undefined);
  await kanwasm.init(wasmPath ? { wasm: readFileSync(wasmPath) } : {});
  return { kanwasm, wasmPath };
}

/** Best of `runs` runs of the f32x4 multiply-add probe (12 chains, 96 flops per iteration), in GFLOP/s. */
export function simdPeak(runs = 5) {
  const probe = kanwasm.rawKernel().raw.kw_simd_peak_f32;
  if (typeof probe !== "function") return undefined;
  probe(1e6);
  let best = 0;
  for (let r = 0; r < runs; r++) {
    const iters = 1e7;
    const t0 = performance.now();
    probe(iters);
    const s = (performance.now() - t0) / 1e3;
    best = Math.max(best, (96 * iters) / s / 1e9);
  }
  return best;
}

/** Inputs U[-1, 1] and smooth labels sin(x @ P): n rows. */
function makeData(nIn, nOut, n, Float, seed) {
  const rnd = mulberry32(seed);
  const x = Float.from({ length: n * nIn }, () => 2 * rnd() - 1);
  const p = Float64Array.from({ length: nIn * nOut }, () => (2 * rnd() - 1) * Math.sqrt(3 / nIn));
  const y = new Float(n * nOut);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < nOut; j++) {
      let s = 0;
      for (let i = 0; i < nIn; i++) s += x[r * nIn + i] * p[i * nOut + j];
      y[r * nOut + j] = Math.sin(s);
    }
  }
  return { x: { rows: n, cols: nIn, data: x }, y: { rows: n, cols: nOut, data: y } };
}

/** Spline flops of one forward sample: 2 (k+1) in out, summed over layers. */
export const splineFlops = (s) => s.width.slice(1).reduce((acc, out, l) => acc + 2 * (s.k + 1) * s.width[l] * out, 0);

/** Training, inference and forward-kernel rates (samples/s) of shape `s` in `dtype`. */
export async function benchKanwasm(s, dtype, timeBox) {
  const Float = dtype === "float32" ? Float32Array : Float64Array;
  const nIn = s.width[0];
  const nOut = s.width[s.width.length - 1];
  const { x, y } = makeData(nIn, nOut, 2 * s.batch, Float, 3);
  const data = { trainInput: x, trainLabel: y };
  const xInf = { rows: s.batch, cols: nIn, data: x.data.slice(0, s.batch * nIn) };
  const model = new kanwasm.KAN({ width: s.width, grid: s.grid, k: s.k, dtype, seed: 1 });
  try {
    const fitOpts = { opt: "adam", lr: 1e-3, batch: s.batch, updateGrid: false };
    const train = await measure((steps) => model.fit(data, { ...fitOpts, steps }), s.batch, timeBox);
    const infer = await measure((calls) => {
      for (let c = 0; c < calls; c++) model.predict(xInf);
    }, s.batch, timeBox);
    const { rate: kernel, peak: kernelPeak } = kernelRate(model, xInf, timeBox) ?? {};
    return { params: model.numParams, train, infer, kernel, kernelPeak };
  } finally {
    model.dispose();
  }
}

/**
 * Samples/s of the forward spline kernels alone (every layer, on bases and weights prepared
 * once): `kw_model_kernel_forward` runs them `reps` times after a preparation that a call
 * with `reps = 0` times on its own and that is subtracted. Best round, as `measure`.
 * The kernels' share of the SIMD peak should compare readings taken the same way, so the
 * rounds alternate with runs of the peak probe and last about as long as one of them (some
 * 20 ms): on a shared machine both swing by up to 1.7x within a minute, and this CPU runs a
 * burst of 20 ms faster than a stretch of 300 ms. `peak` is the best probe reading here.
 */
function kernelRate(model, x, timeBox) {
  const k = kanwasm.rawKernel();
  const fn = k.raw.kw_model_kernel_forward;
  if (typeof fn !== "function") return undefined;
  const data = x.data instanceof Float64Array ? x.data : Float64Array.from(x.data);
  const call = (reps) =>
    k.scope((sc) => {
      const px = sc.put(data);
      const po = sc.alloc(8);
      const t0 = performance.now();
      const rc = fn(kanwasm.rawHandle(model, "bench"), px, x.rows, reps, po);
      const dt = performance.now() - t0;
      if (rc !== 0) throw new Error(`kw_model_kernel_forward returned ${rc}`);
      return dt;
    });
  call(3); // warm-up
  let setup = Infinity;
  for (let r = 0; r < 5; r++) setup = Math.min(setup, call(0));
  const one = Math.max((call(10) - setup) / 10, 1e-3);
  const t0 = performance.now();
  let peak = simdPeak(1);
  const probeMs = performance.now() - t0;
  const reps = Math.max(2, Math.round(Math.max(probeMs, 10) / one));
  let best = 0;
  const start = performance.now();
  for (let round = 0; round < 5 || performance.now() - start < timeBox * 1000; round++) {
    const dt = call(reps);
    best = Math.max(best, (reps * x.rows) / (Math.max(dt - setup, 1e-3) / 1000));
    const p = simdPeak(1);
    if (p !== undefined) peak = Math.max(peak ?? 0, p);
  }
  return { rate: best, peak };
}

/** The child process's work: every dtype of one shape, printed as JSON on the last line. */
export async function childMain({ shape, dtypes }, timeBox) {
  const results = [];
  for (const dtype of dtypes) {
    try {
      results.push({ dtype, ...(await benchKanwasm(shape, dtype, timeBox)) });
    } catch (e) {
      results.push({ dtype, error: `${e?.code ?? ""} ${e?.message ?? e}`.trim() });
    }
  }
  console.log(JSON.stringify({ results }));
}
