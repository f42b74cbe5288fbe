/**
 * Interpretability: attribution scores, pruning, and symbolic edges (suggest, fix, auto).
 *
 * ```js
 * const { edgeScores } = model.attribute();     // on the last fit's inputs
 * const small = model.prune();                  // a new model without the weak nodes
 * model.autoSymbolic({ lib: ["sin", "x^2", "exp"] });
 * ```
 *
 * # Shapes
 * nodeScores[layer][node] (inputs first); edgeScores[l][j][i] scores the edge from input i to
 * (sub)node j of layer l. Samples are (n, inDim) with n >= 2; omitted, the last fit's inputs.
 */
import { SYMBOLIC_DEFAULTS, boolOption, finiteNumber, threadsOption } from "./config.js";
import { KanError } from "./errors.js";
import { toMatrix, type MatrixLike } from "./matrix.js";
import { ModelHandle } from "./model.js";
import { checkOptions, intArgument, intOption, rangeOption } from "./options.js";
import { FIXED_WIDTH, SUGGESTION_WIDTH, type Handle, type Ptr } from "./raw/exports.js";
import type { RawScope } from "./raw/kernel.js";
import { rawKernel } from "./raw/loader.js";
import { symbolicById, symbolicId, symbolicNames } from "./symbolic-lib.js";
import { onThreads } from "./threads.js";

/** Attribution: node scores per node layer (inputs first), edge scores per layer as [j][i] (output, input). */
export interface Attribution {
  /** nodeScores[l][n]: the score of node n of node layer l (0 = the inputs). */
  nodeScores: number[][];
  /** edgeScores[l][j][i]: the score of the edge from node i to node j of layer l. */
  edgeScores: number[][][];
}

/** How the symbolic search ranks and fits the library's functions to an edge. */
export interface SymbolicSearchOptions {
  /** Function names to try; default: the whole library (built-ins and addSymbolic's). */
  lib?: string[];
  /** Weight of complexity against fit in the ranking. Default 0.8. */
  weightSimple?: number;
  /** Search range of a in c*f(a*x + b) + d. Default [-10, 10]. */
  aRange?: [number, number];
  /** Search range of b in c*f(a*x + b) + d. Default [-10, 10]. */
  bRange?: [number, number];
  /** Samples to fit on; default: the inputs of the last fit. */
  input?: MatrixLike;
  /**
   * Threads the search runs on, each fitting whole functions to whole edges: an integer from 1
   * to 64, or "auto" for the host's logical cores. Default 1. The results have the same bits
   * for any number. suggestSymbolic and autoSymbolic are synchronous, so they cannot start
   * threads: they use those a fit (or autoSymbolicAsync) with `threads` has started, at most
   * this many, and run on one thread before that; autoSymbolicAsync starts them.
   */
  threads?: number | "auto";
}

/** A candidate function for an edge, from `model.suggestSymbolic`. */
export interface Suggestion {
  /** The function's name in the symbolic library. */
  name: string;
  /** R² of the fitted c*f(a*x + b) + d against the edge's values (1 is a perfect fit). */
  r2: number;
  /** The function's complexity (pykan's): simpler functions rank higher at equal r2. */
  complexity: number;
  /**
   * [a, b, c, d] of c*f(a*x + b) + d, as fixSymbolic sets them: where c and d can take up a and b's scale,
   * a = 1 (x, x^2..x^5, abs; for x also b = 0) or b = 0 (exp), so b may lie outside bRange.
   */
  params: [number, number, number, number];
}

/** The options of `model.prune(options)`. */
export interface PruneOptions {
  /** Hidden nodes scoring below this go. Default 1e-2. */
  nodeThreshold?: number;
  /** Numeric edges scoring below this are masked. Default 3e-2. */
  edgeThreshold?: number;
  /** Samples to score on; default: the inputs of the last fit. */
  input?: MatrixLike;
}

/** The options of `model.fixSymbolic(l, i, j, name, options)`. */
export interface FixSymbolicOptions {
  /** Fit a, b, c, d to the edge; false keeps a = c = 1, b = d = 0. Default true. */
  fitParams?: boolean;
  /** Search range of a in c*f(a*x + b) + d. Default [-10, 10]. */
  aRange?: [number, number];
  /** Search range of b in c*f(a*x + b) + d. Default [-10, 10]. */
  bRange?: [number, number];
  /** Samples to fit on; default: the inputs of the last fit. */
  input?: MatrixLike;
}

