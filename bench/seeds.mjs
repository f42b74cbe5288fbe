// Convergence over seeds on pykan's hellokan task, exp(sin(pi x1) + x2^2): KAN [2,1,1] and
// [2,5,1], fit G3 50 LBFGS steps -> refine(10) -> fit 50 steps, default options; test RMSE
// per model seed. Run: node bench/seeds.mjs [--width 2,1,1] [--seeds 0-19] [--json out.json]
import { writeFileSync } from "node:fs";
import { init, KAN, createDataset } from "kanwasm";

await init();
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const widths = arg("width", "2,1,1;2,5,1").split(";").map((w) => w.split(",").map(Number));
const [s0, s1] = arg("seeds", "0-19").split("-").map(Number);
const data = createDataset(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y), { nVar: 2, trainNum: 1000, testNum: 1000 });
const rows = [];
for (const width of widths) {
  for (let seed = s0; seed <= (s1 ?? s0); seed++) {
    const m = new KAN({ width, grid: 3, k: 3, seed });
    const h1 = await m.fit(data, { opt: "lbfgs", steps: 50 });
    const f = m.refine(10);
    const h2 = await f.fit(data, { opt: "lbfgs", steps: 50 });
    const row = { width: width.join(","), seed, g3: h1.testLoss.at(-1), g10: h2.testLoss.at(-1) };
    rows.push(row);
    console.log(`[${row.width}] seed ${String(seed).padStart(2)}  G3 ${row.g3.toExponential(2)}  G10 ${row.g10.toExponential(2)}${row.g10 > 1e-2 ? "  STALLED" : ""}`);
    m.dispose();
    f.dispose();
  }
}
const bad = rows.filter((r) => r.g10 > 1e-2);
console.log(`${rows.length - bad.length} of ${rows.length} runs reach test RMSE <= 1e-2`);
const out = arg("json", "");
if (out) writeFileSync(out, JSON.stringify(rows, null, 1));
