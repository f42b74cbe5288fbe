// `npm run bench -- --pde`: how long kanwasm takes to solve Poisson's equation to an L2 MSE of
// 1e-6 against the exact solution (on a 101 x 101 grid of [-1, 1]^2), and after how many LBFGS
// steps: the setting of examples/node/pde-poisson.mjs ([2, 10, 1], a 51 x 51 mesh and 51 points
// per side, grids 5 -> 10 -> 20 with 50 steps each), for pykan's tutorial problem and the KAN
// paper's. The clock stops at the first step whose model reaches the target; the error check
// after each step is not counted.
//
//   node bench/run.mjs --pde [--mesh N]
import { init, KAN } from "kanwasm";

const args = process.argv.slice(2);
const mesh = Number(args[args.indexOf("--mesh") + 1] ?? 51) || 51;
const TARGET = 1e-6;
const PROBLEMS = {
  tutorial: { exact: (x, y) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y), f: "-2*pi^2*sin(pi*x)*sin(pi*y)" },
  paper: {
    exact: (x, y) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y * y),
    f: "-pi^2*sin(pi*x)*sin(pi*y^2) + 2*pi*sin(pi*x)*cos(pi*y^2) - 4*pi^2*y^2*sin(pi*x)*sin(pi*y^2)",
  },
};

await init();
const at = (i) => -1 + (2 * i) / (mesh - 1);
const interior = [];
const boundary = [];
for (let i = 0; i < mesh; i++) {
  for (let j = 0; j < mesh; j++) interior.push([at(i), at(j)]);
  boundary.push([at(i), -1], [at(i), 1], [-1, at(i)], [1, at(i)]);
}
const test = [];
for (let i = 0; i <= 100; i++) for (let j = 0; j <= 100; j++) test.push([-1 + i / 50, -1 + j / 50]);

console.log(`Poisson on [-1, 1]^2, [2, 10, 1], ${mesh} x ${mesh} mesh, grids 5 -> 10 -> 20, target L2 MSE ${TARGET}`);
console.log("problem   | LBFGS steps to target | seconds to target | final L2 MSE | total seconds");
for (const [name, p] of Object.entries(PROBLEMS)) {
  const exact = test.map(([x, y]) => p.exact(x, y));
  const mse = (m) => m.predict(test).data.reduce((s, v, r) => s + (v - exact[r]) ** 2, 0) / test.length;
  const problem = {
    inputNames: ["x", "y"],
    terms: [
      { points: interior, equation: `u_xx + u_yy = ${p.f}`, weight: 0.01 },
      { points: boundary, equation: "u = 0" },
    ],
  };
  let model = new KAN({ width: [2, 10, 1], grid: 5, seed: 0 });
  let steps = 0;
  let spent = 0;
  let reached;
  for (const [q, g] of [5, 10, 20].entries()) {
    if (q > 0) {
      const t0 = performance.now();
      const finer = model.refine(g);
      spent += performance.now() - t0;
      model.dispose();
      model = finer;
    }
    const t = model.trainer(problem, { steps: 50, updateGrid: q === 0 });
    while (!t.done) {
      const t0 = performance.now();
      await t.step();
      spent += performance.now() - t0;
      steps++;
      if (reached === undefined && mse(model) <= TARGET) reached = { steps, seconds: spent / 1000 };
    }
    t.close();
  }
  const cell = (v, w) => String(v).padEnd(w);
  const when = reached ? reached.seconds.toFixed(1) : "-";
  console.log(`${cell(name, 9)} | ${cell(reached?.steps ?? "not reached", 21)} | ${cell(when, 17)} | ` +
    `${cell(mse(model).toExponential(2), 12)} | ${(spent / 1000).toFixed(1)}`);
  model.dispose();
}
