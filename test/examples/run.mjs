// Runs every program in examples/ as a user would, each in a scratch folder, and checks what it
// prints and writes: the Node scripts (fit, a Trainer loop), the Deno script, and the command line on the CSV files
// (through `npx kanwasm`, linked to dist/ as an installed package would be). The web page runs in
// the Chromium stage (test/browser/examples.mjs). Ends with `examples: N passed, N failed`.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init, KAN } from "kanwasm";

const root = new URL("../..", import.meta.url).pathname;
const examples = join(root, "examples");
const deno = join(root, "node_modules/.bin/deno");
await init();

const results = [];
async function test(name, fn) {
  const dir = mkdtempSync(join(tmpdir(), "kanwasm-example-"));
  try {
    await fn(dir);
    results.push({ name, ok: true });
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    results.push({ name, ok: false, error: `${e.message}\n(kept ${dir})` });
  }
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.error ?? ""}`);
  return r.stdout;
}

function expectMatch(text, re) {
  if (!re.test(text)) throw new Error(`expected ${re} in:\n${text}`);
}

await test("examples/node/fit.mjs fits, finds exp(y^2 + sin(pi x)) and saves a model that loads", (dir) => {
  const out = run(process.execPath, [join(examples, "node/fit.mjs")], dir);
  expectMatch(out, /^f = exp\(y\^2 \+ sin\(3\.1416\*x\)\)$/m);
  const rmse = Number(out.match(/^symbolic test RMSE (\S+)$/m)?.[1]);
  if (!(rmse < 1e-8)) throw new Error(`symbolic test RMSE ${rmse}`);
  const model = KAN.load(new Uint8Array(readFileSync(join(dir, "kan.safetensors"))));
  const [y] = model.predict([[0.5, -0.5]]).data;
  if (!(Math.abs(y - Math.exp(1 + 0.25)) < 1e-8)) throw new Error(`the saved model gives ${y} at (0.5, -0.5)`);
  expectMatch(readFileSync(join(dir, "kan.svg"), "utf8"), /^<svg[\s\S]*<\/svg>\s*$/);
});

await test("examples/node/trainer.mjs stops early, resumes from its best model and reloads it", (dir) => {
  const out = run(process.execPath, [join(examples, "node/trainer.mjs")], dir);
  expectMatch(out, /^phase 1 \(lr 0\.05\): \d+ steps, stopped early$/m);
  const best = out.match(/^best test RMSE (\S+) at phase 2, step \d+$/m);
  const reloaded = out.match(/^reloaded model: test RMSE (\S+)$/m);
  if (!best || !reloaded) throw new Error(`missing lines in:\n${out}`);
  // the saved bytes give back the model of the best step, bit for bit
  if (best[1] !== reloaded[1]) throw new Error(`best ${best[1]} but the reloaded model scores ${reloaded[1]}`);
  if (!(Number(best[1]) < 1e-2)) throw new Error(`best test RMSE ${best[1]}`);
});

await test("examples/deno/fit.ts classifies the half-moons in Deno and writes the picture", (dir) => {
  const out = run(deno, ["run", "--no-prompt", "--config", join(root, "test/deno/deno.json"), "--allow-write=moons.svg",
    join(examples, "deno/fit.ts")], dir);
  const acc = out.match(/^accuracy: train ([\d.]+)%, test ([\d.]+)%$/m);
  if (!acc || !(Number(acc[2]) >= 95)) throw new Error(`accuracy too low or missing:\n${out}`);
  expectMatch(readFileSync(join(dir, "moons.svg"), "utf8"), /^<svg[\s\S]*moon 1[\s\S]*<\/svg>\s*$/);
});

await test("examples/cli/run.sh fits the CSV, finds its formula, predicts it and classifies", (dir) => {
  // the project layout of an installed package: node_modules/.bin/kanwasm runs the command
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  const bin = join(dir, "node_modules/.bin/kanwasm");
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(root, "dist/cli/main.js")}" "$@"\n`);
  chmodSync(bin, 0o755);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "example", private: true }));
  const out = run("bash", [join(examples, "cli/run.sh")], dir);
  expectMatch(out, /^f = exp\(y\^2 \+ sin\(3\.1416\*x\)\)$/m);
  expectMatch(out, /^symbolic +train RMSE \d\.\d+e-(9|1\d)  test RMSE \d\.\d+e-(9|1\d)/m);
  expectMatch(out, /^f = e\^\{y\^\{2\} \+ \\sin\{\\left\(3\.1416 x \\right\)\}\}$/m);
  expectMatch(out, /^symbolic +\(0,0,0\) sin, \(0,1,0\) x\^2, \(1,0,0\) exp$/m);
  const acc = out.match(/^fit +train accuracy ([\d.]+)%  test accuracy ([\d.]+)%/m);
  if (!acc || !(Number(acc[2]) >= 90)) throw new Error(`classifier accuracy too low or missing:\n${out}`);
  const data = readFileSync(join(examples, "data/exp-sin.csv"), "utf8").trim().split("\n");
  const pred = readFileSync(join(dir, "predictions.csv"), "utf8").trim().split("\n");
  if (pred[0] !== "x,y,f" || pred.length !== data.length) throw new Error(`predictions.csv: ${pred[0]}, ${pred.length} lines`);
  // the symbolic model reproduces the measured column to its 10 printed digits
  const worst = Math.max(...data.slice(1).map((l, i) => Math.abs(Number(pred[i + 1].split(",")[2]) - Number(l.split(",")[2]))));
  if (!(worst < 1e-7)) throw new Error(`predictions differ from the data by ${worst}`);
});

