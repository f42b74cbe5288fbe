// KAN 2.0's tools that keep the function: swap and autoSwap (same predictions, arrays moved
// with their node, connection cost not raised), checkpoints (rewind gives the same bits),
// and featureInteraction (the scores equal the core's own attribution for one output).
import { KAN, createDataset } from "kanwasm";
import { close, equal, ok, throwsKan } from "./assert.js";

const POINTS = [[0.31, -0.47], [-0.83, 0.66], [0.05, 0.93], [0.77, 0.12], [-0.2, -0.61], [0.5, -0.9]];

/** A [2, [3, 2], 2] model with its parameters moved off their start and a symbolic edge. */
function model() {
  const m = new KAN({ width: [2, [3, 2], 2], grid: 4, seed: 7 });
  for (let l = 0; l < 2; l++) {
    for (const what of ["coef", "scaleBase"]) {
      const c = m.getLayerArray(l, what);
      m.setLayerArray(l, what, c.map((v, i) => v + 0.3 * Math.sin(1.3 * i + l)));
    }
  }
  m.fixSymbolic(0, 1, 2, "sin", { fitParams: false });
  // subnode biases that differ, so that a node moved without its bias changes the outputs
  m.setLayerArray(0, "bias", Array.from({ length: m.layerDims(0)[1] }, (_, o) => 0.1 * (o - 3)));
  return m;
}

/** pykan's connection cost from attribution edge scores: sum of score x |x_in - x_out|, nodes spread evenly. */
function connectionCost(edgeScores) {
  const at = (q, n) => (q + 0.5) / n;
  let c = 0;
  for (const layer of edgeScores) {
    layer.forEach((row, j) => row.forEach((e, i) => (c += e * Math.abs(at(i, row.length) - at(j, layer.length)))));
  }
  return c;
}

