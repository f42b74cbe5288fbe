// Fit a KAN to f(x, y) = exp(sin(pi x) + y^2) in Node, then prune it, refine its grid, make it
// symbolic and print the formula; saves the model and its picture in the current folder.
//
//   npm install kanwasm
//   node fit.mjs
import { writeFileSync } from "node:fs";
import { init, KAN, createDataset } from "kanwasm";

await init();
const f = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const data = createDataset(f, { nVar: 2, trainNum: 500, testNum: 500, ranges: [-1, 1], seed: 0 });

let model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
await model.fit(data, { opt: "lbfgs", steps: 50, lamb: 1e-3 });
console.log("fit     test RMSE", model.evaluate(data).testRmse.toExponential(2));

model = model.prune();                     // drops the hidden nodes that do not matter
model = model.refine(10);                  // a finer grid, same function
await model.fit(data, { steps: 50 });
console.log(`pruned to ${JSON.stringify(model.width)}, grid 10: test RMSE`, model.evaluate(data).testRmse.toExponential(2));

model.autoSymbolic({ lib: ["x", "x^2", "sin", "exp"] });
await model.fit(data, { steps: 20, updateGrid: false });   // tunes the symbolic functions' constants
console.log("symbolic test RMSE", model.evaluate(data).testRmse.toExponential(2));
console.log(model.symbolicFormula({ inputNames: ["x", "y"], outputNames: ["f"] })[0]);

writeFileSync("kan.safetensors", model.save());
writeFileSync("kan.svg", model.toSVG({ inputNames: ["x", "y"], outputNames: ["f"] }));
