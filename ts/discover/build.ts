/**
 * Symbolic KANs made to order: a formula shape found by discover, written into a model whose
 * every live edge is a library function c*f(a*x + b) + d, so that fit tunes its constants and
 * symbolicFormula prints it.
 *
 * A shape is a product of factors, each factor an outer function of a sum of inner edges:
 * y = g_1(sum_i f_1i(x_i)) * g_2(sum_i f_2i(x_i)) * ... Without an outer function and with one
 * factor it is the additive [n, 1]; with one factor, [n, 1, 1]; several factors multiply
 * through a tree of multiplication nodes, e.g. [n, 2, [0, 1], 1] for two. A factor may apply a
 * second outer function after the first (g2(g1(sum))), one layer more for every factor.
 */
import { KAN } from "../kan.js";
import type { KANJson } from "../persist.js";
import { requireSymbolicId } from "../symbolic-lib.js";

/** One symbolic edge: the library function's name and [a, b, c, d] of c*f(a*x + b) + d. */
export interface EdgeSpec {
  name: string;
  params: [number, number, number, number];
}

/** g(sum_i inner[i](x_i)); inner[i] null leaves input i out; outer null means the sum itself. */
export interface FactorSpec {
  inner: (EdgeSpec | null)[];
  outer: EdgeSpec | null;
  /** A function applied after outer. Default none. */
  outer2?: EdgeSpec;
}

const IDENTITY: EdgeSpec = { name: "x", params: [1, 0, 1, 0] };

type Layer = Record<string, number[]>;

function setEdge(layer: Layer, nOut: number, i: number, j: number, e: EdgeSpec): void {
  const k = i * nOut + j;
  layer["symbolic"]![k] = requireSymbolicId("discover", e.name);
  layer["mask"]![k] = 0;
  for (let q = 0; q < 4; q++) layer["affine"]![k * 4 + q] = e.params[q]!;
}

/** The widths of a product of `m` factors over `n` inputs (see the module's comment). */
export function productWidth(n: number, m: number, outer: boolean, chain = false): (number | [number, number])[] {
  const w: (number | [number, number])[] = [n, m];
  if (chain) w.push(m);
  if (m === 1) return outer || chain ? [...w, 1] : [n, 1];
  for (let c = m; c > 1; c = (c % 2) + Math.floor(c / 2)) w.push([c % 2, Math.floor(c / 2)]);
  w.push(1);
  return w;
}

/**
 * A float64 KAN computing the product of `factors` over `n` inputs exactly, every other edge
 * off. Several factors need every outer function (an absent one is the identity).
 */
export function buildProduct(n: number, factors: FactorSpec[], seed: number): KAN {
  const m = factors.length;
  const chain = factors.some((f) => f.outer2 !== undefined);
  const outer = m > 1 || factors[0]!.outer !== null;
  const width = productWidth(n, m, outer, chain);
  const blank = new KAN({ width, grid: 1, k: 1, baseFun: "zero", dtype: "float64", seed });
  const json = blank.toJSON() as KANJson;
  blank.dispose();
  const layers = json.layers as Layer[];
  for (const layer of layers) {
    layer["mask"]!.fill(0);
    layer["symbolic"]!.fill(0);
    layer["affine"]!.fill(0);
  }
  const nodes = (w: number | [number, number]): number => (typeof w === "number" ? w : w[0] + w[1]);
  const subs = (w: number | [number, number]): number => (typeof w === "number" ? w : w[0] + 2 * w[1]);
  // layer 0: factor f's inner sum is node f
  const out0 = subs(width[1]!);
  factors.forEach((f, j) => f.inner.forEach((e, i) => { if (e) setEdge(layers[0]!, out0, i, j, e); }));
  if (width.length === 2) return KAN.fromJSON(json);
  let first = 1;
  if (chain) {
    // layer 1 applies each factor's outer function node to node
    factors.forEach((f, j) => setEdge(layers[1]!, m, j, j, f.outer ?? IDENTITY));
    first = 2;
  }
  const last = (node: number): EdgeSpec => {
    const f = factors[node]!;
    return (chain ? f.outer2 : f.outer) ?? IDENTITY;
  };
  // each later layer pairs its nodes into multiplication nodes, an odd one out passing through a sum node
  for (let l = first; l < width.length - 1; l++) {
    const c = nodes(width[l]!);
    const nOut = subs(width[l + 1]!);
    const edge = (node: number): EdgeSpec => (l === first ? last(node) : IDENTITY);
    if (c === 1) {
      setEdge(layers[l]!, nOut, 0, 0, edge(0));
      continue;
    }
    const odd = c % 2;
    if (odd) setEdge(layers[l]!, nOut, c - 1, 0, edge(c - 1));
    for (let p = 0; p < Math.floor(c / 2); p++) {
      setEdge(layers[l]!, nOut, 2 * p, odd + 2 * p, edge(2 * p));
      setEdge(layers[l]!, nOut, 2 * p + 1, odd + 2 * p + 1, edge(2 * p + 1));
    }
  }
  return KAN.fromJSON(json);
}
