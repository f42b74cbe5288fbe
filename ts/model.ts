/**
 * A model as the core holds it: a handle into the core's table with the configuration it
 * was made from, its lifetime, its training lock, and its layer arrays. Every KAN operation
 * builds on this; the KAN class itself only adds the public surface.
 *
 * ```js
 * const m = ModelHandle.create(normaliseConfig({ width: [2, 1] }));
 * m.layerDims("op", 0);                    // [2, 1, 3, 3]: nIn, nOut, G, k
 * m.getArray("op", 0, "coef");            // (in, G+k, out) as float64
 * ```
 */
import { KanError, describe } from "./errors.js";
import { encodeFitSettings, encodeModelSettings, normaliseFit, type KANConfig } from "./config.js";
import { intArgument } from "./options.js";
import {
  LAYER_ARRAY, LAYER_DIMS, VIEW_SAMPLES, layerArrayLength, type Handle, type LayerArrayName,
} from "./raw/exports.js";
import type { RawKernel } from "./raw/kernel.js";
import { onInstanceReplaced, rawKernel } from "./raw/loader.js";
import { symbolicById } from "./symbolic-lib.js";

/**
 * The core's handle of a model, in a cell that the finalizer and the model share: after a
 * trap the models move to a fresh instance under new handles (see `carryOver`).
 */
interface HandleCell {
  h: Handle;
  /** The instance `h` belongs to: a model collected before a move must not free its old number in the new one. */
  k: RawKernel;
}

const registry: FinalizationRegistry<HandleCell> | undefined =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry((cell: HandleCell) => {
      if (cell.h === 0 || cell.k !== rawKernel("finalize")) return;
      live.delete(cell.h);
      try {
        cell.k.raw.kw_model_free(cell.h);
      } catch {
        // the module is gone or the handle was freed: nothing left to release
      }
    })
    : undefined;

/** Every live model by handle, held weakly: the ones a fresh instance must take over. */
const live = new Map<Handle, WeakRef<ModelHandle>>();

const ARRAY_NAMES = Object.keys(LAYER_ARRAY) as LayerArrayName[];

/** @internal */
export class ModelHandle {
  readonly #cell: HandleCell;
  /** The configuration; never changed (derived models get their own). */
  readonly cfg: KANConfig;
  /** What holds the training lock (a trainer), if anything. */
  #trainer: object | undefined;

  private constructor(h: Handle, cfg: KANConfig) {
    this.#cell = { h, k: rawKernel("model") };
    this.cfg = cfg;
    live.set(h, new WeakRef(this));
  }

  /** A new model in the core from a validated configuration. */
  static create(cfg: KANConfig, op = "KAN"): ModelHandle {
    return new ModelHandle(newModel(rawKernel(op), cfg, op), cfg);
  }

  /** Wraps a handle the core just made (clone, refine, prune, load). */
  static adopt(h: Handle, cfg: KANConfig): ModelHandle {
    return new ModelHandle(h, cfg);
  }

