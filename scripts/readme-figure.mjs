// Draws docs/kan.svg, the README's picture of a KAN: the quick start's network fitted to
// f(x, y) = exp(sin(pi x) + y^2) and pruned, drawn by kanwasm's own toSVG. Seeded, so running it
// again gives the same file.
//
//   node scripts/readme-figure.mjs
import { writeFileSync } from "node:fs";
import { createDataset, init, KAN } from "kanwasm";

await init();
const f = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const data = createDataset(f, { nVar: 2, trainNum: 200, testNum: 200, seed: 0 });
const model = new KAN({ width: [2, 5, 1], grid: 5, k: 3, seed: 42 });
await model.fit(data, { steps: 30, lamb: 1e-3 });
const small = model.prune();
await small.fit(data, { steps: 20 });
const svg = small.toSVG({ inputNames: ["x", "y"], outputNames: ["f"] });
writeFileSync(new URL("../docs/kan.svg", import.meta.url), svg);
console.log(`docs/kan.svg: ${svg.length} bytes`);
