// The page's script, bundled by build.mjs. init({ wasm }) says where the wasm is served.
import { init, KAN, createDataset } from "kanwasm";

const $ = (id) => document.getElementById(id);
try {
  await init({ wasm: new URL("assets/kanwasm.wasm", document.baseURI) });
  const data = createDataset(([x, y]) => x * y, { nVar: 2, trainNum: 300, testNum: 300, seed: 0 });
  const model = new KAN({ width: [2, 2, 1], grid: 5, k: 3, seed: 0 });
  await model.fit(data, { steps: 40 });
  $("rmse").value = model.evaluate(data).testRmse.toExponential(2);
  model.autoSymbolic({ lib: ["x", "x^2"] });
  await model.fit(data, { steps: 20, updateGrid: false });
  $("formula").value = model.symbolicFormula({ inputNames: ["x", "y"], outputNames: ["f"] })[0];
  $("picture").innerHTML = model.toSVG({ inputNames: ["x", "y"], outputNames: ["f"] });
  $("status").value = "done";
} catch (e) {
  $("status").value = `error: ${e.message}`;
}
