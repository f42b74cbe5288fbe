/**
 * The scaling shape: y = M(x) * G(w), a power law M = prod_i x_i^p_i times a library function G
 * of one dimensionless group w = prod_j x_j^q_j (or of one input), as in m0 / sqrt(1 - v^2/c^2)
 * (w = (v/c)^2) or -p E cos(theta) (w = theta). The exponents are searched on small rationals:
 * (p, q) fits when y / M, ordered by w, changes little from one sample to the next (it is then
 * a function of w alone). The best few are tried: a numeric [1, 1] KAN fitted to y / M over w
 * gives G's edge, and the symbolic KAN of M * G has its constants refitted on the data.
 */
import { KAN } from "../kan.js";
import type { Matrix } from "../matrix.js";
import { buildProduct, type EdgeSpec, type FactorSpec } from "./build.js";
import type { Candidate, Context } from "./context.js";
import { asDataset } from "./data.js";
import { apply, complexityOf, libraryPowers } from "./edges.js";
import { symbolicById, symbolicId } from "../symbolic-lib.js";
import type { Suggestion } from "../interpret.js";
import { finish, finishModel } from "./shapes.js";

/** Exponents of M for inputs that keep their sign, and for those that cross 0 (integers). */
const P_POS = [-2, -1, -0.5, 0, 0.5, 1, 2];
const P_INT = [-2, -1, 0, 1, 2];
const Q = [-2, -1, 0, 1, 2];
/** A (p, q) whose sample-to-sample change of y / M along w is below this share of its spread is kept. */
const SMOOTH = 1e-3;
/** The most inputs the exponent search takes. */
const MAX_INPUTS = 3;
/** How many groups w, and exponents of M for each, get a G fitted; how many of those a symbolic refit. */
const FIT_Q = 3;
const FIT_P = 3;
const REFIT = 2;
/** G's candidates refitted, and the relative RMSE at which one is taken. */
const G_TRY = 3;
const G_FIT = 1e-7;

interface Group {
  p: number[];
  q: number[];
  score: number;
}

function combos(choices: number[][]): number[][] {
  let out: number[][] = [[]];
  for (const c of choices) out = out.flatMap((v) => c.map((x) => [...v, x]));
  return out;
}

/** prod_i x_i^e_i for one sample (signed for integer powers, |x|^e otherwise). */
function power(x: Float64Array | number[], e: number[]): number {
  let v = 1;
  for (let i = 0; i < e.length; i++) {
    const p = e[i]!;
    if (p === 0) continue;
    v *= Number.isInteger(p) ? x[i]! ** p : Math.abs(x[i]!) ** p;
  }
  return v;
}

function row(m: Matrix, r: number): Float64Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols) as Float64Array;
}