  /**
   * Frees the core's model when this handle is collected without dispose(). The handle, not
   * its KAN, is what the collector watches: a call still running (a fit, an async symbolic
   * search) holds the handle after its KAN is gone.
   */
  track(): void {
    registry?.register(this, this.#cell, this);
  }

  /** The live handle, or DISPOSED. */
  handle(op: string): Handle {
    if (this.#cell.h === 0) throw new KanError("DISPOSED", `${op}: this model was disposed; create or load a new one`);
    return this.#cell.h;
  }

  get live(): boolean {
    return this.#cell.h !== 0;
  }

  /** Frees the core's model now; safe to call twice. An open trainer finds it DISPOSED. */
  free(): void {
    if (this.#cell.h === 0) return;
    const h = this.#cell.h;
    this.#cell.h = 0;
    live.delete(h);
    this.#trainer = undefined;
    registry?.unregister(this);
    try {
      rawKernel("dispose").raw.kw_model_free(h);
    } catch {
      // already released
    }
  }

  get depth(): number {
    return this.cfg.width.length - 1;
  }
  get inDim(): number {
    return this.cfg.width[0]![0];
  }
  get outDim(): number {
    return this.cfg.width[this.depth]![0];
  }

  /** Throws while a trainer (or fit) holds the model: the core's fit state assumes its parameters. */
  notTraining(op: string): void {
    if (this.#trainer !== undefined) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: the model is being trained; wait for fit() to finish or close its trainer first`,
      );
    }
  }

  /** Takes the training lock for `owner`; a second trainer on the same model is refused. */
  lockTraining(op: string, owner: object): void {
    if (this.#trainer !== undefined) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: the model already has an open trainer (from fit() or trainer()); close it first`,
      );
    }
    this.#trainer = owner;
  }

  unlockTraining(owner: object): void {
    if (this.#trainer === owner) this.#trainer = undefined;
  }

  /** Validates a layer index argument named `name`. */
  layer(op: string, l: unknown, name = "l"): number {
    return intArgument(op, name, l, 0, this.depth);
  }

  /** Layer shapes: [nIn, nOut, G, k] of layer `l` (argument checked). */
  layerDims(op: string, l: unknown): [number, number, number, number] {
    const li = this.layer(op, l);
    return dimsOf(rawKernel(op), this.handle(op), li, op);
  }

  /** Reads one array of layer `l` (see LAYER_ARRAY for the layouts), as float64. */
  getArray(op: string, l: unknown, what: unknown): Float64Array {
    const li = this.layer(op, l);
    const w = arrayName(op, what);
    const [ni, no, g, kk] = this.layerDims(op, li);
    const len = layerArrayLength(w, ni, no, g, kk);
    const k = rawKernel(op);
    const h = this.handle(op);
    return k.scope((s) => {
      const out = s.alloc(8 * len);
      k.check(op, k.raw.kw_model_get(h, li, LAYER_ARRAY[w], out, len));
      return s.take(out, len, Float64Array);
    });
  }

  /** Replaces one array of layer `l`; the core checks what only it knows (ordered knots, 0/1 masks). */
  setArray(op: string, l: unknown, what: unknown, values: unknown): void {
    this.notTraining(op);
    const li = this.layer(op, l);
    const w = arrayName(op, what);
    const [ni, no, g, kk] = this.layerDims(op, li);
    const len = layerArrayLength(w, ni, no, g, kk);
    const v = finiteValues(op, values, len, `${w} of layer ${li}`);
    if (w === "symbolic") checkSymbolicIds(op, v);
    const k = rawKernel(op);
    const h = this.handle(op);
    k.scope((s) => k.check(op, k.raw.kw_model_set(h, li, LAYER_ARRAY[w], s.put(v), len)));
  }

  /**
   * Moves this model from the retired instance `old` to `fresh`: a new model there from
   * the configuration, then every layer array as `old` holds it (read in place, without a
   * call that allocates). A fit in progress does not move: its trainer fails on its next step.
   */
  carryOver(old: RawKernel, fresh: RawKernel): void {
    const from = this.#cell.h;
    const h = newModel(fresh, this.cfg, "carryOver");
    try {
      for (let l = 0; l < this.depth; l++) {
        for (const name of ARRAY_NAMES) {
          const code = LAYER_ARRAY[name];
          const ptr = old.raw.kw_model_view(from, l, code);
          const len = old.raw.kw_model_view_len();
          if (ptr === 0) {
            throw new KanError("INTERNAL", `carryOver: layer ${l} array ${name} of model ${from} is missing`);
          }
          const Ctor = name === "symbolic" ? Uint16Array : this.cfg.dtype === "float32" ? Float32Array : Float64Array;
          const values = Float64Array.from(new Ctor(old.raw.memory.buffer, ptr, len));
          fresh.scope((s) => fresh.check("carryOver", fresh.raw.kw_model_set(h, l, code, s.put(values), len)));
        }
      }
      // the last fit's inputs, which interpretability and autoSymbolic use when given none: a
      // fit begun on them and ended without a step leaves them as the last fit's
      const at = old.raw.kw_model_view(from, 0, VIEW_SAMPLES);
      const n = old.raw.kw_model_view_len() / this.inDim;
      if (at !== 0 && n >= 1) {
        const x = Float64Array.from(new (this.cfg.dtype === "float32" ? Float32Array : Float64Array)(
          old.raw.memory.buffer, at, n * this.inDim));
        const cfg = encodeFitSettings(normaliseFit("carryOver", {}, this.cfg.seed), n);
        fresh.scope((s) => {
          const y = s.put(new Float64Array(n * this.outDim));
          fresh.check("carryOver", fresh.raw.kw_fit_begin(h, s.put(x), y, n, this.outDim, 0, 0, 0, s.put(cfg)));
          fresh.check("carryOver", fresh.raw.kw_fit_end(h));
        });
      }
    } catch (e) {
      fresh.raw.kw_model_free(h);
      throw e;
    }
    live.delete(from);
    this.#cell.h = h;
    this.#cell.k = fresh;
    this.#trainer = undefined;
    live.set(h, new WeakRef(this));
  }

  /** Marks the model disposed without a call into the core (whose instance has gone). */
  forget(): void {
    this.#cell.h = 0;
    this.#trainer = undefined;
    registry?.unregister(this);
  }

  /** The configuration of a model the core derived from this one (prune: new widths). */
  derivedConfig(op: string, h: Handle): KANConfig {
    const k = rawKernel(op);
    const dims = Array.from({ length: this.depth }, (_, l) => dimsOf(k, h, l, op));
    // node layer l has `nodes` = layer l's inputs; its mult nodes' arities come from the core
    const multArity = dims.map(([nodes], l) => {
      if (l === 0) return [];
      const a = k.scope((s) => {
        const out = s.alloc(4 * nodes);
        k.check(op, k.raw.kw_model_mult_arity(h, l, out, nodes));
        return Array.from(k.u32(out, nodes));
      });
      return a.slice(0, a.indexOf(0) < 0 ? nodes : a.indexOf(0));
    });
    multArity.push([]);
    const width: [number, number][] = dims.map(([nodes], l) => [nodes - multArity[l]!.length, multArity[l]!.length]);
    width.push([dims[this.depth - 1]![1], 0]);
    return { ...structuredClone(this.cfg), width, multArity };
  }
}

function dimsOf(k: RawKernel, h: Handle, l: number, op: string): [number, number, number, number] {
  return k.scope((s) => {
    const out = s.alloc(4 * LAYER_DIMS.length);
    k.check(op, k.raw.kw_model_layer_dims(h, l, out));
    const d = k.u32(out, LAYER_DIMS.length);
    return [d[LAYER_DIMS.nIn]!, d[LAYER_DIMS.nOut]!, d[LAYER_DIMS.grid]!, d[LAYER_DIMS.k]!];
  });
}

function arrayName(op: string, what: unknown): LayerArrayName {
  if (typeof what !== "string" || !ARRAY_NAMES.includes(what as LayerArrayName)) {
    const names = ARRAY_NAMES.map((n) => `"${n}"`).join(" | ");
    throw new KanError("INVALID_ARGUMENT", `${op}: what must be ${names}, got ${describe(what)}`);
  }
  return what as LayerArrayName;
}

/** `values` as float64, checked to hold `len` finite numbers. */
function finiteValues(op: string, values: unknown, len: number, what: string): Float64Array {
  if (values === null || typeof values !== "object" || typeof (values as ArrayLike<unknown>).length !== "number") {
    throw new KanError("INVALID_ARGUMENT", `${op}: values must be an array of numbers, got ${describe(values)}`);
  }
  const a = values as ArrayLike<unknown>;
  if (a.length !== len) {
    throw new KanError("SHAPE_MISMATCH", `${op}: values has ${a.length} numbers, but the ${what} holds ${len}`);
  }
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const v = a[i];
    if (typeof v !== "number") {
      throw new KanError("INVALID_ARGUMENT", `${op}: values[${i}] must be a number, got ${describe(v)}`);
    }
    if (!Number.isFinite(v)) throw new KanError("NON_FINITE", `${op}: values[${i}] is ${v}; values must be finite`);
    out[i] = v;
  }
  return out;
}

/** Symbolic ids must name a function of the library (0 is the numeric spline). */
function checkSymbolicIds(op: string, ids: Float64Array): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id !== 0 && (!Number.isInteger(id) || symbolicById(id) === undefined)) {
      throw new KanError(
        "UNKNOWN_SYMBOLIC",
        `${op}: values[${i}] = ${id} is not the id of a symbolic function (0 or one of symbolicNames(), ` +
          "by symbolicId; register your own with addSymbolic)",
      );
    }
  }
}

/** A new model in the core of `k` from a validated configuration; returns its handle. */
function newModel(k: RawKernel, cfg: KANConfig, op: string): Handle {
  return k.scope((s) => {
    const width = s.put(new Uint32Array(cfg.width.flat()));
    const grid = s.put(new Uint32Array(cfg.grid));
    const kk = s.put(new Uint32Array(cfg.k));
    const flat = cfg.multArity.flat();
    const arity = flat.length > 0 ? s.put(new Uint32Array(flat)) : 0;
    const out = s.alloc(4);
    k.check(op, k.raw.kw_model_new(s.put(encodeModelSettings(cfg, width, grid, kk, arity)), out));
    return k.u32(out)[0]!;
  });
}

onInstanceReplaced((old, fresh) => {
  const models = [...live.values()].map((ref) => ref.deref()).filter((m) => m?.live === true) as ModelHandle[];
  live.clear();
  const lost: string[] = [];
  for (const m of models) {
    try {
      m.carryOver(old, fresh);
    } catch (e) {
      // its old handle may name another model in the fresh instance: it must not be used
      m.forget();
      lost.push((e as Error).message);
    }
  }
  if (lost.length > 0) throw new Error(`${lost.length} model(s) lost: ${lost.join("; ")}`);
});
