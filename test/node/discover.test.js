// discover: known formulas recovered from data, checked by evaluating the returned `js`
// formula against the truth on fresh points; option errors; abort; determinism. Node only:
// each call fits several small models.
import { beforeAll, expect, it } from "vitest";
import { KanError, createDataset, discover, init } from "kanwasm";

beforeAll(() => init());

/** Relative RMSE of f against truth on 500 points of `ranges` from another seed. */
function relErr(f, truth, nVar, ranges) {
  const pts = createDataset(truth, { nVar, ranges, trainNum: 500, testNum: 1, seed: 77 });
  let se = 0;
  let st = 0;
  for (let r = 0; r < 500; r++) {
    const x = Array.from(pts.trainInput.data.subarray(r * nVar, (r + 1) * nVar));
    se += (f(...x) - pts.trainLabel.data[r]) ** 2;
    st += pts.trainLabel.data[r] ** 2;
  }
  return Math.sqrt(se / st);
}

const ratio = ([a, b, c]) => (a * b) / c;
const ratioRanges = [[0.5, 2], [0.5, 2], [1, 3]];

it("x1*x2/x3 on positive ranges: the js formula matches to 1e-9", async () => {
  const data = createDataset(ratio, { nVar: 3, ranges: ratioRanges, trainNum: 300, testNum: 300, seed: 3 });
  const r = await discover(data, { seed: 0 });
  const f = new Function(`return ${r.js[0]}`)();
  expect(relErr(f, ratio, 3, ratioRanges)).toBeLessThan(1e-9);
  expect(r.formula[0]).toMatch(/x1/);
  expect(r.formula[0]).toMatch(/x3/);
  expect(r.rmse.test).toBeLessThan(1e-9);
  expect(r.model.predict([[1, 2, 2]]).data[0]).toBeCloseTo(1, 9);
  expect(r.latex[0].length).toBeGreaterThan(0);
  expect(r.stages.length).toBeGreaterThan(0);
  r.model.dispose();
});

it("exp(sin(pi x1) + x2^2) on [-1, 1]^2: the js formula matches to 1e-6", async () => {
  const hello = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
  const data = createDataset(hello, { nVar: 2, trainNum: 300, testNum: 300, seed: 0 });
  const r = await discover(data, { seed: 0, inputNames: ["x", "y"] });
  const f = new Function(`return ${r.js[0]}`)();
  expect(relErr(f, hello, 2, [-1, 1])).toBeLessThan(1e-6);
  expect(r.formula[0]).toMatch(/sin/);
  r.model.dispose();
});

it("m / sqrt(1 - (v/c)^2): a power law times a function of one group, to 1e-9", async () => {
  const rel = ([m, v, c]) => m / Math.sqrt(1 - (v * v) / (c * c));
  const ranges = [[0.1, 1], [0, 0.9], [1, 2]];
  const data = createDataset(rel, { nVar: 3, ranges, trainNum: 300, testNum: 300, seed: 2 });
  const stages = [];
  const r = await discover(data, { seed: 0, inputNames: ["m", "v", "c"], onStage: (s) => stages.push(s.name) });
  const f = new Function(`return ${r.js[0]}`)();
  expect(relErr(f, rel, 3, ranges)).toBeLessThan(1e-9);
  expect(r.formula[0]).toMatch(/sqrt/);
  expect(stages.at(-1)).toMatch(/^scaling/);
  r.model.dispose();
});

it("two outputs: one model with an output each, each formula exact", async () => {
  const two = ([a, b, c]) => [(a * b) / c, a * a + Math.sin(b)];
  const data = createDataset(two, { nVar: 3, ranges: ratioRanges, trainNum: 200, testNum: 200, seed: 4 });
  const r = await discover(data, { seed: 0, outputNames: ["p", "s"], budget: { steps: 1500 } });
  expect(r.formula.length).toBe(2);
  expect(r.formula[0]).toMatch(/^p = /);
  expect(r.model.width.at(-1)).toBe(2);
  for (const k of [0, 1]) {
    const f = new Function(`return ${r.js[k]}`)();
    expect(relErr(f, (x) => two(x)[k], 3, ratioRanges)).toBeLessThan(1e-9);
  }
  const p = r.model.predict([[1, 1.5, 2]]).data;
  expect(p[0]).toBeCloseTo(0.75, 12);
  expect(p[1]).toBeCloseTo(1 + Math.sin(1.5), 12);
  expect(r.stages.some((s) => s.name.startsWith("s: "))).toBe(true);
  r.model.dispose();
});

