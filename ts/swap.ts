/**
 * Reordering hidden nodes without changing the function (pykan's swap and auto_swap): node
 * i of node layer l takes node j's place, which moves layer l-1's output columns (the
 * node's subnodes) and layer l's input rows together. autoSwap orders every hidden layer's
 * nodes greedily to lower the connection cost: the sum over edges of their attribution
 * score times the horizontal distance they span when each layer's nodes are spread evenly
 * over [0, 1], as pykan's picture places them.
 *
 * ```js
 * model.swap(1, 0, 3);           // hidden node 0 and 3 trade places; predict is unchanged
 * model.autoSwap();              // fewer crossing edges in toSVG
 * ```
 */
import { KanError } from "./errors.js";
import type { MatrixLike } from "./matrix.js";
import type { ModelHandle } from "./model.js";
import { multArities, nodeGroups } from "./nodes.js";
import { intArgument } from "./options.js";
import { LAYER_ARRAY, type LayerArrayName } from "./raw/exports.js";
import { attribute } from "./interpret.js";

const ARRAYS = Object.keys(LAYER_ARRAY) as LayerArrayName[];

/** The class of each node of node layer l: -1 for a sum node, its arity for a mult node. */
function kinds(m: ModelHandle, l: number): number[] {
  const [s] = m.cfg.width[l]!;
  return [...Array.from({ length: s }, () => -1), ...multArities(m.cfg, l)];
}

