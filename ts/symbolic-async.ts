/**
 * autoSymbolic one edge at a time, yielding to the event loop between edges: progress through
 * `onEdge`, and a stop through `signal` that keeps the edges fixed so far.
 *
 * ```js
 * const ctl = new AbortController();
 * const fixed = await model.autoSymbolicAsync({
 *   onEdge: ({ l, i, j, name, r2, done, total }) => console.log(`${done}/${total}`, l, i, j, name, r2),
 *   signal: ctl.signal,
 * });
 * ```
 *
 * The edges are those `autoSymbolic` fixes, in its order (layer, input, output), each fitted
 * on the model as the edges before it left it, with the same search: the result is the same.
 */
import { SYMBOLIC_DEFAULTS, finiteNumber, threadsOption } from "./config.js";
import { KanError, describe, type FixedEdge } from "./errors.js";
import { yieldToEventLoop } from "./fit.js";
import { fixSymbolic, suggestSymbolic, type SymbolicSearchOptions } from "./interpret.js";
import { ModelHandle } from "./model.js";
import { checkOptions } from "./options.js";
import { prepareThreads } from "./threads.js";

// KanError carries the edges fixed before an abort, so the type lives beside it.
export type { FixedEdge };

/** What `onEdge` receives after each edge is searched. */
export interface SymbolicProgress extends FixedEdge {
  /** Whether the edge was fixed (its best candidate's r2 reached r2Threshold); else `name` is that candidate. */
  fixed: boolean;
  /** Edges searched so far, this one included. */
  done: number;
  /** Edges to search in all. */
  total: number;
}

/** The options of `model.autoSymbolicAsync(options)`. */
export interface AutoSymbolicAsyncOptions extends SymbolicSearchOptions {
  /** Fix an edge only when its best candidate's r2 reaches this. Default 0. */
  r2Threshold?: number;
  /** Called after each edge, before the next one starts. Default none. */
  onEdge?: (progress: SymbolicProgress) => void;
  /**
   * Stops the search between edges: the promise rejects with KanError("ABORTED") whose `fixed`
   * lists the edges fixed. Default none.
   */
  signal?: AbortSignal;
}

/** @internal */
export async function autoSymbolicAsync(model: ModelHandle, opts: AutoSymbolicAsyncOptions = {}): Promise<FixedEdge[]> {
  const op = "autoSymbolicAsync";
  model.handle(op);
  model.notTraining(op);
  const o = checkOptions(op, opts, ["lib", "r2Threshold", "weightSimple", "aRange", "bRange", "input", "onEdge",
    "signal", "threads"]) as AutoSymbolicAsyncOptions;
  const threads = threadsOption(op, o.threads ?? SYMBOLIC_DEFAULTS.threads);
  const th = finiteNumber(op, "r2Threshold", o.r2Threshold ?? 0);
  if (o.onEdge !== undefined && typeof o.onEdge !== "function") {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "onEdge" must be a function, got ${describe(o.onEdge)}`);
  }
  const signal = o.signal;
  if (signal !== undefined && (signal === null || typeof signal !== "object" || typeof signal.aborted !== "boolean")) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "signal" must be an AbortSignal, got ${describe(signal)}`);
  }
  const search: SymbolicSearchOptions & { topk: number } = { topk: 1 };
  for (const key of ["lib", "weightSimple", "aRange", "bRange", "input", "threads"] as const) {
    if (o[key] !== undefined) Object.assign(search, { [key]: o[key] });
  }
  // the threaded module takes the models over before their edges are read
  await prepareThreads(op, threads);
  model.handle(op);
  // the edges autoSymbolic would fix: live (unmasked) numeric edges
  const edges: [number, number, number][] = [];
  for (let l = 0; l < model.depth; l++) {
    const [ni, no] = model.layerDims(op, l);
    const sym = model.getArray(op, l, "symbolic");
    const mask = model.getArray(op, l, "mask");
    for (let i = 0; i < ni; i++) {
      for (let j = 0; j < no; j++) if (sym[i * no + j] === 0 && mask[i * no + j] !== 0) edges.push([l, i, j]);
    }
  }
  const fixed: FixedEdge[] = [];
  for (let q = 0; q < edges.length; q++) {
    if (signal?.aborted) {
      const e = new KanError("ABORTED", `${op}: stopped by its signal after ${q} of ${edges.length} edges; ` +
        `the ${fixed.length} edges fixed stay fixed (see the error's "fixed")`);
      e.fixed = fixed;
      throw e;
    }
    model.handle(op);
    model.notTraining(op);
    const [l, i, j] = edges[q]!;
    // the options were checked above; suggestSymbolic checks them again and names itself
    const best = suggestSymbolic(model, l, i, j, search)[0]!;
    const take = best.r2 >= th;
    if (take) {
      // the suggestion's own fit, as autoSymbolic applies it (no second search)
      fixSymbolic(model, l, i, j, best.name, { fitParams: false });
      const [, no] = model.layerDims(op, l);
      const aff = model.getArray(op, l, "affine");
      aff.set(best.params, 4 * (i * no + j));
      model.setArray(op, l, "affine", aff);
      fixed.push({ l, i, j, name: best.name, r2: best.r2 });
    }
    o.onEdge?.({ l, i, j, name: best.name, r2: best.r2, fixed: take, done: q + 1, total: edges.length });
    await yieldToEventLoop();
  }
  return fixed;
}
