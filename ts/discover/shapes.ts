/**
 * The formula shapes discover tries, each one a small numeric KAN fitted to find the edges,
 * its edges read as library functions, then a symbolic KAN of that shape whose constants
 * LBFGS refits on the data:
 *
 * - additive: y = sum_i f_i(x_i), from a numeric [n, 1];
 * - product: y = s * prod_i h_i(x_i), from a numeric [n, 1] fitted to log|y| on log|x_i|
 *   (straight edges there are powers x^p) or on x_i where an edge in log|x_i| is not straight
 *   (then h_i = exp(f_i), or (a*x + b)^p when f_i is a logarithm); the signs of y follow
 *   those of the inputs with odd powers;
 * - composed: y = g(sum_i f_i(x_i)), from a numeric [n, 1, 1] (the KAN paper's first example).
 */
import { KAN } from "../kan.js";
import type { Matrix } from "../matrix.js";
import { buildProduct, type EdgeSpec, type FactorSpec } from "./build.js";
import type { Candidate, Context, RmsePair } from "./context.js";
import { column, mapColumns, rms, nonZeroColumn, signStructure } from "./data.js";
import { tidyProduct } from "./tidy.js";
import { chooseEdge, complexityOf, libraryPowers, snapPower } from "./edges.js";

const NUMERIC_GRID = 5;
const FINE_GRID = 10;
/** LBFGS steps of a numeric fit, of its fit after refinement, and of a symbolic model's refit. */
const STEPS = { numeric: 30, fine: 20, refit: 60 };
/** An edge in log|x| is a power when its R² against a straight line reaches this. */
const STRAIGHT_R2 = 1 - 1e-6;
const EXP: EdgeSpec = { name: "exp", params: [1, 0, 1, 0] };
const X: EdgeSpec = { name: "x", params: [1, 0, 1, 0] };
/** A numeric fit whose train RMSE exceeds this share of its target's spread gets no formula. */
const GATE = 1e-2;
/** An edge in log-space whose whole swing is below this is 1 (its input drops out). */
const FLAT = 1e-7;

function mean(v: Float64Array): number {
  return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
}

/** Whether edge (0, i, 0) of the log-space model barely moves over the samples. */
function flat(num: KAN, i: number, xs: Matrix): boolean {
  const e = chooseEdge(num, 0, i, 0, ["x"], xs);
  const u = column(xs, i);
  return Math.abs(e.params[0] * e.params[2]) * (Math.max(...u) - Math.min(...u)) < FLAT;
}

function edgesOf(factors: FactorSpec[]): EdgeSpec[] {
  return factors.flatMap((f) => [...f.inner.filter((e): e is EdgeSpec => e !== null), ...(f.outer ? [f.outer] : []),
    ...(f.outer2 ? [f.outer2] : [])]);
}

/** Refits a symbolic model built from `factors`, measures and reports it. */
export async function finish(ctx: Context, name: string, factors: FactorSpec[], steps: number, t0: number,
  tidy = false): Promise<Candidate> {
  const model = buildProduct(ctx.data.x.cols, factors, ctx.seed);
  const complexity = edgesOf(factors).reduce((a, e) => a + complexityOf(e.name), 0);
  const tidier = tidy ? (m: KAN, r: RmsePair): KAN | null => tidyProduct(ctx, factors, m, r) : undefined;
  return finishModel(ctx, name, model, complexity, steps, t0, tidier);
}