/** The candidate groups, best first: every q (one input, or a positive group of several). */
export function search(x: Matrix, y: Float64Array): Group[] {
  const n = x.cols;
  const crosses = Array.from({ length: n }, (_, i) => {
    let neg = false;
    let pos = false;
    let zero = false;
    for (let r = 0; r < x.rows; r++) {
      const v = x.data[r * n + i]!;
      if (v < 0) neg = true;
      else if (v > 0) pos = true;
      else zero = true;
    }
    return (neg && pos) || zero;
  });
  const ps = combos(crosses.map((c) => (c ? P_INT : P_POS)));
  const qs = combos(Array.from({ length: n }, () => Q)).filter((q) => {
    const nz = q.filter((v) => v !== 0);
    if (nz.length === 0 || nz[0]! < 0) return false;
    if (nz.length === 1) return nz[0] === 1;
    return true;
  });
  // a group that never changes sign (inputs crossing 0 only with even powers)
  const positive = (q: number[]): boolean => q.every((v, i) => v === 0 || !crosses[i] || v % 2 === 0);
  // y / M and its spread, once per p
  const rs: { p: number[]; r: Float64Array; floor: number }[] = [];
  for (const p of ps) {
    const r = new Float64Array(x.rows);
    let mean = 0;
    let ok = true;
    for (let k = 0; k < x.rows && ok; k++) {
      r[k] = y[k]! / power(row(x, k), p);
      ok = Number.isFinite(r[k]!);
      mean += r[k]!;
    }
    if (!ok) continue;
    mean /= x.rows;
    let spread = 0;
    for (const v of r) spread += (v - mean) ** 2;
    // relative misfits, with a floor (from the median, as y / M can be heavy-tailed) where it passes near 0
    const sq = Float64Array.from(r, (v) => v * v).sort();
    if (spread > 0) rs.push({ p, r, floor: 1e-2 * sq[sq.length >> 1]! });
  }
  const out: Group[] = [];
  for (const q of qs) {
    // 2q gives the same order as a positive q: its G is tried from q's group
    if (q.every((v) => v % 2 === 0) && qs.some((u) => positive(u) && u.every((v, i) => 2 * v === q[i]))) continue;
    const w = Float64Array.from({ length: x.rows }, (_, k) => power(row(x, k), q));
    const order = Array.from(w.keys()).sort((a, b) => w[a]! - w[b]!);
    const one = q.filter((v) => v !== 0).length === 1;
    // the sparsest fifth of w (widest gaps between neighbours) is left out: a curve that turns there is still one
    const spans = Float64Array.from({ length: order.length - 2 }, (_, k) => w[order[k + 2]!]! - w[order[k]!]!);
    const cut = Float64Array.from(spans).sort()[Math.floor(0.8 * spans.length)]!;
    for (const { p, r, floor } of rs) {
      // with w one input, G takes that input's whole dependence
      if (one && p.some((v, i) => v !== 0 && q[i] !== 0)) continue;
      // each sample against the line through its neighbours along w: second order in the spacing for a smooth G
      let diff = 0;
      let count = 0;
      for (let k = 1; k + 1 < order.length; k++) {
        const span = spans[k - 1]!;
        if (span > cut) continue;
        count++;
        const [a, b, c] = [order[k - 1]!, order[k]!, order[k + 1]!];
        const mid = span > 0 ? (r[a]! * (w[c]! - w[b]!) + r[c]! * (w[b]! - w[a]!)) / span : (r[a]! + r[c]!) / 2;
        diff += (r[b]! - mid) ** 2 / (r[b]! ** 2 + floor);
      }
      const score = diff / Math.max(1, count);
      if (score < SMOOTH) out.push({ p, q, score });
    }
  }
  // fewer and smaller exponents first among groups about as smooth (within a factor 10)
  const abs = (v: number[]): number => v.reduce((a, e) => a + Math.abs(e), 0);
  const size = (g: Group): number => abs(g.p) + abs(g.q);
  const band = (g: Group): number => Math.floor(Math.log10(g.score));
  out.sort((a, b) => band(a) - band(b) || size(a) - size(b));
  return out;
}

/** y / M and w over a matrix's rows. */
function split(x: Matrix, y: Float64Array, g: Group): [Matrix, Float64Array] {
  const w = new Float64Array(x.rows);
  const r = new Float64Array(x.rows);
  for (let k = 0; k < x.rows; k++) {
    w[k] = power(row(x, k), g.q);
    r[k] = y[k]! / power(row(x, k), g.p);
  }
  return [{ rows: x.rows, cols: 1, data: w }, r];
}

/**
 * G's edge on w: the library's best candidates for a numeric [1, 1] fitted to y / M, each
 * refitted as a symbolic [1, 1] on the samples themselves (a spline misses steep ends); the
 * simplest whose relative RMSE reaches G_FIT, else the closest.
 */
