// The SIMD kernels against their scalar twins, through the raw layer.
import { rawKernel } from "kanwasm";
import { close, ok, random } from "./assert.js";

const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 100, 1001, 4099];

function dots(Float, simd, scalar) {
  const kernel = rawKernel();
  const rand = random(Float === Float32Array ? 32 : 64);
  return LENGTHS.map((n) => {
    const a = Float.from({ length: n }, () => rand(-1, 1));
    const b = Float.from({ length: n }, () => rand(-1, 1));
    let exact = 0;
    let magnitude = 0;
    for (let i = 0; i < n; i++) {
      exact += a[i] * b[i];
      magnitude += Math.abs(a[i] * b[i]);
    }
    const [s, t] = kernel.scope((sc) => {
      const pa = sc.put(a);
      const pb = sc.put(b);
      return [kernel.raw[simd](pa, pb, n), kernel.raw[scalar](pa, pb, n)];
    });
    return { n, simd: s, scalar: t, exact, magnitude };
  });
}

function check(rows, eps) {
  for (const { n, simd, scalar, exact, magnitude } of rows) {
    // Sums in another order differ by at most ~n * eps * sum|a_i b_i|.
    const tol = { abs: (n + 1) * eps * magnitude + 1e-300 };
    close([simd], [scalar], tol, `n=${n} simd vs scalar`);
    close([simd], [exact], tol, `n=${n} simd vs exact`);
    ok(Number.isFinite(simd), `n=${n} finite`);
  }
}

export const cases = [
  {
    name: "simd dot f32 = scalar dot f32",
    fn: () => check(dots(Float32Array, "kw_simd_dot_f32", "kw_scalar_dot_f32"), 2 ** -24),
  },
  {
    name: "simd dot f64 = scalar dot f64",
    fn: () => check(dots(Float64Array, "kw_simd_dot_f64", "kw_scalar_dot_f64"), 2 ** -53),
  },
];
