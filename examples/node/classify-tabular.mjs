// Classify real tabular data: the UCI wine recognition data (178 wines, 13 chemical measurements,
// 3 cultivars; examples/data/wine.csv, see examples/data/README.md). A small KAN trained with
// cross-entropy beside a small multilayer perceptron (written below in plain JavaScript, with
// Adam), as the KAN paper compares them: test accuracy and parameter count of each.
//
//   node classify-tabular.mjs [--seed 0] [--steps 200]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { init, KAN, seededRandom } from "kanwasm";

const { values: o } = parseArgs({
  options: { seed: { type: "string", default: "0" }, steps: { type: "string", default: "200" } },
});
const seed = Number(o.seed);
const steps = Number(o.steps);
await init();

const lines = readFileSync(new URL("../data/wine.csv", import.meta.url), "utf8").trim().split("\n").slice(1);
const rows = lines.map((l) => l.split(",").map(Number));
const nIn = rows[0].length - 1;
const nClass = Math.max(...rows.map((r) => r[nIn])) + 1;

// a seeded shuffle (Fisher-Yates), then 30% of the wines held out for testing
const rand = seededRandom(seed);
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}
const nTest = Math.round(0.3 * rows.length);
const trainRows = rows.slice(nTest);
const testRows = rows.slice(0, nTest);

// standardise every feature by the training set's mean and standard deviation only
const mean = Array.from({ length: nIn }, (_, c) => trainRows.reduce((s, r) => s + r[c], 0) / trainRows.length);
const sd = mean.map((m, c) => Math.sqrt(trainRows.reduce((s, r) => s + (r[c] - m) ** 2, 0) / trainRows.length));
const scaled = (r) => mean.map((m, c) => (r[c] - m) / sd[c]);
const matrices = (set) => ({
  input: { rows: set.length, cols: nIn, data: Float64Array.from(set.flatMap(scaled)) },
  label: { rows: set.length, cols: 1, data: Float64Array.from(set, (r) => r[nIn]) },
});
const train = matrices(trainRows);
const test = matrices(testRows);
const accuracy = (scores, label) => {
  let right = 0;
  for (let r = 0; r < label.rows; r++) {
    const row = Array.from(scores.subarray(r * nClass, (r + 1) * nClass));
    if (row.indexOf(Math.max(...row)) === label.data[r]) right++;
  }
  return right / label.rows;
};

// the KAN: 13 inputs straight to one output per class; standardised features reach a few units,
// and the grids follow the training samples
const kan = new KAN({ width: [nIn, nClass], grid: 3, k: 3, seed });
const data = { trainInput: train.input, trainLabel: train.label, testInput: test.input, testLabel: test.label };
await kan.fit(data, { opt: "adam", lr: 0.02, steps, loss: "crossentropy" });
const kanAcc = accuracy(kan.predict(test.input).data, test.label);
console.log(`KAN [${kan.width.join(", ")}]: test accuracy ${kanAcc.toFixed(3)}, ${kan.numParams} parameters`);

// the MLP: one tanh hidden layer and a softmax output, full-batch Adam on the mean cross-entropy
function mlp(sizes, rand) {
  const layers = sizes.slice(1).map((n, l) => {
    const m = sizes[l];
    const w = Float64Array.from({ length: n * m }, () => (2 * rand() - 1) * Math.sqrt(6 / (m + n)));   // Glorot
    return { m, n, w, b: new Float64Array(n) };
  });
  const params = layers.flatMap((L) => [L.w, L.b]);
  // activations of every layer for a batch (rows x width, row-major)
  const forward = (x, rows) => {
    const acts = [x];
    for (const [l, L] of layers.entries()) {
      const a = acts[l];
      const z = new Float64Array(rows * L.n);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < L.n; j++) {
          let s = L.b[j];
          for (let i = 0; i < L.m; i++) s += L.w[j * L.m + i] * a[r * L.m + i];
          z[r * L.n + j] = l < layers.length - 1 ? Math.tanh(s) : s;
        }
      }
      acts.push(z);
    }
    return acts;
  };
  return { layers, params, forward, count: params.reduce((s, p) => s + p.length, 0) };
}

function trainMlp(net, x, label, steps, lr) {
  const rows = label.rows;
  const m = net.params.map((p) => new Float64Array(p.length));
  const v = net.params.map((p) => new Float64Array(p.length));
  for (let t = 1; t <= steps; t++) {
    const acts = net.forward(x.data, rows);
    const last = net.layers.length;
    // d(mean cross-entropy)/d(logits) = (softmax - one-hot) / rows
    let delta = acts[last].slice();
    for (let r = 0; r < rows; r++) {
      const z = delta.subarray(r * nClass, (r + 1) * nClass);
      const top = Math.max(...z);
      let sum = 0;
      for (let j = 0; j < nClass; j++) sum += z[j] = Math.exp(z[j] - top);
      for (let j = 0; j < nClass; j++) z[j] = (z[j] / sum - (j === label.data[r] ? 1 : 0)) / rows;
    }
    const grads = [];
    for (let l = last - 1; l >= 0; l--) {
      const L = net.layers[l];
      const a = acts[l];
      const gw = new Float64Array(L.w.length);
      const gb = new Float64Array(L.n);
      const back = new Float64Array(rows * L.m);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < L.n; j++) {
          const d = delta[r * L.n + j];
          gb[j] += d;
          for (let i = 0; i < L.m; i++) {
            gw[j * L.m + i] += d * a[r * L.m + i];
            back[r * L.m + i] += d * L.w[j * L.m + i];
          }
        }
      }
      // through the tanh of the layer below: tanh' = 1 - tanh^2
      if (l > 0) for (let k = 0; k < back.length; k++) back[k] *= 1 - a[k] * a[k];
      delta = back;
      grads.unshift(gw, gb);
    }
    for (const [p, w] of net.params.entries()) {
      for (let k = 0; k < w.length; k++) {
        const g = grads[p][k];
        m[p][k] = 0.9 * m[p][k] + 0.1 * g;
        v[p][k] = 0.999 * v[p][k] + 0.001 * g * g;
        w[k] -= (lr * m[p][k]) / (1 - 0.9 ** t) / (Math.sqrt(v[p][k] / (1 - 0.999 ** t)) + 1e-8);
      }
    }
  }
}

const sizes = [nIn, 16, nClass];
const net = mlp(sizes, seededRandom(seed + 1));
trainMlp(net, train.input, train.label, 2 * steps, 0.01);
const mlpAcc = accuracy(net.forward(test.input.data, test.label.rows).at(-1), test.label);
console.log(`MLP [${sizes.join(", ")}]: test accuracy ${mlpAcc.toFixed(3)}, ${net.count} parameters`);
console.log(`(${train.label.rows} training and ${test.label.rows} test wines, seed ${seed})`);
