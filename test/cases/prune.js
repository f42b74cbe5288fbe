// prune and pruneInputs keep the means of what they remove in each layer's bias (pykan's
// subnode_bias): the prediction loses the removed parts' spread, not their offset; the bias
// goes through save/load, JSON, clone, refine, derivatives and the formula.
import { KAN, createDataset } from "kanwasm";
import { close, equal, ok, throwsKan } from "./assert.js";

const f = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
const col = (m, i) => Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + i]);
const rmse = (a, b) => Math.sqrt(mean(Array.from(a, (v, r) => (v - b[r]) ** 2)));

/** Values of hidden node q of a [n, h, 1] model at `input`: its incoming edges plus its bias. */
function hidden(m, input, q) {
  const bias = m.getLayerArray(0, "bias")[q];
  const v = new Float64Array(input.rows).fill(bias);
  for (let i = 0; i < m.inDim; i++) {
    const e = m.edgeValues(0, i, col(input, i));
    for (let r = 0; r < input.rows; r++) v[r] += e.data[r * e.cols + q];
  }
  return v;
}

export const cases = [
  {
    name: "prune: removed hidden nodes leave their means in the output's bias (only their spread is lost)",
    fn: async () => {
      const data = createDataset(f, { nVar: 2, trainNum: 200, testNum: 200, seed: 0 });
      const m = new KAN({ width: [2, 5, 1], grid: 3, seed: 42 });
      await m.fit(data, { steps: 10, lamb: 1e-3 });
      const x = data.trainInput;
      const scores = m.attribute(x).nodeScores[1];
      const best = scores.indexOf(Math.max(...scores));
      // the edges leaving the hidden nodes that go, summed per sample
      const removed = new Float64Array(x.rows);
      for (let q = 0; q < 5; q++) {
        if (q === best) continue;
        const e = m.edgeValues(1, q, hidden(m, x, q));
        e.data.forEach((v, r) => (removed[r] += v));
      }
      ok(Math.abs(mean(removed)) > 1e-2, `the removed nodes carry an offset: mean ${mean(removed)}`);
      const before = m.predict(x).data;
      const p = m.prune({ nodeThreshold: 1e9, edgeThreshold: 0, input: x });
      equal(p.width.join(), "2,1,1", "one hidden node kept");
      const want = Array.from(before, (v, r) => v - removed[r] + mean(removed));
      close(p.predict(x).data, want, { abs: 1e-12, rel: 1e-12 }, "prediction minus the removed spread");
      close(p.getLayerArray(1, "bias"), [mean(removed)], { abs: 1e-12 }, "output bias");
      // the bias travels with the model
      const bits = p.predict(data.testInput).data;
      for (const [how, q] of [["load", KAN.load(p.save())], ["fromJSON", KAN.fromJSON(JSON.parse(JSON.stringify(p.toJSON())))],
        ["clone", p.clone()]]) {
        equal(Array.from(q.predict(data.testInput).data).join(), Array.from(bits).join(), `${how}: same bits`);
      }
      close(p.derivatives(data.testInput, { order: 1 }).value.data, bits, { abs: 1e-12, rel: 1e-12 }, "derivatives' value");
      close(p.refine(6).predict(data.testInput).data, bits, { abs: 0.05 }, "refined");
    },
  },
  {
    name: "prune: the README's workflow (hellokan on 200 points): fit with lamb 1e-3 then prune keeps its test RMSE (about 1 without the biases)",
    fn: async () => {
      const data = createDataset(f, { nVar: 2, trainNum: 200, testNum: 200, seed: 0 });
      const m = new KAN({ width: [2, 5, 1], grid: 3, seed: 42 });
      await m.fit(data, { steps: 50, lamb: 1e-3 });
      const before = m.evaluate(data).testRmse;
      const p = m.prune();
      const after = p.evaluate(data).testRmse;
      ok(p.width[1] < 5, `nodes pruned: ${p.width}`);
      ok(after < 2 * Math.max(before, 1e-2), `test RMSE ${before} before prune, ${after} after`);
      // the same pruned model without its biases is what prune gave before they existed
      for (let l = 0; l < p.depth; l++) p.setLayerArray(l, "bias", new Float64Array(p.layerDims(l)[1]));
      const lost = p.evaluate(data).testRmse;
      ok(lost > 10 * after, `without the biases the RMSE is ${lost}, with them ${after}`);
    },
  },
  {
    name: "pruneInputs and masked edges leave their means in the first layer's bias",
    fn: async () => {
      const data = createDataset(([x, y, z]) => Math.sin(2 * x) + 0.3 * y * y + 0.1 * z, { nVar: 3, trainNum: 150,
        testNum: 10, seed: 4 });
      const m = new KAN({ width: [3, 1], grid: 5, seed: 3 });
      await m.fit(data, { steps: 5 });
      const x = data.trainInput;
      const before = m.predict(x).data;
      const { model: q, inputs } = m.pruneInputs({ threshold: 1e9, input: x });
      equal(inputs.length, 1, "the best input kept");
      const removed = new Float64Array(x.rows);
      for (let i = 0; i < 3; i++) {
        if (i !== inputs[0]) m.edgeValues(0, i, col(x, i)).data.forEach((v, r) => (removed[r] += v));
      }
      ok(Math.abs(mean(removed)) > 1e-2, `the removed inputs carry an offset: mean ${mean(removed)}`);
      const xq = { rows: x.rows, cols: 1, data: Float64Array.from(col(x, inputs[0])) };
      const want = Array.from(before, (v, r) => v - removed[r] + mean(removed));
      close(q.predict(xq).data, want, { abs: 1e-12, rel: 1e-12 }, "prediction minus the removed spread");
      // every edge masked: the one layer then outputs the mean of what it output before
      const e = m.prune({ edgeThreshold: 1e9, input: x });
      ok(Array.from(e.getLayerArray(0, "mask")).every((v) => v === 0), "every edge masked");
      close(e.predict(x).data, new Array(x.rows).fill(mean(before)), { abs: 1e-12 }, "the mean");
      ok(rmse(e.predict(x).data, before) > 0.1, "the spread is what goes");
    },
  },
  {
    name: "bias: predict, formula (text and js) and derivatives add it; setLayerArray checks its length",
    fn: async () => {
      const m = new KAN({ width: [1, 1], grid: 3, seed: 1 });
      m.fixSymbolic(0, 0, 0, "x^2", { fitParams: false });
      m.setLayerArray(0, "bias", [0.5]);
      close(m.predict([[0.3]]).data, [0.59], { abs: 1e-15 }, "x^2 + 0.5");
      equal(m.symbolicFormula()[0], "x1^2 + 0.5", "formula");
      const g = new Function(`return ${m.symbolicFormula({ format: "js" })[0]}`)();
      close([g(0.3)], [0.59], { abs: 1e-15 }, "js");
      close(m.derivatives([[0.3]], { order: 2 }).gradient, [0.6], { abs: 1e-12 }, "gradient");
      await throwsKan(() => m.setLayerArray(0, "bias", [0.5, 1]), "SHAPE_MISMATCH", "a bias of the wrong length");
      await throwsKan(() => m.setLayerArray(0, "bias", [NaN]), "NON_FINITE", "a bias that is not finite");
      equal(m.getLayerArray(0, "bias")[0], 0.5, "the bias after refused writes");
    },
  },
];
