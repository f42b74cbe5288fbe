// The playground's targets: the paper's functions and a classification set, each with the
// model and training settings it starts from, and a reader of dropped CSV files.
import { createDataset, seededRandom } from "kanwasm";

/** J0 by its power series; 40 terms are exact to double precision for |x| <= 12. */
function besselJ0(x) {
  let term = 1;
  let sum = 1;
  const q = (x * x) / 4;
  for (let m = 1; m < 40; m++) {
    term *= -q / (m * m);
    sum += term;
  }
  return sum;
}

const matrix = (rows, cols, data) => ({ rows, cols, data: Float64Array.from(data) });

/** Two interleaved half circles with Gaussian noise, labels 0 and 1, scaled into [-1, 1]. */
function moons(n, seed, noise = 0.1) {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const x = [];
  const y = [];
  for (let s = 0; s < n; s++) {
    const c = s % 2;
    const t = Math.PI * rnd();
    const px = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.push((px - 0.5) / 1.5 + (noise / 1.5) * gauss(), (py - 0.25) / 1.5 + (noise / 1.5) * gauss());
    y.push(c);
  }
  return [matrix(n, 2, x), matrix(n, 1, y)];
}

const regression = (f) => () => createDataset(f, { nVar: 2, trainNum: 500, testNum: 200, seed: 0 });

export const PRESETS = {
  hellokan: {
    label: "exp(sin(πx) + y²)  (the paper's example)",
    make: regression(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y)),
    inputNames: ["x", "y"],
    outputNames: ["f"],
    settings: { hidden: "5", grid: 3, k: 3, steps: 50, lamb: 0.01, opt: "lbfgs" },
  },
  product: {
    label: "x · y",
    make: regression(([x, y]) => x * y),
    inputNames: ["x", "y"],
    outputNames: ["f"],
    settings: { hidden: "3", grid: 5, k: 3, steps: 40, lamb: 0.001, opt: "lbfgs" },
  },
  bessel: {
    label: "J₀(10x) + y²  (a Bessel function)",
    make: regression(([x, y]) => besselJ0(10 * x) + y * y),
    inputNames: ["x", "y"],
    outputNames: ["f"],
    settings: { hidden: "3", grid: 10, k: 3, steps: 50, lamb: 0.001, opt: "lbfgs" },
  },
  moons: {
    label: "two moons (classification)",
    make: () => {
      const [trainInput, trainLabel] = moons(400, 1);
      const [testInput, testLabel] = moons(200, 2);
      return { trainInput, trainLabel, testInput, testLabel };
    },
    inputNames: ["x", "y"],
    outputNames: ["class 0", "class 1"],
    classes: 2,
    settings: { hidden: "4", grid: 5, k: 3, steps: 30, lamb: 0, opt: "lbfgs" },
  },
};

/**
 * Poisson's equation u_xx + u_yy = -2 pi^2 sin(pi x) sin(pi y) on [-1, 1]^2 with u = 0 on the
 * boundary, whose solution is sin(pi x) sin(pi y): collocation points for fitPDE, and the
 * exact solution at other points to measure the error.
 */
function poisson() {
  const n = 21;
  const at = (i) => -1 + (2 * i) / (n - 1);
  const exact = ([x, y]) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y);
  const inside = [];
  const edge = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) inside.push([at(i), at(j)]);
    edge.push([at(i), -1], [at(i), 1], [-1, at(i)], [1, at(i)]);
  }
  const rnd = seededRandom(4);
  const test = Array.from({ length: 400 }, () => [2 * rnd() - 1, 2 * rnd() - 1]);
  const m = (rows) => matrix(rows.length, 2, rows.flat());
  const u = (rows) => matrix(rows.length, 1, rows.map(exact));
  return {
    data: { trainInput: m(inside), trainLabel: u(inside), testInput: m(test), testLabel: u(test) },
    problem: {
      inputNames: ["x", "y"],
      terms: [
        { points: m(inside), equation: "u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)", weight: 0.01 },
        { points: m(edge), equation: "u = 0" },
      ],
    },
  };
}

/** The PDE preset, offered where the model has fitPDE. */
export const POISSON = {
  label: "Poisson's equation (PDE)",
  make: () => poisson().data,
  problem: () => poisson().problem,
  inputNames: ["x", "y"],
  outputNames: ["u"],
  settings: { hidden: "10", grid: 5, k: 3, steps: 50, lamb: 0, opt: "lbfgs" },
};

/**
 * A CSV file as a dataset: an optional header, numbers only, the last column the target.
 * A target of small non-negative integers (at most 10 distinct) makes a classification task.
 * Rows are split 80/20 into train and test in a seeded shuffle.
 */
export function parseCsv(text, seed = 0) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("#"));
  if (lines.length < 3) throw new Error("the CSV needs at least 3 rows of numbers");
  const sep = lines[0].includes(",") ? "," : lines[0].includes(";") ? ";" : /\s+/;
  const cells = lines.map((l) => l.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, "$1")));
  const header = cells[0].some((c) => c !== "" && !Number.isFinite(Number(c))) ? cells.shift() : undefined;
  const cols = cells[0].length;
  if (cols < 2) throw new Error("the CSV needs at least 2 columns (inputs, then the target)");
  const rows = cells.map((r, n) => {
    if (r.length !== cols) throw new Error(`row ${n + 1 + (header ? 1 : 0)} has ${r.length} columns, not ${cols}`);
    return r.map((c, j) => {
      const v = Number(c);
      if (c === "" || !Number.isFinite(v)) {
        throw new Error(`row ${n + 1 + (header ? 1 : 0)}, column ${j + 1}: "${c}" is not a number`);
      }
      return v;
    });
  });
  const rnd = seededRandom(seed);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const target = rows.map((r) => r[cols - 1]);
  const distinct = new Set(target);
  const small = target.every((v) => Number.isInteger(v) && v >= 0 && v < 10);
  const classes = small && distinct.size >= 2 ? Math.max(...target) + 1 : 0;
  const nTrain = Math.max(2, Math.round(rows.length * 0.8));
  const part = (rs) => [
    matrix(rs.length, cols - 1, rs.flatMap((r) => r.slice(0, -1))),
    matrix(rs.length, 1, rs.map((r) => r[cols - 1])),
  ];
  const [trainInput, trainLabel] = part(rows.slice(0, nTrain));
  const data = { trainInput, trainLabel };
  if (rows.length > nTrain) [data.testInput, data.testLabel] = part(rows.slice(nTrain));
  const names = header ?? [...Array.from({ length: cols - 1 }, (_, j) => `x${j + 1}`), "y"];
  return {
    data,
    inputNames: names.slice(0, -1),
    outputNames: classes ? Array.from({ length: classes }, (_, c) => `class ${c}`) : [names[cols - 1]],
    classes,
  };
}