export const cases = [
  {
    name: "swap: predictions unchanged, the swapped nodes' edges trade places (sum and multiplication nodes)",
    fn: () => {
      const m = model();
      const before = m.predict(POINTS).data;
      const in1 = m.edgeValues(1, 0, [0.3, -0.2]).data;
      const out0 = m.getLayerArray(0, "scaleBase");
      m.swap(1, 0, 2);
      close(m.predict(POINTS).data, before, { abs: 1e-13 }, "predict after swapping sum nodes");
      close(m.edgeValues(1, 2, [0.3, -0.2]).data, in1, { abs: 0 }, "node 0's outgoing edges now leave node 2");
      const sb = m.getLayerArray(0, "scaleBase");
      // scaleBase is (in, out) over the 3 + 2 * 2 subnodes of layer 0's outputs
      for (let i = 0; i < 2; i++) {
        equal(sb[i * 7 + 2], out0[i * 7 + 0], `scaleBase[${i}][2]`);
        equal(sb[i * 7 + 0], out0[i * 7 + 2], `scaleBase[${i}][0]`);
      }
      m.swap(1, 3, 4);
      close(m.predict(POINTS).data, before, { abs: 1e-13 }, "predict after swapping multiplication nodes");
      const sb2 = m.getLayerArray(0, "scaleBase");
      equal(sb2[3], sb[5], "subnode 3 takes subnode 5's scale");
      equal(sb2[6], sb[4], "subnode 6 takes subnode 4's scale");
      m.dispose();
    },
  },
  {
    name: "swap: bad arguments throw KanError naming them, before any change",
    fn: async () => {
      const m = model();
      const before = m.save();
      const e1 = await throwsKan(() => m.swap(0, 0, 1), "INVALID_ARGUMENT", "l = 0 (the inputs)");
      ok(/\bl\b/.test(e1.message), e1.message);
      await throwsKan(() => m.swap(2, 0, 1), "INVALID_ARGUMENT", "l = depth (the outputs)");
      const e2 = await throwsKan(() => m.swap(1, 0, 5), "INVALID_ARGUMENT", "j past the nodes");
      ok(/\bj\b/.test(e2.message), e2.message);
      const e3 = await throwsKan(() => m.swap(1, 1, 3), "INVALID_ARGUMENT", "a sum node with a mult node");
      ok(/kind/.test(e3.message), e3.message);
      ok(m.save().every((b, i) => b === before[i]), "the model is unchanged");
      await throwsKan(() => new KAN({ width: [2, 1] }).swap(1, 0, 0), "INVALID_ARGUMENT", "no hidden layer");
      m.dispose();
    },
  },
  {
    name: "autoSwap: predictions unchanged and the connection cost (recomputed from attribute) not higher",
    fn: async () => {
      const data = createDataset(([x, y]) => Math.sin(2 * x) + y * y, { nVar: 2, trainNum: 200, testNum: 10, seed: 2 });
      const m = new KAN({ width: [2, 6, 4, 1], grid: 3, seed: 5 });
      await m.fit(data, { steps: 15 });
      const before = m.predict(data.testInput).data;
      const cost0 = connectionCost(m.attribute(data.trainInput).edgeScores);
      const perms = m.autoSwap(data.trainInput);
      close(m.predict(data.testInput).data, before, { abs: 1e-12 }, "predict after autoSwap");
      const cost1 = connectionCost(m.attribute(data.trainInput).edgeScores);
      ok(cost1 <= cost0 * (1 + 1e-9), `connection cost ${cost1} after, ${cost0} before`);
      equal(perms.length, 4, "one permutation per node layer");
      ok(perms[1].slice().sort((a, b) => a - b).every((v, q) => v === q), "a permutation of layer 1");
      m.dispose();
    },
  },
  {
    name: "checkpoint / rewind / checkpoints: rewind gives the same bits after a fit; bad ids throw",
    fn: async () => {
      const data = createDataset(([x, y]) => x * y, { nVar: 2, trainNum: 100, testNum: 10, seed: 1 });
      const m = new KAN({ width: [2, 3, 1], grid: 3, seed: 3 });
      const y0 = m.predict(data.testInput).data;
      const bytes0 = m.save();
      const a = m.checkpoint("start");
      await m.fit(data, { steps: 5 });
      m.fixSymbolic(0, 0, 0, "x^2");
      const y1 = m.predict(data.testInput).data;
      const b = m.checkpoint();
      ok(y1.some((v, i) => v !== y0[i]), "the fit moved the model");
      m.rewind(a);
      ok(m.predict(data.testInput).data.every((v, i) => Object.is(v, y0[i])), "rewind(a): predictions as at a");
      ok(m.save().every((v, i) => v === bytes0[i]), "rewind(a): saved bytes as at a");
      m.rewind(b);
      ok(m.predict(data.testInput).data.every((v, i) => Object.is(v, y1[i])), "rewind(b): predictions as at b");
      equal(JSON.stringify(m.checkpoints()), JSON.stringify([{ id: a, label: "start" }, { id: b, label: "" }]), "list");
      const e = await throwsKan(() => m.rewind(99), "INVALID_ARGUMENT", "unknown id");
      ok(/\bid\b/.test(e.message), e.message);
      await throwsKan(() => m.checkpoint(3), "INVALID_ARGUMENT", "label not a string");
      equal(m.clone().checkpoints().length, 0, "a clone starts without checkpoints");
      m.dispose();
      await throwsKan(() => m.checkpoints(), "DISPOSED", "after dispose");
    },
  },
  {
    name: "featureInteraction: one output's scores equal attribute's input scores; groups by the inputs used",
    fn: async () => {
      // x3 unused, x1 and x2 combined: the output draws on inputs 0 and 1 only
      const data = createDataset(([x, y]) => Math.sin(2 * x) * y, { nVar: 3, trainNum: 200, testNum: 10, seed: 4 });
      const m = new KAN({ width: [3, 4, 1], grid: 3, seed: 1 });
      await m.fit(data, { steps: 30, lamb: 1e-2 });
      const { scores, groups } = m.featureInteraction(data.trainInput);
      close(scores[0], m.attribute(data.trainInput).nodeScores[0], { rel: 1e-9, abs: 1e-12 }, "scores vs attribute");
      equal(JSON.stringify(groups[0].features), "[0,1]", "output 0 uses inputs 0 and 1");
      // hidden node t: std of edge (i, t) over the samples / (std of node t's sum + 1e-4)
      const hidden = m.featureInteraction(data.trainInput, { layer: 1 });
      const x = data.trainInput;
      const cols = [0, 1, 2].map((i) => m.edgeValues(0, i, Array.from({ length: x.rows }, (_, r) => x.data[r * 3 + i])));
      const std = (v) => {
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
      };
      for (let t = 0; t < 4; t++) {
        const edge = cols.map((c) => Array.from({ length: x.rows }, (_, r) => c.data[r * 4 + t]));
        const node = std(edge[0].map((_, r) => edge[0][r] + edge[1][r] + edge[2][r]));
        close(hidden.scores[t], edge.map((e) => std(e) / (node + 1e-4)), { rel: 1e-9 }, `hidden node ${t}`);
      }
      equal(hidden.groups.flatMap((g) => g.nodes).length, 4, "every live hidden node in one group");
      await throwsKan(() => m.featureInteraction(data.trainInput, { layer: 0 }), "INVALID_ARGUMENT", "layer 0");
      await throwsKan(() => m.featureInteraction([[1, 2]]), "SHAPE_MISMATCH", "2 columns");
      await throwsKan(() => m.featureInteraction(data.trainInput, { featureTh: 1 }), "UNKNOWN_OPTION", "unknown option");
      m.dispose();
    },
  },
];
