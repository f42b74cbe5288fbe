// Fit a KAN in Deno, with types: a classifier of two interleaved half-moons, trained with
// cross-entropy; prints its accuracy and writes its picture.
//
//   deno add npm:kanwasm                    # once, or have kanwasm in package.json
//   deno run --allow-write=moons.svg fit.ts
import { init, KAN, seededRandom, type Dataset, type Matrix } from "kanwasm";

await init();

/** n points on two half-moons with a little noise; the label is the moon (0 or 1). */
function moons(n: number, seed: number): { input: Matrix; label: Matrix } {
  const rand = seededRandom(seed);
  const input = new Float64Array(2 * n);
  const label = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const c = s % 2;
    const t = Math.PI * rand();
    input[2 * s] = (c ? 1 - Math.cos(t) : Math.cos(t)) - 0.5 + 0.1 * (rand() - 0.5);
    input[2 * s + 1] = (c ? 0.5 - Math.sin(t) : Math.sin(t)) - 0.25 + 0.1 * (rand() - 0.5);
    label[s] = c;
  }
  return { input: { rows: n, cols: 2, data: input }, label: { rows: n, cols: 1, data: label } };
}

const train = moons(400, 1);
const test = moons(400, 2);
const data: Dataset = { trainInput: train.input, trainLabel: train.label, testInput: test.input, testLabel: test.label };

const model = new KAN({ width: [2, 3, 2], grid: 5, k: 3, seed: 0 });   // one output per class
await model.fit(data, { opt: "adam", lr: 0.02, steps: 200, loss: "crossentropy" });
const { trainAccuracy, testAccuracy } = model.evaluate(data);
console.log(`accuracy: train ${(100 * trainAccuracy!).toFixed(1)}%, test ${(100 * testAccuracy!).toFixed(1)}%`);

await Deno.writeTextFile("moons.svg", model.toSVG({ inputNames: ["x", "y"], outputNames: ["moon 0", "moon 1"] }));
