// The KAN paper's continual-learning experiment: a [1, 1] KAN on a 200-interval grid over [-1, 1]
// (no base function) learns five Gaussian peaks at -0.8, -0.4, 0, 0.4, 0.8, each phase seeing only
// the samples of one region [c - 0.2, c + 0.2]. B-splines are local: fitting a new region moves only
// the coefficients whose knots lie there, so the peaks learnt before stay as they were. After each
// phase it prints the RMSE over all five regions and over the regions seen so far.
//
//   node continual-learning.mjs [--steps 20] [--samples 400]
//   node continual-learning.mjs --update-grid   # knots follow each phase's samples: earlier peaks are lost
import { parseArgs } from "node:util";
import { init, KAN } from "kanwasm";

const { values: o } = parseArgs({
  options: {
    steps: { type: "string", default: "20" },
    samples: { type: "string", default: "400" },
    "update-grid": { type: "boolean", default: false },
  },
});
const steps = Number(o.steps);
const samples = Number(o.samples);
await init();

const centers = [-0.8, -0.4, 0, 0.4, 0.8];
const f = (x) => centers.reduce((s, c) => s + Math.exp(-300 * (x - c) ** 2), 0);
// n evenly spread samples of the region around c (cell midpoints)
const region = (c, n) => {
  const x = Float64Array.from({ length: n }, (_, i) => c - 0.2 + (0.4 * (i + 0.5)) / n);
  return { input: { rows: n, cols: 1, data: x }, label: { rows: n, cols: 1, data: x.map(f) } };
};
const rmse = (model, set) => {
  const p = model.predict(set.input).data;
  return Math.sqrt(p.reduce((s, v, i) => s + (v - set.label.data[i]) ** 2, 0) / p.length);
};
const join = (sets) => {
  const cat = (key) => Float64Array.from(sets.flatMap((s) => Array.from(s[key].data)));
  const rows = sets.reduce((n, s) => n + s.input.rows, 0);
  return { input: { rows, cols: 1, data: cat("input") }, label: { rows, cols: 1, data: cat("label") } };
};
const tests = centers.map((c) => region(c, 200));

// the spline scales stay fixed, as in pykan's tutorial: a scale multiplies its edge's whole spline,
// so training it on one region would rescale the peaks of all the others
const model = new KAN({
  width: [1, 1], grid: 200, k: 3, baseFun: "zero", noiseScale: 0.1, seed: 0, sbTrainable: false, spTrainable: false,
});
for (const [q, c] of centers.entries()) {
  const { input, label } = region(c, samples);
  await model.fit({ trainInput: input, trainLabel: label }, { opt: "lbfgs", steps, updateGrid: o["update-grid"] });
  const all = rmse(model, join(tests)).toExponential(2);
  const seen = rmse(model, join(tests.slice(0, q + 1))).toExponential(2);
  console.log(`phase ${q + 1} (peak at ${c}): RMSE over all regions ${all}, over the regions seen so far ${seen}`);
}
console.log(`after the last phase, RMSE per region: ${tests.map((t) => rmse(model, t).toExponential(2)).join(" ")}`);
