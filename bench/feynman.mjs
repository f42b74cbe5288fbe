// `npm run bench -- --feynman`: discover on the equations of up to three variables of pykan's
// Feynman list (bench/feynman-equations.mjs), one table row each: the equation, the formula
// found, the relative RMSE of its `js` form (full precision) against the truth on 1000 fresh
// points, and the time. An equation counts as recovered at a relative RMSE of at most 1e-6.
//
//   node bench/run.mjs --feynman [--only NAME,NAME] [--train N] [--seed S] [--steps N]
import { createDataset, discover, init } from "kanwasm";
import { EQUATIONS } from "./feynman-equations.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const only = opt("--only", "").split(",").filter(Boolean);
const trainNum = Number(opt("--train", 500));
const seed = Number(opt("--seed", 0));
const steps = Number(opt("--steps", 2000));
const RECOVERED = 1e-6;

/** sqrt(sum (f - truth)^2 / sum truth^2) over 1000 points drawn apart from the training data. */
function relativeError(eq, f) {
  const n = eq.vars.length;
  const pts = createDataset(eq.f, { nVar: n, ranges: eq.ranges, trainNum: 1000, testNum: 1, seed: 1000 + seed });
  let se = 0;
  let st = 0;
  for (let r = 0; r < 1000; r++) {
    const x = Array.from(pts.trainInput.data.subarray(r * n, (r + 1) * n));
    const t = pts.trainLabel.data[r];
    se += (f(...x) - t) ** 2;
    st += t * t;
  }
  return Math.sqrt(se / st);
}

await init();
const list = EQUATIONS.filter((e) => only.length === 0 || only.includes(e.name));
console.log(`discover on ${list.length} Feynman equations (<= 3 variables), ${trainNum} train + ${trainNum} test ` +
  `samples, seed ${seed}, budget ${steps} LBFGS steps; recovered: relative RMSE <= ${RECOVERED}`);
console.log("equation | truth | formula found | relative RMSE | seconds");
let found = 0;
const t00 = performance.now();
for (const eq of list) {
  const data = createDataset(eq.f, { nVar: eq.vars.length, ranges: eq.ranges, trainNum, testNum: trainNum, seed });
  const t0 = performance.now();
  const r = await discover(data, { inputNames: eq.vars, outputNames: ["y"], seed, budget: { steps } });
  const secs = (performance.now() - t0) / 1000;
  const err = relativeError(eq, new Function(`return ${r.js[0]}`)());
  r.model.dispose();
  const ok = err <= RECOVERED;
  if (ok) found++;
  const formula = r.formula[0].replace(/^y = /, "");
  console.log(`${eq.name} | ${eq.truth} | ${formula} | ${err.toExponential(1)}${ok ? "" : " (not recovered)"} | ` +
    `${secs.toFixed(1)}`);
}
console.log(`recovered ${found} of ${list.length} in ${((performance.now() - t00) / 1000).toFixed(0)} s`);
