// The equation language and model.fitPDE: programs checked against a reference evaluation of
// the equations on the model's own derivatives, a small ODE solved to its exact solution, and
// malformed problems refused (KanError naming the problem) with the model left as it was.
import { KAN, SYMBOLIC_LIB, emitProgram, parseEquation } from "kanwasm";
import { equal, ok, throwsKan } from "./assert.js";

const names = { inputNames: ["x", "y"], outputNames: ["u"] };
const sin = SYMBOLIC_LIB.find((f) => f.name === "sin").fn;

/** Points inside [-1, 1]^2 and a few past it. */
const PTS = [[0.31, -0.47], [-0.83, 0.66], [0.05, 0.93], [1.2, 0.1], [-0.6, -1.3]];

export const cases = [
  {
    name: "equation language: derivatives, precedence, functions and shared subexpressions",
    fn: () => {
      const eq = parseEquation("u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)", names);
      equal(eq.order, 2, "order");
      ok(eq.usesOutputs, "uses outputs");
      equal(parseEquation("u = 0", names).order, 0, "value term order");
      equal(parseEquation("u_x*u - 1e-3", names).order, 1, "first order");
      // quantities of a point at order 2: x, y, then u, u_x, u_y, u_xx, u_xy, u_yx, u_yy
      const code = emitProgram(parseEquation("u_xy", names), 2);
      equal(code.length, 4, "one instruction");
      equal(code[0], 1, "a quantity");
      equal(code[1], 2 + 1 + 2 + 1, "u_xy's index");
      // sin(pi*x) appears twice but is computed once
      const twice = emitProgram(parseEquation("sin(pi*x) + sin(pi*x)*u", names), 2);
      equal(twice.filter((v, i) => i % 4 === 0 && v === 8).length, 1, "one sin instruction");
      // -x^2 is -(x^2); 2^-1 is a half
      const neg = parseEquation("-x^2", names).residual;
      equal(neg.k, "neg", "unary minus outside the power");
      ok(parseEquation("2^-1*u + asin(0.5) + ln(2) = u", names), "aliases and a negative exponent");
    },
  },
  {
    name: "equation language: malformed equations → KanError with the column and the symbol",
    fn: async () => {
      const e1 = await throwsKan(() => parseEquation("u_xx + v = 0", names, "eq"), "INVALID_ARGUMENT", "unknown symbol");
      ok(e1.message.includes('"v"') && e1.message.includes("column 8"), e1.message);
      const e2 = await throwsKan(() => parseEquation("u_xz = 0", names, "eq"), "INVALID_ARGUMENT", "unknown derivative");
      ok(e2.message.includes('"u_xz"') && e2.message.includes("column 1"), e2.message);
      const e3 = await throwsKan(() => parseEquation("u_xxx = 0", names, "eq"), "INVALID_ARGUMENT", "third order");
      ok(e3.message.includes("order 2"), e3.message);
      const e4 = await throwsKan(() => parseEquation("foo(x) = u", names, "eq"), "INVALID_ARGUMENT", "unknown function");
      ok(e4.message.includes('"foo"') && e4.message.includes("column 1"), e4.message);
      const e5 = await throwsKan(() => parseEquation("u = (x + 1", names, "eq"), "INVALID_ARGUMENT", "unclosed parenthesis");
      ok(e5.message.includes('")"'), e5.message);
      const e6 = await throwsKan(() => parseEquation("u = 2 $ x", names, "eq"), "INVALID_ARGUMENT", "stray character");
      ok(e6.message.includes("column 7"), e6.message);
      await throwsKan(() => parseEquation("u = 1 = 2", names), "INVALID_ARGUMENT", "two equals signs");
      await throwsKan(() => parseEquation("2x = u", names), "INVALID_ARGUMENT", "juxtaposition");
      await throwsKan(() => parseEquation("", names), "INVALID_ARGUMENT", "empty");
    },
  },
  {
    name: "pdeLoss equals the equations evaluated on the model's own derivatives (nonlinear terms too)",
    fn: () => {
      const m = new KAN({ width: [2, [2, 1], 1], grid: 4, seed: 2 });
      m.fixSymbolic(0, 0, 1, "sin", { fitParams: false });
      const problem = {
        inputNames: ["x", "y"],
        terms: [
          { points: PTS, equation: "u_xx + u_yy + u*u_x = sin(pi*x)*y^2", weight: 0.3 },
          { points: PTS.slice(0, 3), equation: "u^3 - exp(u_y) = x/(2 + y)", weight: 2 },
          { points: PTS.slice(1), equation: "u = 0.25" },
        ],
      };
      const got = m.pdeLoss(problem);
      const { value, gradient, hessian } = m.derivatives(PTS, { order: 2 });
      const q = (r) => ({ u: value.data[r], ux: gradient[2 * r], uy: gradient[2 * r + 1], uxx: hessian[4 * r], uyy: hessian[4 * r + 3] });
      const res = [
        (r, [x, y]) => { const a = q(r); return a.uxx + a.uyy + a.u * a.ux - sin(Math.PI * x) * y * y; },
        (r, [x, y]) => { const a = q(r); return a.u ** 3 - Math.exp(a.uy) - x / (2 + y); },
        (r) => q(r).u - 0.25,
      ];
      const rows = [[0, 1, 2, 3, 4], [0, 1, 2], [1, 2, 3, 4]];
      const want = rows.map((rs, t) => rs.reduce((s, r) => s + res[t](r, PTS[r]) ** 2, 0) / rs.length);
      want.forEach((w, t) => ok(Math.abs(got.terms[t] - w) <= 1e-12 * (1 + w), `term ${t}: ${got.terms[t]} vs ${w}`));
      const total = 0.3 * want[0] + 2 * want[1] + want[2];
      ok(Math.abs(got.loss - total) <= 1e-12 * (1 + total), `loss ${got.loss} vs ${total}`);
      m.dispose();
    },
  },
  {
    name: "fitPDE solves u'' = -pi^2 sin(pi t), u(-1) = u(1) = 0 (exact: sin(pi t)); onStep reports each term",
    fn: async () => {
      const m = new KAN({ width: [1, 3, 1], grid: 5, seed: 1 });
      const inner = Array.from({ length: 41 }, (_, i) => [-1 + i / 20]);
      const seen = [];
      const h = await m.fitPDE({
        inputNames: ["t"],
        terms: [{ points: inner, equation: "u_tt = -pi^2*sin(pi*t)", weight: 0.01 }, { points: [[-1], [1]], equation: "u = 0" }],
      }, { steps: 25, onStep: (s) => seen.push(s) });
      equal(h.loss.length, 25, "history length");
      equal(seen.length, 25, "onStep calls");
      equal(seen[24].terms.length, 2, "terms per step");
      ok(h.loss[24] < h.loss[0], `the loss falls: ${h.loss[0]} -> ${h.loss[24]}`);
      const ts = Array.from({ length: 101 }, (_, i) => [-1 + i / 50]);
      const p = m.predict(ts).data;
      const err = ts.reduce((s, [t], r) => s + (p[r] - Math.sin(Math.PI * t)) ** 2, 0) / ts.length;
      ok(err < 1e-4, `L2 MSE ${err}`);
      m.dispose();
    },
  },
  {
    name: "fitPDE: a bad problem → KanError naming it, the model unchanged",
    fn: async () => {
      const m = new KAN({ width: [2, 3, 1], grid: 3, seed: 3 });
      const before = m.predict(PTS).data.slice();
      const pde = { points: PTS, equation: "u_xx + u_yy = 0" };
      const bc = { points: PTS, equation: "u = x" };
      const e1 = await throwsKan(() => m.fitPDE({ terms: [{ points: PTS, equation: "u_x1x1 + u_x2x2 = 1" }] }), "INVALID_ARGUMENT", "no boundary term");
      ok(e1.message.includes("fixing values"), e1.message);
      const e2 = await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [pde, { points: PTS, equation: "u = q" }] }), "INVALID_ARGUMENT", "bad equation");
      ok(e2.message.includes("terms[1].equation") && e2.message.includes('"q"'), e2.message);
      const e3 = await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [pde, { points: [[0, 1, 2]], equation: "u = 0" }] }), "SHAPE_MISMATCH", "bad points");
      ok(e3.message.includes("terms[1].points"), e3.message);
      await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [pde, { points: [[0, NaN]], equation: "u = 0" }] }), "NON_FINITE", "NaN point");
      await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [pde, { ...bc, weight: -1 }] }), "INVALID_ARGUMENT", "negative weight");
      await throwsKan(() => m.fitPDE({ inputNames: ["x"], terms: [bc] }), "INVALID_ARGUMENT", "too few input names");
      await throwsKan(() => m.fitPDE({ inputNames: ["x", "pi"], terms: [bc] }), "INVALID_ARGUMENT", "reserved name");
      await throwsKan(() => m.fitPDE({ terms: [] }), "INVALID_ARGUMENT", "no terms");
      await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [bc] }, { stepz: 3 }), "UNKNOWN_OPTION", "unknown option");
      await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [{ ...bc, extra: 1 }] }), "UNKNOWN_OPTION", "unknown term key");
      const after = m.predict(PTS).data;
      ok(after.every((v, i) => Object.is(v, before[i])), "the model is unchanged");
      // a fit in progress locks the model against a second one
      // (onStep awaits, so the first fit yields after its first step)
      const running = m.fitPDE({ inputNames: ["x", "y"], terms: [bc] }, { steps: 2, onStep: async () => {} });
      await throwsKan(() => m.fitPDE({ inputNames: ["x", "y"], terms: [bc] }), "INVALID_ARGUMENT", "second fit");
      await running;
      m.dispose();
    },
  },
  {
    name: "README: derivatives and a few fitPDE steps on Poisson's equation, as the README shows them",
    fn: async () => {
      const model = new KAN({ width: [2, 5, 1], grid: 5, seed: 0 });
      const { value, gradient, hessian } = model.derivatives([[0.1, 0.2]], { order: 2 });
      equal(value.rows, 1, "value rows");
      equal(gradient.length, 2, "gradient");
      equal(hessian.length, 4, "hessian");
      const mesh = [];
      const edge = [];
      for (let i = 0; i <= 10; i++) {
        for (let j = 0; j <= 10; j++) mesh.push([-1 + i / 5, -1 + j / 5]);
        edge.push([-1 + i / 5, -1], [-1 + i / 5, 1], [-1, -1 + i / 5], [1, -1 + i / 5]);
      }
      const steps = [];
      const history = await model.fitPDE({
        inputNames: ["x", "y"],
        terms: [
          { points: mesh, equation: "u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)", weight: 0.01 },
          { points: edge, equation: "u = 0" },
        ],
      }, { steps: 5, onStep: ({ step, loss, terms }) => steps.push([step, loss, terms]) });
      equal(steps.length, 5, "onStep calls");
      equal(history.terms.length, 2, "terms");
      ok(history.loss[4] < history.loss[0], `the loss falls: ${history.loss}`);
      model.dispose();
    },
  },
  {
    name: "fitPDE with lamb: the regulariser is reported each step and lowers the edge scales' L1 (Poisson)",
    fn: async () => {
      const at = (i) => -1 + i / 3;
      const mesh = Array.from({ length: 49 }, (_, s) => [at(Math.floor(s / 7)), at(s % 7)]);
      const edge = Array.from({ length: 6 }, (_, i) => [[at(i), -1], [at(i + 1), 1], [-1, at(i + 1)], [1, at(i)]]).flat();
      const problem = {
        inputNames: ["x", "y"],
        terms: [
          { points: mesh, equation: "u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)", weight: 0.01 },
          { points: edge, equation: "u = 0" },
        ],
      };
      const start = new KAN({ width: [2, 5, 1], grid: 5, seed: 3 });
      // the L1 part of the regulariser alone is the sum of the edge scales; Adam reports the
      // regulariser of the parameters it starts from, so one step of it measures the model
      const l1 = async (m) => {
        const opts = { opt: "adam", steps: 1, lamb: 1, lambL1: 1, lambEntropy: 0, updateGrid: false };
        const t = m.trainer(problem, opts);
        const { reg } = await t.step();
        t.close();
        m.dispose();
        return reg;
      };
      const fitted = async (lamb) => {
        const m = start.clone();
        const h = await m.fitPDE(problem, { steps: 20, lamb, updateGrid: false });
        return { h, l1: await l1(m) };
      };
      const plain = await fitted(0);
      const sparse = await fitted(1e-3);
      equal(sparse.h.reg.length, 20, "one regulariser value per step");
      ok(plain.h.reg.every((r) => r === 0), `no regulariser with lamb 0: ${plain.h.reg}`);
      ok(sparse.h.reg.every((r) => r > 0 && Number.isFinite(r)), `the regulariser with lamb: ${sparse.h.reg}`);
      ok(sparse.l1 < 0.8 * plain.l1, `edge scales' L1: ${sparse.l1} with lamb, ${plain.l1} without`);
      ok(sparse.h.loss[19] < 1e-2, `the regularised fit still solves the equation: ${sparse.h.loss[19]}`);
      start.dispose();
    },
  },
  {
    name: "model.trainer(problem) steps a physics-informed fit one step at a time, as fitPDE does (same bits)",
    fn: async () => {
      const problem = {
        inputNames: ["t"],
        terms: [{ points: [[-0.5], [0], [0.5]], equation: "u_t = cos(t)" }, { points: [[0]], equation: "u = 0" }],
      };
      const a = new KAN({ width: [1, 2, 1], grid: 3, seed: 5 });
      const b = a.clone();
      const t = a.trainer(problem, { steps: 4 });
      const seen = [];
      while (!t.done) seen.push(await t.step());
      t.close();
      const h = await b.fitPDE(problem, { steps: 4 });
      equal(seen.length, 4, "steps");
      ok(seen.every((s, i) => s.loss === h.loss[i]), "the same losses");
      const [pa, pb] = [a.predict([[0.3]]).data[0], b.predict([[0.3]]).data[0]];
      ok(Object.is(pa, pb), `the same parameters: ${pa} vs ${pb}`);
      a.dispose();
      b.dispose();
    },
  },
];
