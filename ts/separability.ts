/**
 * How a model's output splits into parts of separate inputs, read from its exact Hessians
 * (KAN 2.0's separability tests and tree, pykan's hypothesis module).
 *
 * ```js
 * model.separability(x);  // for sin(x1)e^x2 + x3^2: { additive: [[0, 1], [2]], multiplicative: [[0, 1, 2]] }
 * model.tree(x).root;     // { inputs: [0, 1, 2], op: "add", children: [{ inputs: [0, 1], ... }, ...] }
 * ```
 *
 * # Method
 * f is additively separable between groups of inputs when every mixed second derivative
 * d2f/dxa dxb across groups vanishes, and multiplicatively when those of log|f + bias| do.
 * As pykan's test_separability, the score of a pair is the median over the samples of
 * |d2/dxa dxb| times the standard deviations of xa and xb; here a pair interacts when its score
 * exceeds `threshold` times the largest score, the curvatures d2/dxa2 included (so scaling f
 * changes nothing), and the groups are the connected components of the interacting pairs: the
 * finest split that passes the test.
 *
 * The tree follows pykan's get_molecule: a group of inputs A is one sub-expression h(x_A) when
 * the direction of the gradient over A does not depend on the other inputs (the median of
 * |d(g_A/|g_A|)/dx_b| times the spreads stays below `symmetryThreshold`); groups are merged
 * level by level until one remains, and the root's op says how its children combine.
 */
import { finiteNumber } from "./config.js";
import type { Derivatives } from "./derivatives.js";
import type { Matrix, MatrixLike } from "./matrix.js";
import { checkOptions, intOption } from "./options.js";

/** What separability and tree need of a model. */
interface Model {
  readonly inDim: number;
  readonly outDim: number;
  derivatives(input: MatrixLike, opts: { order: 2 }): Derivatives;
}

/** Options of `model.separability(input, options)`. */
export interface SeparabilityOptions {
  /** The output studied. Default 0. */
  output?: number;
  /** Pairs scoring above this share of the largest score interact. Default 1e-2. */
  threshold?: number;
  /** Added to f before the logarithm of the multiplicative test (pykan's bias). Default 0. */
  bias?: number;
}

/** What `model.separability` returns: groups of 0-based inputs, each sorted, in order of their first input. */
export interface Separability {
  /** f = sum over groups of a function of that group's inputs. */
  additive: number[][];
  /** f = product over groups of a function of that group's inputs. */
  multiplicative: number[][];
}

/** Options of `model.tree(input, options)`. */
export interface TreeOptions {
  /** The output studied. Default 0. */
  output?: number;
  /**
   * A group is one sub-expression while its gradient's direction moves less than this with
   * the other inputs (pykan: 1e-3, which a fit to 1e-3 RMSE does not reach). Default 1e-2.
   */
  symmetryThreshold?: number;
  /** The root's children separate when their mixed scores stay below this share of the largest. Default 1e-2. */
  separabilityThreshold?: number;
}

/** A node of `model.tree`: a sub-expression of some inputs. */
export interface TreeNode {
  /** The inputs it depends on (0-based, ascending). */
  inputs: number[];
  /** "input" for a leaf; at the root "add" or "mul" when its children separate so, else "combine". */
  op: "input" | "add" | "mul" | "combine";
  /** The sub-expressions it combines (none for a leaf). */
  children: TreeNode[];
}

/** What `model.tree` returns. */
export interface Tree {
  /** The whole expression. */
  root: TreeNode;
  /** The groups of inputs at each level, from single inputs up to one group of all (pykan's molecules). */
  levels: number[][][];
}

interface Jets {
  n: number;
  d: number;
  f: Float64Array;
  g: Float64Array;
  h: Float64Array;
  std: Float64Array;
}

function median(v: number[]): number {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Values, gradients and Hessians of output `j` at the samples, with the inputs' spreads. */
function jets(model: Model, input: MatrixLike, output: number, x: Matrix): Jets {
  const { value, gradient, hessian } = model.derivatives(input, { order: 2 });
  const [n, d, no] = [x.rows, x.cols, model.outDim];
  const f = new Float64Array(n);
  const g = new Float64Array(n * d);
  const h = new Float64Array(n * d * d);
  for (let r = 0; r < n; r++) {
    f[r] = value.data[r * no + output]!;
    g.set(gradient.subarray((r * no + output) * d, (r * no + output + 1) * d), r * d);
    h.set(hessian!.subarray((r * no + output) * d * d, (r * no + output + 1) * d * d), r * d * d);
  }
  const std = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s1 = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      s1 += x.data[r * d + a]!;
      s2 += x.data[r * d + a]! ** 2;
    }
    std[a] = Math.sqrt(Math.max(0, s2 - (s1 * s1) / n) / Math.max(1, n - 1));
  }
  return { n, d, f, g, h, std };
}

/** The score matrix (d x d) of f (mode "add") or of log|f + bias| ("mul"). */
function scores(j: Jets, mode: "add" | "mul", bias: number): number[][] {
  const { n, d, f, g, h, std } = j;
  return Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => {
    const v: number[] = [];
    for (let r = 0; r < n; r++) {
      const hab = h[(r * d + a) * d + b]!;
      const u = f[r]! + bias;
      const e = mode === "add" ? hab : hab / u - (g[r * d + a]! * g[r * d + b]!) / (u * u);
      v.push(Math.abs(e) * std[a]! * std[b]!);
    }
    return median(v);
  }));
}

