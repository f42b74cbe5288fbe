// The symbolic search through the public API: suggestSymbolic on one edge and autoSymbolic on
// the 15 edges of a [2,5,1] fitted to hellokan (exp(sin(pi x1) + x2^2)), default library, and
// the best r2 every edge reaches with each function; then autoSymbolic's wall time on threads 1
// and 2 (the same fixed edges) on that model and a wider [4,8,1]. Run:
// node bench/symbolic.mjs [--json out.json]
import { writeFileSync } from "node:fs";
import { init, KAN, createDataset } from "kanwasm";

await init();
const hello = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const data = createDataset(hello, { nVar: 2, trainNum: 1000, testNum: 1000 });
const model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
await model.fit(data, { opt: "lbfgs", steps: 20 });

// CPU time of this process (user + system): the machine may be shared, wall time is reported too
let wall = 0;
const time = (f) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const v = f();
  wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return [v, (c.user + c.system) / 1e6];
};
const [top, tSuggest] = time(() => model.suggestSymbolic(0, 0, 0, { topk: 100 }));
const edges = [];
let tAll = 0;
for (let l = 0; l < model.depth; l++) {
  const [ni, no] = model.layerDims(l);
  for (let i = 0; i < ni; i++) {
    for (let j = 0; j < no; j++) {
      const [s, t] = time(() => model.suggestSymbolic(l, i, j, { topk: 100 }));
      tAll += t;
      edges.push({ l, i, j, best: s[0].name, r2: Object.fromEntries(s.map((x) => [x.name, x.r2])) });
    }
  }
}
const copy = model.clone();
const [fixed, tAuto] = time(() => copy.autoSymbolic());
const wallAuto = wall;
console.log("CPU seconds (wall seconds of autoSymbolic: " + wallAuto.toFixed(3) + ")");
console.log(`suggestSymbolic, edge (0,0,0), ${top.length} functions: ${tSuggest.toFixed(3)} s (best ${top[0].name}, r2 ${top[0].r2.toFixed(6)})`);
console.log(`suggestSymbolic on all ${edges.length} edges: ${tAll.toFixed(3)} s`);
console.log(`autoSymbolic, ${fixed.length} edges fixed: ${tAuto.toFixed(3)} s`);
console.log(`  ${fixed.map((e) => `(${e.l},${e.i},${e.j}) ${e.name} ${e.r2.toFixed(5)}`).join("\n  ")}`);

// threads: wall time, the best of three runs each (the host may be shared), threads 1 and 2
// alternating; autoSymbolicAsync with threads 2 starts the workers first
const wide = new KAN({ width: [4, 8, 1], grid: 3, k: 3, seed: 42 });
const wideData = createDataset(([a, b, c, d]) => Math.sin(a) * b + Math.exp(c) - d * d, { nVar: 4, trainNum: 1000 });
await wide.fit(wideData, { opt: "lbfgs", steps: 10 });
const threads = [];
for (const [name, m] of [["[2,5,1]", model], ["[4,8,1]", wide]]) {
  const starter = m.clone();
  await starter.autoSymbolicAsync({ threads: 2, lib: ["x"] });
  starter.dispose();
  const best = { 1: Infinity, 2: Infinity };
  const got = {};
  for (let r = 0; r < 3; r++) {
    for (const n of [1, 2]) {
      const c = m.clone();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      got[n] = JSON.stringify(c.autoSymbolic({ threads: n }));
      best[n] = Math.min(best[n], (performance.now() - t0) / 1000);
      const cu = process.cpuUsage(c0);
      if (r === 0) console.log(`  threads ${n}: cpu ${((cu.user + cu.system) / 1e6).toFixed(3)} s`);
      c.dispose();
    }
  }
  const same = got[1] === got[2];
  threads.push({ name, one: best[1], two: best[2], ratio: best[1] / best[2], same });
  console.log(`autoSymbolic ${name}: threads 1 ${best[1].toFixed(3)} s, threads 2 ${best[2].toFixed(3)} s ` +
    `(${(best[1] / best[2]).toFixed(2)}x), same edges: ${same}`);
}
const out = process.argv.indexOf("--json");
if (out > 0) writeFileSync(process.argv[out + 1], JSON.stringify({ tSuggest, tAll, tAuto, edges, fixed, threads }, null, 1));
