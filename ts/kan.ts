/**
 * The KAN class: a Kolmogorov-Arnold Network held in the wasm core, with its training,
 * grid operations, persistence and lifetime.
 *
 * ```js
 * import { init, KAN, createDataset } from "kanwasm";
 * await init();
 * const data = createDataset(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y), { seed: 0 });
 * using model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
 * await model.fit(data, { steps: 50, lamb: 1e-3 });
 * const fine = model.refine(10);           // grid extension: a new model
 * await fine.fit(data, { steps: 50 });
 * fine.evaluate(data).testRmse;            // ~1e-4
 * ```
 *
 * # Shapes
 * `width = [n0, ..., nL]`; layer l has `n_l x n_{l+1}` edges, each with `grid_l + k_l`
 * spline coefficients. Inputs are `(batch, n0)`, outputs `(batch, nL)`.
 */
import { KanError, describe } from "./errors.js";
import { type DType, type Matrix, type MatrixLike, toMatrix } from "./matrix.js";
import { checkOptions, enumOption, intOption, rangeOption } from "./options.js";
import { decodeSafetensors, encodeSafetensors, type StTensor } from "./safetensors.js";
import { rawKernel, type Kernel, type Ptr } from "./wasm.js";
import type { Dataset } from "./dataset.js";
import { registerUserSymbolic, symbolicById, symbolicId, symbolicNames, type UserSymbolicSpec } from "./symbolic-lib.js";
import { setHostFunction } from "./host.js";
import { symbolicFormula, type FormulaOptions } from "./formula.js";
import { toSVG, type SVGOptions } from "./svg.js";

/** The model exports of the core (crate/src/ffi.rs). */
export interface ModelRaw {
  kw_model_new(dtype: number, nNodes: number, width: Ptr, nGrid: number, grid: Ptr, nK: number, k: Ptr, a: number, b: number,
    base: number, noiseScale: number, gridEps: number, seed: number, sbMu: number, sbSigma: number, sp: number, out: Ptr): number;
  kw_model_free(h: number): number;
  kw_model_count(): number;
  kw_model_clone(h: number, out: Ptr): number;
  kw_model_num_params(h: number): number;
  kw_model_predict(h: number, x: Ptr, n: number, out: Ptr): number;
  kw_model_activations(h: number, x: Ptr, n: number, l: number, out: Ptr): number;
  kw_model_update_grid(h: number, x: Ptr, n: number): number;
  kw_model_refine(h: number, g: number, out: Ptr): number;
  kw_model_layer_dims(h: number, l: number, out: Ptr): number;
  kw_model_get(h: number, l: number, what: number, out: Ptr, len: number): number;
  kw_model_set(h: number, l: number, what: number, src: Ptr, len: number): number;
  kw_model_edge_values(h: number, l: number, i: number, x: Ptr, n: number, out: Ptr): number;
  kw_model_set_cache(h: number, x: Ptr, n: number): number;
  kw_fit_begin(h: number, tx: Ptr, ty: Ptr, n: number, ny: number, vx: Ptr, vy: Ptr, nv: number, cfg: Ptr, ncfg: number): number;
  kw_fit_step(h: number, out: Ptr): number;
  kw_fit_end(h: number): number;
  kw_model_set_trainable(h: number, sb: number, sp: number): number;
  kw_model_attribute(h: number, x: Ptr, n: number, nodes: Ptr, nNodes: number, edges: Ptr, nEdges: number): number;
  kw_model_prune(h: number, nodeTh: number, edgeTh: number, x: Ptr, n: number, out: Ptr): number;
  kw_model_prune_inputs(h: number, th: number, x: Ptr, n: number, out: Ptr, kept: Ptr, count: Ptr): number;
  kw_model_suggest(h: number, l: number, i: number, j: number, ids: Ptr, cx: Ptr, nlib: number, weight: number,
    aLo: number, aHi: number, bLo: number, bHi: number, x: Ptr, n: number, out: Ptr): number;
  kw_model_fix_symbolic(h: number, l: number, i: number, j: number, id: number, fit: number, aLo: number, aHi: number,
    bLo: number, bHi: number, x: Ptr, n: number, r2: Ptr): number;
  kw_model_auto_symbolic(h: number, ids: Ptr, cx: Ptr, nlib: number, r2Th: number, weight: number, aLo: number, aHi: number,
    bLo: number, bHi: number, x: Ptr, n: number, out: Ptr, cap: number, count: Ptr): number;
}

/** Attribution: node scores per node layer (inputs first), edge scores per layer as [j][i] (output, input). */
export interface Attribution {
  nodeScores: number[][];
  edgeScores: number[][][];
}

export interface SymbolicSearchOptions {
  /** Function names to try; default: the whole library (built-ins and addSymbolic's). */
  lib?: string[];
  /** Weight of complexity against fit in the ranking. Default 0.8. */
  weightSimple?: number;
  /** Search ranges of a and b in c*f(a*x + b) + d. Default [-10, 10] each. */
  aRange?: [number, number];
  bRange?: [number, number];
  /** Samples to fit on; default: the inputs of the last fit. */
  input?: MatrixLike;
}

export interface Suggestion {
  name: string;
  r2: number;
  complexity: number;
  /** [a, b, c, d] of c*f(a*x + b) + d. */
  params: [number, number, number, number];
}

export type BaseFun = "silu" | "identity" | "zero";

export interface KANOptions {
  /** Nodes per layer, inputs first; a hidden entry [n, m] has n sum and m multiplication nodes. */
  width: (number | [number, number])[];
  /** Grid intervals, for every layer or per layer. Default 3. */
  grid?: number | number[];
  /** Spline order, for every layer or per layer. Default 3. */
  k?: number | number[];
  /** Initial grid range. Default [-1, 1]. */
  gridRange?: [number, number];
  /** Residual function b(x). Default "silu". */
  baseFun?: BaseFun;
  /** Scale of the initial spline noise. Default 0.3. */
  noiseScale?: number;
  /** Mix of uniform into percentile grids on grid updates. Default 0.02. */
  gridEps?: number;
  /** Default "float64". */
  dtype?: DType;
  /** Default 1. */
  seed?: number;
  /** Initial scale_base = scaleBaseMu/sqrt(n_in) + scaleBaseSigma * U(-1, 1)/sqrt(n_in). Defaults 0 and 1. */
  scaleBaseMu?: number;
  scaleBaseSigma?: number;
  /** Initial scale_sp = scaleSp / sqrt(n_in). Default 1. */
  scaleSp?: number;
  /** Whether fit trains scale_base / scale_sp (pykan's sb_trainable / sp_trainable). Default true. */
  sbTrainable?: boolean;
  spTrainable?: boolean;
}

/** The validated, complete configuration of a model (what toJSON stores). */
export interface KANConfig {
  width: [number, number][];
  grid: number[];
  k: number[];
  gridRange: [number, number];
  baseFun: BaseFun;
  noiseScale: number;
  gridEps: number;
  dtype: DType;
  seed: number;
  scaleBaseMu: number;
  scaleBaseSigma: number;
  scaleSp: number;
  sbTrainable: boolean;
  spTrainable: boolean;
}

