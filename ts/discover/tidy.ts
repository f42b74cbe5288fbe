/**
 * A refitted product's constants gathered into one: LBFGS shares a product's scale among its
 * factors as it likes (1.0035*(1/(1.0035*gamma - 1.0035))), so each power factor (a*x + b)^p
 * is read as (x + b/a)^p, which does not depend on that sharing, each exp factor keeps its
 * exponent, and one constant K, by least squares on the samples, multiplies them. The result
 * is compiled from its text by KAN.fromExpression and kept when it fits as well.
 */
import { KAN } from "../kan.js";
import { symbolicById, symbolicId } from "../symbolic-lib.js";
import type { FactorSpec } from "./build.js";
import type { Context } from "./context.js";
import { apply } from "./edges.js";

type W = number | [number, number];
const subs = (w: W): number => (typeof w === "number" ? w : w[0] + 2 * w[1]);
const num = (v: number): string => `(${String(v)})`;

/** [a, b, c, d] of factor j's outer edge in a product model of m factors (see build.ts). */
function outerParams(model: KAN, m: number, j: number): number[] {
  const width = model.width as W[];
  const nOut = subs(width[2]!);
  const col = m === 1 ? 0 : m % 2 && j === m - 1 ? 0 : (m % 2) + j;
  const aff = model.toJSON().layers[1]!["affine"]!;
  const e = j * nOut + col;
  return aff.slice(e * 4, e * 4 + 4);
}

/**
 * beta of a power factor A*(x_i + beta)^p, measured rather than read from the parameters
 * (offsets anywhere in the multiplication tree move it): along x_i, from the sample of largest
 * |y|, |y|^(1/p) is a straight line through 0 at x_i = -beta.
 */
function shift(ctx: Context, model: KAN, i: number, p: number): number | null {
  const x = ctx.data.x;
  const n = x.cols;
  let best = 0;
  ctx.data.y.forEach((v, r) => { if (Math.abs(v) > Math.abs(ctx.data.y[best]!)) best = r; });
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < x.rows; r++) {
    lo = Math.min(lo, x.data[r * n + i]!);
    hi = Math.max(hi, x.data[r * n + i]!);
  }
  const base = Array.from(x.data.subarray(best * n, (best + 1) * n));
  const at = (v: number): number[] => base.map((u, q) => (q === i ? v : u));
  const y = model.predict([at(lo), at(hi)]).data;
  const [glo, ghi] = [Math.abs(y[0]!) ** (1 / p), Math.abs(y[1]!) ** (1 / p)];
  const slope = (ghi - glo) / (hi - lo);
  const beta = glo / slope - lo;
  return Number.isFinite(beta) && hi > lo ? beta : null;
}

/** The text of the product with unit scale, or null when a factor is not of the forms above. */
function unitText(ctx: Context, model: KAN, factors: FactorSpec[]): string | null {
  const m = factors.length;
  const width = model.width as W[];
  const nOut0 = subs(width[1]!);
  const aff0 = model.toJSON().layers[0]!["affine"]!;
  const parts: string[] = [];
  for (let j = 0; j < m; j++) {
    const f = factors[j]!;
    const live = f.inner.flatMap((e, i) => (e ? [i] : []));
    if (live.length !== 1 || f.outer2) return null;
    const i = live[0]!;
    const name = f.inner[i]!.name;
    const [a, b, c] = aff0.slice((i * nOut0 + j) * 4, (i * nOut0 + j) * 4 + 4) as [number, number, number];
    const x = `x${i + 1}`;
    if (f.outer === null || f.outer.name === "x") {
      const id = symbolicId(name);
      const p = id === undefined ? undefined : symbolicById(id)?.power;
      if (p === undefined || a === 0) return null;
      const beta = shift(ctx, model, i, p);
      if (beta === null) return null;
      const arg = a > 0 || Number.isInteger(p) ? `(${x} + ${num(beta)})` : `((-1)*${x} + ${num(-beta)})`;
      parts.push(apply(name, arg));
    } else if (f.outer.name === "exp") {
      const ao = outerParams(model, m, j)[0]!;
      parts.push(`exp(${num(ao * c)}*${apply(name, `(${num(a)}*${x} + ${num(b)})`)})`);
    } else return null;
  }
  return parts.map((t) => `(${t})`).join("*");
}

/** The tidied model, or null when the product is not tidy-able or the tidied model fits worse. */
export function tidyProduct(ctx: Context, factors: FactorSpec[], model: KAN, rmse: { train: number; test: number }):
  KAN | null {
  const unit = unitText(ctx, model, factors);
  if (unit === null) return null;
  const inputNames = Array.from({ length: ctx.data.x.cols }, (_, i) => `x${i + 1}`);
  const build = (text: string): KAN | null => {
    try {
      return KAN.fromExpression(text, { inputNames, dtype: "float64", seed: ctx.seed });
    } catch {
      return null;
    }
  };
  const u = build(unit);
  if (!u) return null;
  let k: number;
  try {
    const mv = u.predict(ctx.data.x).data;
    let sym = 0;
    let smm = 0;
    ctx.data.y.forEach((y, r) => {
      sym += y * mv[r]!;
      smm += mv[r]! * mv[r]!;
    });
    k = sym / smm;
  } finally {
    u.dispose();
  }
  if (!Number.isFinite(k)) return null;
  const t = build(`${num(k)}*${unit}`);
  if (!t) return null;
  t.updateGrid(ctx.data.x);
  const e = ctx.rmse(t);
  const bar = (v: number): number => Math.max(1.5 * v, 1e-13 * ctx.scale);
  if (e.train <= bar(rmse.train) && e.test <= bar(rmse.test)) return t;
  t.dispose();
  return null;
}
