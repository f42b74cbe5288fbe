// bsplineBasis against the golden file (an independent reference), in float64 and float32,
// first derivatives from the golden file and second derivatives against finite differences.
import { bsplineBasis, bsplineKnots } from "kanwasm";
import golden from "../golden/bspline.json" with { type: "json" };
import { close, equal, flat } from "./assert.js";

const F64 = { abs: 1e-12 };
// float32 keeps ~7 digits; x itself is rounded to float32, which moves B by |B'| * 6e-8 * |x|.
const f32 = (rows) => ({ rel: 1e-5, abs: 1e-5 * Math.max(1, ...flat(rows).map(Math.abs)) });

const label = (c) => `G=${c.G} k=${c.k} range=[${c.range}]`;
const gridOpts = (c, extra = {}) => ({ grid: c.G, k: c.k, gridRange: c.range, ...extra });

export const cases = [
  ...golden.cases.flatMap((c) => [
    {
      name: `knots ${label(c)}`,
      fn: () => {
        close(bsplineKnots(gridOpts(c)), c.knots, { abs: 1e-14 }, "knots");
        close(bsplineKnots(gridOpts(c, { dtype: "float32" })), c.knots, { rel: 1e-6, abs: 1e-7 }, "f32 knots");
      },
    },
    {
      name: `basis float64 ${label(c)}`,
      fn: () => {
        const m = bsplineBasis(c.x, gridOpts(c));
        equal(m.rows, c.x.length, "rows");
        equal(m.cols, c.G + c.k, "cols = grid + k");
        equal(m.data.constructor, Float64Array, "dtype");
        close(m.data, flat(c.basis), F64, "basis");
      },
    },
    {
      name: `first derivative float64 ${label(c)}`,
      fn: () => close(bsplineBasis(c.x, gridOpts(c, { derivative: 1 })).data, flat(c.dbasis), F64, "dbasis"),
    },
    {
      name: `basis and first derivative float32 ${label(c)}`,
      fn: () => {
        const m = bsplineBasis(c.x, gridOpts(c, { dtype: "float32" }));
        equal(m.data.constructor, Float32Array, "dtype");
        close(m.data, flat(c.basis), f32(c.basis), "basis");
        const d = bsplineBasis(c.x, gridOpts(c, { dtype: "float32", derivative: 1 }));
        close(d.data, flat(c.dbasis), f32(c.dbasis), "dbasis");
      },
    },
    {
      name: `second derivative = finite difference of the first ${label(c)}`,
      fn: () => {
        // Central differences are exact for the piecewise-quadratic B' of a cubic, and within
        // h^2 otherwise, as long as x +- h stays inside one knot interval (golden x come as
        // close as 1e-6 to a knot, so h shrinks there).
        const hs = c.x.map((x) => Math.min(1e-6, 0.25 * Math.min(...c.knots.map((t) => Math.abs(x - t)))));
        const d1 = (sign) => bsplineBasis(c.x.map((x, i) => x + sign * hs[i]), gridOpts(c, { derivative: 1 })).data;
        const [up, down] = [d1(1), d1(-1)];
        const fd = up.map((u, i) => (u - down[i]) / (2 * hs[Math.floor(i / (c.G + c.k))]));
        const d2 = bsplineBasis(c.x, gridOpts(c, { derivative: 2 }));
        close(d2.data, fd, { abs: 1e-6 * Math.max(1, ...fd.map(Math.abs)), rel: 1e-6 }, "d2basis");
        const d2f = bsplineBasis(c.x, gridOpts(c, { derivative: 2, dtype: "float32" }));
        close(d2f.data, d2.data, { rel: 1e-4, abs: 1e-4 * Math.max(1, ...d2.data.map(Math.abs)) }, "f32 d2basis");
      },
    },
    {
      name: `explicit knots match the grid ${label(c)}`,
      fn: () => {
        const m = bsplineBasis(c.x, { knots: c.knots, k: c.k });
        close(m.data, flat(c.basis), F64, "basis");
        const d = bsplineBasis(c.x, { knots: new Float32Array(c.knots), k: c.k, derivative: 1, dtype: "float32" });
        close(d.data, flat(c.dbasis), f32(c.dbasis), "f32 dbasis");
      },
    },
  ]),
  {
    name: "clamped knots give the Bernstein polynomials",
    fn: () => {
      // knots 0,0,0,1,1,1 with k = 2: B = ((1-x)^2, 2x(1-x), x^2), B' = (-2(1-x), 2-4x, 2x), B'' = (2, -4, 2).
      const x = [0.25, 0.5, 0.9];
      const knots = [0, 0, 0, 1, 1, 1];
      const b = bsplineBasis(x, { knots, k: 2 });
      equal(b.cols, 3, "cols");
      close(b.data, x.flatMap((t) => [(1 - t) ** 2, 2 * t * (1 - t), t * t]), F64, "B");
      const d = bsplineBasis(x, { knots, k: 2, derivative: 1 });
      close(d.data, x.flatMap((t) => [-2 * (1 - t), 2 - 4 * t, 2 * t]), F64, "B'");
      const d2 = bsplineBasis(x, { knots, k: 2, derivative: 2 });
      close(d2.data, x.flatMap(() => [2, -4, 2]), F64, "B''");
    },
  },
  {
    name: "defaults: gridRange [-1, 1], derivative 0, float64; empty x gives 0 rows",
    fn: () => {
      const m = bsplineBasis([0], { grid: 5, k: 3 });
      // x = 0 sits mid-interval of a uniform cubic: 1/48, 23/48, 23/48, 1/48 on basis 2..5.
      close(m.data, [0, 0, 1 / 48, 23 / 48, 23 / 48, 1 / 48, 0, 0], F64, "basis at 0");
      const e = bsplineBasis([], { grid: 5, k: 3 });
      equal(e.rows, 0, "rows");
      equal(e.cols, 8, "cols");
      equal(e.data.length, 0, "data length");
      const t = bsplineBasis(new Float32Array([0]), { grid: 5, k: 3 });
      close(t.data, m.data, F64, "typed-array x");
    },
  },
];