/** Every default of the options above, in one place. */
const DEFAULTS = {
  nodeThreshold: 1e-2,
  edgeThreshold: 3e-2,
  inputThreshold: 1e-2,
  weightSimple: 0.8,
  range: [-10, 10] as [number, number],
  topk: 5,
  r2Threshold: 0,
};

/** Samples for attribution and symbolic fitting: the given input, else the last fit's (n = 0). */
function samples(model: ModelHandle, op: string, input: MatrixLike | undefined, s: RawScope): [Ptr, number] {
  if (input === undefined) return [0, 0];
  const x = toMatrix(input, `${op}: input`, "float64");
  if (x.cols !== model.inDim) {
    throw new KanError(
      "SHAPE_MISMATCH",
      `${op}: input has ${x.cols} columns but the model takes ${model.inDim} inputs`,
    );
  }
  if (x.rows < 2) throw new KanError("EMPTY_DATASET", `${op}: need at least 2 samples, got ${x.rows}`);
  return [s.put(x.data), x.rows];
}

/** @internal */
export function attribute(model: ModelHandle, input?: MatrixLike): Attribution {
  const op = "attribute";
  const h = model.handle(op);
  const dims = Array.from({ length: model.depth }, (_, l) => model.layerDims(op, l));
  const nodeCounts = model.cfg.width.map(([a, b]) => a + b);
  const nNodes = nodeCounts.reduce((a, b) => a + b, 0);
  const nEdges = dims.reduce((a, [ni, no]) => a + ni * no, 0);
  const k = rawKernel(op);
  const [nodes, edges] = k.scope((s) => {
    const [px, n] = samples(model, op, input, s);
    const pn = s.alloc(8 * nNodes);
    const pe = s.alloc(8 * nEdges);
    k.check(op, k.raw.kw_model_attribute(h, px, n, pn, nNodes, pe, nEdges));
    return [s.take(pn, nNodes, Float64Array), s.take(pe, nEdges, Float64Array)];
  });
  const nodeScores: number[][] = [];
  let at = 0;
  for (const c of nodeCounts) {
    nodeScores.push(Array.from(nodes.subarray(at, at + c)));
    at += c;
  }
  const edgeScores: number[][][] = [];
  at = 0;
  for (const [ni, no] of dims) {
    const layer: number[][] = [];
    for (let j = 0; j < no; j++) layer.push(Array.from(edges.subarray(at + j * ni, at + (j + 1) * ni)));
    edgeScores.push(layer);
    at += ni * no;
  }
  return { nodeScores, edgeScores };
}

/** pykan's prune: the handle of a new model; its config follows from its layer shapes. @internal */
export function prune(model: ModelHandle, opts: PruneOptions = {}): ModelHandle {
  const op = "prune";
  const h = model.handle(op);
  const o = checkOptions(op, opts, ["nodeThreshold", "edgeThreshold", "input"]) as PruneOptions;
  const nodeTh = finiteNumber(op, "nodeThreshold", o.nodeThreshold ?? DEFAULTS.nodeThreshold, 0);
  const edgeTh = finiteNumber(op, "edgeThreshold", o.edgeThreshold ?? DEFAULTS.edgeThreshold, 0);
  const k = rawKernel(op);
  const nh = k.scope((s) => {
    const [px, n] = samples(model, op, o.input, s);
    const out = s.alloc(4);
    k.check(op, k.raw.kw_model_prune(h, nodeTh, edgeTh, px, n, out));
    return k.u32(out)[0]!;
  });
  return adoptDerived(model, op, nh);
}

/** @internal */
export function pruneInputs(model: ModelHandle, opts: { threshold?: number; input?: MatrixLike } = {}):
  { model: ModelHandle; inputs: number[] } {
  const op = "pruneInputs";
  const h = model.handle(op);
  const o = checkOptions(op, opts, ["threshold", "input"]) as { threshold?: number; input?: MatrixLike };
  const th = finiteNumber(op, "threshold", o.threshold ?? DEFAULTS.inputThreshold, 0);
  const k = rawKernel(op);
  const [nh, inputs] = k.scope((s) => {
    const [px, n] = samples(model, op, o.input, s);
    const out = s.alloc(4);
    const kept = s.alloc(4 * model.inDim);
    const count = s.alloc(4);
    k.check(op, k.raw.kw_model_prune_inputs(h, th, px, n, out, kept, count));
    return [k.u32(out)[0]!, Array.from(k.u32(kept, k.u32(count)[0]!))] as const;
  });
  return { model: adoptDerived(model, op, nh), inputs };
}