await test("examples/node/pde-poisson.mjs (reduced: 15 x 15 mesh, grids 5 and 10) solves both problems and saves its model", (dir) => {
  for (const [problem, bound] of [["tutorial", 1e-4], ["paper", 1e-2]]) {
    const out = run(process.execPath, [join(examples, "node/pde-poisson.mjs"), "--problem", problem, "--mesh", "15", "--grids", "5,10",
      "--steps", "15", "--save", "poisson.safetensors"], dir);
    const mse = Number(out.match(/^L2 MSE against the exact solution on a 101 x 101 grid: (\S+)$/m)?.[1]);
    if (!(mse < bound)) throw new Error(`${problem}: L2 MSE ${mse}:\n${out}`);
    // the saved model is the one reported on
    const model = KAN.load(new Uint8Array(readFileSync(join(dir, "poisson.safetensors"))));
    const exact = problem === "paper" ? (x, y) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y * y) : (x, y) => Math.sin(Math.PI * x) * Math.sin(Math.PI * y);
    const test = [];
    for (let i = 0; i <= 100; i++) for (let j = 0; j <= 100; j++) test.push([-1 + i / 50, -1 + j / 50]);
    const p = model.predict(test).data;
    const again = test.reduce((a, [x, y], r) => a + (p[r] - exact(x, y)) ** 2, 0) / test.length;
    if (again.toExponential(3) !== mse.toExponential(3)) throw new Error(`${problem}: the saved model scores ${again}, the run printed ${mse}`);
    model.dispose();
  }
});

await test("examples/node/pde-nonlinear.mjs solves the oscillator ODE and steady Burgers to their exact solutions", (dir) => {
  const out = run(process.execPath, [join(examples, "node/pde-nonlinear.mjs"), "--steps", "60"], dir);
  const osc = Number(out.match(/^oscillator .* cos\(2t\) (\S+)$/m)?.[1]);
  const burgers = Number(out.match(/^Burgers .* -tanh\(2\.5x\) (\S+)$/m)?.[1]);
  if (!(osc < 1e-6 && burgers < 1e-4)) throw new Error(`oscillator ${osc}, Burgers ${burgers}:\n${out}`);
});

await test("examples/node/continual-learning.mjs learns five peaks one region at a time, forgetting none", (dir) => {
  const out = run(process.execPath, [join(examples, "node/continual-learning.mjs")], dir);
  const re = /^phase (\d) \(peak at \S+\): RMSE over all regions (\S+), over the regions seen so far (\S+)$/gm;
  const phases = [...out.matchAll(re)];
  if (phases.length !== 5) throw new Error(`expected five phases in:\n${out}`);
  for (const [, q, all, seen] of phases) {
    // the regions seen so far stay fitted; the peaks not yet shown are not (RMSE of a missing peak ~0.4)
    if (!(Number(seen) < 1e-4)) throw new Error(`phase ${q}: RMSE ${seen} over the regions seen:\n${out}`);
    if (q < 5 && !(Number(all) > 0.1)) throw new Error(`phase ${q}: RMSE ${all} over all regions, not all shown yet`);
  }
  const last = out.match(/^after the last phase, RMSE per region: (.+)$/m)?.[1].split(" ").map(Number);
  if (!last || last.length !== 5 || !last.every((e) => e < 1e-4)) throw new Error(`per region ${last}:\n${out}`);
  // with the knots following each phase's samples, the first four peaks are gone
  const moved = run(process.execPath, [join(examples, "node/continual-learning.mjs"), "--update-grid"], dir);
  const lost = moved.match(/^after the last phase, RMSE per region: (.+)$/m)?.[1].split(" ").map(Number);
  const forgot = lost && lost.slice(0, 4).every((e) => e > 0.1) && lost[4] < 1e-4;
  if (!forgot) throw new Error(`--update-grid:\n${moved}`);
});

await test("examples/node/classify-tabular.mjs classifies the wine data with a KAN and an MLP", (dir) => {
  const out = run(process.execPath, [join(examples, "node/classify-tabular.mjs")], dir);
  const kan = out.match(/^KAN \[13, 3\]: test accuracy ([\d.]+), (\d+) parameters$/m);
  const mlp = out.match(/^MLP \[13, 16, 3\]: test accuracy ([\d.]+), (\d+) parameters$/m);
  if (!kan || !mlp) throw new Error(`missing lines in:\n${out}`);
  // 13 x 3 edges, each with grid + k = 6 spline coefficients and two scales; the MLP's weights and biases
  if (kan[2] !== "312" || mlp[2] !== String(13 * 16 + 16 + 16 * 3 + 3)) throw new Error(`parameter counts:\n${out}`);
  if (!(Number(kan[1]) >= 0.9 && Number(mlp[1]) >= 0.9)) throw new Error(`test accuracy too low:\n${out}`);
  expectMatch(out, /^\(125 training and 53 test wines, seed 0\)$/m);
});

for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name}${r.ok ? "" : `\n    ${r.error.replace(/\n/g, "\n    ")}`}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`\nexamples: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
