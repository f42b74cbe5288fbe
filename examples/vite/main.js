// A Vite app: the KAN trains in a worker (kanwasm/worker), so the page stays responsive while
// it reports each step. Vite copies kanwasm.wasm into the build by itself.
//
//   npm install kanwasm vite
//   npx vite            # or: npx vite build
import { createDataset } from "kanwasm";
import { WorkerKAN } from "kanwasm/worker";

const $ = (id) => document.getElementById(id);
const names = { inputNames: ["x", "y"], outputNames: ["f"] };
try {
  const data = createDataset(([x, y]) => Math.sin(Math.PI * x) + y * y, { trainNum: 300, testNum: 300, seed: 0 });
  const model = await WorkerKAN.create({ width: [2, 1, 1], grid: 5, k: 3, seed: 2 });
  await model.fit(data, {
    steps: 30,
    onStep: ({ step, testLoss }) => ($("status").value = `training, step ${step + 1}/30, test RMSE ${testLoss.toExponential(2)}`),
  });
  $("rmse").value = (await model.evaluate(data)).testRmse.toExponential(2);
  await model.autoSymbolic({ lib: ["x", "x^2", "sin"] });
  await model.fit(data, { steps: 20, updateGrid: false });
  $("formula").value = (await model.symbolicFormula(names))[0];
  $("picture").innerHTML = await model.toSVG(names);
  await model.dispose();
  $("status").value = "done";
} catch (e) {
  $("status").value = `error: ${e.message}`;
}
