// KAN.fromExpression: the model computes its expression to rounding (against the same
// expression in JavaScript), trains, and gives the structure tools exact Hessians to read.
import { KAN, createDataset } from "kanwasm";
import { equal, ok, throwsKan } from "./assert.js";

/** A 21 x 21 grid on [-1, 1]^2, or `n` scattered points in (0.1, 0.9)^d. */
const grid2 = () => Array.from({ length: 441 }, (_, q) => [-1 + (q % 21) / 10, -1 + Math.floor(q / 21) / 10]);
const scattered = (n, d) =>
  Array.from({ length: n }, (_, r) => Array.from({ length: d }, (_, i) => 0.1 + 0.8 * Math.abs(Math.sin(1.7 * r + 2.3 * i))));

/** The largest |model - f| / (1 + |f|) over the rows of x, for output j. */
function worst(m, f, x, j = 0) {
  const p = m.predict(x);
  return Math.max(...x.map((row, r) => Math.abs(p.data[r * p.cols + j] - f(row)) / (1 + Math.abs(f(row)))));
}

const CASES = [
  // [text, function, width]: carries (x3 in a deeper product), copies (x1 through three functions), divisions, powers
  ["x1*x2*x3 + 2", ([a, b, c]) => a * b * c + 2],
  ["sin(x1) + x1^2 + cos(2*x1 + 1)", ([a]) => Math.sin(a) + a * a + Math.cos(2 * a + 1), [1, 3, 1]],
  ["x1/x2 - 3*x3^3", ([a, b, c]) => a / b - 3 * c ** 3],
  ["2^x1 + x2^x1", ([a, b]) => 2 ** a + b ** a],
  ["sqrt(x1^2 + x2^2)*exp(-x3)", ([a, b, c]) => Math.sqrt(a * a + b * b) * Math.exp(-c)],
  ["tanh(x1*(x2 + 1)) - x1/2", ([a, b]) => Math.tanh(a * (b + 1)) - a / 2],
  ["exp(-(x1 - 0.5)^2/0.1) * (1 + x2)", ([a, b]) => Math.exp(-((a - 0.5) ** 2) / 0.1) * (1 + b)],
];

export const cases = [
  {
    name: "fromExpression: exp(sin(pi*x1) + x2^2) + x1*x2 predicts its expression within 1e-12 (float64)",
    fn: () => {
      const m = KAN.fromExpression("exp(sin(pi*x1) + x2^2) + x1*x2");
      equal(JSON.stringify(m.width), "[2,[1,1],1]", "width: one sum node, one multiplication node");
      const f = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y) + x * y;
      const x = grid2();
      const p = m.predict(x).data;
      const err = Math.max(...x.map((row, r) => Math.abs(p[r] - f(row))));
      ok(err <= 1e-12, `max |model - f| = ${err}`);
      equal(m.symbolicFormula()[0], "x1*x2 + exp(x2^2 + sin(3.1416*x1))", "formula");
      m.dispose();
    },
  },
  {
    name: "fromExpression: sums, products of three, copies, carries, divisions and powers, to rounding; several outputs",
    fn: () => {
      for (const [text, f, width] of CASES) {
        const m = KAN.fromExpression(text);
        const e = worst(m, f, scattered(200, m.inDim));
        ok(e <= 1e-13, `${text}: relative error ${e}`);
        if (width) equal(JSON.stringify(m.width), JSON.stringify(width), `${text}: width`);
        m.dispose();
      }
      const two = KAN.fromExpression(["a*b + c", "sin(a) - c^2"], { inputNames: ["a", "b", "c"], dtype: "float32" });
      equal(two.outDim, 2, "two outputs");
      const x = scattered(50, 3);
      ok(worst(two, ([a, b, c]) => a * b + c, x, 0) <= 1e-6, "output 0 in float32");
      ok(worst(two, ([a, , c]) => Math.sin(a) - c * c, x, 1) <= 1e-6, "output 1 in float32");
      two.dispose();
    },
  },
  {
    name: "fromExpression: ready to train: fit moves the symbolic constants to data of a nearby function",
    fn: async () => {
      const data = createDataset(([x, y]) => 1.3 * Math.sin(2.2 * x) + 0.8 * y * y, { nVar: 2, trainNum: 200, testNum: 100, seed: 1 });
      const m = KAN.fromExpression("sin(2*x1) + x2^2");
      const before = m.evaluate(data).testRmse;
      await m.fit(data, { steps: 20, updateGrid: false });
      const after = m.evaluate(data).testRmse;
      ok(before > 0.1 && after < 1e-6, `test RMSE ${before} before, ${after} after`);
    },
  },
  {
    name: "separability and tree on exact models: products, a square of a sum, a sum",
    fn: () => {
      const x = scattered(100, 3).map((r, q) => r.map((v) => (q % 2 ? -v : v)));
      const read = (text) => {
        const m = KAN.fromExpression(text);
        const s = m.separability(x);
        const t = m.tree(x);
        m.dispose();
        return [JSON.stringify(s.additive), JSON.stringify(s.multiplicative), t.root.op];
      };
      equal(read("x1*x2*x3").join(" "), "[[0,1,2]] [[0],[1],[2]] mul", "x1 x2 x3");
      equal(read("(x1 + x2)^2*exp(x3)").join(" "), "[[0,1,2]] [[0,1],[2]] mul", "(x1 + x2)^2 e^x3");
      equal(read("sin(x1)*exp(x2) + x3^2").join(" "), "[[0,1],[2]] [[0,1,2]] add", "sin(x1) e^x2 + x3^2");
      equal(read("x1 + cos(x2) + x3^3").join(" "), "[[0],[1],[2]] [[0,1,2]] add", "a sum");
    },
  },
  {
    name: "fromExpression: bad text and options throw KanError naming the column, the symbol or the option",
    fn: async () => {
      const col = await throwsKan(() => KAN.fromExpression("exp(x1 +"), "INVALID_ARGUMENT", "unfinished");
      ok(/column 9/.test(col.message), col.message);
      const sym = await throwsKan(() => KAN.fromExpression("x1 + y"), "INVALID_ARGUMENT", "unknown symbol");
      ok(/"y"/.test(sym.message) && /column 6/.test(sym.message), sym.message);
      const fn = await throwsKan(() => KAN.fromExpression("foo(x1)"), "INVALID_ARGUMENT", "unknown function");
      ok(/"foo"/.test(fn.message), fn.message);
      const eq = await throwsKan(() => KAN.fromExpression("x1 = 2"), "INVALID_ARGUMENT", "an equation");
      ok(/column 4/.test(eq.message), eq.message);
      await throwsKan(() => KAN.fromExpression("x1^7"), "INVALID_ARGUMENT", "a power outside the library");
      await throwsKan(() => KAN.fromExpression("x1 - x1 + 2"), "INVALID_ARGUMENT", "a constant");
      await throwsKan(() => KAN.fromExpression(""), "INVALID_ARGUMENT", "empty text");
      await throwsKan(() => KAN.fromExpression(["x1", 3]), "INVALID_ARGUMENT", "not a string");
      await throwsKan(() => KAN.fromExpression("x1", { width: [1, 1] }), "UNKNOWN_OPTION", "width");
      const names = await throwsKan(() => KAN.fromExpression("a", { inputNames: ["a", "a"] }), "INVALID_ARGUMENT", "twice");
      ok(/inputNames\[1\]/.test(names.message), names.message);
    },
  },
];
