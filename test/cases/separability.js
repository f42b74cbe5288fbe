// separability and tree: groups of inputs from the exact Hessians of a fitted model, checked
// against the structure of the function it was fitted to.
import { KAN, createDataset } from "kanwasm";
import { equal, ok, throwsKan } from "./assert.js";

const target = ([x, y, z]) => Math.sin(x) * Math.exp(y) + z * z;

let fitted;
/** A [3,5,1] fitted to sin(x1) exp(x2) + x3^2 (made once, shared by the cases). */
async function model() {
  if (fitted === undefined) {
    const data = createDataset(target, { nVar: 3, trainNum: 300, testNum: 200, seed: 0 });
    const m = new KAN({ width: [3, 5, 1], grid: 5, seed: 0 });
    await m.fit(data, { steps: 50 });
    fitted = { m, data };
  }
  return fitted;
}

export const cases = [
  {
    name: "separability: sin(x1) exp(x2) + x3^2 fitted by a [3,5,1] is additive [[0,1],[2]], not multiplicative",
    fn: async () => {
      const { m, data } = await model();
      ok(m.evaluate(data).testRmse < 1e-2, `fit: test RMSE ${m.evaluate(data).testRmse}`);
      const s = m.separability(data.testInput);
      equal(JSON.stringify(s.additive), "[[0,1],[2]]", "additive");
      equal(JSON.stringify(s.multiplicative), "[[0,1,2]]", "multiplicative");
    },
  },
  {
    name: "tree: the root adds a sub-expression of x1, x2 and one of x3",
    fn: async () => {
      const { m, data } = await model();
      const { root, levels } = m.tree(data.testInput);
      equal(root.op, "add", "root op");
      equal(JSON.stringify(root.children.map((c) => c.inputs)), "[[0,1],[2]]", "root's children");
      equal(JSON.stringify(root.children[0].children.map((c) => c.inputs)), "[[0],[1]]", "x1 and x2 below");
      equal(JSON.stringify(levels), "[[[0],[1],[2]],[[0,1],[2]],[[0,1,2]]]", "levels");
    },
  },
  {
    name: "separability and tree: misuse throws KanError naming the argument",
    fn: async () => {
      const { m, data } = await model();
      await throwsKan(() => m.separability([[0, 1]]), "SHAPE_MISMATCH", "2 columns");
      await throwsKan(() => m.separability([[0, 1, 2]]), "EMPTY_DATASET", "one row");
      const e = await throwsKan(() => m.separability(data.testInput, { output: 1 }), "INVALID_ARGUMENT", "output 1");
      ok(/output/.test(e.message), e.message);
      await throwsKan(() => m.tree(data.testInput, { symmetryThreshold: -1 }), "INVALID_ARGUMENT", "negative threshold");
      await throwsKan(() => m.tree(data.testInput, { sep: 1 }), "UNKNOWN_OPTION", "unknown option");
    },
  },
];