/** Checks the hidden node layer `l` and nodes `i`, `j` of it; both must be of one kind. */
function checkSwap(m: ModelHandle, op: string, l: unknown, i: unknown, j: unknown): [number, number, number] {
  if (m.depth < 2) throw new KanError("INVALID_ARGUMENT", `${op}: the model has no hidden layer to reorder`);
  const li = intArgument(op, "l", l, 1, m.depth);
  const n = m.cfg.width[li]![0] + m.cfg.width[li]![1];
  const ii = intArgument(op, "i", i, 0, n);
  const jj = intArgument(op, "j", j, 0, n);
  const k = kinds(m, li);
  if (k[ii] !== k[jj]) {
    const name = (v: number): string => (v < 0 ? "a sum node" : `a multiplication node of arity ${v}`);
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: i (${name(k[ii]!)}) and j (${name(k[jj]!)}) must be nodes of one kind`,
    );
  }
  return [li, ii, jj];
}

/** Swaps nodes `i` and `j` of hidden node layer `l` (1 <= l < depth); predict is unchanged. @internal */
export function swap(m: ModelHandle, l: unknown, i: unknown, j: unknown): void {
  const op = "swap";
  m.handle(op);
  m.notTraining(op);
  const [li, ii, jj] = checkSwap(m, op, l, i, j);
  const perm = Array.from({ length: m.cfg.width[li]![0] + m.cfg.width[li]![1] }, (_, q) => q);
  perm[ii] = jj;
  perm[jj] = ii;
  permuteNodes(m, op, li, perm);
}

/**
 * Reorders node layer `l` so that its new node q is the old node perm[q] (nodes of one kind
 * only trade places with each other; the callers check). @internal
 */
export function permuteNodes(m: ModelHandle, op: string, l: number, perm: number[]): void {
  const groups = nodeGroups(m.cfg, l);
  const outPerm = perm.flatMap((q) => groups[q]!);
  const before = m.layerDims(op, l - 1);
  const after = m.layerDims(op, l);
  const writes: [number, LayerArrayName, Float64Array][] = [];
  for (const w of ARRAYS) {
    writes.push([l - 1, w, permute(m.getArray(op, l - 1, w), w, before, null, outPerm)]);
    writes.push([l, w, permute(m.getArray(op, l, w), w, after, perm, null)]);
  }
  for (const [layer, w, v] of writes) m.setArray(op, layer, w, v);
}

/** A layer array with its input rows and/or output columns reordered (new[q] = old[perm[q]]). */
function permute(
  a: Float64Array, what: LayerArrayName, [ni, no, g, k]: [number, number, number, number],
  inPerm: number[] | null, outPerm: number[] | null,
): Float64Array {
  const out = new Float64Array(a.length);
  const src = (i: number): number => (inPerm ? inPerm[i]! : i);
  const col = (o: number): number => (outPerm ? outPerm[o]! : o);
  if (what === "knots") {
    const nt = g + 2 * k + 1;
    for (let i = 0; i < ni; i++) out.set(a.subarray(src(i) * nt, (src(i) + 1) * nt), i * nt);
    return out;
  }
  if (what === "bias") {
    for (let o = 0; o < no; o++) out[o] = a[col(o)]!;
    return out;
  }
  // every other array is (in, inner, out, width): coef has inner G+k, affine width 4
  const inner = what === "coef" ? g + k : 1;
  const width = what === "affine" ? 4 : 1;
  for (let i = 0; i < ni; i++) {
    for (let b = 0; b < inner; b++) {
      for (let o = 0; o < no; o++) {
        const to = ((i * inner + b) * no + o) * width;
        const from = ((src(i) * inner + b) * no + col(o)) * width;
        for (let w = 0; w < width; w++) out[to + w] = a[from + w]!;
      }
    }
  }
  return out;
}

/** Centres of n nodes spread evenly over [0, 1]. */
function coordinates(n: number): number[] {
  return Array.from({ length: n }, (_, q) => (q + 0.5) / n);
}

/**
 * pykan's auto_swap: for each hidden node layer and each node i in turn, the swap of i with
 * a node of its kind that lowers the connection cost most (or none). Edge scores come from
 * attribute(input) once; a swap only permutes them. Returns the permutation applied to each
 * node layer (perm[l][q] = the old index of new node q; the identity for inputs and outputs).
 * @internal
 */
export function autoSwap(m: ModelHandle, input?: MatrixLike): number[][] {
  const op = "autoSwap";
  m.handle(op);
  m.notTraining(op);
  const { edgeScores } = attribute(m, input);
  const perms = m.cfg.width.map(([s, mm]) => Array.from({ length: s + mm }, (_, q) => q));
  for (let l = 1; l < m.depth; l++) {
    const groups = nodeGroups(m.cfg, l);
    const k = kinds(m, l);
    const nIn = edgeScores[l - 1]![0]!.length;
    const nSub = edgeScores[l - 1]!.length;
    const nOut = edgeScores[l]!.length;
    const [xIn, xSub] = [coordinates(nIn), coordinates(nSub)];
    const [xNode, xOut] = [coordinates(groups.length), coordinates(nOut)];
    // subnode slots follow their node's group, in the new order
    const cost = (perm: number[]): number => {
      let c = 0;
      let at = 0;
      perm.forEach((old, q) => {
        for (const sub of groups[old]!) {
          const here = xSub[at++]!;
          edgeScores[l - 1]![sub]!.forEach((e, i) => (c += e * Math.abs(xIn[i]! - here)));
        }
        for (let j = 0; j < nOut; j++) c += edgeScores[l]![j]![old]! * Math.abs(xNode[q]! - xOut[j]!);
      });
      return c;
    };
    const perm = perms[l]!;
    for (let i = 0; i < perm.length; i++) {
      let best = i;
      let bestCost = cost(perm);
      for (let j = 0; j < perm.length; j++) {
        if (j === i || k[perm[i]!] !== k[perm[j]!]) continue;
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        const c = cost(perm);
        if (c < bestCost - 1e-12 * Math.abs(bestCost)) [best, bestCost] = [j, c];
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      [perm[i], perm[best]] = [perm[best]!, perm[i]!];
    }
    if (perm.every((v, q) => v === q)) continue;
    permuteNodes(m, op, l, perm);
    // the next layer's costs see this one's nodes where they now are
    edgeScores[l - 1] = perm.flatMap((old) => groups[old]!.map((sub) => edgeScores[l - 1]![sub]!));
    edgeScores[l] = edgeScores[l]!.map((row) => perm.map((old) => row[old]!));
  }
  return perms;
}
