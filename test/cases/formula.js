// Formulas of hand-built models: the edges are set directly (symbolic ids, a, b, c, d, masks),
// so every expected string is known exactly. The "js" form is checked against the model
// itself (1e-9) and, where the model is exact, against the true function (1e-6); every
// built-in's guarded JavaScript helper is checked against the core at singular points.
import * as kanwasm from "kanwasm";
import { KAN, SYMBOLIC_LIB, exRound, symbolicFormula, symbolicId } from "kanwasm";
import { close, equal, ok, random, throwsKan } from "./assert.js";

/** The method once the KAN class has it, the free function until then. */
const formula = (m, o) => (typeof m.symbolicFormula === "function" ? m.symbolicFormula(o) : symbolicFormula(m, o));
const id = (name) => symbolicId(name);

/** A model whose layer l has symbolic edges `sym` (names, null = masked, "spline" = numeric) with affine (a, b, c, d). */
function build(width, layers, opts = {}) {
  const m = new KAN({ width, grid: 3, k: 3, seed: 1, ...opts });
  layers.forEach((edges, l) => {
    const [ni, no] = m.layerDims(l);
    const sym = new Float64Array(ni * no);
    const aff = new Float64Array(ni * no * 4);
    const mask = new Float64Array(ni * no);
    for (let e = 0; e < ni * no; e++) aff.set([1, 0, 1, 0], 4 * e);
    edges.forEach((edge, e) => {
      if (edge === null) return;
      const [name, a = 1, b = 0, c = 1, d = 0] = edge;
      if (name === "spline") mask[e] = 1;
      else {
        sym[e] = id(name);
        aff.set([a, b, c, d], 4 * e);
      }
    });
    m.setLayerArray(l, "symbolic", sym);
    m.setLayerArray(l, "affine", aff);
    m.setLayerArray(l, "mask", mask);
  });
  return m;
}

/** Compiles a "js" formula. */
const compile = (s) => new Function("return " + s)();

/** Largest |js(x) - model(x)| and |js(x) - truth(x)|, relative to max(1, |value|), over n seeded points in [-1, 1]^d. */
function compare(m, fns, truth, n = 200, seed = 7) {
  const rnd = random(seed);
  const xs = Array.from({ length: n }, () => Array.from({ length: m.inDim }, () => rnd(-1, 1)));
  const p = m.predict(xs);
  let model = 0;
  let exact = 0;
  xs.forEach((x, r) => {
    fns.forEach((f, j) => {
      const v = f(...x);
      ok(Number.isFinite(v), `js formula is finite at ${x}`);
      const want = p.data[r * p.cols + j];
      model = Math.max(model, Math.abs(v - want) / Math.max(1, Math.abs(want)));
      if (truth) exact = Math.max(exact, Math.abs(v - truth(x)[j]) / Math.max(1, Math.abs(truth(x)[j])));
    });
  });
  return { model, exact };
}

// exp(sin(pi x1) + x2^2) with every parameter exact
const hello = () => build([2, 1, 1], [[["sin", Math.PI], ["x^2"]], [["exp"]]]);
const helloTruth = ([x, y]) => [Math.exp(Math.sin(Math.PI * x) + y * y)];

