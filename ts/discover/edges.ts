/**
 * Edge by edge: which library function a fitted numeric edge is, judged by R² with the
 * simplest function winning among those as good as the best; and the powers x^p the
 * library has, for edges that are straight lines in log|x|.
 */
import type { Suggestion } from "../interpret.js";
import type { KAN } from "../kan.js";
import type { Matrix } from "../matrix.js";
import { symbolicById, symbolicId } from "../symbolic-lib.js";
import type { EdgeSpec } from "./build.js";

/** An edge's choice: the function, its R² against the numeric edge, its complexity. */
export interface EdgeChoice extends EdgeSpec {
  r2: number;
  complexity: number;
}

/**
 * The simplest candidate whose misfit 1 - R² is within `slack` times the best one's (or below
 * 1e-10), among `lib`'s functions on edge (l, i, j) of `model` sampled at `input`, searched
 * on `threads`.
 */
export function chooseEdge(model: KAN, l: number, i: number, j: number, lib: string[], input: Matrix,
  threads: number | "auto" = 1, slack = 10): EdgeChoice {
  const sug = model.suggestSymbolic(l, i, j, { lib, topk: lib.length, input, weightSimple: 0, threads });
  const ok = sug.filter((s) => Number.isFinite(s.r2));
  if (ok.length === 0) return { name: "0", params: [1, 0, 0, 0], r2: 0, complexity: 0 };
  const best = Math.max(...ok.map((s) => s.r2));
  const bar = Math.max(slack * (1 - best), 1e-10);
  const good = ok.filter((s) => 1 - s.r2 <= bar);
  // at equal complexity and fit, the smaller offset: cos(x) rather than sin(x + 1.5708)
  const tie = (a: Suggestion, b: Suggestion): number =>
    Math.abs(a.r2 - b.r2) <= 1e-9 ? Math.abs(a.params[1]) - Math.abs(b.params[1]) : b.r2 - a.r2;
  good.sort((a, b) => a.complexity - b.complexity || tie(a, b));
  const g = good[0]!;
  return { name: g.name, params: [...g.params], r2: g.r2, complexity: g.complexity };
}

/** The library's powers x^p by exponent (those whose names are in `lib`). */
export function libraryPowers(lib: string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of lib) {
    const id = symbolicId(name);
    const p = id === undefined ? undefined : symbolicById(id)?.power;
    if (p !== undefined && !out.has(p)) out.set(p, name);
  }
  return out;
}

/** The library power nearest p when within `tol`, else undefined. */
export function snapPower(p: number, powers: Map<number, string>, tol = 0.02): [number, string] | undefined {
  let best: [number, string] | undefined;
  for (const [q, name] of powers) {
    if (Math.abs(q - p) <= tol && (!best || Math.abs(q - p) < Math.abs(best[0] - p))) best = [q, name];
  }
  return best;
}

/** The complexity of a named library function (0 when unknown). */
export function complexityOf(name: string): number {
  const id = symbolicId(name);
  return id === undefined ? 0 : symbolicById(id)?.complexity ?? 0;
}

/** A library function applied to the text `u`, as the expression language writes it. */
export function apply(name: string, u: string): string {
  const id = symbolicId(name);
  const p = id === undefined ? undefined : symbolicById(id)?.power;
  if (p === 1) return u;
  if (p === 0.5) return `sqrt(${u})`;
  if (p === -0.5) return `1/sqrt(${u})`;
  if (p !== undefined) return p < 0 ? `1/${u}^${-p}` : `${u}^${p}`;
  return `${name}(${u})`;
}
