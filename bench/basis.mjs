// Sparse B-spline evaluation in wasm: k + 1 = 4 values per point (cubic), at grids 5, 20 and
// 100. The cost per point should not grow with the grid: only the knot interval's bases are
// computed (the span search is O(1) on uniform knots). Run: node bench/basis.mjs
// The sparse basis is an export of the benchmark module (.tmp/kanwasm-bench.wasm, built by
// scripts/build-wasm.sh), not of the release module.
import { readFileSync } from "node:fs";
import { init, rawKernel, bsplineKnots } from "kanwasm";

await init({ wasm: readFileSync(new URL("../.tmp/kanwasm-bench.wasm", import.meta.url)) });
const kernel = rawKernel();
const raw = kernel.raw;
const n = 200_000;
const k = 3;
const rows = [];
for (const dtype of ["float32", "float64"]) {
  const F = dtype === "float32" ? Float32Array : Float64Array;
  const fn = dtype === "float32" ? raw.kw_bspline_sparse_f32 : raw.kw_bspline_sparse_f64;
  const x = F.from({ length: n }, (_, i) => -1 + (2 * ((i * 7919) % n)) / n);
  for (const grid of [5, 20, 100]) {
    const t = F.from(bsplineKnots({ grid, k, dtype }));
    const rate = kernel.scope((s) => {
      const px = s.put(x);
      const pt = s.put(t);
      const ps = s.alloc(4 * n);
      const pv = s.alloc(F.BYTES_PER_ELEMENT * n * (k + 1));
      kernel.check("bench", fn(px, n, pt, t.length, k, ps, pv)); // warm-up
      let reps = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 500) {
        kernel.check("bench", fn(px, n, pt, t.length, k, ps, pv));
        reps++;
      }
      return (reps * n) / ((performance.now() - t0) / 1000);
    });
    rows.push({ dtype, grid, rate });
  }
}
console.log("sparse cubic B-spline basis in wasm (k + 1 = 4 values per point):");
for (const { dtype, grid, rate } of rows) {
  const base = rows.find((r) => r.dtype === dtype && r.grid === 5).rate;
  console.log(`  ${dtype} grid ${String(grid).padStart(3)}: ${(rate / 1e6).toFixed(1).padStart(6)} M evaluations/s  (${(rate / base).toFixed(2)}x grid 5)`);
}