function adoptDerived(model: ModelHandle, op: string, nh: Handle): ModelHandle {
  let cfg;
  try {
    cfg = model.derivedConfig(op, nh);
  } catch (e) {
    rawKernel(op).raw.kw_model_free(nh);
    throw e;
  }
  return ModelHandle.adopt(nh, cfg);
}

/** Ids and complexities of the functions named, all checked to be in the library. */
function library(op: string, names: unknown): [Uint32Array, Float64Array] {
  const all = names ?? symbolicNames();
  if (!Array.isArray(all) || all.length === 0) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "lib" must be a non-empty array of function names`);
  }
  const ids = new Uint32Array(all.length);
  const cx = new Float64Array(all.length);
  all.forEach((name: unknown, q) => {
    const id = typeof name === "string" ? symbolicId(name) : undefined;
    if (id === undefined) {
      throw new KanError(
        "UNKNOWN_SYMBOLIC",
        `${op}: "${String(name)}" is not in the symbolic library; the library has ${symbolicNames().join(", ")} ` +
          "(add your own with addSymbolic)",
      );
    }
    ids[q] = id;
    cx[q] = symbolicById(id)!.complexity;
  });
  return [ids, cx];
}

/**
 * Runs `body`, which may fix edges of `layers`; when it throws (a user function failed half
 * way through a search the core had already applied), the edges return to what they were.
 */
function keepEdgesOnFailure<T>(model: ModelHandle, op: string, layers: number[], body: () => T): T {
  const kept = layers.map((l) => [l, EDGE_ARRAYS.map((w) => model.getArray(op, l, w))] as const);
  try {
    return body();
  } catch (e) {
    if (model.live) {
      for (const [l, arrays] of kept) EDGE_ARRAYS.forEach((w, q) => model.setArray(op, l, w, arrays[q]));
    }
    throw e;
  }
}

const EDGE_ARRAYS = ["symbolic", "mask", "affine"] as const;

/** Edge (l, i, j): layer l, input i, output j, each checked and named in messages. */
function edge(model: ModelHandle, op: string, l: unknown, i: unknown, j: unknown): [number, number, number] {
  const li = model.layer(op, l);
  const [ni, no] = model.layerDims(op, li);
  return [li, intArgument(op, "i", i, 0, ni), intArgument(op, "j", j, 0, no)];
}

function ranges(op: string, o: { aRange?: unknown; bRange?: unknown }): [[number, number], [number, number]] {
  return [
    o.aRange === undefined ? DEFAULTS.range : rangeOption(op, "aRange", o.aRange),
    o.bRange === undefined ? DEFAULTS.range : rangeOption(op, "bRange", o.bRange),
  ];
}

/** @internal */
export function suggestSymbolic(model: ModelHandle, l: unknown, i: unknown, j: unknown,
  opts: SymbolicSearchOptions & { topk?: number } = {}): Suggestion[] {
  const op = "suggestSymbolic";
  const h = model.handle(op);
  const o = checkOptions(op, opts, ["lib", "topk", "weightSimple", "aRange", "bRange", "input", "threads"]) as
    SymbolicSearchOptions & { topk?: number };
  const threads = threadsOption(op, o.threads ?? SYMBOLIC_DEFAULTS.threads);
  const [li, ii, jj] = edge(model, op, l, i, j);
  const topk = intOption(op, "topk", o.topk ?? DEFAULTS.topk, 1);
  const w = finiteNumber(op, "weightSimple", o.weightSimple ?? DEFAULTS.weightSimple, 0);
  const [ar, br] = ranges(op, o);
  const [ids, cx] = library(op, o.lib);
  const k = rawKernel(op);
  const rows = k.scope((s) => {
    const [px, n] = samples(model, op, o.input, s);
    const out = s.alloc(8 * SUGGESTION_WIDTH * ids.length);
    const [pi, pc] = [s.put(ids), s.put(cx)];
    onThreads(k, threads, () => k.check(op, k.raw.kw_model_suggest(h, li, ii, jj, pi, pc, ids.length, w, ar[0], ar[1],
      br[0], br[1], px, n, out)));
    return s.take(out, SUGGESTION_WIDTH * ids.length, Float64Array);
  });
  const res: Suggestion[] = [];
  for (let q = 0; q < Math.min(topk, ids.length); q++) {
    const row = rows.subarray(q * SUGGESTION_WIDTH, (q + 1) * SUGGESTION_WIDTH);
    res.push({
      name: symbolicById(row[0]!)!.name,
      r2: row[1]!,
      complexity: row[2]!,
      params: [row[3]!, row[4]!, row[5]!, row[6]!],
    });
  }
  return res;
}

/** @internal */
export function fixSymbolic(model: ModelHandle, l: unknown, i: unknown, j: unknown, name: unknown,
  opts: FixSymbolicOptions = {}): { r2: number } {
  const op = "fixSymbolic";
  const h = model.handle(op);
  model.notTraining(op);
  const o = checkOptions(op, opts, ["fitParams", "aRange", "bRange", "input"]) as FixSymbolicOptions;
  const [li, ii, jj] = edge(model, op, l, i, j);
  const [ids] = library(op, [name]);
  const fit = boolOption(op, "fitParams", o.fitParams ?? true);
  const [ar, br] = ranges(op, o);
  const k = rawKernel(op);
  const r2 = keepEdgesOnFailure(model, op, [li], () => k.scope((s) => {
    const [px, n] = fit ? samples(model, op, o.input, s) : [0, 0];
    const out = s.alloc(8);
    k.check(op, k.raw.kw_model_fix_symbolic(h, li, ii, jj, ids[0]!, fit ? 1 : 0, ar[0], ar[1], br[0], br[1],
      px, n, out));
    return s.take(out, 1, Float64Array)[0]!;
  }));
  return { r2 };
}

/** Returns edge (l, i, j) to its numeric spline. @internal */
export function unfixSymbolic(model: ModelHandle, l: unknown, i: unknown, j: unknown): void {
  const op = "unfixSymbolic";
  model.handle(op);
  model.notTraining(op);
  const [li, ii, jj] = edge(model, op, l, i, j);
  const [, no] = model.layerDims(op, li);
  const sym = model.getArray(op, li, "symbolic");
  const mask = model.getArray(op, li, "mask");
  sym[ii * no + jj] = 0;
  mask[ii * no + jj] = 1;
  model.setArray(op, li, "symbolic", sym);
  model.setArray(op, li, "mask", mask);
}

/** @internal */
export function autoSymbolic(model: ModelHandle, opts: SymbolicSearchOptions & { r2Threshold?: number } = {}):
  { l: number; i: number; j: number; name: string; r2: number }[] {
  const op = "autoSymbolic";
  const h = model.handle(op);
  model.notTraining(op);
  const o = checkOptions(op, opts, ["lib", "r2Threshold", "weightSimple", "aRange", "bRange", "input", "threads"]) as
    SymbolicSearchOptions & { r2Threshold?: number };
  const threads = threadsOption(op, o.threads ?? SYMBOLIC_DEFAULTS.threads);
  const th = finiteNumber(op, "r2Threshold", o.r2Threshold ?? DEFAULTS.r2Threshold);
  const w = finiteNumber(op, "weightSimple", o.weightSimple ?? DEFAULTS.weightSimple, 0);
  const [ar, br] = ranges(op, o);
  const [ids, cx] = library(op, o.lib);
  const cap = Array.from({ length: model.depth }, (_, l) => model.layerDims(op, l))
    .reduce((a, [ni, no]) => a + ni * no, 0);
  const k = rawKernel(op);
  const layers = Array.from({ length: model.depth }, (_, l) => l);
  const rows = keepEdgesOnFailure(model, op, layers, () => k.scope((s) => {
    const [px, n] = samples(model, op, o.input, s);
    const out = s.alloc(8 * FIXED_WIDTH * cap);
    const count = s.alloc(4);
    const [pi, pc] = [s.put(ids), s.put(cx)];
    onThreads(k, threads, () => k.check(op, k.raw.kw_model_auto_symbolic(h, pi, pc, ids.length, th, w, ar[0], ar[1],
      br[0], br[1], px, n, out, cap, count)));
    return s.take(out, FIXED_WIDTH * k.u32(count)[0]!, Float64Array);
  }));
  const res = [];
  for (let q = 0; q < rows.length / FIXED_WIDTH; q++) {
    const r = rows.subarray(q * FIXED_WIDTH, (q + 1) * FIXED_WIDTH);
    res.push({ l: r[0]!, i: r[1]!, j: r[2]!, name: symbolicById(r[3]!)!.name, r2: r[4]! });
  }
  return res;
}
