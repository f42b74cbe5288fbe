// Misuse throws KanError with a code and a message that names the argument.
import { bsplineBasis, bsplineKnots, rawKernel, toMatrix } from "kanwasm";
import { ok, throwsKan } from "./assert.js";

const x = [0, 0.5];
const bad = (name, code, fn) => ({ name: `${name} → ${code}`, fn: () => throwsKan(fn, code, name) });

export const cases = [
  bad("unknown option name", "UNKNOWN_OPTION", () => bsplineBasis(x, { grid: 5, k: 3, grids: 5 })),
  bad("options not an object", "INVALID_ARGUMENT", () => bsplineBasis(x, null)),
  bad("grid 0", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 0, k: 3 })),
  bad("grid not an integer", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 2.5, k: 3 })),
  bad("grid a string", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: "5", k: 3 })),
  bad("k negative", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5, k: -1 })),
  bad("k missing", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5 })),
  bad("derivative 3", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5, k: 3, derivative: 3 })),
  bad("dtype float16", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5, k: 3, dtype: "float16" })),
  bad("gridRange reversed", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5, k: 3, gridRange: [1, -1] })),
  bad("gridRange not finite", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5, k: 3, gridRange: [0, Infinity] })),
  bad("neither grid nor knots", "INVALID_ARGUMENT", () => bsplineBasis(x, { k: 3 })),
  bad("both grid and knots", "INVALID_ARGUMENT", () => bsplineBasis(x, { grid: 5, knots: [0, 1, 2, 3, 4], k: 1 })),
  bad("knots decreasing", "INVALID_ARGUMENT", () => bsplineBasis(x, { knots: [0, 1, 0.5, 2], k: 1 })),
  bad("too few knots", "INVALID_ARGUMENT", () => bsplineBasis(x, { knots: [0, 1, 2], k: 2 })),
  bad("knots with NaN", "NON_FINITE", () => bsplineBasis(x, { knots: [0, NaN, 1, 2], k: 1 })),
  bad("x with NaN", "NON_FINITE", () => bsplineBasis([0, NaN], { grid: 5, k: 3 })),
  bad("x with Infinity", "NON_FINITE", () => bsplineBasis([Infinity], { grid: 5, k: 3 })),
  bad("x not an array", "INVALID_ARGUMENT", () => bsplineBasis(0.5, { grid: 5, k: 3 })),
  bad("x with a string", "INVALID_ARGUMENT", () => bsplineBasis(["0.5"], { grid: 5, k: 3 })),
  bad("bsplineKnots unknown option", "UNKNOWN_OPTION", () => bsplineKnots({ grid: 5, k: 3, derivative: 1 })),
  bad("ragged rows", "SHAPE_MISMATCH", () => toMatrix([[1, 2], [3]], "input")),
  bad("data length ≠ rows x cols", "SHAPE_MISMATCH", () => toMatrix({ rows: 2, cols: 2, data: [1, 2, 3] }, "input")),
  bad("matrix with NaN", "NON_FINITE", () => toMatrix([[1, NaN]], "input")),
  bad("matrix of strings", "INVALID_ARGUMENT", () => toMatrix("abc", "input")),
  {
    name: "the message names the option and the value",
    fn: async () => {
      const e = await throwsKan(() => bsplineBasis(x, { grid: 0, k: 3 }), "INVALID_ARGUMENT");
      ok(e.message.includes("grid") && e.message.includes("0"), e.message);
      const u = await throwsKan(() => bsplineBasis(x, { grid: 5, k: 3, gird: 1 }), "UNKNOWN_OPTION");
      ok(u.message.includes("gird"), u.message);
    },
  },
  {
    name: "the core's own checks surface as KanError with its message",
    fn: async () => {
      // Past the TypeScript checks: the raw call with derivative 7 must fail inside the core.
      const kernel = rawKernel();
      const e = await throwsKan(
        () =>
          kernel.scope((s) => {
            const xs = s.put(new Float64Array([0]));
            const knots = s.put(new Float64Array([-1, 0, 1, 2]));
            const out = s.alloc(8 * 4);
            kernel.check("kw_bspline_basis_f64", kernel.raw.kw_bspline_basis_f64(xs, 1, knots, 4, 1, 7, out));
          }),
        "INVALID_ARGUMENT",
      );
      ok(e.message.startsWith("kw_bspline_basis_f64: ") && e.message.length > 24, e.message);
    },
  },
  {
    name: "a wasm trap becomes KanError INTERNAL",
    fn: async () => {
      const { raw } = rawKernel();
      const beyond = raw.memory.buffer.byteLength + 4096;
      await throwsKan(() => raw.kw_simd_dot_f64(beyond, beyond, 16), "INTERNAL");
    },
  },
];
