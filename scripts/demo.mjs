// The README's main job: fit a KAN to f(x, y) = exp(sin(pi x) + y^2) in float64, prune it,
// extend its grid 3 -> 10, turn every edge into a symbolic function and print the formula,
// with the test RMSE after each stage and a progress line while it trains.
//
//   npm run demo
//   npm run demo -- --svg out.svg     # also writes a picture of the final network
import { writeFileSync } from "node:fs";
import { init, KAN, createDataset } from "kanwasm";

const svgAt = process.argv.indexOf("--svg");
const svgPath = svgAt >= 0 ? process.argv[svgAt + 1] : undefined;
if (svgAt >= 0 && !svgPath) {
  console.error("usage: npm run demo -- --svg out.svg");
  process.exit(2);
}

const tty = process.stdout.isTTY;

/** An onStep callback that draws `label [#####.....] step/steps  train .. test ..`. */
function progress(label, steps) {
  const start = Date.now();
  return ({ step, trainLoss, testLoss }) => {
    const done = step + 1;
    if (!tty && done !== steps && done % 10 !== 0) return;
    const w = 24;
    const fill = Math.round((w * done) / steps);
    const bar = "#".repeat(fill) + ".".repeat(w - fill);
    const line = `${label.padEnd(22)} [${bar}] ${String(done).padStart(3)}/${steps}` +
      `  train ${trainLoss.toExponential(2)}  test ${testLoss.toExponential(2)}  ${((Date.now() - start) / 1000).toFixed(1)}s`;
    process.stdout.write(tty ? `\r${line}` : `${line}\n`);
  };
}

const finish = () => tty && process.stdout.write("\n");

await init();
const f = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const data = createDataset(f, { nVar: 2, trainNum: 1000, testNum: 1000, ranges: [-1, 1], seed: 0 });
console.log("kanwasm demo: fitting f(x, y) = exp(sin(pi x) + y^2), 1000 train / 1000 test points on [-1, 1]^2\n");

const model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42, dtype: "float64" });
console.log(`KAN width [2, 5, 1], grid 3, k 3, float64: ${model.numParams} parameters`);
await model.fit(data, { opt: "lbfgs", steps: 50, lamb: 1e-3, onStep: progress("grid 3, lamb 1e-3", 50) });
finish();
const r3 = model.evaluate(data);
console.log(`  test RMSE at grid 3:  ${r3.testRmse.toExponential(3)}   (pykan: 1.8e-2)\n`);

const pruned = model.prune();
console.log(`pruned to width ${JSON.stringify(pruned.width)} (node scores ${pruned.attribute().nodeScores[1].map((v) => v.toFixed(3)).join(", ")})`);
const fine = pruned.refine(10);
console.log(`refined to grid 10: ${fine.numParams} parameters`);
await fine.fit(data, { opt: "lbfgs", steps: 50, onStep: progress("grid 10", 50) });
finish();
const r10 = fine.evaluate(data);
console.log(`  test RMSE at grid 10: ${r10.testRmse.toExponential(3)}   (pykan: 4.7e-4)\n`);

const lib = ["x", "x^2", "x^3", "x^4", "exp", "log", "sqrt", "tanh", "sin", "abs"];
const t0 = Date.now();
const fixed = fine.autoSymbolic({ lib });
console.log(`autoSymbolic over [${lib.join(", ")}] (${((Date.now() - t0) / 1000).toFixed(1)}s):`);
for (const e of fixed) console.log(`  edge (${e.l}, ${e.i}, ${e.j}) -> ${e.name.padEnd(4)} r2 = ${e.r2.toFixed(6)}`);
await fine.fit(data, { opt: "lbfgs", steps: 50, onStep: progress("symbolic", 50) });
finish();
const rs = fine.evaluate(data);
console.log(`  test RMSE, symbolic: ${rs.testRmse.toExponential(3)}   (pykan: 7e-11)\n`);
console.log(`formula:  y = ${fine.symbolicFormula({ digits: 4 })[0]}`);
console.log(`LaTeX:    ${fine.symbolicFormula({ format: "latex" })[0]}`);

if (svgPath) {
  writeFileSync(svgPath, fine.toSVG({ beta: 3, inputNames: ["x", "y"], outputNames: ["f"] }));
  console.log(`\nwrote ${svgPath}`);
}

for (const m of [model, pruned, fine]) m.dispose();
