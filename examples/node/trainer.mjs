// A training loop of one's own with the Trainer, which takes one optimiser step per `step()`:
// Adam in two phases, early stopping each once the test loss has not improved for 50 steps; the
// best model is kept as saved bytes, and the second phase resumes from it at a lower learning rate.
//
//   npm install kanwasm
//   node trainer.mjs
import { init, KAN, createDataset } from "kanwasm";

await init();
const f = ([x, y]) => Math.sin(Math.PI * x) * Math.exp(-y * y);
const data = createDataset(f, { nVar: 2, trainNum: 400, testNum: 400, ranges: [-1, 1], seed: 1 });
let model = new KAN({ width: [2, 4, 1], grid: 5, k: 3, seed: 0 });

let best = { testLoss: Infinity, bytes: undefined, at: "" };
for (const [phase, lr] of [[1, 0.05], [2, 0.001]]) {
  if (best.bytes) {
    model.dispose();
    model = KAN.load(best.bytes);          // resume from the best point so far
  }
  // the grids follow the data in the first phase only: a grid update moves the function a little
  const trainer = model.trainer(data, { opt: "adam", lr, steps: 1000, updateGrid: phase === 1 });
  try {
    let stale = 0;
    while (!trainer.done && stale < 50) {
      const { step, testLoss } = await trainer.step();
      if (testLoss < best.testLoss) {
        best = { testLoss, bytes: model.save(), at: `phase ${phase}, step ${step + 1}` };
        stale = 0;
      } else {
        stale++;
      }
    }
    console.log(`phase ${phase} (lr ${lr}): ${trainer.stepsDone} steps${trainer.done ? "" : ", stopped early"}`);
  } finally {
    trainer.close();
  }
}

const kept = KAN.load(best.bytes);
console.log(`best test RMSE ${best.testLoss} at ${best.at}`);
console.log(`reloaded model: test RMSE ${kept.evaluate(data).testRmse}`);
