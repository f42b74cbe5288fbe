// multArity: multiplication nodes of any arity, against an independent forward pass built
// from the edges' values; x*y*z recovered through one node; saved, loaded, pruned, drawn.
import { KAN, createDataset } from "kanwasm";
import { close, equal, ok, throwsKan } from "./assert.js";

const POINTS = [[0.31, -0.47, 0.2], [-0.83, 0.66, -0.5], [0.05, 0.93, 0.77], [1.2, 0.12, -1.3]];

/** A [3, [1, 2], 1] model, a sum node and mult nodes of arity 3 and 2, parameters moved off their start. */
function model(dtype = "float64") {
  const m = new KAN({ width: [3, [1, 2], 1], multArity: [[], [3, 2], []], grid: 4, seed: 2, dtype });
  for (let l = 0; l < 2; l++) {
    const c = m.getLayerArray(l, "coef");
    m.setLayerArray(l, "coef", c.map((v, i) => v + 0.4 * Math.sin(1.1 * i + l)));
  }
  m.fixSymbolic(0, 2, 3, "sin", { fitParams: false });
  return m;
}

/** The outputs from edgeValues alone: subnodes summed, products over each node's subnodes. */
function reference(m, x) {
  const sub = new Array(6).fill(0);
  x.forEach((v, i) => m.edgeValues(0, i, [v]).data.forEach((e, j) => (sub[j] += e)));
  const nodes = [sub[0], sub[1] * sub[2] * sub[3], sub[4] * sub[5]];
  return nodes.reduce((s, v, q) => s + m.edgeValues(1, q, [v]).data[0], 0);
}