/** Refits a symbolic model (which it then owns), tidies, measures and reports it. */
export async function finishModel(ctx: Context, name: string, model: KAN, complexity: number, steps: number,
  t0: number, tidy?: (model: KAN, rmse: RmsePair) => KAN | null): Promise<Candidate> {
  try {
    steps += await ctx.fit(model, STEPS.refit);
    // knots over the data: the formula reads each edge's domain from its grid
    model.updateGrid(ctx.data.x);
    let rmse = ctx.rmse(model);
    const tidied = tidy?.(model, rmse);
    if (tidied) {
      model.dispose();
      model = tidied;
      rmse = ctx.rmse(model);
    }
    const stage = {
      name, width: model.width, rmse, formula: model.symbolicFormula({ inputNames: ctx.inputNames })[0]!,
      complexity, steps, seconds: (Date.now() - t0) / 1000,
    };
    await ctx.report(stage);
    return { model, stage };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** A numeric KAN fitted to `y` on inputs `x` at grid 5 then 10 (refined); the caller disposes it. */
export async function numeric(ctx: Context, width: number[], seed: number, x = ctx.data.x, y = ctx.data.y,
  tx = ctx.data.tx, ty = ctx.data.ty): Promise<[KAN, number]> {
  const coarse = new KAN({ width, grid: NUMERIC_GRID, k: 3, seed, dtype: "float64" });
  let steps = 0;
  try {
    steps += await ctx.fit(coarse, STEPS.numeric, { updateGrid: true, x, y, tx, ty });
    const fine = coarse.refine(FINE_GRID);
    try {
      steps += await ctx.fit(fine, STEPS.fine, { x, y, tx, ty });
    } catch (e) {
      fine.dispose();
      throw e;
    }
    return [fine, steps];
  } finally {
    coarse.dispose();
  }
}

/**
 * Whether a numeric fit is too far from its target for a formula of its shape (train RMSE above
 * GATE of the target's standard deviation), when the context gates; such a stage is reported
 * without a formula, and the library search, the costly part, is skipped.
 */
async function tooFar(ctx: Context, name: string, num: KAN, x: Matrix, y: Float64Array, steps: number,
  t0: number): Promise<boolean> {
  if (!ctx.gate) return false;
  const p = num.predict(x).data;
  const mean = y.reduce((a, v) => a + v, 0) / y.length;
  const err = rms(p, y) / Math.max(rms(Float64Array.from(y, (v) => v - mean)), 1e-300);
  if (!(err > GATE)) return false;
  await ctx.report({
    name: `${name}: numeric fit ${err.toExponential(1)} of the spread, no formula`, width: num.width,
    rmse: { train: NaN, test: NaN }, formula: "", complexity: 0, steps, seconds: (Date.now() - t0) / 1000,
  });
  return true;
}

/** y = sum_i f_i(x_i). */
export async function additive(ctx: Context): Promise<Candidate | null> {
  const t0 = Date.now();
  const n = ctx.data.x.cols;
  const [num, steps] = await numeric(ctx, [n, 1], ctx.seed);
  try {
    if (await tooFar(ctx, `additive [${n},1]`, num, ctx.data.x, ctx.data.y, steps, t0)) return null;
    const inner = Array.from({ length: n }, (_, i) => chooseEdge(num, 0, i, 0, ctx.lib, ctx.data.x, ctx.threads));
    return await finish(ctx, `additive [${n},1]`, [{ inner, outer: null }], steps, t0);
  } finally {
    num.dispose();
  }
}

/** y = g(sum_i f_i(x_i)), from a numeric [n, 1, 1] started from `seed`. */
export async function composed(ctx: Context, seed: number): Promise<Candidate | null> {
  const t0 = Date.now();
  const n = ctx.data.x.cols;
  const [num, steps] = await numeric(ctx, [n, 1, 1], seed);
  try {
    if (await tooFar(ctx, `composed [${n},1,1] seed ${seed}`, num, ctx.data.x, ctx.data.y, steps, t0)) return null;
    const inner = Array.from({ length: n }, (_, i) => chooseEdge(num, 0, i, 0, ctx.lib, ctx.data.x, ctx.threads));
    const outer = chooseEdge(num, 1, 0, 0, ctx.lib, ctx.data.x, ctx.threads);
    return await finish(ctx, `composed [${n},1,1] seed ${seed}`, [{ inner, outer }], steps, t0);
  } finally {
    num.dispose();
  }
}

const logAbs = (v: number): number => Math.log(Math.abs(v));

/** Whether y = s * prod_i h_i(x_i) can be looked for: the signs allow log|y|. */
export function productApplies(ctx: Context): boolean {
  const d = ctx.data;
  return signStructure(d.x, d.y) !== null;
}

/** y = s * prod_i h_i(x_i) (see the module's comment); null when the signs do not allow it. */
export async function product(ctx: Context): Promise<Candidate | null> {
  const t0 = Date.now();
  const d = ctx.data;
  const n = d.x.cols;
  const sig = signStructure(d.x, d.y);
  if (!sig) return null;
  const target = (x: typeof d.x, y: Float64Array): Float64Array => {
    const z = new Float64Array(y.length);
    for (let r = 0; r < y.length; r++) {
      let v = logAbs(y[r]!);
      for (const k of sig.odd) v -= logAbs(x.data[r * n + k]!);
      z[r] = v;
    }
    return z;
  };
  const z = target(d.x, d.y);
  const tz = target(d.tx, d.ty);
  if (![...z, ...tz].every(Number.isFinite)) return null;
  // inputs in log|x| where they never touch 0; raw where the log-space edge is not straight
  const useLog = Array.from({ length: n }, (_, i) => nonZeroColumn(d.x, d.tx, i));
  let steps = 0;
  let num: KAN | undefined;
  let xs = d.x;
  try {
    for (let pass = 0; pass < 2; pass++) {
      const fs = useLog.map((u) => (u ? logAbs : null));
      xs = mapColumns(d.x, fs);
      num?.dispose();
      let s: number;
      [num, s] = await numeric(ctx, [n, 1], ctx.seed, xs, z, mapColumns(d.tx, fs), tz);
      steps += s;
      if (pass === 1) break;
      let changed = false;
      for (let i = 0; i < n; i++) {
        if (useLog[i] && !flat(num, i, xs) && chooseEdge(num, 0, i, 0, ["x"], xs).r2 < STRAIGHT_R2) {
          useLog[i] = false;
          changed = true;
        }
      }
      if (!changed) break;
    }
    const name = `product in ${useLog.map((u) => (u ? "log|x|" : "x")).join(", ")} [${n},1]`;
    if (await tooFar(ctx, name, num!, xs, z, steps, t0)) return null;
    const factors = productFactors(ctx, num!, xs, useLog, sig);
    return await finish(ctx, name, factors, steps, t0, true);
  } finally {
    num?.dispose();
  }
}

/** The factors of y = s * prod_i h_i(x_i) from the numeric log-space model's edges. */
function productFactors(ctx: Context, num: KAN, xs: typeof ctx.data.x, useLog: boolean[],
  sig: { s: number; odd: number[] }): FactorSpec[] {
  const n = useLog.length;
  const powers = libraryPowers(ctx.lib);
  const factors: FactorSpec[] = [];
  let logK = 0;
  const single = (i: number, e: EdgeSpec, outer: EdgeSpec | null = null): FactorSpec => ({
    inner: Array.from({ length: n }, (_, q) => (q === i ? e : null)), outer,
  });
  for (let i = 0; i < n; i++) {
    const odd = sig.odd.includes(i);
    if (useLog[i] && flat(num, i, xs)) {
      if (odd) factors.push(single(i, X));
    } else if (useLog[i]) {
      const e = chooseEdge(num, 0, i, 0, ["x"], xs);
      const [a, b, c, dd] = e.params;
      const p = c * a;
      logK += c * b + dd;
      const total = p + (odd ? 1 : 0);
      const snap = snapPower(total, powers);
      if (snap && snap[0] === 0) continue;
      if (snap && (odd ? snap[0] % 2 !== 0 && Number.isInteger(snap[0]) : true)) {
        factors.push(single(i, { name: snap[1], params: [1, 0, 1, 0] }));
        continue;
      }
      if (Math.abs(p) > 1e-9) factors.push(single(i, { name: "log", params: [1, 0, p, 0] }, EXP));
      if (odd) factors.push(single(i, X));
    } else {
      const e = chooseEdge(num, 0, i, 0, ctx.lib, xs, ctx.threads);
      if (odd) factors.push(single(i, X));
      if (e.name === "0") {
        logK += e.params[3];
        continue;
      }
      const [a, b, c, dd] = e.params;
      logK += dd;
      const snap = e.name === "log" ? snapPower(c, powers) : undefined;
      // log|u| = log|-u|: the power's argument is taken positive
      const flip = a * mean(column(xs, i)) + b < 0 ? -1 : 1;
      if (snap) {
        // (a*x + b)^p = a^p * (x + b/a)^p: the scale joins the constant
        const [fa, fb] = [flip * a, flip * b];
        if (fa > 0) logK += snap[0] * Math.log(fa);
        factors.push(single(i, { name: snap[1], params: fa > 0 ? [1, fb / fa, 1, 0] : [fa, fb, 1, 0] }));
      }
      else factors.push(single(i, { name: e.name, params: [a, b, c, 0] }, EXP));
    }
  }
  const K = sig.s * Math.exp(logK);
  if (factors.length === 0) return [{ inner: Array(n).fill(null), outer: { name: "x", params: [1, 0, 0, K] } }];
  const f0 = factors[0]!;
  if (f0.outer) f0.outer = { name: f0.outer.name, params: [f0.outer.params[0], f0.outer.params[1], K, 0] };
  else f0.outer = { name: "x", params: [1, 0, K, 0] };
  return factors;
}
