// pykan's reference results through the public API (float64), in Node only: these train for
// hundreds of LBFGS steps, and the cross-runtime scenarios in test/cases already prove the
// same bits everywhere. Reference numbers: shared KAN.md (pykan tutorials).
import { beforeAll, expect, it } from "vitest";
import { KAN, createDataset, init, seededRandom } from "kanwasm";

beforeAll(() => init());

const hello = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);

it("hellokan: [2,5,1] G3 50 LBFGS steps (lamb 1e-3) → test RMSE ≤ 3e-2; refine(10) + 50 steps → ≤ 1e-3", async () => {
  const data = createDataset(hello, { nVar: 2, trainNum: 1000, testNum: 1000 });
  const model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
  const h1 = await model.fit(data, { opt: "lbfgs", steps: 50, lamb: 1e-3 });
  expect(h1.testLoss.at(-1)).toBeLessThanOrEqual(3e-2);
  const fine = model.refine(10);
  const h2 = await fine.fit(data, { opt: "lbfgs", steps: 50 });
  expect(h2.testLoss.at(-1)).toBeLessThanOrEqual(1e-3);
  expect(fine.evaluate(data).testRmse).toBe(h2.testLoss.at(-1));
}, 300_000);

it("grid extension: [2,1,1], 200 LBFGS steps per grid 3 → 10 → 20 reaches test RMSE ≤ 1e-4 (pykan 4.0e-5)", async () => {
  const data = createDataset(hello, { nVar: 2, trainNum: 1000, testNum: 1000, seed: 1 });
  let model = new KAN({ width: [2, 1, 1], grid: 3, k: 3, seed: 0 });
  const rmse = {};
  for (const g of [3, 10, 20]) {
    if (g !== 3) {
      const next = model.refine(g);
      model.dispose();
      model = next;
    }
    const h = await model.fit(data, { opt: "lbfgs", steps: 200 });
    rmse[g] = h.testLoss.at(-1);
  }
  console.log("grid extension test RMSE", rmse);
  expect(rmse[10]).toBeLessThan(rmse[3]);
  expect(rmse[20]).toBeLessThanOrEqual(1e-4);
}, 600_000);

/** Two interleaved half circles with Gaussian noise (as scikit-learn's make_moons). */
function moons(n, noise, seed) {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const cls = s % 2;
    const t = Math.PI * rand();
    x[2 * s] = (cls ? 1 - Math.cos(t) : Math.cos(t)) + noise * gauss();
    x[2 * s + 1] = (cls ? 0.5 - Math.sin(t) : Math.sin(t)) + noise * gauss();
    y[s] = cls;
  }
  return [{ rows: n, cols: 2, data: x }, { rows: n, cols: 1, data: y }];
}

it("cross-entropy: a [2,4,2] KAN classifies two moons (noise 0.1) with test accuracy ≥ 97%", async () => {
  const [trainInput, trainLabel] = moons(1000, 0.1, 1);
  const [testInput, testLabel] = moons(1000, 0.1, 2);
  const data = { trainInput, trainLabel, testInput, testLabel };
  const model = new KAN({ width: [2, 4, 2], grid: 5, k: 3, seed: 0, gridRange: [-1.5, 2.5] });
  // Adam: the moons are separable, and LBFGS would mostly grow the logits
  const h = await model.fit(data, { opt: "adam", lr: 0.02, steps: 200, loss: "crossentropy" });
  const ev = model.evaluate(data);
  console.log("two moons", { trainCE: h.trainLoss.at(-1), testCE: h.testLoss.at(-1), ...ev });
  expect(ev.testAccuracy).toBeGreaterThanOrEqual(0.97);
  expect(h.testLoss.at(-1)).toBeLessThan(0.1); // mean cross-entropy; chance is ln 2 = 0.69
}, 300_000);

it("continual learning: [1,1] G200 base zero learns five peaks one region at a time without forgetting (RMSE ≤ 1e-2)", async () => {
  const centers = [-0.8, -0.4, 0, 0.4, 0.8];
  const f = (x) => centers.reduce((s, c) => s + Math.exp(-300 * (x - c) ** 2), 0);
  const region = (c, n) => {
    const xs = Float64Array.from({ length: n }, (_, i) => c - 0.2 + (0.4 * (i + 0.5)) / n);
    return [{ rows: n, cols: 1, data: xs }, { rows: n, cols: 1, data: xs.map(f) }];
  };
  // spline scales frozen, as in pykan's tutorial: a scale would touch every region at once
  const model = new KAN({ width: [1, 1], grid: 200, k: 3, baseFun: "zero", noiseScale: 0.1, seed: 0, sbTrainable: false, spTrainable: false });
  for (const c of centers) {
    const [trainInput, trainLabel] = region(c, 400);
    await model.fit({ trainInput, trainLabel }, { opt: "lbfgs", steps: 20, updateGrid: false });
  }
  const all = centers.map((c) => region(c, 200));
  const input = { rows: 1000, cols: 1, data: Float64Array.from(all.flatMap(([x]) => Array.from(x.data))) };
  const label = all.flatMap(([, y]) => Array.from(y.data));
  const p = model.predict(input).data;
  const rmse = Math.sqrt(label.reduce((s, y, i) => s + (p[i] - y) ** 2, 0) / label.length);
  console.log("continual learning RMSE over all regions", rmse);
  expect(rmse).toBeLessThanOrEqual(1e-2);
}, 300_000);

