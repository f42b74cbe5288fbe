// A first look at kanwasm: the cubic B-spline basis of a 5-interval grid on [-1, 1], the
// functions every KAN edge is made of. Run with `npm run demo` after `npm install`.
import { init, bsplineBasis } from "kanwasm";

await init();
const grid = 5;
const k = 3;
const xs = [-1, -0.6, -0.2, 0, 0.3, 0.7, 1];
const basis = bsplineBasis(xs, { grid, k });

const cell = (v) => (v === 0 ? "." : v.toFixed(4)).padStart(7);
console.log(`cubic B-spline basis, grid = ${grid} on [-1, 1]: ${basis.rows} x ${basis.cols} (coeff = grid + k)\n`);
console.log("     x |" + Array.from({ length: basis.cols }, (_, i) => `B${i}`.padStart(7)).join("") + " |   sum");
for (let r = 0; r < basis.rows; r++) {
  const row = basis.data.subarray(r * basis.cols, (r + 1) * basis.cols);
  const sum = row.reduce((a, b) => a + b, 0);
  console.log(`${xs[r].toFixed(2).padStart(6)} |${Array.from(row, cell).join("")} | ${sum.toFixed(4)}`);
}
console.log("\nEach row sums to 1 inside the grid (partition of unity); at most k + 1 = 4 are non-zero.");
