// Solve Poisson's equation u_xx + u_yy = f on [-1, 1]^2 with u = 0 on the boundary by
// physics-informed fitting of a [2, 10, 1] KAN, extending its grid 5 -> 10 -> 20, and print the
// L2 mean squared error against the exact solution on a 101 x 101 grid.
//
//   node pde-poisson.mjs                    # pykan's tutorial problem: u = sin(pi x) sin(pi y)
//   node pde-poisson.mjs --problem paper    # the KAN paper's: u = sin(pi x) sin(pi y^2)
//   node pde-poisson.mjs --save kan.safetensors
//   node pde-poisson.mjs --mesh 15 --grids 5 --steps 20    # a quick run
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { init, KAN } from "kanwasm";

const { values: o } = parseArgs({
  options: {
    problem: { type: "string", default: "tutorial" },
    save: { type: "string" },
    mesh: { type: "string", default: "51" },
    grids: { type: "string", default: "5,10,20" },
    steps: { type: "string", default: "50" },
  },
});
const problems = {
  tutorial: {
    exact: ([x, y]) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y),
    f: "-2*pi^2*sin(pi*x)*sin(pi*y)",
  },
  paper: {
    exact: ([x, y]) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y * y),
    // the Laplacian of sin(pi x) sin(pi y^2)
    f: "-pi^2*sin(pi*x)*sin(pi*y^2) + 2*pi*sin(pi*x)*cos(pi*y^2) - 4*pi^2*y^2*sin(pi*x)*sin(pi*y^2)",
  },
};
const p = problems[o.problem];
if (!p) throw new Error(`--problem must be ${Object.keys(problems).join(" or ")}`);
const n = Number(o.mesh);
const grids = o.grids.split(",").map(Number);
const steps = Number(o.steps);

await init();
// collocation points: an n x n mesh of the square, and n points on each side
const at = (i) => -1 + (2 * i) / (n - 1);
const interior = [];
const boundary = [];
for (let i = 0; i < n; i++) {
  for (let j = 0; j < n; j++) interior.push([at(i), at(j)]);
  boundary.push([at(i), -1], [at(i), 1], [-1, at(i)], [1, at(i)]);
}
const problem = {
  inputNames: ["x", "y"],
  terms: [
    { points: interior, equation: `u_xx + u_yy = ${p.f}`, weight: 0.01 },
    { points: boundary, equation: "u = 0" },
  ],
};

const test = [];
for (let i = 0; i <= 100; i++) for (let j = 0; j <= 100; j++) test.push([-1 + i / 50, -1 + j / 50]);
const exact = test.map(p.exact);
const mse = (m) => m.predict(test).data.reduce((s, v, r) => s + (v - exact[r]) ** 2, 0) / test.length;

let model = new KAN({ width: [2, 10, 1], grid: grids[0], k: 3, seed: 0 });
const t0 = Date.now();
for (const [q, g] of grids.entries()) {
  if (q > 0) {
    const finer = model.refine(g);         // grid extension: the same function on a finer grid
    model.dispose();
    model = finer;
  }
  // grids follow the points during the first fit only; later ones keep the refined grids
  const h = await model.fitPDE(problem, { steps, updateGrid: q === 0 });
  const [pde, bc] = h.terms.map((t) => t.at(-1).toExponential(2));
  console.log(`grid ${g}: residual ${pde}, boundary ${bc}, L2 MSE ${mse(model).toExponential(2)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`L2 MSE against the exact solution on a 101 x 101 grid: ${mse(model).toExponential(3)}`);
if (o.save) {
  writeFileSync(o.save, model.save());
  console.log(`saved ${o.save}`);
}
