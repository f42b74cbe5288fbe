// Training steps per second through the public API: [2,5,1] on 1000 samples with LBFGS
// (one step = up to 20 quasi-Newton iterations, as pykan counts) and with Adam, and
// [784,64,10] with Adam on batches of 256, in float32 and float64.
//   node bench/steps.mjs [--wasm PATH]    (PATH: another build of the module, to compare builds)
import { readFileSync } from "node:fs";
import { init, KAN, createDataset } from "kanwasm";

const at = process.argv.indexOf("--wasm");
await init(at > 0 ? { wasm: readFileSync(process.argv[at + 1]) } : {});
const seconds = Number(process.env.BENCH_TIME ?? 1.5);

function randomData(nIn, nOut, n, seed) {
  const data = createDataset((x) => Array.from({ length: nOut }, (_, j) => Math.sin(x[j % nIn] + j)), {
    nVar: nIn, trainNum: n, testNum: 0, seed,
  });
  return { trainInput: data.trainInput, trainLabel: data.trainLabel };
}

async function stepsPerSecond(width, grid, dtype, data, fitOpts) {
  const model = new KAN({ width, grid, k: 3, dtype, seed: 0 });
  await model.fit(data, { ...fitOpts, steps: 2, updateGrid: false }); // warm-up
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await model.fit(data, { ...fitOpts, steps: 5, updateGrid: false });
    steps += 5;
  }
  const rate = steps / ((performance.now() - t0) / 1000);
  model.dispose();
  return rate;
}

const small = createDataset(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y), { nVar: 2, trainNum: 1000, testNum: 0 });
const mnistLike = randomData(784, 10, 2048, 1);
const rows = [];
for (const dtype of ["float32", "float64"]) {
  rows.push([`[2,5,1] G5, 1000 samples, LBFGS`, dtype, await stepsPerSecond([2, 5, 1], 5, dtype, small, { opt: "lbfgs" })]);
  rows.push([`[2,5,1] G5, 1000 samples, Adam`, dtype, await stepsPerSecond([2, 5, 1], 5, dtype, small, { opt: "adam", lr: 1e-3 })]);
  rows.push([`[784,64,10] G5, batch 256, Adam`, dtype, await stepsPerSecond([784, 64, 10], 5, dtype, mnistLike, { opt: "adam", lr: 1e-3, batch: 256 })]);
}
console.log("training steps per second (one thread, wasm SIMD):");
for (const [name, dtype, rate] of rows) console.log(`  ${name.padEnd(36)} ${dtype}  ${rate.toFixed(1).padStart(8)} steps/s`);