it("the same seed gives the same formula and errors, on one thread or two", async () => {
  const data = createDataset(ratio, { nVar: 3, ranges: ratioRanges, trainNum: 100, testNum: 100, seed: 5 });
  const a = await discover(data, { seed: 1, budget: { steps: 150 } });
  const b = await discover(data, { seed: 1, budget: { steps: 150 }, threads: 2 });
  expect(b.js).toEqual(a.js);
  expect(b.rmse).toEqual(a.rmse);
  a.model.dispose();
  b.model.dispose();
});

it("bad data and options give KanError naming the argument", async () => {
  const data = createDataset(ratio, { nVar: 3, ranges: ratioRanges, trainNum: 20, testNum: 20 });
  const cases = [
    [data, { seed: -1 }, /seed/],
    [data, { budget: { steps: 0 } }, /budget\.steps/],
    [data, { budget: { minutes: 1 } }, /minutes/],
    [data, { budget: { seconds: -1 } }, /budget\.seconds/],
    [data, { lib: ["x", "nope"] }, /nope/],
    [data, { lib: [] }, /lib/],
    [data, { inputNames: ["a"] }, /inputNames/],
    [data, { outputNames: "y" }, /outputNames/],
    [data, { onStage: 3 }, /onStage/],
    [data, { signal: {} }, /signal/],
    [data, { colour: 1 }, /colour/],
    [data, { threads: 0 }, /discover: option "threads"/],
    [data, { threads: "all" }, /discover: option "threads"/],
    [{ trainInput: [[1, 2]] }, {}, /trainLabel/],
    [data, { outputNames: ["a", "b"] }, /outputNames/],
    [{ trainInput: [[1], [2]], trainLabel: [[1], [2], [3]] }, {}, /trainLabel/],
    [{ trainInput: [[1], [NaN]], trainLabel: [1, 2] }, {}, /trainInput/],
  ];
  for (const [d, o, re] of cases) {
    const err = await discover(d, o).then(() => null, (e) => e);
    expect(err, JSON.stringify(o)).toBeInstanceOf(KanError);
    expect(err.message).toMatch(re);
  }
});

it("a signal aborts it with KanError ABORTED; onStage reports each stage", async () => {
  const data = createDataset(([x, y]) => Math.sin(3 * x * y), { nVar: 2, trainNum: 200, testNum: 200 });
  const ac = new AbortController();
  const seen = [];
  const err = await discover(data, {
    signal: ac.signal,
    onStage: (s) => { seen.push(s.name); ac.abort(); },
  }).then(() => null, (e) => e);
  expect(err).toBeInstanceOf(KanError);
  expect(err.code).toBe("ABORTED");
  expect(seen.length).toBe(1);
  const pre = new AbortController();
  pre.abort();
  const err2 = await discover(data, { signal: pre.signal }).then(() => null, (e) => e);
  expect(err2.code).toBe("ABORTED");
});

it("a budget of seconds or steps ends it early, still with a formula", async () => {
  const data = createDataset(([x, y]) => Math.sin(3 * x * y), { nVar: 2, trainNum: 100, testNum: 100 });
  for (const budget of [{ seconds: 0.001 }, { steps: 5 }]) {
    const r = await discover(data, { budget });
    expect(r.stages.length).toBeGreaterThan(0);
    expect(r.js[0]).toMatch(/=>/);
    expect(Number.isFinite(r.rmse.test)).toBe(true);
    r.model.dispose();
  }
});