const LIB = ["x", "x^2", "x^3", "x^4", "exp", "log", "sqrt", "tanh", "sin", "abs"];

it("hellokan to a formula: prune, refine(10), fit, autoSymbolic, fit → RMSE ≤ 1e-8 and exp(x2^2 + sin(3.1416*x1))", async () => {
  const data = createDataset(hello, { nVar: 2, trainNum: 1000, testNum: 1000 });
  const model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
  await model.fit(data, { opt: "lbfgs", steps: 50, lamb: 1e-3 });
  const pruned = model.prune();
  expect(pruned.width).toEqual([2, 1, 1]);
  const fine = pruned.refine(10);
  await fine.fit(data, { opt: "lbfgs", steps: 50 });
  const fixed = fine.autoSymbolic({ lib: LIB });
  expect(fixed.map((e) => e.name).sort()).toEqual(["exp", "sin", "x^2"]);
  const h = await fine.fit(data, { opt: "lbfgs", steps: 50 });
  expect(h.testLoss.at(-1)).toBeLessThanOrEqual(1e-8);
  expect(fine.symbolicFormula()[0]).toBe("exp(x2^2 + sin(3.1416*x1))");
  const f = new Function(`return ${fine.symbolicFormula({ format: "js" })[0]}`)();
  const rand = seededRandom(5);
  for (let s = 0; s < 1000; s++) {
    const x = 2 * rand() - 1;
    const y = 2 * rand() - 1;
    expect(Math.abs(f(x, y) - hello([x, y]))).toBeLessThanOrEqual(1e-6);
  }
}, 600_000);

it("a held-out formula through the same API: f = x1^2 + exp(x2)/2 - tanh(2 x3)", async () => {
  const target = ([a, b, c]) => a * a + Math.exp(b) / 2 - Math.tanh(2 * c);
  const data = createDataset(target, { nVar: 3, trainNum: 1000, testNum: 1000, seed: 4 });
  const model = new KAN({ width: [3, 1], grid: 5, k: 3, seed: 0 });
  await model.fit(data, { opt: "lbfgs", steps: 50 });
  const fixed = model.autoSymbolic({ lib: LIB });
  expect(fixed.map((e) => e.name)).toEqual(["x^2", "exp", "tanh"]);
  const h = await model.fit(data, { opt: "lbfgs", steps: 100 });
  console.log("held-out test RMSE", h.testLoss.at(-1));
  expect(h.testLoss.at(-1)).toBeLessThanOrEqual(1e-8);
  const text = model.symbolicFormula()[0];
  console.log("held-out formula:", text);
  const f = new Function(`return ${model.symbolicFormula({ format: "js" })[0]}`)();
  const rand = seededRandom(6);
  for (let s = 0; s < 200; s++) {
    const p = [2 * rand() - 1, 2 * rand() - 1, 2 * rand() - 1];
    expect(Math.abs(f(...p) - target(p))).toBeLessThanOrEqual(1e-6);
  }
}, 600_000);

it("autoSymbolic on edges shaped like 1/x and log near 0 gives no NaN and no exception", async () => {
  for (const [name, target] of [["1/x", (x) => 1 / (x + 1.05)], ["log", (x) => Math.log(x + 1.02)]]) {
    const data = createDataset(([x]) => target(x), { nVar: 1, trainNum: 400, testNum: 100, seed: 7 });
    const model = new KAN({ width: [1, 1], grid: 10, k: 3, seed: 1 });
    await model.fit(data, { opt: "lbfgs", steps: 20 });
    const fixed = model.autoSymbolic(); // the whole library, poles included
    expect(fixed).toHaveLength(1);
    for (const s of model.suggestSymbolic(0, 0, 0, { topk: 29 })) {
      expect(Number.isFinite(s.r2) && s.params.every(Number.isFinite)).toBe(true);
    }
    const p = model.predict({ rows: 5, cols: 1, data: [-1, -0.5, 0, 0.5, 1] });
    expect(Array.from(p.data).every(Number.isFinite)).toBe(true);
    const h = await model.fit(data, { opt: "lbfgs", steps: 5 });
    expect(h.trainLoss.every(Number.isFinite)).toBe(true);
    console.log(name, "->", fixed[0].name, model.symbolicFormula()[0]);
  }
}, 600_000);
