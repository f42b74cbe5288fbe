/**
 * Feature interaction (pykan's feature_interaction): which inputs each node of a layer
 * depends on, by attribution traced back from that node alone, and the nodes grouped by the
 * set of inputs they use. On the output layer (the default) this is per-output attribution:
 * `scores[j][i]` is how much output j draws on input i, and a group of several inputs under
 * one output is an interaction the formula has to combine.
 *
 * ```js
 * const { scores, groups } = model.featureInteraction(data.trainInput);
 * groups;   // e.g. [{ features: [0, 1], nodes: [0] }]: output 0 combines inputs 0 and 1
 * ```
 *
 * # Method
 * The scores follow pykan's attribute from a one-hot score at node t: an edge's score is the
 * standard deviation of its output over the samples times the score of the (sub)node it
 * feeds, divided by that subnode's standard deviation + 1e-4; a node's score is the sum of
 * its outgoing edges' scores; a multiplication node passes its score to each factor.
 */
import { finiteNumber } from "./config.js";
import { KanError } from "./errors.js";
import { toMatrix, type Matrix, type MatrixLike } from "./matrix.js";
import type { ModelHandle } from "./model.js";
import { nodeGroups } from "./nodes.js";
import { checkOptions, intOption } from "./options.js";
import { rawKernel } from "./raw/loader.js";

/** Options of `model.featureInteraction(input, options)`. */
export interface FeatureInteractionOptions {
  /** The node layer whose nodes are traced back (0 < layer <= depth). Default: depth (the outputs). */
  layer?: number;
  /** A node takes part only when its largest input score exceeds this. Default 1e-2. */
  neuronThreshold?: number;
  /** An input counts for a node when its score exceeds this share of the node's largest score. Default 1e-2. */
  featureThreshold?: number;
}

/** What `model.featureInteraction` returns. */
export interface FeatureInteraction {
  /** scores[t][i]: the attribution of node t of the layer to input i. */
  scores: number[][];
  /** The active nodes grouped by the inputs they use, in order of first appearance. */
  groups: {
    /** The inputs (0-based, ascending). */
    features: number[];
    /** The nodes of the layer that use exactly these inputs. */
    nodes: number[];
  }[];
}

const DEFAULTS = { neuronThreshold: 1e-2, featureThreshold: 1e-2 };

/** Standard deviation over the rows (n - 1 in the denominator), per column; two passes, for accuracy. */
function stdCols(v: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += v[r * cols + c]!;
    mean /= rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += (v[r * cols + c]! - mean) ** 2;
    out[c] = Math.sqrt(ss / Math.max(1, rows - 1));
  }
  return out;
}

/**
 * Edge standard deviations per layer as [in][out] and subnode standard deviations per
 * layer, on the samples `x`. @internal
 */
export function edgeSpreads(m: ModelHandle, op: string, x: Matrix): { edge: Float64Array[]; sub: Float64Array[] } {
  const h = m.handle(op);
  const k = rawKernel(op);
  const edge: Float64Array[] = [];
  const sub: Float64Array[] = [];
  for (let l = 0; l < m.depth; l++) {
    const [ni, no] = m.layerDims(op, l);
    const n = x.rows;
    const e = new Float64Array(ni * no);
    const sums = new Float64Array(n * no);
    k.scope((s) => {
      const pa = s.alloc(8 * n * ni);
      k.check(op, k.raw.kw_model_activations(h, s.put(x.data), n, l, pa));
      const acts = s.take(pa, n * ni, Float64Array);
      const col = new Float64Array(n);
      const pv = s.alloc(8 * n * no);
      for (let i = 0; i < ni; i++) {
        for (let r = 0; r < n; r++) col[r] = acts[r * ni + i]!;
        k.check(op, k.raw.kw_model_edge_values(h, l, i, s.put(col), n, pv));
        const v = s.take(pv, n * no, Float64Array);
        e.set(stdCols(v, n, no), i * no);
        for (let q = 0; q < v.length; q++) sums[q] = sums[q]! + v[q]!;
      }
    });
    edge.push(e);
    sub.push(stdCols(sums, n, no));
  }
  return { edge, sub };
}

/** Input attribution of every node of node layer `layer`: [node][input]. @internal */
export function nodeInputScores(m: ModelHandle, op: string, x: Matrix, layer: number): number[][] {
  const { edge, sub } = edgeSpreads(m, op, x);
  const n = m.cfg.width[layer]![0] + m.cfg.width[layer]![1];
  return Array.from({ length: n }, (_, t) => {
    let s: number[] = Array.from({ length: n }, (_, q) => (q === t ? 1 : 0));
    for (let l = layer - 1; l >= 0; l--) {
      const [ni, no] = m.layerDims(op, l);
      const subScore = new Float64Array(no);
      nodeGroups(m.cfg, l + 1).forEach((g, q) => g.forEach((j) => (subScore[j] = s[q]!)));
      const next = new Array<number>(ni).fill(0);
      for (let i = 0; i < ni; i++) {
        for (let j = 0; j < no; j++) next[i]! += (edge[l]![i * no + j]! * subScore[j]!) / (sub[l]![j]! + 1e-4);
      }
      s = next;
    }
    return s;
  });
}

/** Samples for the analyses: (n >= 2, inDim), float64. @internal */
export function analysisInput(m: ModelHandle, op: string, input: MatrixLike): Matrix {
  const x = toMatrix(input, `${op}: input`, "float64");
  if (x.cols !== m.inDim) {
    throw new KanError("SHAPE_MISMATCH", `${op}: input has ${x.cols} columns but the model takes ${m.inDim} inputs`);
  }
  if (x.rows < 2) throw new KanError("EMPTY_DATASET", `${op}: input needs at least 2 rows, got ${x.rows}`);
  return x;
}

/** @internal */
export function featureInteraction(
  m: ModelHandle, input: MatrixLike, opts: FeatureInteractionOptions = {},
): FeatureInteraction {
  const op = "featureInteraction";
  m.handle(op);
  const o = checkOptions(op, opts, ["layer", "neuronThreshold", "featureThreshold"]) as FeatureInteractionOptions;
  const layer = intOption(op, "layer", o.layer ?? m.depth, 1, m.depth);
  const nTh = finiteNumber(op, "neuronThreshold", o.neuronThreshold ?? DEFAULTS.neuronThreshold, 0);
  const fTh = finiteNumber(op, "featureThreshold", o.featureThreshold ?? DEFAULTS.featureThreshold, 0);
  const x = analysisInput(m, op, input);
  const scores = nodeInputScores(m, op, x, layer);
  const groups: FeatureInteraction["groups"] = [];
  scores.forEach((row, t) => {
    const top = Math.max(...row);
    if (!(top > nTh)) return;
    const features = row.flatMap((v, i) => (v > top * fTh ? [i] : []));
    const g = groups.find((e) => e.features.join() === features.join());
    if (g) g.nodes.push(t);
    else groups.push({ features, nodes: [t] });
  });
  return { scores, groups };
}