/** Connected components of the pairs scoring above threshold x the largest score. */
function components(s: number[][], threshold: number): number[][] {
  const d = s.length;
  const top = Math.max(0, ...s.flat().filter((v) => Number.isFinite(v)));
  const label = Array.from({ length: d }, (_, a) => a);
  const find = (a: number): number => (label[a] === a ? a : (label[a] = find(label[a]!)));
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      if (top > 0 && Math.max(s[a]![b]!, s[b]![a]!) > threshold * top) label[find(a)] = find(b);
    }
  }
  const groups = new Map<number, number[]>();
  for (let a = 0; a < d; a++) {
    const r = find(a);
    groups.set(r, [...(groups.get(r) ?? []), a]);
  }
  return [...groups.values()];
}

/** @internal */
export function separability(model: Model, x: Matrix, input: MatrixLike, opts: SeparabilityOptions = {}): Separability {
  const op = "separability";
  const o = checkOptions(op, opts, ["output", "threshold", "bias"]) as SeparabilityOptions;
  const output = intOption(op, "output", o.output ?? 0, 0, model.outDim - 1);
  const threshold = finiteNumber(op, "threshold", o.threshold ?? 1e-2, 0);
  const bias = finiteNumber(op, "bias", o.bias ?? 0);
  const j = jets(model, input, output, x);
  return {
    additive: components(scores(j, "add", 0), threshold),
    multiplicative: components(scores(j, "mul", bias), threshold),
  };
}

/** Whether the gradient's direction over `group` stays put as the other inputs move. */
function symmetric(j: Jets, group: number[], threshold: number): boolean {
  const { n, d, g, h, std } = j;
  const others = Array.from({ length: d }, (_, a) => a).filter((a) => !group.includes(a));
  if (group.length === 0 || others.length === 0) return true;
  const dep = group.map(() => others.map(() => [] as number[]));
  for (let r = 0; r < n; r++) {
    const norm = Math.sqrt(group.reduce((s, a) => s + g[r * d + a]! ** 2, 0));
    const ne = norm + 1e-6;
    others.forEach((b, bi) => {
      // d(g_a / (|g_A| + eps))/dx_b from the Hessian: the quotient rule with d|g_A|/dx_b = sum g_c H_cb / |g_A|
      const dn = norm > 0 ? group.reduce((s, c) => s + g[r * d + c]! * h[(r * d + c) * d + b]!, 0) / norm : 0;
      group.forEach((a, ai) => {
        const v = h[(r * d + a) * d + b]! / ne - (g[r * d + a]! * dn) / (ne * ne);
        dep[ai]![bi]!.push(Math.abs(v) * std[a]! * std[b]!);
      });
    });
  }
  return dep.every((row) => row.every((v) => median(v) < threshold));
}

/** @internal */
export function tree(model: Model, x: Matrix, input: MatrixLike, opts: TreeOptions = {}): Tree {
  const op = "tree";
  const o = checkOptions(op, opts, ["output", "symmetryThreshold", "separabilityThreshold"]) as TreeOptions;
  const output = intOption(op, "output", o.output ?? 0, 0, model.outDim - 1);
  const symTh = finiteNumber(op, "symmetryThreshold", o.symmetryThreshold ?? 1e-2, 0);
  const sepTh = finiteNumber(op, "separabilityThreshold", o.separabilityThreshold ?? 1e-2, 0);
  const j = jets(model, input, output, x);
  let nodes: TreeNode[] = Array.from({ length: j.d }, (_, a) => ({ inputs: [a], op: "input", children: [] }));
  const levels: number[][][] = [nodes.map((t) => t.inputs)];
  while (nodes.length > 1) {
    const next: TreeNode[] = [];
    let rest = nodes.slice();
    while (rest.length > 0) {
      const members = [rest[0]!];
      let inputs = rest[0]!.inputs;
      for (const t of rest.slice(1)) {
        const union = [...inputs, ...t.inputs].sort((a, b) => a - b);
        // the whole set waits for the root: a group of every input is trivially symmetric
        if (union.length === j.d) continue;
        if (symmetric(j, union, symTh)) {
          members.push(t);
          inputs = union;
        }
      }
      rest = rest.filter((t) => !members.includes(t));
      next.push(members.length === 1 ? members[0]! : { inputs, op: "combine", children: members });
    }
    // no merge at this level: the remaining groups meet at the root
    nodes = next.length === nodes.length
      ? [{ inputs: next.flatMap((t) => t.inputs).sort((a, b) => a - b), op: "combine", children: next }]
      : next;
    levels.push(nodes.map((t) => t.inputs));
  }
  const root = nodes[0]!;
  if (root.children.length > 1) {
    const groups = root.children.map((c) => c.inputs);
    const separates = (s: number[][]): boolean =>
      components(s, sepTh).every((c) => groups.some((grp) => c.every((a) => grp.includes(a))));
    if (separates(scores(j, "add", 0))) root.op = "add";
    else if (separates(scores(j, "mul", 0))) root.op = "mul";
  }
  return { root, levels };
}