export const cases = [
  {
    name: "exp(sin(pi x1) + x2^2): text, latex, and js that computes the model",
    fn: () => {
      const m = hello();
      equal(formula(m)[0], "exp(x2^2 + sin(3.1416*x1))", "text");
      const latex = formula(m, { format: "latex" })[0];
      equal(latex, "e^{x_{2}^{2} + \\sin{\\left(3.1416 x_{1} \\right)}}", "latex");
      ok(latex.includes("\\sin") && latex.includes("x_{2}"), latex);
      const js = formula(m, { format: "js" });
      equal(js.length, 1, "one function per output");
      const d = compare(m, js.map(compile), helloTruth);
      ok(d.model <= 1e-9, `js vs model: ${d.model}`);
      ok(d.exact <= 1e-6, `js vs the true function: ${d.exact}`);
      m.dispose();
    },
  },
  {
    name: "scales, offsets, signs and negligible constants fold into the same formula",
    fn: () => {
      // h = -0.5 sin(-pi x1) + 0.25 + 0.125 (2 x2 + 1e-9)^2 - 0.125;  y = exp(2 h - 0.25)
      const m = build([2, 1, 1], [[["sin", -Math.PI, 0, -0.5, 0.25], ["x^2", 2, 1e-9, 0.125, -0.125]], [["exp", 2, -0.25]]]);
      equal(formula(m)[0], "exp(x2^2 + sin(3.1416*x1))", "text");
      const d = compare(m, formula(m, { format: "js" }).map(compile), helloTruth);
      ok(d.model <= 1e-9, `js vs model: ${d.model}`);
      ok(d.exact <= 1e-6, `js vs the true function: ${d.exact}`);
      m.dispose();
    },
  },
  {
    name: "digits round as pykan's ex_round (round half to even on the exact value)",
    fn: () => {
      const m = hello();
      equal(formula(m, { digits: 2 })[0], "exp(x2^2 + sin(3.14*x1))", "digits 2");
      equal(formula(m, { digits: 0 })[0], "exp(x2^2 + sin(3*x1))", "digits 0");
      equal(formula(m, { digits: 6 })[0], "exp(x2^2 + sin(3.141593*x1))", "digits 6");
      equal(exRound(0.125, 2), 0.12, "tie to even");
      equal(exRound(0.375, 2), 0.38, "tie to even, up");
      equal(exRound(2.5, 0), 2, "2.5 -> 2");
      equal(exRound(-Math.PI, 4), -3.1416, "negative");
      equal(exRound(0.1 + 0.2, 4), 0.3, "0.30000000000000004");
      equal(exRound(-1e-7, 4), 0, "no negative zero");
      ok(Object.is(exRound(-1e-7, 4), 0), "+0");
      m.dispose();
    },
  },
  {
    name: "numeric edges print as φ_{l,i,j}; format js refuses them and names the edge",
    fn: async () => {
      const m = new KAN({ width: [2, 1, 1], seed: 1 });
      equal(formula(m)[0], "φ_{1,0,0}(φ_{0,0,0}(x1) + φ_{0,1,0}(x2))", "all numeric");
      ok(formula(m, { format: "latex" })[0].includes("\\varphi_{0,1,0}\\left(x_{2}\\right)"), "latex φ");
      const e = await throwsKan(() => formula(m, { format: "js" }), "INVALID_ARGUMENT", "js with numeric edges");
      ok(e.message.includes("l=0, i=0, j=0") && e.message.includes("autoSymbolic"), e.message);
      m.dispose();
      const mixed = build([2, 1, 1], [[["spline"], ["x^2"]], [["exp"]]]);
      equal(formula(mixed)[0], "exp(x2^2 + φ_{0,0,0}(x1))", "mixed");
      const e2 = await throwsKan(() => formula(mixed, { format: "js" }), "INVALID_ARGUMENT", "js, one numeric edge");
      ok(e2.message.includes("fixSymbolic(0, 0, 0"), e2.message);
      mixed.dispose();
    },
  },
  {
    name: "masked edges are dropped and constant nodes fold to numbers",
    fn: () => {
      const m = build([2, 1, 1], [[["sin", Math.PI], null], [["exp"]]]);
      equal(formula(m)[0], "exp(sin(3.1416*x1))", "x2 masked");
      m.dispose();
      // the hidden node gets nothing but constants: the output is exp(0.5) + 1
      const c = build([2, 1, 1], [[["0", 1, 0, 1, 0.2], ["0", 1, 0, 1, 0.3]], [["exp", 1, 0, 1, 1]]]);
      equal(formula(c)[0], "2.6487", "constant");
      const f = compile(formula(c, { format: "js" })[0]);
      close([f(0.3, -0.2)], [Math.exp(0.5) + 1], { rel: 1e-15 }, "constant js");
      c.dispose();
      // a numeric edge from a constant node is a constant too: the model's own value
      const n = build([2, 1, 1], [[null, null], [["spline"]]]);
      const v = n.predict([[0, 0]]).data[0];
      // a constant below 1 keeps 4 significant figures
      equal(formula(n)[0], String(Math.abs(v) < 1 ? Number(v.toPrecision(4)) : exRound(v, 4)), "numeric edge of a constant");
      close([compile(formula(n, { format: "js" })[0])(0.5, 0.5)], [v], { abs: 1e-15 }, "js of a constant spline");
      n.dispose();
    },
  },
  {
    name: "powers take their scale out, odd and even functions their sign, common factors stay outside",
    fn: () => {
      const cases = [
        [["x^2", 3, 0, 2], "18*x1^2"],
        [["x^3", -2, 0, 1], "-8*x1^3"],
        [["1/x", 2, 0, 1], "0.5/x1"],
        [["1/x^2", 2, 1e-7, 3, 1], "0.75/x1^2 + 1"],
        [["sqrt", 4, 0, 1], "2*sqrt(max(x1, 0))"],
        [["sqrt", -4, 0, 1], "sqrt(max(-4*x1, 0))"],
        [["x^2", 1, 0.5, 1], "(x1 + 0.5)^2"],
        [["sin", -2, 0, 1], "-sin(2*x1)"],
        [["cos", -2, 1, 1], "cos(2*x1 - 1)"],
        [["tanh", 1, 0, -1, -0.5], "-tanh(x1) - 0.5"],
        [["x", 1, 0, 1, 0], "x1"],
        [["x", -1, 0, 1, 0], "-x1"],
        [["x", 1.00001, 0, 1, 1e-6], "x1"],
        [["log", 1, 0, 1, 0], "log(abs(x1))"],
        [["gaussian", 2, 0, 1, 0], "exp(-(2*x1)^2)"],
        [["arctanh", 0.5, 0, 1, 0], "arctanh(0.5*x1)"],
        [["exp", 2, 1, 1, 0], "exp(2*x1 + 1)"],
        [["exp", 2, 1, 3, 0], "8.1548*exp(2*x1)"],
        [["exp", 2, -Math.log(5), 5, 0], "exp(2*x1)"],
      ];
      for (const [edge, want] of cases) {
        const m = build([1, 1], [[edge]]);
        equal(formula(m)[0], want, `text of ${JSON.stringify(edge)}`);
        const d = compare(m, formula(m, { format: "js" }).map(compile), null, 50);
        ok(d.model <= 1e-9, `js vs model for ${edge[0]}: ${d.model}`);
        m.dispose();
      }
      const sum = build([2, 1, 1], [[["x"], ["x"]], [["exp", 2.5]]]);
      equal(formula(sum)[0], "exp(2.5*(x1 + x2))", "factor kept outside");
      sum.dispose();
      const mix = build([2, 1, 1], [[["x"], ["x", 2]], [["exp", 3]]]);
      equal(formula(mix)[0], "exp(3*x1 + 6*x2)", "distributed where shorter");
      mix.dispose();
    },
  },
  {
    name: "2*exp(0.5*x1) + sin(2*x2): constants fold alike in text, LaTeX and js; 8 digits stay within 1e-6",
    fn: () => {
      // as a fit left it: the exp's offset 8.88 balanced by a scale 2e^-8.88, the sine's signs both flipped
      const m = build([2, 1], [[["exp", 0.5, 8.88, 2 * Math.exp(-8.88)], ["sin", -2, 0, -1]]]);
      const truth = ([x, y]) => [2 * Math.exp(0.5 * x) + Math.sin(2 * y)];
      equal(formula(m)[0], "2*exp(0.5*x1) + sin(2*x2)", "text");
      equal(formula(m, { format: "latex" })[0], "2 e^{0.5 x_{1}} + \\sin{\\left(2 x_{2} \\right)}", "latex");
      const js8 = formula(m, { format: "js", digits: 8 })[0];
      ok(js8.includes("return 2*$exp(0.5*x1) + Math.sin(2*x2);"), js8);
      const d8 = compare(m, [compile(js8)], truth);
      ok(d8.model <= 1e-6 && d8.exact <= 1e-6, `js with 8 digits: ${JSON.stringify(d8)}`);
      const d = compare(m, formula(m, { format: "js" }).map(compile), truth);
      ok(d.model <= 1e-12 && d.exact <= 1e-12, `js: ${JSON.stringify(d)}`);
      m.dispose();
      // a small scale of a large term keeps its significant figures
      const s = build([1, 1], [[["exp", 12, 0, 1.234567891234e-5]]]);
      equal(formula(s)[0], "0.00001235*exp(12*x1)", "4 significant figures");
      equal(formula(s, { digits: 8 })[0], "0.000012345679*exp(12*x1)", "8 significant figures");
      const ds = compare(s, [compile(formula(s, { format: "js", digits: 8 })[0])], null);
      ok(ds.model <= 1e-6, `1.2345679e-5*exp(12 x) with 8 digits: ${ds.model}`);
      s.dispose();
    },
  },
  {
    name: "logarithms and roots print as the core computes them (log|u|, sqrt(max(u, 0))) over the data's range",
    fn: () => {
      // x1 > 0 over the data (the grid spans it): log(-3.6361 x1) = log|3.6361 x1| reads log(3.6361*x1)
      const pos = { gridRange: [0.1, 2] };
      const cases = [
        [["log", -3.6361, 0, 1, 0], pos, "log(3.6361*x1)", "\\log{\\left(3.6361 x_{1} \\right)}"],
        [["log", -3.6361, 0, 1, 0], {}, "log(abs(3.6361*x1))", "\\log{\\left(\\left|3.6361 x_{1}\\right| \\right)}"],
        [["log", 2, -5, 1, 0], pos, "log(-2*x1 + 5)", null],
        [["log", 2, -0.5, 1, 0], pos, "log(abs(2*x1 - 0.5))", null],
        [["sqrt", 4, 0, 1, 0], pos, "2*sqrt(x1)", "2 \\sqrt{x_{1}}"],
        [["sqrt", -4, 0, 1, 0], { gridRange: [-2, -0.1] }, "sqrt(-4*x1)", null],
        [["sqrt", 4, 0, 3, 1], { gridRange: [-2, -0.1] }, "1", null],
        [["x^1.5", 1, -1, 1, 0], pos, "max(x1 - 1, 0)^1.5", null],
      ];
      for (const [edge, opts, text, latex] of cases) {
        const m = build([1, 1], [[edge]], opts);
        equal(formula(m)[0], text, `text of ${JSON.stringify(edge)} on ${JSON.stringify(opts)}`);
        if (latex) equal(formula(m, { format: "latex" })[0], latex, `latex of ${JSON.stringify(edge)}`);
        // the formula as printed, evaluated as mathematics on the data's range, is the model
        const lo = opts.gridRange?.[0] ?? -1;
        const hi = opts.gridRange?.[1] ?? 1;
        const xs = Array.from({ length: 40 }, (_, q) => lo + ((hi - lo) * (q + 0.5)) / 40);
        const p = m.predict(xs.map((x) => [x])).data;
        const math = new Function("x1", `const { log, sqrt, abs, max } = Math; return ${text.replace(/\^/g, "**")};`);
        xs.forEach((x, q) => close([math(x)], [p[q]], { rel: 1e-12, abs: 1e-12 }, `${text} at ${x}`));
        const d = compare(m, formula(m, { format: "js" }).map(compile), null, 50);
        ok(d.model <= 1e-12, `js vs model for ${text}: ${d.model}`);
        m.dispose();
      }
    },
  },
  {
    name: "a grid not yet fitted to data does not decide how a root or a logarithm prints (fromExpression's sqrt(w - 1))",
    fn: () => {
      // the data, w in [1, 3], lies outside the grid as made ([-1, 1]), where w - 1 <= 0 would read the constant 0
      const xs = Array.from({ length: 40 }, (_, q) => [1 + (2 * (q + 0.5)) / 40]);
      const asMath = (m, text, name) => {
        const p = m.predict(xs).data;
        const f = new Function(name, `const { log, sqrt, abs, max } = Math; return ${text.replace(/\^/g, "**")};`);
        xs.forEach(([w], q) => close([f(w)], [p[q]], { rel: 1e-12, abs: 1e-12 }, `${text} at ${w}`));
      };
      const e = KAN.fromExpression("sqrt(w - 1)", { inputNames: ["w"] });
      const [text] = formula(e, { inputNames: ["w"] });
      equal(text, "sqrt(max(w - 1, 0))", "text");
      equal(formula(e, { inputNames: ["w"], format: "latex" })[0], "\\sqrt{\\max\\left(w - 1, 0\\right)}", "latex");
      asMath(e, text, "w");
      e.dispose();
      const cases = [
        [["sqrt", 1, -1, 1, 0], "sqrt(max(x1 - 1, 0))", "sqrt(x1 - 1)"],
        [["log", 1, -0.5, 1, 0], "log(abs(x1 - 0.5))", "log(x1 - 0.5)"],
        [["log", -1, 0.5, 1, 0], "log(abs(x1 - 0.5))", "log(x1 - 0.5)"],
      ];
      for (const [edge, unknown, fitted] of cases) {
        const m = build([1, 1], [[edge]]);
        equal(formula(m)[0], unknown, `text of ${JSON.stringify(edge)} on a grid as made`);
        asMath(m, unknown, "x1");
        // once the grid is fitted to the data, it tells the argument's sign
        m.updateGrid(xs);
        equal(formula(m)[0], fitted, `text of ${JSON.stringify(edge)} on a grid fitted to [1, 3]`);
        asMath(m, fitted, "x1");
        m.dispose();
      }
    },
  },
  {
    name: "multiplication nodes read as products",
    fn: () => {
      // subnodes 0 and 1 of layer 1 feed the one mult node: (2 x1) * (3 x2), then sin
      const m = build([2, [0, 1], 1], [[["x", 1, 0, 2], null, null, ["x", 1, 0, 3]], [["sin"]]]);
      equal(formula(m)[0], "sin(6*x1*x2)", "text");
      equal(formula(m, { format: "latex" })[0], "\\sin{\\left(6 x_{1} x_{2} \\right)}", "latex");
      const d = compare(m, formula(m, { format: "js" }).map(compile), ([x, y]) => [Math.sin(6 * x * y)]);
      ok(d.model <= 1e-9 && d.exact <= 1e-12, `js: ${JSON.stringify(d)}`);
      m.dispose();
      const s = build([2, [1, 1], 1], [[["x^2"], ["x", 1, 0, 1, 1], null, null, null, ["x", 1, 0, 3]], [["x"], ["x", 1, 0, 1]]]);
      equal(formula(s)[0], "x1^2 + 3*x2*(x1 + 1)", "a sum node and a product of a sum");
      const d2 = compare(s, formula(s, { format: "js" }).map(compile), ([x, y]) => [x * x + 3 * y * (x + 1)]);
      ok(d2.model <= 1e-9 && d2.exact <= 1e-12, `js: ${JSON.stringify(d2)}`);
      s.dispose();
    },
  },
  {
    name: "input and output names, in text, LaTeX and js",
    fn: async () => {
      const m = hello();
      equal(formula(m, { inputNames: ["x", "y"], outputNames: ["f"] })[0], "f = exp(y^2 + sin(3.1416*x))", "text");
      equal(formula(m, { format: "latex", inputNames: ["alpha", "t_in"] })[0],
        "e^{t_{\\mathrm{in}}^{2} + \\sin{\\left(3.1416 \\alpha \\right)}}", "latex");
      const js = formula(m, { format: "js", inputNames: ["x", "y"], outputNames: ["f"] })[0];
      ok(js.startsWith("function f(x, y) {"), js);
      close([compile(js)(0.25, 0.5)], helloTruth([0.25, 0.5]), { rel: 1e-14 }, "named js");
      await throwsKan(() => formula(m, { format: "js", inputNames: ["my x", "y"] }), "INVALID_ARGUMENT", "js name with a space");
      await throwsKan(() => formula(m, { format: "js", inputNames: ["Math", "y"] }), "INVALID_ARGUMENT", "js name shadowing Math");
      await throwsKan(() => formula(m, { inputNames: ["x"] }), "INVALID_ARGUMENT", "too few names");
      await throwsKan(() => formula(m, { inputNames: ["x", "x"] }), "INVALID_ARGUMENT", "duplicate names");
      await throwsKan(() => formula(m, { outputNames: "f" }), "INVALID_ARGUMENT", "outputNames not an array");
      await throwsKan(() => formula(m, { format: "python" }), "INVALID_ARGUMENT", "unknown format");
      await throwsKan(() => formula(m, { digits: -1 }), "INVALID_ARGUMENT", "negative digits");
      await throwsKan(() => formula(m, { digit: 3 }), "UNKNOWN_OPTION", "misspelt option");
      m.dispose();
    },
  },
  {
    name: "every built-in: the js helpers and the library evaluate as the core does, poles included",
    fn: () => {
      equal(SYMBOLIC_LIB.length, 29, "built-ins");
      const xs = [0, -0, 1e-13, -1e-13, 1e-7, -1e-7, 1e-3, -1e-3, 0.3, -0.3, 0.999, -0.999, 1, -1, 1.7, -1.7, 3, -3, 750, -750, 2e6, -2e6];
      for (const f of SYMBOLIC_LIB) {
        const m = build([1, 1], [[[f.name]]]);
        const core = m.edgeValues(0, 0, xs).data;
        const js = compile(formula(m, { format: "js" })[0]);
        const tol = (v) => 1e-12 * Math.max(1, Math.abs(v));
        xs.forEach((x, s) => {
          const want = core[s];
          ok(Math.abs(js(x) - want) <= tol(want), `${f.name} js at ${x}: ${js(x)} vs core ${want}`);
          ok(Math.abs(f.fn(x) - want) <= tol(want), `${f.name} fn at ${x}: ${f.fn(x)} vs core ${want}`);
        });
        ok(formula(m)[0].length > 0 && formula(m, { format: "latex" })[0].length > 0, `${f.name} renders`);
        m.dispose();
      }
    },
  },
  {
    name: "user functions render with their templates (when addSymbolic is available)",
    fn: () => {
      const add = kanwasm.addSymbolic ?? KAN.addSymbolic;
      if (typeof add !== "function") return;
      const name = `softplus_${Math.random().toString(36).slice(2, 8)}`;
      add(name, { fn: (x) => Math.log1p(Math.exp(x)), complexity: 3, latex: "\\operatorname{sp}\\left(#1\\right)", js: "Math.log1p(Math.exp(#1))" });
      const m = build([1, 1], [[[name, 2, 0, 1, 0]]]);
      equal(formula(m)[0], `${name}(2*x1)`, "text");
      equal(formula(m, { format: "latex" })[0], "\\operatorname{sp}\\left(2 x_{1}\\right)", "latex");
      const d = compare(m, formula(m, { format: "js" }).map(compile), ([x]) => [Math.log1p(Math.exp(2 * x))]);
      ok(d.model <= 1e-9 && d.exact <= 1e-12, `js: ${JSON.stringify(d)}`);
      m.dispose();
    },
  },
];