export const cases = [
  {
    name: "multArity: nodes of arity 3 and 2 multiply their subnodes (predict against the edges' values)",
    fn: () => {
      const m = model();
      equal(JSON.stringify(m.layerDims(0)), "[3,6,4,3]", "layer 0 feeds 1 + 3 + 2 subnodes");
      equal(JSON.stringify(m.config.multArity), "[[],[3,2],[]]", "config.multArity");
      close(m.predict(POINTS).data, POINTS.map((x) => reference(m, x)), { rel: 1e-12, abs: 1e-14 }, "predict");
      const d = m.derivatives(POINTS, { order: 1 });
      POINTS.forEach((x, r) => {
        for (let a = 0; a < 3; a++) {
          const [xp, xm] = [x.slice(), x.slice()];
          xp[a] += 1e-6;
          xm[a] -= 1e-6;
          const fd = (reference(m, xp) - reference(m, xm)) / 2e-6;
          ok(Math.abs(d.gradient[r * 3 + a] - fd) <= 1e-6 * (1 + Math.abs(fd)), `dy/dx${a} at row ${r}: ${d.gradient[r * 3 + a]} vs ${fd}`);
        }
      });
      const f32 = model("float32");
      close(f32.predict(POINTS).data, POINTS.map((x) => reference(f32, x)), { rel: 1e-5, abs: 1e-6 }, "float32");
      m.dispose();
      f32.dispose();
    },
  },
  {
    name: "multArity 3: x*y*z through one node, fitted, then autoSymbolic gives x1*x2*x3 within 1e-6",
    fn: async () => {
      const data = createDataset(([x, y, z]) => x * y * z, { nVar: 3, trainNum: 300, testNum: 300, seed: 0 });
      const m = new KAN({ width: [3, [0, 1], 1], multArity: 3, grid: 3, seed: 1 });
      await m.fit(data, { steps: 50 });
      m.autoSymbolic({ lib: ["x", "x^2", "sin", "exp"] });
      await m.fit(data, { steps: 30 });
      equal(m.symbolicFormula()[0], "x1*x2*x3", "formula");
      const f = new Function(`return ${m.symbolicFormula({ format: "js", digits: 8 })[0]}`)();
      const x = data.testInput.data;
      let worst = 0;
      for (let r = 0; r < data.testInput.rows; r++) {
        const [a, b, c] = [x[3 * r], x[3 * r + 1], x[3 * r + 2]];
        worst = Math.max(worst, Math.abs(f(a, b, c) - a * b * c));
      }
      ok(worst <= 1e-6, `max |formula - xyz| = ${worst}`);
      m.dispose();
    },
  },
  {
    name: "multArity: save/load, toJSON/fromJSON, clone, prune and fromExpression keep the arities",
    fn: async () => {
      const m = model();
      const y = m.predict(POINTS).data;
      for (const [name, c] of [["load", KAN.load(m.save())], ["fromJSON", KAN.fromJSON(m.toJSON())], ["clone", m.clone()]]) {
        equal(JSON.stringify(c.config.multArity), "[[],[3,2],[]]", `${name}: multArity`);
        ok(c.predict(POINTS).data.every((v, i) => Object.is(v, y[i])), `${name}: same predictions`);
        c.dispose();
      }
      // node 1 (arity 3) switched off: prune keeps the sum node and the arity-2 node
      const off = m.getLayerArray(1, "scaleBase");
      const sp = m.getLayerArray(1, "scaleSp");
      off[1] = 0;
      sp[1] = 0;
      m.setLayerArray(1, "scaleBase", off);
      m.setLayerArray(1, "scaleSp", sp);
      const p = m.prune({ edgeThreshold: 0, input: POINTS.concat(POINTS.map((r) => r.map((v) => -v / 2))) });
      equal(JSON.stringify(p.width), "[3,[1,1],1]", "pruned width");
      equal(JSON.stringify(p.config.multArity), "[[],[2],[]]", "pruned multArity");
      close(p.predict(POINTS).data, m.predict(POINTS).data, { abs: 1e-12 }, "pruned predictions");
      const e = KAN.fromExpression("x1*x2*x3*x4 + x1", { maxArity: 4 });
      equal(JSON.stringify(e.width), "[4,[1,1],1]", "fromExpression: one node of arity 4");
      const e2 = KAN.fromExpression("x1*x2*x3*x4 + x1");
      equal(JSON.stringify(e2.width), "[4,[3,1],[2,1],[1,1],1]", "fromExpression: maxArity 2 nests");
      equal(JSON.stringify(e.config.multArity), "[[],[4],[]]", "fromExpression multArity");
      ok(/\\*/.test(e.symbolicFormula()[0]), e.symbolicFormula()[0]);
      ok((m.toSVG().match(/class="mult"/g) ?? []).length === 2, "two mult nodes drawn");
      m.dispose();
    },
  },
  {
    name: "multArity: bad values throw KanError naming the option; swap refuses nodes of different arity",
    fn: async () => {
      const e1 = await throwsKan(() => new KAN({ width: [3, [0, 1], 1], multArity: 1 }), "INVALID_ARGUMENT", "arity 1");
      ok(/multArity/.test(e1.message), e1.message);
      await throwsKan(() => new KAN({ width: [3, [0, 1], 1], multArity: [2, 2] }), "INVALID_ARGUMENT", "two entries");
      const e2 = await throwsKan(() => new KAN({ width: [3, [0, 2], 1], multArity: [[], [3], []] }), "INVALID_ARGUMENT",
        "one arity for two nodes");
      ok(/multArity\[1\]/.test(e2.message), e2.message);
      await throwsKan(() => new KAN({ width: [3, [0, 1], 1], multArity: 2.5 }), "INVALID_ARGUMENT", "not an integer");
      await throwsKan(() => new KAN({ width: [3, [0, 1], 1], multArity: 65 }), "INVALID_ARGUMENT", "above 64");
      const m = model();
      const e3 = await throwsKan(() => m.swap(1, 1, 2), "INVALID_ARGUMENT", "arity 3 with arity 2");
      ok(/arity 3/.test(e3.message), e3.message);
      m.dispose();
    },
  },
];
