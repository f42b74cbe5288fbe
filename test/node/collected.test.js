// A model nothing references any more is freed when the garbage collector takes it, but not
// while a call of its own is still running: `new KAN(...).fit(data)` and
// `m.clone().autoSymbolicAsync()` hold no reference to their KAN, and collections run during
// them (forced here after every step and every edge, in a Node run with --expose-gc). A model
// dropped with no call running is still freed.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const script = `
import { createDataset, init, KAN, rawKernel } from "./dist/index.js";
await init();
const data = createDataset(([x, y]) => Math.sin(x) + y * y, { nVar: 2, trainNum: 200, testNum: 50, seed: 1 });
const collect = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 1)); };
const h = await new KAN({ width: [2, 3, 1], grid: 3, seed: 0 }).fit(data, { opt: "adam", steps: 40, onStep: collect });
const kept = new KAN({ width: [2, 3, 1], grid: 3, seed: 0 });
await kept.fit(data, { steps: 5 });
const fixed = await kept.clone().autoSymbolicAsync({ lib: ["x", "x^2", "sin"], onEdge: collect });
// and the models dropped are freed once collected: the first fit's, the clone, and one more;
// only \`kept\` is left
const count = () => rawKernel().raw.kw_model_count();
const settle = async () => { for (let t = 0; t < 100 && count() > 1; t++) await collect(); return count(); };
const first = await settle();
(() => new KAN({ width: [2, 3, 1], grid: 3, seed: 0 }))();
const freed = first === 1 && count() === 2 && (await settle()) === 1;
console.log(JSON.stringify({ steps: h.trainLoss.length, edges: fixed.length, freed }));
`;

describe("collected models", () => {
  it("a fit and a symbolic search on a KAN nothing else references run to their end", () => {
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
      cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
    });
    expect(JSON.parse(out.trim().split("\n").pop())).toEqual({ steps: 40, edges: 9, freed: true });
  });
});