async function fitG(ctx: Context, g: Group): Promise<[EdgeSpec & { err: number; complexity: number }, number]> {
  const d = ctx.data;
  const [w, r] = split(d.x, d.y, g);
  const [tw, tr] = split(d.tx, d.ty, g);
  const io = { x: w, y: r, tx: tw, ty: tr };
  // uniform knots: percentiles leave the steep ends of such curves to one or two intervals
  const coarse = new KAN({ width: [1, 1], grid: 20, k: 3, gridEps: 1, seed: ctx.seed, dtype: "float64" });
  let steps = 0;
  let sug: Suggestion[];
  try {
    steps += await ctx.fit(coarse, 20, { updateGrid: true, ...io });
    sug = coarse.suggestSymbolic(0, 0, 0, { lib: ctx.lib, topk: G_TRY, input: w, weightSimple: 0,
      threads: ctx.threads });
  } finally {
    coarse.dispose();
  }
  const scale = Math.max(Math.sqrt(r.reduce((a, v) => a + v * v, 0) / r.length), 1e-300);
  let best: EdgeSpec & { err: number; complexity: number } = { name: "0", params: [1, 0, 0, 0], err: Infinity,
    complexity: 0 };
  for (const s of sug.filter((c) => c.r2 > 0.99)) {
    const m = buildProduct(1, [{ inner: [plain({ name: s.name, params: s.params })], outer: null }], ctx.seed);
    try {
      steps += await ctx.fit(m, 20, io);
      const e = m.evaluate(asDataset(w, r, tw, tr));
      const err = Math.max(e.trainRmse, e.testRmse ?? 0) / scale;
      if (!Number.isFinite(err)) continue;
      const json = m.toJSON();
      const aff = json.layers[0]!["affine"]!;
      const cand = { name: s.name, params: [aff[0]!, aff[1]!, aff[2]!, aff[3]!] as EdgeSpec["params"], err,
        complexity: s.complexity };
      const good = (c: typeof best): boolean => c.err <= G_FIT;
      const simpler = cand.complexity < best.complexity ||
        (cand.complexity === best.complexity && Math.abs(cand.params[1]) < Math.abs(best.params[1]));
      if ((good(cand) && (!good(best) || simpler)) || (!good(best) && err < best.err)) {
        best = cand;
      }
    } finally {
      m.dispose();
    }
  }
  return [best, steps];
}

/**
 * Constants scaled for a good start and a plain print: c*exp(a*w + b) as (c*e^b)*exp(a*w), and
 * c*(a*w + b)^p as c*|b|^p * ((a/|b|)*w + sign(b))^p, (1 - w) rather than (0.001 - 0.001 w).
 */
function plain(G: EdgeSpec): EdgeSpec {
  const [a, b, c, d] = G.params;
  if (G.name === "exp" && Number.isFinite(c * Math.exp(b))) return { name: "exp", params: [a, 0, c * Math.exp(b), d] };
  const id = symbolicId(G.name);
  const p = id === undefined ? undefined : symbolicById(id)?.power;
  if (p === undefined || b === 0 || !Number.isFinite(Math.abs(b) ** p)) return G;
  return { name: G.name, params: [a / Math.abs(b), Math.sign(b), c * Math.abs(b) ** p, d] };
}

/** The factors of M * G(w). */
function factors(ctx: Context, g: Group, G: EdgeSpec): FactorSpec[] | null {
  const n = g.p.length;
  // w as exp(sum q log|x|) is |w|: a group that changes sign has no such form
  if (split(ctx.data.x, ctx.data.y, g)[0].data.some((v) => !(v > 0))) return null;
  const powers = new Map([...libraryPowers(ctx.lib)].map(([p, name]) => [p, name]));
  const single = (i: number, e: EdgeSpec): FactorSpec => ({
    inner: Array.from({ length: n }, (_, q) => (q === i ? e : null)), outer: null,
  });
  const out: FactorSpec[] = [];
  for (let i = 0; i < n; i++) {
    if (g.p[i] === 0) continue;
    const name = powers.get(g.p[i]!);
    if (name === undefined) return null;
    out.push(single(i, { name, params: [1, 0, 1, 0] }));
  }
  G = plain(G);
  const nz = g.q.flatMap((v, i) => (v !== 0 ? [i] : []));
  if (nz.length === 1) out.push(single(nz[0]!, G));
  else {
    out.push({
      inner: g.q.map((v) => (v !== 0 ? { name: "log", params: [1, 0, v, 0] } : null)),
      outer: { name: "exp", params: [1, 0, 1, 0] }, outer2: G,
    });
  }
  if (out.length > 1) {
    const f0 = out[0]!;
    if (!f0.outer) f0.outer = { name: "x", params: [1, 0, 1, 0] };
  }
  return out;
}

