// Micro-benchmarks of the core's kernels through the raw layer: the SIMD dot products
// against their scalar twins, and bsplineBasis throughput in float64 and float32.
//   npm run bench
import { bsplineBasis, init, rawKernel } from "kanwasm";

await init();
const kernel = rawKernel();

/** Median time in ms of `reps` calls of fn over `rounds` rounds. */
function time(fn, reps, rounds = 7) {
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    times.push((performance.now() - t0) / reps);
  }
  return times.sort((a, b) => a - b)[rounds >> 1];
}

const n = 4096;
const reps = 20_000;
for (const [Float, bits] of [[Float32Array, 32], [Float64Array, 64]]) {
  const a = Float.from({ length: n }, (_, i) => Math.sin(i));
  const b = Float.from({ length: n }, (_, i) => Math.cos(i));
  kernel.scope((s) => {
    const pa = s.put(a);
    const pb = s.put(b);
    const simd = kernel.raw[`kw_simd_dot_f${bits}`];
    const scalar = kernel.raw[`kw_scalar_dot_f${bits}`];
    const tSimd = time(() => simd(pa, pb, n), reps);
    const tScalar = time(() => scalar(pa, pb, n), reps);
    const gflops = (t) => ((2 * n) / (t * 1e6)).toFixed(2);
    console.log(
      `dot f${bits} n=${n}: simd ${(tSimd * 1e3).toFixed(2)} µs (${gflops(tSimd)} GFLOP/s), ` +
        `scalar ${(tScalar * 1e3).toFixed(2)} µs (${gflops(tScalar)} GFLOP/s), speed-up ${(tScalar / tSimd).toFixed(2)}x`,
    );
  });
}

const x = Float64Array.from({ length: 10_000 }, (_, i) => -1 + (2 * i) / 9_999);
for (const dtype of ["float64", "float32"]) {
  const t = time(() => bsplineBasis(x, { grid: 10, k: 3, dtype }), 50);
  console.log(`bsplineBasis ${dtype} 10000 x 13 (grid 10, k 3): ${t.toFixed(3)} ms (${(x.length / t / 1e3).toFixed(1)} M points/s)`);
}