export interface FitOptions {
  /** "lbfgs" (default) or "adam". */
  opt?: "lbfgs" | "adam";
  /** Default 100. */
  steps?: number;
  /** Default 1 for LBFGS, 0.01 for Adam. */
  lr?: number;
  /** Samples per step, a fresh random subset each step; -1 (default) is the full batch. */
  batch?: number;
  /** Weight of the sparsity regulariser. Default 0. */
  lamb?: number;
  lambL1?: number;
  lambEntropy?: number;
  /** Move grids to the data every stopGridUpdateStep/gridUpdateNum steps, until stopGridUpdateStep. Default true. */
  updateGrid?: boolean;
  gridUpdateNum?: number;
  stopGridUpdateStep?: number;
  /** "mse" (default) or "crossentropy" (labels are class indices). */
  loss?: "mse" | "crossentropy";
  /** Seed of the batch sampler. Default: the model's seed. */
  seed?: number;
  signal?: AbortSignal;
  onStep?: (s: StepInfo) => void | Promise<void>;
}

export interface StepInfo {
  step: number;
  trainLoss: number;
  testLoss: number;
  reg: number;
}

/** One entry per step: RMSE for "mse", mean cross-entropy for "crossentropy"; testLoss NaN without test data. */
export interface History {
  trainLoss: number[];
  testLoss: number[];
  reg: number[];
}

export interface Evaluation {
  trainRmse: number;
  testRmse: number;
  trainAccuracy?: number;
  testAccuracy?: number;
}

/** Arrays of a layer, as numbered by kw_model_get / kw_model_set. */
export const LayerArray = { knots: 0, coef: 1, scaleBase: 2, scaleSp: 3, affine: 4, mask: 5, symbolic: 6 } as const;

const KAN_OPTIONS = ["width", "grid", "k", "gridRange", "baseFun", "noiseScale", "gridEps", "dtype", "seed",
  "scaleBaseMu", "scaleBaseSigma", "scaleSp", "sbTrainable", "spTrainable"] as const;
const FIT_OPTIONS = ["opt", "steps", "lr", "batch", "lamb", "lambL1", "lambEntropy", "updateGrid", "gridUpdateNum",
  "stopGridUpdateStep", "loss", "seed", "signal", "onStep"] as const;
const BASES: readonly BaseFun[] = ["silu", "identity", "zero"];
const MAX_K = 24;
const FORMAT = "kanwasm";
const FORMAT_VERSION = "1";

export function raw(op: string): { k: Kernel; r: ModelRaw } {
  const k = rawKernel(op);
  return { k, r: k.raw as unknown as ModelRaw };
}

function finiteNumber(op: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "${name}" must be a finite number${min > -Infinity ? ` >= ${min}` : ""}, got ${describe(v)}`);
  }
  return v;
}

/** Validates KAN options into a complete configuration. */
export function normaliseConfig(opts: unknown, op = "KAN"): KANConfig {
  if (opts === undefined) throw new KanError("INVALID_ARGUMENT", `${op}: options with at least { width } are required`);
  const o = checkOptions(op, opts, KAN_OPTIONS) as unknown as KANOptions;
  const w = o.width;
  if (!Array.isArray(w) || w.length < 2) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "width" must list at least 2 layers of nodes (inputs and outputs), got ${describe(w)}`);
  }
  const width = w.map((e, i): [number, number] => {
    const pair = Array.isArray(e) ? e : [e, 0];
    const ok = pair.length === 2 && pair.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 0) && pair[0]! + pair[1]! > 0;
    if (!ok || (typeof e === "number" && e < 1)) {
      throw new KanError("INVALID_ARGUMENT", `${op}: width[${i}] must be a positive integer or [sum, mult] non-negative integers, got ${JSON.stringify(e) ?? describe(e)}`);
    }
    if ((i === 0 || i === w.length - 1) && pair[1] !== 0) {
      throw new KanError("INVALID_ARGUMENT", `${op}: width[${i}]: the input and output layers cannot have multiplication nodes`);
    }
    if (pair[0]! + pair[1]! > 1 << 16) throw new KanError("INVALID_ARGUMENT", `${op}: width[${i}] is too large (${pair[0]! + pair[1]!} nodes)`);
    return [pair[0]!, pair[1]!];
  });
  const nl = width.length - 1;
  const perLayer = (name: string, v: unknown, min: number, max: number): number[] => {
    if (Array.isArray(v)) {
      if (v.length !== nl) throw new KanError("INVALID_ARGUMENT", `${op}: option "${name}" has ${v.length} entries; give a number or one per layer (${nl})`);
      return v.map((x, i) => intOption(op, `${name}[${i}]`, x, min, max));
    }
    return Array.from({ length: nl }, () => intOption(op, name, v, min, max));
  };
  const grid = perLayer("grid", o.grid ?? 3, 1, 1 << 16);
  const k = perLayer("k", o.k ?? 3, 0, MAX_K);
  return {
    width,
    grid,
    k,
    gridRange: o.gridRange === undefined ? [-1, 1] : rangeOption(op, "gridRange", o.gridRange),
    baseFun: enumOption(op, "baseFun", o.baseFun ?? "silu", BASES),
    noiseScale: finiteNumber(op, "noiseScale", o.noiseScale ?? 0.3),
    gridEps: (() => {
      const v = finiteNumber(op, "gridEps", o.gridEps ?? 0.02, 0);
      if (v > 1) throw new KanError("INVALID_ARGUMENT", `${op}: option "gridEps" must be in [0, 1], got ${v}`);
      return v;
    })(),
    dtype: enumOption(op, "dtype", o.dtype ?? "float64", ["float64", "float32"] as const),
    seed: intOption(op, "seed", o.seed ?? 1, 0),
    scaleBaseMu: finiteNumber(op, "scaleBaseMu", o.scaleBaseMu ?? 0),
    scaleBaseSigma: finiteNumber(op, "scaleBaseSigma", o.scaleBaseSigma ?? 1),
    scaleSp: finiteNumber(op, "scaleSp", o.scaleSp ?? 1),
    sbTrainable: boolOption(op, "sbTrainable", o.sbTrainable ?? true),
    spTrainable: boolOption(op, "spTrainable", o.spTrainable ?? true),
  };
}

function boolOption(op: string, name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new KanError("INVALID_ARGUMENT", `${op}: option "${name}" must be a boolean, got ${describe(v)}`);
  return v;
}

/** Symbol.dispose where the engine has it (Node >= 20.4, Deno, current browsers). */
const disposeSymbol: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

const registry: FinalizationRegistry<number> | undefined =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry((h: number) => {
      try {
        (rawKernel("finalize").raw as unknown as ModelRaw).kw_model_free(h);
      } catch {
        // the module is gone or the handle was freed: nothing left to release
      }
    })
    : undefined;

