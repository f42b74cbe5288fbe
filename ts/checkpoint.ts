/**
 * In-memory checkpoints of a model (pykan's history of states, without files): a checkpoint
 * is a copy of every layer array, which is the whole state of a model of a given shape, so
 * rewinding writes them back and gives the same bits as at the checkpoint.
 *
 * ```js
 * const id = model.checkpoint("before pruning edges");
 * await model.fit(data, { steps: 20, lamb: 1e-2 });
 * model.rewind(id);                    // parameters, grids and symbolic edges as they were
 * model.checkpoints();                 // [{ id: 1, label: "before pruning edges" }]
 * ```
 */
import { KanError, describe } from "./errors.js";
import type { ModelHandle } from "./model.js";
import { LAYER_ARRAY, type LayerArrayName } from "./raw/exports.js";

/** A checkpoint as `model.checkpoints()` lists it. */
export interface CheckpointInfo {
  /** What `checkpoint()` returned; pass it to `rewind`. */
  id: number;
  /** The label given to `checkpoint(label)`, or "". */
  label: string;
}

interface Stored extends CheckpointInfo {
  arrays: Float64Array[][];
}

const ARRAYS = Object.keys(LAYER_ARRAY) as LayerArrayName[];
const store = new WeakMap<ModelHandle, { next: number; list: Stored[] }>();

/** Copies the model's state; returns its id (1, 2, ... per model). @internal */
export function checkpoint(m: ModelHandle, label: unknown = ""): number {
  const op = "checkpoint";
  m.handle(op);
  if (typeof label !== "string") {
    throw new KanError("INVALID_ARGUMENT", `${op}: label must be a string, got ${describe(label)}`);
  }
  const arrays = Array.from({ length: m.depth }, (_, l) => ARRAYS.map((w) => m.getArray(op, l, w)));
  const s = store.get(m) ?? { next: 1, list: [] };
  store.set(m, s);
  const id = s.next++;
  s.list.push({ id, label, arrays });
  return id;
}

/** The checkpoints kept, oldest first. @internal */
export function checkpoints(m: ModelHandle): CheckpointInfo[] {
  m.handle("checkpoints");
  return (store.get(m)?.list ?? []).map(({ id, label }) => ({ id, label }));
}

/** Writes checkpoint `id` back into the model; the checkpoint stays for later rewinds. @internal */
export function rewind(m: ModelHandle, id: unknown): void {
  const op = "rewind";
  m.handle(op);
  m.notTraining(op);
  const list = store.get(m)?.list ?? [];
  const c = list.find((e) => e.id === id);
  if (c === undefined) {
    const ids = list.map((e) => e.id).join(", ") || "none yet";
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: id must be one of this model's checkpoints (${ids}), got ${describe(id)}`,
    );
  }
  c.arrays.forEach((arrays, l) => ARRAYS.forEach((w, a) => m.setArray(op, l, w, arrays[a]!)));
}

/** Forgets checkpoint `id`, or all of them without an id. @internal */
export function dropCheckpoints(m: ModelHandle, id?: unknown): void {
  const op = "dropCheckpoints";
  m.handle(op);
  const s = store.get(m);
  if (id === undefined) {
    s?.list.splice(0);
    return;
  }
  const at = s?.list.findIndex((e) => e.id === id) ?? -1;
  if (at < 0) {
    throw new KanError("INVALID_ARGUMENT", `${op}: id must be one of this model's checkpoints, got ${describe(id)}`);
  }
  s!.list.splice(at, 1);
}
