// model.derivatives: exact gradients and Hessians of the outputs against central differences
// of predict (float64), on spline edges, symbolic edges and multiplication nodes, at points
// inside and outside the grid; value equal to predict bit for bit; misuse as KanError.
import { KAN } from "kanwasm";
import { equal, ok, throwsKan } from "./assert.js";

/** Points inside [-1, 1]^2 and past the grid on either side. */
const POINTS = [[0.31, -0.47], [-0.83, 0.66], [0.05, 0.93], [1.37, 0.12], [-0.2, -1.61], [2.4, -2.2]];

/** A [2, [2, 1], 2] model, parameters moved off their start, with a symbolic edge in each layer. */
function model(dtype = "float64") {
  const m = new KAN({ width: [2, [2, 1], 2], grid: 5, seed: 4, dtype });
  for (let l = 0; l < 2; l++) {
    const c = m.getLayerArray(l, "coef");
    m.setLayerArray(l, "coef", c.map((v, i) => v + 0.2 * Math.sin(1.7 * i + l)));
  }
  m.fixSymbolic(0, 1, 2, "sin", { fitParams: false });
  m.fixSymbolic(1, 2, 0, "x^2", { fitParams: false });
  const aff = m.getLayerArray(0, "affine");
  aff.set([1.3, 0.2, 0.7, -0.1], 4 * (1 * 4 + 2));
  m.setLayerArray(0, "affine", aff);
  return m;
}

/** |a - e| <= tol * (1 + |e|), naming the entry. */
function near(a, e, tol, label) {
  ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${label}: ${a} vs ${e} (tol ${tol})`);
}

export const cases = [
  {
    name: "derivatives: gradient and Hessian match central differences of predict (spline, symbolic, mult nodes; inside and outside the grid)",
    fn: () => {
      const m = model();
      const f = (x) => m.predict([x]).data;
      const { value, gradient, hessian } = m.derivatives(POINTS, { order: 2 });
      equal(gradient.length, POINTS.length * 2 * 2, "gradient length");
      equal(hessian.length, POINTS.length * 2 * 4, "hessian length");
      POINTS.forEach((x, r) => {
        const h1 = 1e-5;
        for (let a = 0; a < 2; a++) {
          const xp = x.slice();
          const xm = x.slice();
          xp[a] += h1;
          xm[a] -= h1;
          const [yp, ym] = [f(xp), f(xm)];
          for (let j = 0; j < 2; j++) {
            near(gradient[(r * 2 + j) * 2 + a], (yp[j] - ym[j]) / (2 * h1), 1e-6, `dy${j}/dx${a} at ${x}`);
          }
        }
        const h2 = 1e-4;
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            const at = (sa, sb) => {
              const z = x.slice();
              z[a] += sa * h2;
              z[b] += sb * h2;
              return f(z);
            };
            const [pp, pm, mp, mm] = [at(1, 1), at(1, -1), at(-1, 1), at(-1, -1)];
            for (let j = 0; j < 2; j++) {
              const fd = (pp[j] - pm[j] - mp[j] + mm[j]) / (4 * h2 * h2);
              near(hessian[((r * 2 + j) * 2 + a) * 2 + b], fd, 1e-4, `d2y${j}/dx${a}dx${b} at ${x}`);
            }
          }
        }
      });
      const p = m.predict(POINTS);
      ok(value.data.every((v, i) => Object.is(v, p.data[i])), "value equals predict bit for bit");
      m.dispose();
    },
  },
  {
    name: "derivatives: order 1 gives the same gradient without a Hessian; float32 models agree with float64 ones",
    fn: () => {
      const m = model();
      const d2 = m.derivatives(POINTS, { order: 2 });
      const d1 = m.derivatives(POINTS);
      equal(d1.hessian, undefined, "no hessian at order 1");
      ok(d1.gradient.every((v, i) => v === d2.gradient[i]), "order 1 gradient equals order 2's");
      const m32 = model("float32");
      const d32 = m32.derivatives(POINTS, { order: 2 });
      ok(d32.value.data instanceof Float32Array, "float32 value");
      const p32 = m32.predict(POINTS);
      ok(d32.value.data.every((v, i) => Object.is(v, p32.data[i])), "float32 value equals predict bit for bit");
      // the float32 model's parameters are the float64 one's rounded: derivatives agree to that precision
      d32.gradient.forEach((v, i) => near(v, d2.gradient[i], 1e-4, `float32 gradient ${i}`));
      d32.hessian.forEach((v, i) => near(v, d2.hessian[i], 1e-3, `float32 hessian ${i}`));
      m.dispose();
      m32.dispose();
    },
  },
  {
    name: "derivatives: misuse → KanError naming the argument",
    fn: async () => {
      const m = new KAN({ width: [2, 3, 1] });
      const e1 = await throwsKan(() => m.derivatives([[0, 0]], { order: 3 }), "INVALID_ARGUMENT", "order 3");
      ok(e1.message.includes('"order"'), e1.message);
      await throwsKan(() => m.derivatives([[0, 0]], { order: "2" }), "INVALID_ARGUMENT", "order as a string");
      await throwsKan(() => m.derivatives([[0, 0]], { ordre: 2 }), "UNKNOWN_OPTION", "unknown option");
      const e2 = await throwsKan(() => m.derivatives([[0, 0, 1]]), "SHAPE_MISMATCH", "three columns");
      ok(e2.message.includes("derivatives: input"), e2.message);
      const e3 = await throwsKan(() => m.derivatives([[0, NaN]]), "NON_FINITE", "NaN input");
      ok(e3.message.includes("derivatives: input"), e3.message);
      m.dispose();
      await throwsKan(() => m.derivatives([[0, 0]]), "DISPOSED", "after dispose");
    },
  },
];