/** Yields to the event loop (a macrotask), so pages repaint and handle input between steps. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === "function") return new Promise((r) => g.setImmediate!(r));
  if (typeof g.MessageChannel === "function") {
    return new Promise((r) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

function isClassLabels(label: Matrix, outDim: number): boolean {
  if (label.cols !== 1 || outDim < 2) return false;
  for (let i = 0; i < label.data.length; i++) {
    const v = label.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= outDim) return false;
  }
  return true;
}

let adopting: [number, KANConfig] | undefined;

export class KAN {
  #h: number;
  #cfg: KANConfig;
  #fitting = false;

  /** Creates a model (needs `await init()` first). Throws KanError on invalid options. */
  constructor(opts: KANOptions) {
    if (adopting !== undefined) {
      // a handle the core just made (clone, refine, load)
      [this.#h, this.#cfg] = adopting;
      adopting = undefined;
    } else {
      this.#cfg = normaliseConfig(opts);
      this.#h = KAN.#create(this.#cfg);
    }
    registry?.register(this, this.#h, this);
  }

  static #create(cfg: KANConfig): number {
    const { k, r } = raw("KAN");
    return k.scope((s) => {
      const width = s.put(new Uint32Array(cfg.width.flat()));
      const grid = s.put(new Uint32Array(cfg.grid));
      const kk = s.put(new Uint32Array(cfg.k));
      const out = s.alloc(4);
      k.check("KAN", r.kw_model_new(cfg.dtype === "float32" ? 0 : 1, cfg.width.length, width, cfg.grid.length, grid,
        cfg.k.length, kk, cfg.gridRange[0], cfg.gridRange[1], BASES.indexOf(cfg.baseFun), cfg.noiseScale, cfg.gridEps,
        cfg.seed, cfg.scaleBaseMu, cfg.scaleBaseSigma, cfg.scaleSp, out));
      const h = new Uint32Array(k.raw.memory.buffer, out, 1)[0]!;
      k.check("KAN", r.kw_model_set_trainable(h, cfg.sbTrainable ? 1 : 0, cfg.spTrainable ? 1 : 0));
      return h;
    });
  }

  /** Wraps a handle the core just made (clone, refine, load). */
  static #adopt(h: number, cfg: KANConfig): KAN {
    adopting = [h, cfg];
    return new KAN(undefined as unknown as KANOptions);
  }

  /** The live handle, or DISPOSED. */
  handle(op: string): number {
    if (this.#h === 0) throw new KanError("DISPOSED", `${op}: this model was disposed; create or load a new one`);
    return this.#h;
  }

  get width(): number[] | (number | [number, number])[] {
    return this.#cfg.width.map(([s, m]) => (m === 0 ? s : [s, m]));
  }
  get grid(): number | number[] {
    const g = this.#cfg.grid;
    return g.every((v) => v === g[0]) ? g[0]! : g.slice();
  }
  get k(): number | number[] {
    const k = this.#cfg.k;
    return k.every((v) => v === k[0]) ? k[0]! : k.slice();
  }
  get dtype(): DType {
    return this.#cfg.dtype;
  }
  /** Trainable parameters: per edge G + k coefficients, scale_base and scale_sp. */
  get numParams(): number {
    const { r } = raw("numParams");
    return r.kw_model_num_params(this.handle("numParams"));
  }
  /** A copy of the full configuration. */
  get config(): KANConfig {
    return structuredClone(this.#cfg);
  }
  get inDim(): number {
    return this.#cfg.width[0]![0];
  }
  get outDim(): number {
    return this.#cfg.width[this.#cfg.width.length - 1]![0];
  }
  get depth(): number {
    return this.#cfg.width.length - 1;
  }

  #input(x: MatrixLike, op: string, name = "input"): Matrix {
    const m = toMatrix(x, `${op}: ${name}`, "float64");
    if (m.cols !== this.inDim) {
      throw new KanError("SHAPE_MISMATCH", `${op}: ${name} has ${m.cols} columns but the model takes ${this.inDim} inputs (width[0])`);
    }
    return m;
  }

  /** Outputs for each row of `input`. Shapes: (n, inDim) -> (n, outDim), in the model's dtype. */
  predict(input: MatrixLike): Matrix {
    const op = "predict";
    const h = this.handle(op);
    const x = this.#input(input, op);
    const { k, r } = raw(op);
    const out = k.scope((s) => {
      const px = s.put(x.data);
      const po = s.alloc(8 * x.rows * this.outDim);
      k.check(op, r.kw_model_predict(h, px, x.rows, po));
      return s.take(po, x.rows * this.outDim, Float64Array);
    });
    return { rows: x.rows, cols: this.outDim, data: this.#cfg.dtype === "float32" ? Float32Array.from(out) : out };
  }

  /** The inputs of layer `l` (l = depth gives the outputs) for each row of `input`, as float64. */
  activations(input: MatrixLike, l: number): Matrix {
    const op = "activations";
    const h = this.handle(op);
    intOption(op, "l", l, 0, this.depth);
    const x = this.#input(input, op);
    const [s0, m0] = this.#cfg.width[l]!;
    const cols = s0 + m0;
    const { k, r } = raw(op);
    const data = k.scope((s) => {
      const px = s.put(x.data);
      const po = s.alloc(8 * x.rows * cols);
      k.check(op, r.kw_model_activations(h, px, x.rows, l, po));
      return s.take(po, x.rows * cols, Float64Array);
    });
    return { rows: x.rows, cols, data };
  }

  /** RMSE on train and test data; accuracy too when labels are class indices. */
  evaluate(data: Dataset): Evaluation {
    const op = "evaluate";
    this.handle(op);
    const sets = checkDataset(op, data, this.inDim, this.outDim, false);
    const score = (x: Matrix, y: Matrix): [number, number | undefined] => {
      const p = this.predict(x);
      const cls = isClassLabels(y, this.outDim);
      let se = 0;
      let hit = 0;
      for (let s = 0; s < p.rows; s++) {
        let best = 0;
        for (let j = 0; j < p.cols; j++) {
          const target = cls ? (y.data[s] === j ? 1 : 0) : y.data[s * y.cols + j]!;
          const d = p.data[s * p.cols + j]! - target;
          se += d * d;
          if (p.data[s * p.cols + j]! > p.data[s * p.cols + best]!) best = j;
        }
        if (cls && best === y.data[s]) hit++;
      }
      return [Math.sqrt(se / Math.max(1, p.rows * p.cols)), cls ? hit / Math.max(1, p.rows) : undefined];
    };
    const [trainRmse, trainAccuracy] = score(sets.trainInput, sets.trainLabel);
    const [testRmse, testAccuracy] = sets.testInput ? score(sets.testInput, sets.testLabel!) : [NaN, undefined];
    const out: Evaluation = { trainRmse, testRmse };
    if (trainAccuracy !== undefined) out.trainAccuracy = trainAccuracy;
    if (testAccuracy !== undefined) out.testAccuracy = testAccuracy;
    return out;
  }

  /** Moves every layer's grid to the distribution of `input` (pykan's update_grid_from_samples). */
  updateGrid(input: MatrixLike): void {
    const op = "updateGrid";
    const h = this.handle(op);
    this.#notFitting(op);
    const x = this.#input(input, op);
    if (x.rows < 2) throw new KanError("EMPTY_DATASET", `${op}: need at least 2 samples, got ${x.rows}`);
    const { k, r } = raw(op);
    k.scope((s) => k.check(op, r.kw_model_update_grid(h, s.put(x.data), x.rows)));
  }

  /** Grid extension: a new model with `newGrid` intervals per layer whose splines fit this one's. */
  refine(newGrid: number): KAN {
    const op = "refine";
    const h = this.handle(op);
    const g = intOption(op, "newGrid", newGrid, 1, 1 << 16);
    const { k, r } = raw(op);
    const nh = k.scope((s) => {
      const out = s.alloc(4);
      k.check(op, r.kw_model_refine(h, g, out));
      return new Uint32Array(k.raw.memory.buffer, out, 1)[0]!;
    });
    return KAN.#adopt(nh, { ...structuredClone(this.#cfg), grid: this.#cfg.grid.map(() => g) });
  }

  /** An independent copy (parameters, grids, symbolic edges). */
  clone(): KAN {
    const op = "clone";
    const h = this.handle(op);
    const { k, r } = raw(op);
    const nh = k.scope((s) => {
      const out = s.alloc(4);
      k.check(op, r.kw_model_clone(h, out));
      return new Uint32Array(k.raw.memory.buffer, out, 1)[0]!;
    });
    return KAN.#adopt(nh, structuredClone(this.#cfg));
  }

  #notFitting(op: string): void {
    if (this.#fitting) throw new KanError("INVALID_ARGUMENT", `${op}: the model is being fitted; wait for fit() to finish`);
  }

  /** Layer shapes: [nIn, nOut, G, k]. */
  layerDims(l: number): [number, number, number, number] {
    const op = "layerDims";
    const h = this.handle(op);
    const { k, r } = raw(op);
    return k.scope((s) => {
      const out = s.alloc(20);
      k.check(op, r.kw_model_layer_dims(h, l, out));
      const d = new Uint32Array(k.raw.memory.buffer, out, 5);
      return [d[0]!, d[1]!, d[2]!, d[3]!];
    });
  }

  /** Reads one array of layer `l` (see LayerArray for the layouts), as float64. */
  getLayerArray(l: number, what: keyof typeof LayerArray): Float64Array {
    const op = "getLayerArray";
    const h = this.handle(op);
    const [ni, no, g, kk] = this.layerDims(l);
    const len = arrayLength(what, ni, no, g, kk);
    const { k, r } = raw(op);
    return k.scope((s) => {
      const out = s.alloc(8 * len);
      k.check(op, r.kw_model_get(h, l, LayerArray[what], out, len));
      return s.take(out, len, Float64Array);
    });
  }

  /** Replaces one array of layer `l`; the core validates it (finite values, ordered knots, 0/1 masks). */
  setLayerArray(l: number, what: keyof typeof LayerArray, values: ArrayLike<number>): void {
    const op = "setLayerArray";
    const h = this.handle(op);
    this.#notFitting(op);
    const { k, r } = raw(op);
    k.scope((s) => k.check(op, r.kw_model_set(h, l, LayerArray[what], s.put(Float64Array.from(values)), values.length)));
  }

  /** Values of every edge leaving input `i` of layer `l` at the points `x`: (x.length, nOut). */
  edgeValues(l: number, i: number, x: ArrayLike<number>): Matrix {
    const op = "edgeValues";
    const h = this.handle(op);
    const [, no] = this.layerDims(l);
    const xs = Float64Array.from(x);
    const { k, r } = raw(op);
    const data = k.scope((s) => {
      const out = s.alloc(8 * xs.length * no);
      k.check(op, r.kw_model_edge_values(h, l, i, s.put(xs), xs.length, out));
      return s.take(out, xs.length * no, Float64Array);
    });
    return { rows: xs.length, cols: no, data };
  }

  /**
   * Trains the model. Resolves with the history when all steps ran; rejects with KanError
   * ABORTED (its `history` holds the steps done) when `signal` aborts, and with NUMERIC when
   * the loss stops being finite (the model keeps its last finite parameters).
   */
  async fit(data: Dataset, opts: FitOptions = {}): Promise<History> {
    const op = "fit";
    const h = this.handle(op);
    this.#notFitting(op);
    const o = checkOptions(op, opts, FIT_OPTIONS) as FitOptions;
    const optName = enumOption(op, "opt", o.opt ?? "lbfgs", ["lbfgs", "adam"] as const);
    const loss = enumOption(op, "loss", o.loss ?? "mse", ["mse", "crossentropy"] as const);
    const steps = intOption(op, "steps", o.steps ?? 100, 0, 1e9);
    const lr = finiteNumber(op, "lr", o.lr ?? (optName === "adam" ? 0.01 : 1), 0);
    const lamb = finiteNumber(op, "lamb", o.lamb ?? 0, 0);
    const lambL1 = finiteNumber(op, "lambL1", o.lambL1 ?? 1, 0);
    const lambEntropy = finiteNumber(op, "lambEntropy", o.lambEntropy ?? 2, 0);
    const gridUpdateNum = intOption(op, "gridUpdateNum", o.gridUpdateNum ?? 10, 1);
    const stopGridUpdateStep = intOption(op, "stopGridUpdateStep", o.stopGridUpdateStep ?? 50, 0);
    const seed = intOption(op, "seed", o.seed ?? this.#cfg.seed, 0);
    if (o.updateGrid !== undefined) boolOption(op, "updateGrid", o.updateGrid);
    if (o.onStep !== undefined && typeof o.onStep !== "function") {
      throw new KanError("INVALID_ARGUMENT", `${op}: option "onStep" must be a function, got ${describe(o.onStep)}`);
    }
    const signal = o.signal;
    if (signal !== undefined && (signal === null || typeof signal !== "object" || typeof signal.aborted !== "boolean")) {
      throw new KanError("INVALID_ARGUMENT", `${op}: option "signal" must be an AbortSignal, got ${describe(signal)}`);
    }
    const sets = checkDataset(op, data, this.inDim, this.outDim, loss === "crossentropy");
    const n = sets.trainInput.rows;
    const batchOpt = o.batch ?? -1;
    const batch = batchOpt === -1 ? 0 : intOption(op, "batch", batchOpt, 1);
    const cfg = new Float64Array([optName === "adam" ? 1 : 0, lr, batch >= n ? 0 : batch, lamb, lambL1, lambEntropy,
      o.updateGrid === false ? 0 : 1, gridUpdateNum, stopGridUpdateStep, loss === "crossentropy" ? 1 : 0, seed]);
    const history: History = { trainLoss: [], testLoss: [], reg: [] };
    const { k, r } = raw(op);
    k.scope((s) => {
      const tx = s.put(sets.trainInput.data);
      const ty = s.put(sets.trainLabel.data);
      const vx = sets.testInput ? s.put(sets.testInput.data) : 0;
      const vy = sets.testLabel ? s.put(sets.testLabel.data) : 0;
      k.check(op, r.kw_fit_begin(h, tx, ty, n, sets.trainLabel.cols, vx, vy, sets.testInput?.rows ?? 0, s.put(cfg), cfg.length));
    });
    this.#fitting = true;
    try {
      let last = Date.now();
      for (let step = 0; step < steps; step++) {
        if (signal?.aborted) {
          const e = new KanError("ABORTED", `fit: aborted after ${step} of ${steps} steps; the model holds the parameters of step ${step}`, { cause: signal.reason });
          (e as KanError & { history?: History }).history = history;
          throw e;
        }
        if (this.#h === 0) throw new KanError("DISPOSED", "fit: the model was disposed during fit");
        const rep = k.scope((s) => {
          const out = s.alloc(24);
          k.check(op, r.kw_fit_step(h, out));
          return s.take(out, 3, Float64Array);
        });
        history.trainLoss.push(rep[0]!);
        history.testLoss.push(rep[1]!);
        history.reg.push(rep[2]!);
        if (o.onStep) await o.onStep({ step, trainLoss: rep[0]!, testLoss: rep[1]!, reg: rep[2]! });
        if (Date.now() - last >= 8) {
          await yieldToEventLoop();
          last = Date.now();
        }
      }
    } finally {
      this.#fitting = false;
      if (this.#h !== 0) r.kw_fit_end(h);
    }
    return history;
  }

  /** The whole model as plain JSON (numbers exact), for KAN.fromJSON. */
  toJSON(): KANJson {
    const op = "toJSON";
    this.handle(op);
    const layers = [];
    for (let l = 0; l < this.depth; l++) {
      const get = (w: keyof typeof LayerArray) => Array.from(this.getLayerArray(l, w));
      layers.push({ knots: get("knots"), coef: get("coef"), scaleBase: get("scaleBase"), scaleSp: get("scaleSp"),
        affine: get("affine"), mask: get("mask"), symbolic: get("symbolic") });
    }
    return { format: FORMAT, version: Number(FORMAT_VERSION), config: structuredClone(this.#cfg), layers };
  }

  /** Rebuilds a model from toJSON()'s output; throws CORRUPT_DATA on anything inconsistent. */
  static fromJSON(obj: unknown): KAN {
    const op = "fromJSON";
    if (obj === null || typeof obj !== "object") throw new KanError("CORRUPT_DATA", `${op}: expected an object from toJSON(), got ${describe(obj)}`);
    const j = obj as Partial<KANJson>;
    if (j.format !== FORMAT || j.version !== Number(FORMAT_VERSION)) {
      throw new KanError("CORRUPT_DATA", `${op}: not a kanwasm model (format ${String(j.format)}, version ${String(j.version)})`);
    }
    const layers = j.layers;
    return KAN.#restore(op, j.config, (l, what) => {
      const arr = Array.isArray(layers) ? (layers[l] as Record<string, unknown> | undefined)?.[what] : undefined;
      if (!Array.isArray(arr) || !arr.every((v) => typeof v === "number")) return undefined;
      return arr as number[];
    });
  }

  /** Creates a model from a config and fills every layer array from `source`; all-or-nothing. */
  static #restore(op: string, config: unknown, source: (l: number, what: keyof typeof LayerArray) => ArrayLike<number> | undefined): KAN {
    let cfg: KANConfig;
    try {
      const c = config as Record<string, unknown>;
      cfg = normaliseConfig(c, op);
    } catch (e) {
      throw new KanError("CORRUPT_DATA", `${op}: the stored configuration is invalid (${(e as Error).message})`, { cause: e });
    }
    // Every array must be present with its exact size before anything is allocated.
    const want = (l: number, w: keyof typeof LayerArray) => {
      const ni = cfg.width[l]![0] + cfg.width[l]![1];
      const no = cfg.width[l + 1]![0] + 2 * cfg.width[l + 1]![1];
      return arrayLength(w, ni, no, cfg.grid[l]!, cfg.k[l]!);
    };
    const arrays: [number, keyof typeof LayerArray, ArrayLike<number>][] = [];
    for (let l = 0; l < cfg.width.length - 1; l++) {
      for (const w of Object.keys(LayerArray) as (keyof typeof LayerArray)[]) {
        const a = source(l, w);
        if (a === undefined || a.length !== want(l, w)) {
          throw new KanError("CORRUPT_DATA", `${op}: layer ${l} ${w} is missing or has ${a?.length ?? 0} values instead of ${want(l, w)}`);
        }
        arrays.push([l, w, a]);
      }
    }
    const m = new KAN(cfg as unknown as KANOptions & KANConfig);
    try {
      for (const [l, w, a] of arrays) m.setLayerArray(l, w, a);
    } catch (e) {
      m.dispose();
      throw new KanError("CORRUPT_DATA", `${op}: ${(e as Error).message}`, { cause: e });
    }
    return m;
  }

  /**
   * The model as safetensors bytes. Tensor names and shapes follow pykan's state_dict
   * (act_fun.{l}.grid / coef / scale_base / scale_sp / mask, symbolic_fun.{l}.mask / affine,
   * node_scale_{l}, node_bias_{l}, subnode_scale_{l}, subnode_bias_{l}); the metadata holds
   * the configuration, the format version and a CRC-32.
   */
  save(): Uint8Array {
    const op = "save";
    this.handle(op);
    const dt = this.#cfg.dtype === "float32" ? "F32" : "F64";
    const tensors: StTensor[] = [];
    const symbolic: string[] = [];
    for (let l = 0; l < this.depth; l++) {
      const [ni, no, g, kk] = this.layerDims(l);
      const nb = g + kk;
      const coef = this.getLayerArray(l, "coef"); // (in, nb, out)
      const pcoef = new Float64Array(coef.length); // pykan: (in, out, nb)
      for (let i = 0; i < ni; i++) for (let j = 0; j < nb; j++) for (let o = 0; o < no; o++) {
        pcoef[(i * no + o) * nb + j] = coef[(i * nb + j) * no + o]!;
      }
      const aff = this.getLayerArray(l, "affine"); // (in, out, 4)
      const sym = this.getLayerArray(l, "symbolic"); // (in, out)
      const paff = new Float64Array(aff.length); // pykan: (out, in, 4)
      const smask = new Float64Array(ni * no); // pykan: (out, in)
      for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) {
        for (let q = 0; q < 4; q++) paff[(o * ni + i) * 4 + q] = aff[(i * no + o) * 4 + q]!;
        smask[o * ni + i] = sym[i * no + o] !== 0 ? 1 : 0;
      }
      symbolic.push(JSON.stringify(Array.from(sym)));
      const p = `act_fun.${l}.`;
      tensors.push(
        { name: p + "grid", dtype: dt, shape: [ni, g + 2 * kk + 1], data: this.getLayerArray(l, "knots") },
        { name: p + "coef", dtype: dt, shape: [ni, no, nb], data: pcoef },
        { name: p + "scale_base", dtype: dt, shape: [ni, no], data: this.getLayerArray(l, "scaleBase") },
        { name: p + "scale_sp", dtype: dt, shape: [ni, no], data: this.getLayerArray(l, "scaleSp") },
        { name: p + "mask", dtype: dt, shape: [ni, no], data: this.getLayerArray(l, "mask") },
        { name: `symbolic_fun.${l}.mask`, dtype: dt, shape: [no, ni], data: smask },
        { name: `symbolic_fun.${l}.affine`, dtype: dt, shape: [no, ni, 4], data: paff },
      );
      const nodes = this.#cfg.width[l + 1]![0] + this.#cfg.width[l + 1]![1];
      const sub = no;
      tensors.push(
        { name: `node_bias_${l}`, dtype: dt, shape: [nodes], data: new Float64Array(nodes) },
        { name: `node_scale_${l}`, dtype: dt, shape: [nodes], data: new Float64Array(nodes).fill(1) },
        { name: `subnode_bias_${l}`, dtype: dt, shape: [sub], data: new Float64Array(sub) },
        { name: `subnode_scale_${l}`, dtype: dt, shape: [sub], data: new Float64Array(sub).fill(1) },
      );
    }
    return encodeSafetensors(tensors, {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      config: JSON.stringify(this.#cfg),
      symbolic: JSON.stringify(symbolic.map((s) => JSON.parse(s) as number[])),
    });
  }

  /** Loads bytes from save(); throws KanError("CORRUPT_DATA") on anything malformed. */
  static load(bytes: Uint8Array): KAN {
    const op = "load";
    if (!(bytes instanceof Uint8Array)) throw new KanError("INVALID_ARGUMENT", `${op}: expected a Uint8Array, got ${describe(bytes)}`);
    const { metadata, tensors } = decodeSafetensors(bytes);
    if (metadata.format !== FORMAT || metadata.format_version !== FORMAT_VERSION) {
      throw new KanError("CORRUPT_DATA", `${op}: not a kanwasm model file (format ${String(metadata.format)}, version ${String(metadata.format_version)})`);
    }
    let config: unknown;
    let symbolic: unknown;
    try {
      config = JSON.parse(metadata.config ?? "");
      symbolic = JSON.parse(metadata.symbolic ?? "");
    } catch {
      throw new KanError("CORRUPT_DATA", `${op}: the stored configuration is not JSON`);
    }
    const dt = (config as { dtype?: string } | null)?.dtype === "float32" ? "F32" : "F64";
    return KAN.#restore(op, config, (l, what) => {
      const t = (name: string) => {
        const e = tensors.get(name);
        return e && e.dtype === dt ? e : undefined;
      };
      const p = `act_fun.${l}.`;
      switch (what) {
        case "knots": return t(p + "grid")?.data;
        case "scaleBase": return t(p + "scale_base")?.data;
        case "scaleSp": return t(p + "scale_sp")?.data;
        case "mask": return t(p + "mask")?.data;
        case "coef": {
          const e = t(p + "coef");
          if (!e || e.shape.length !== 3) return undefined;
          const [ni, no, nb] = e.shape as [number, number, number];
          const c = new Float64Array(e.data.length);
          for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) for (let j = 0; j < nb; j++) {
            c[(i * nb + j) * no + o] = e.data[(i * no + o) * nb + j]!;
          }
          return c;
        }
        case "affine": {
          const e = t(`symbolic_fun.${l}.affine`);
          if (!e || e.shape.length !== 3) return undefined;
          const [no, ni] = e.shape as [number, number];
          const a = new Float64Array(e.data.length);
          for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) for (let q = 0; q < 4; q++) {
            a[(i * no + o) * 4 + q] = e.data[(o * ni + i) * 4 + q]!;
          }
          return a;
        }
        case "symbolic": {
          const s = Array.isArray(symbolic) ? symbolic[l] : undefined;
          return Array.isArray(s) && s.every((v) => typeof v === "number") ? (s as number[]) : undefined;
        }
      }
    });
  }

  // ----- interpretability -----

  /** Samples for attribution and symbolic fitting: the given input, else the last fit's (n = 0). */
  #samples(op: string, input: MatrixLike | undefined, s: import("./wasm.js").Scope): [Ptr, number] {
    if (input === undefined) return [0, 0];
    const x = this.#input(input, op);
    if (x.rows < 2) throw new KanError("EMPTY_DATASET", `${op}: need at least 2 samples, got ${x.rows}`);
    return [s.put(x.data), x.rows];
  }

  /**
   * Node and edge scores computed backwards from the outputs (pykan's attribute), on `input`
   * or the last fit's inputs. edgeScores[l][j][i] scores the edge from input i to (sub)node j of layer l.
   */
  attribute(input?: MatrixLike): Attribution {
    const op = "attribute";
    const h = this.handle(op);
    const dims = Array.from({ length: this.depth }, (_, l) => this.layerDims(l));
    const nodeCounts = this.#cfg.width.map(([a, b]) => a + b);
    const nNodes = nodeCounts.reduce((a, b) => a + b, 0);
    const nEdges = dims.reduce((a, [ni, no]) => a + ni * no, 0);
    const { k, r } = raw(op);
    const [nodes, edges] = k.scope((s) => {
      const [px, n] = this.#samples(op, input, s);
      const pn = s.alloc(8 * nNodes);
      const pe = s.alloc(8 * nEdges);
      k.check(op, r.kw_model_attribute(h, px, n, pn, nNodes, pe, nEdges));
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

  /**
   * pykan's prune: a new model without the hidden nodes scoring below nodeThreshold, whose
   * numeric edges scoring below edgeThreshold are masked. Scores from attribute(input).
   */
  prune(opts: { nodeThreshold?: number; edgeThreshold?: number; input?: MatrixLike } = {}): KAN {
    const op = "prune";
    const h = this.handle(op);
    const o = checkOptions(op, opts, ["nodeThreshold", "edgeThreshold", "input"]) as { nodeThreshold?: number; edgeThreshold?: number; input?: MatrixLike };
    const nodeTh = finiteNumber(op, "nodeThreshold", o.nodeThreshold ?? 1e-2, 0);
    const edgeTh = finiteNumber(op, "edgeThreshold", o.edgeThreshold ?? 3e-2, 0);
    const { k, r } = raw(op);
    const nh = k.scope((s) => {
      const [px, n] = this.#samples(op, o.input, s);
      const out = s.alloc(4);
      k.check(op, r.kw_model_prune(h, nodeTh, edgeTh, px, n, out));
      return new Uint32Array(k.raw.memory.buffer, out, 1)[0]!;
    });
    return KAN.#adopt(nh, this.#configOf(nh));
  }

  /** Drops inputs scoring below `threshold`: the smaller model and the kept input columns. */
  pruneInputs(opts: { threshold?: number; input?: MatrixLike } = {}): { model: KAN; inputs: number[] } {
    const op = "pruneInputs";
    const h = this.handle(op);
    const o = checkOptions(op, opts, ["threshold", "input"]) as { threshold?: number; input?: MatrixLike };
    const th = finiteNumber(op, "threshold", o.threshold ?? 1e-2, 0);
    const { k, r } = raw(op);
    const [nh, inputs] = k.scope((s) => {
      const [px, n] = this.#samples(op, o.input, s);
      const out = s.alloc(4);
      const kept = s.alloc(4 * this.inDim);
      const count = s.alloc(4);
      k.check(op, r.kw_model_prune_inputs(h, th, px, n, out, kept, count));
      const c = new Uint32Array(k.raw.memory.buffer, count, 1)[0]!;
      return [new Uint32Array(k.raw.memory.buffer, out, 1)[0]!, Array.from(new Uint32Array(k.raw.memory.buffer, kept, c))] as const;
    });
    return { model: KAN.#adopt(nh, this.#configOf(nh)), inputs };
  }

  /** The configuration of a model the core derived from this one (new widths). */
  #configOf(h: number): KANConfig {
    const { k, r } = raw("prune");
    const dims = Array.from({ length: this.depth }, (_, l) => k.scope((s) => {
      const out = s.alloc(20);
      k.check("prune", r.kw_model_layer_dims(h, l, out));
      const d = new Uint32Array(k.raw.memory.buffer, out, 5);
      return [d[0]!, d[1]!] as const;
    }));
    // a hidden node layer has `nodes` = layer l's inputs and `subnodes` = layer l-1's
    // outputs = sum + 2 mult, so mult = subnodes - nodes
    const width: [number, number][] = dims.map(([nodes], l) => {
      const mult = l === 0 ? 0 : dims[l - 1]![1] - nodes;
      return [nodes - mult, mult];
    });
    width.push([dims[this.depth - 1]![1], 0]);
    return { ...structuredClone(this.#cfg), width };
  }

  #lib(op: string, names: string[] | undefined): [Uint32Array, Float64Array, string[]] {
    const all = names ?? symbolicNames();
    if (!Array.isArray(all) || all.length === 0) throw new KanError("INVALID_ARGUMENT", `${op}: option "lib" must be a non-empty array of function names`);
    const ids = new Uint32Array(all.length);
    const cx = new Float64Array(all.length);
    all.forEach((name, q) => {
      const id = symbolicId(name);
      if (id === undefined) {
        throw new KanError("UNKNOWN_SYMBOLIC", `${op}: "${String(name)}" is not in the symbolic library; the library has ${symbolicNames().join(", ")} (add your own with addSymbolic)`);
      }
      ids[q] = id;
      cx[q] = symbolicById(id)!.complexity;
    });
    return [ids, cx, all];
  }

  #edge(op: string, l: unknown, i: unknown, j: unknown): [number, number, number] {
    const li = intOption(op, "l", l, 0, this.depth - 1);
    const [ni, no] = this.layerDims(li);
    return [li, intOption(op, "i", i, 0, ni - 1), intOption(op, "j", j, 0, no - 1)];
  }

  /** Ranked candidate functions for edge (l, i, j), best first (pykan's suggest_symbolic). */
  suggestSymbolic(l: number, i: number, j: number, opts: SymbolicSearchOptions & { topk?: number } = {}): Suggestion[] {
    const op = "suggestSymbolic";
    const h = this.handle(op);
    const o = checkOptions(op, opts, ["lib", "topk", "weightSimple", "aRange", "bRange", "input"]) as SymbolicSearchOptions & { topk?: number };
    const [li, ii, jj] = this.#edge(op, l, i, j);
    const topk = intOption(op, "topk", o.topk ?? 5, 1);
    const w = finiteNumber(op, "weightSimple", o.weightSimple ?? 0.8, 0);
    const ar = o.aRange === undefined ? [-10, 10] : rangeOption(op, "aRange", o.aRange);
    const br = o.bRange === undefined ? [-10, 10] : rangeOption(op, "bRange", o.bRange);
    const [ids, cx] = this.#lib(op, o.lib);
    const { k, r } = raw(op);
    const rows = k.scope((s) => {
      const [px, n] = this.#samples(op, o.input, s);
      const out = s.alloc(8 * 7 * ids.length);
      k.check(op, r.kw_model_suggest(h, li, ii, jj, s.put(ids), s.put(cx), ids.length, w, ar[0]!, ar[1]!, br[0]!, br[1]!, px, n, out));
      return s.take(out, 7 * ids.length, Float64Array);
    });
    const res: Suggestion[] = [];
    for (let q = 0; q < Math.min(topk, ids.length); q++) {
      const row = rows.subarray(q * 7, q * 7 + 7);
      res.push({ name: symbolicById(row[0]!)!.name, r2: row[1]!, complexity: row[2]!, params: [row[3]!, row[4]!, row[5]!, row[6]!] });
    }
    return res;
  }

  /** Makes edge (l, i, j) the function `name`, fitting a, b, c, d to the edge unless fitParams is false. */
  fixSymbolic(l: number, i: number, j: number, name: string, opts: { fitParams?: boolean; aRange?: [number, number]; bRange?: [number, number]; input?: MatrixLike } = {}): { r2: number } {
    const op = "fixSymbolic";
    const h = this.handle(op);
    this.#notFitting(op);
    const o = checkOptions(op, opts, ["fitParams", "aRange", "bRange", "input"]) as { fitParams?: boolean; aRange?: [number, number]; bRange?: [number, number]; input?: MatrixLike };
    const [li, ii, jj] = this.#edge(op, l, i, j);
    const [ids] = this.#lib(op, [name]);
    const fit = boolOption(op, "fitParams", o.fitParams ?? true);
    const ar = o.aRange === undefined ? [-10, 10] : rangeOption(op, "aRange", o.aRange);
    const br = o.bRange === undefined ? [-10, 10] : rangeOption(op, "bRange", o.bRange);
    const { k, r } = raw(op);
    const r2 = k.scope((s) => {
      const [px, n] = fit ? this.#samples(op, o.input, s) : [0, 0];
      const out = s.alloc(8);
      k.check(op, r.kw_model_fix_symbolic(h, li, ii, jj, ids[0]!, fit ? 1 : 0, ar[0]!, ar[1]!, br[0]!, br[1]!, px, n, out));
      return s.take(out, 1, Float64Array)[0]!;
    });
    return { r2 };
  }

  /** Returns edge (l, i, j) to its numeric spline. */
  unfixSymbolic(l: number, i: number, j: number): void {
    const op = "unfixSymbolic";
    this.handle(op);
    const [li, ii, jj] = this.#edge(op, l, i, j);
    const [, no] = this.layerDims(li);
    const sym = this.getLayerArray(li, "symbolic");
    const mask = this.getLayerArray(li, "mask");
    sym[ii * no + jj] = 0;
    mask[ii * no + jj] = 1;
    this.setLayerArray(li, "symbolic", sym);
    this.setLayerArray(li, "mask", mask);
  }

  /**
   * Fixes every live numeric edge to its best candidate (pykan's auto_symbolic) when that
   * candidate's r2 reaches r2Threshold. Returns the edges fixed.
   */
  autoSymbolic(opts: SymbolicSearchOptions & { r2Threshold?: number } = {}): { l: number; i: number; j: number; name: string; r2: number }[] {
    const op = "autoSymbolic";
    const h = this.handle(op);
    this.#notFitting(op);
    const o = checkOptions(op, opts, ["lib", "r2Threshold", "weightSimple", "aRange", "bRange", "input"]) as SymbolicSearchOptions & { r2Threshold?: number };
    const th = finiteNumber(op, "r2Threshold", o.r2Threshold ?? 0);
    const w = finiteNumber(op, "weightSimple", o.weightSimple ?? 0.8, 0);
    const ar = o.aRange === undefined ? [-10, 10] : rangeOption(op, "aRange", o.aRange);
    const br = o.bRange === undefined ? [-10, 10] : rangeOption(op, "bRange", o.bRange);
    const [ids, cx] = this.#lib(op, o.lib);
    const cap = Array.from({ length: this.depth }, (_, l) => this.layerDims(l)).reduce((a, [ni, no]) => a + ni * no, 0);
    const { k, r } = raw(op);
    const rows = k.scope((s) => {
      const [px, n] = this.#samples(op, o.input, s);
      const out = s.alloc(8 * 5 * cap);
      const count = s.alloc(4);
      k.check(op, r.kw_model_auto_symbolic(h, s.put(ids), s.put(cx), ids.length, th, w, ar[0]!, ar[1]!, br[0]!, br[1]!, px, n, out, cap, count));
      const c = new Uint32Array(k.raw.memory.buffer, count, 1)[0]!;
      return s.take(out, 5 * c, Float64Array);
    });
    const res = [];
    for (let q = 0; q < rows.length / 5; q++) {
      res.push({ l: rows[5 * q]!, i: rows[5 * q + 1]!, j: rows[5 * q + 2]!, name: symbolicById(rows[5 * q + 3]!)!.name, r2: rows[5 * q + 4]! });
    }
    return res;
  }

  /**
   * The model as formulas, one per output, from its symbolic edges: "text" (like
   * exp(x2^2 + sin(3.1416*x1))), "latex", or "js" (source of a function of the inputs).
   */
  symbolicFormula(opts?: FormulaOptions): string[] {
    this.handle("symbolicFormula");
    return symbolicFormula(this, opts);
  }

  /** An SVG picture of the network: every edge drawn as a plot of its function. */
  toSVG(opts?: SVGOptions): string {
    this.handle("toSVG");
    return toSVG(this, opts);
  }

  /** Frees the model's wasm memory now. Safe to call twice; later use throws DISPOSED. */
  dispose(): void {
    if (this.#h === 0) return;
    const h = this.#h;
    this.#h = 0;
    registry?.unregister(this);
    try {
      (rawKernel("dispose").raw as unknown as ModelRaw).kw_model_free(h);
    } catch {
      // already released
    }
  }

  /** For `using model = new KAN(...)`. */
  [disposeSymbol](): void {
    this.dispose();
  }
}

export interface KANJson {
  format: string;
  version: number;
  config: KANConfig;
  layers: Record<string, number[]>[];
}

function arrayLength(what: keyof typeof LayerArray, ni: number, no: number, g: number, k: number): number {
  switch (what) {
    case "knots": return ni * (g + 2 * k + 1);
    case "coef": return ni * (g + k) * no;
    case "affine": return ni * no * 4;
    default: return ni * no;
  }
}

interface CheckedData {
  trainInput: Matrix;
  trainLabel: Matrix;
  testInput?: Matrix;
  testLabel?: Matrix;
}

/** Validates a dataset against the model's shape (and class labels for cross-entropy). */
export function checkDataset(op: string, data: Dataset, inDim: number, outDim: number, classes: boolean): CheckedData {
  if (data === null || typeof data !== "object") {
    throw new KanError("INVALID_ARGUMENT", `${op}: data must be { trainInput, trainLabel, testInput?, testLabel? }, got ${describe(data)}`);
  }
  checkOptions(op + ": data", data, ["trainInput", "trainLabel", "testInput", "testLabel"]);
  if (data.trainInput === undefined || data.trainLabel === undefined) {
    throw new KanError("INVALID_ARGUMENT", `${op}: data needs trainInput and trainLabel`);
  }
  const pair = (xi: MatrixLike, yi: MatrixLike, which: string): [Matrix, Matrix] => {
    const x = toMatrix(xi, `${op}: ${which}Input`, "float64");
    const y = toMatrix(yi, `${op}: ${which}Label`, "float64");
    if (x.rows === 0) throw new KanError("EMPTY_DATASET", `${op}: ${which}Input has no rows`);
    if (x.cols !== inDim) throw new KanError("SHAPE_MISMATCH", `${op}: ${which}Input has ${x.cols} columns but the model takes ${inDim} inputs`);
    if (y.rows !== x.rows) throw new KanError("SHAPE_MISMATCH", `${op}: ${which}Input has ${x.rows} rows but ${which}Label has ${y.rows}`);
    if (classes) {
      if (y.cols !== 1 || !isClassLabels(y, outDim)) {
        throw new KanError("INVALID_ARGUMENT", `${op}: with loss "crossentropy", ${which}Label must be one column of class indices 0..${outDim - 1} (and the model needs >= 2 outputs)`);
      }
    } else if (y.cols !== outDim && !(y.cols === 1 && isClassLabels(y, outDim))) {
      throw new KanError("SHAPE_MISMATCH", `${op}: ${which}Label has ${y.cols} columns but the model has ${outDim} outputs`);
    } else if (y.cols !== outDim && op === "fit") {
      throw new KanError("SHAPE_MISMATCH", `${op}: ${which}Label holds class indices; pass loss: "crossentropy" to fit classes, or one column per output`);
    }
    return [x, y];
  };
  const [trainInput, trainLabel] = pair(data.trainInput, data.trainLabel, "train");
  const out: CheckedData = { trainInput, trainLabel };
  if ((data.testInput === undefined) !== (data.testLabel === undefined)) {
    throw new KanError("INVALID_ARGUMENT", `${op}: give both testInput and testLabel, or neither`);
  }
  if (data.testInput !== undefined && data.testLabel !== undefined && toMatrix(data.testInput, `${op}: testInput`).rows > 0) {
    [out.testInput, out.testLabel] = pair(data.testInput, data.testLabel, "test");
  }
  return out;
}


/**
 * Adds a function to the symbolic library for every model: `fn` is evaluated by the core
 * during fitting and training (through the host), `latex` and `js` render it in formulas
 * ("#1" stands for the argument). Returns its id.
 */
export function addSymbolic(name: string, spec: UserSymbolicSpec): number {
  const id = registerUserSymbolic(name, spec);
  setHostFunction(id, symbolicById(id)!.fn);
  return id;
}