const fmt = (v: number[]): string => v.map((e) => String(e)).join(",");

/**
 * M * G(w) as a KAN compiled from its text (KAN.fromExpression: the group w a product of
 * powers through multiplication nodes, so it prints as such), with its complexity; null when
 * the text is not one the compiler takes.
 */
function expressionModel(ctx: Context, g: Group, G: EdgeSpec): [KAN, number] | null {
  const powers = new Map([...libraryPowers(ctx.lib)].map(([p, name]) => [p, name]));
  const num = (v: number): string => `(${String(v)})`;
  let complexity = complexityOf(G.name);
  const product = (e: number[]): string | null => {
    const parts: string[] = [];
    for (let i = 0; i < e.length; i++) {
      if (e[i] === 0) continue;
      const name = powers.get(e[i]!);
      if (name === undefined) return null;
      complexity += complexityOf(name);
      parts.push(apply(name, `x${i + 1}`));
    }
    return parts.map((t) => `(${t})`).join("*");
  };
  const m = product(g.p);
  const w = product(g.q);
  if (m === null || w === null) return null;
  const [a, b, c, d] = plain(G).params;
  const gText = `${num(c)}*${apply(G.name, `(${num(a)}*(${w}) + ${num(b)})`)} + ${num(d)}`;
  const text = m ? `(${m})*(${gText})` : gText;
  try {
    const inputNames = Array.from({ length: g.p.length }, (_, i) => `x${i + 1}`);
    return [KAN.fromExpression(text, { inputNames, dtype: "float64", seed: ctx.seed }), complexity];
  } catch {
    return null;
  }
}

/** y = M(x) * G(w) (see the module's comment); null when no group fits. */
export async function scaling(ctx: Context): Promise<Candidate | null> {
  const t0 = Date.now();
  const d = ctx.data;
  // the search grows as 7^n * 5^n exponent pairs: up to three inputs
  if (d.x.cols < 2 || d.x.cols > MAX_INPUTS) return null;
  // per group w (the best few), the exponents of M from the smallest: they differ by powers of w
  const all = search(d.x, d.y);
  const key = (q: number[]): string => q.join(",");
  const qs = [...new Set(all.map((g) => key(g.q)))].slice(0, FIT_Q);
  const abs = (v: number[]): number => v.reduce((a, e) => a + Math.abs(e), 0);
  let steps = 0;
  const fitted: [Group, EdgeSpec & { err: number; complexity: number }][] = [];
  for (const q of qs) {
    const variants = all.filter((g) => key(g.q) === q).sort((a, b) => abs(a.p) - abs(b.p)).slice(0, FIT_P);
    let found = false;
    for (const g0 of variants) {
      const one = g0.q.filter((v) => v !== 0).length === 1;
      for (const g of one ? [g0] : [g0, { ...g0, q: g0.q.map((v) => 2 * v) }]) {
        if (!ctx.left || found) break;
        const [G, s] = await fitG(ctx, g);
        steps += s;
        if (G.err <= G_FIT) {
          fitted.push([g, G]);
          found = true;
        }
      }
    }
  }
  fitted.sort((a, b) => a[1].complexity - b[1].complexity);
  let best: Candidate | null = null;
  for (const [g, G] of fitted.slice(0, REFIT)) {
    const name = `scaling M * G(w), p = (${fmt(g.p)}), q = (${fmt(g.q)})`;
    const built = expressionModel(ctx, g, G);
    let c: Candidate;
    if (built) c = await finishModel(ctx, name, built[0], built[1], steps, t0);
    else {
      const fs = factors(ctx, g, G);
      if (!fs) continue;
      c = await finish(ctx, name, fs, steps, t0);
    }
    steps = 0;
    if (!best || c.stage.rmse.test < best.stage.rmse.test) {
      best?.model.dispose();
      best = c;
    } else c.model.dispose();
  }
  return best;
}
