// Two more problems in the equation language, each printed with its error against the exact
// solution:
//   - a harmonic oscillator, u_tt + 4 u = 0 on [0, 2] with u(0) = 1, u_t(0) = 0 (an ODE with
//     initial conditions; exact u = cos(2t));
//   - steady viscous Burgers, 0.2 u_xx = u u_x on [-1, 1] with u(-1) = tanh(2.5), u(1) = -tanh(2.5)
//     (a nonlinear PDE; exact u = -tanh(2.5 x)).
//
//   node pde-nonlinear.mjs [--steps 60]
import { parseArgs } from "node:util";
import { init, KAN } from "kanwasm";

const { values: o } = parseArgs({ options: { steps: { type: "string", default: "60" } } });
const steps = Number(o.steps);
await init();

const line = (a, b, n) => Array.from({ length: n }, (_, i) => [a + ((b - a) * i) / (n - 1)]);
const mse = (m, pts, exact) => m.predict(pts).data.reduce((s, v, r) => s + (v - exact(pts[r][0])) ** 2, 0) / pts.length;

{
  // the grid covers the time span; the initial conditions pin value and slope at t = 0
  const model = new KAN({ width: [1, 5, 1], grid: 5, gridRange: [0, 2], seed: 0 });
  await model.fitPDE({
    inputNames: ["t"],
    terms: [
      { points: line(0, 2, 101), equation: "u_tt + 4*u = 0" },
      { points: [[0]], equation: "u = 1" },
      { points: [[0]], equation: "u_t = 0" },
    ],
  }, { steps });
  const err = mse(model, line(0, 2, 501), (t) => Math.cos(2 * t));
  console.log(`oscillator u_tt + 4u = 0: L2 MSE against cos(2t) ${err.toExponential(2)}`);
}
{
  const model = new KAN({ width: [1, 5, 1], grid: 10, seed: 0 });
  const edge = Math.tanh(2.5);
  await model.fitPDE({
    terms: [
      { points: line(-1, 1, 201), equation: "0.2*u_x1x1 = u*u_x1" },
      { points: [[-1]], equation: `u = ${edge}` },
      { points: [[1]], equation: `u = -${edge}` },
    ],
  }, { steps, updateGrid: false });   // evenly spread points: the uniform grid suits them
  const err = mse(model, line(-1, 1, 501), (x) => -Math.tanh(2.5 * x));
  console.log(`Burgers 0.2 u_xx = u u_x: L2 MSE against -tanh(2.5x) ${err.toExponential(2)}`);
}
