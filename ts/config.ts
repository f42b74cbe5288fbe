/**
 * The options of a model and of its training: their types, their defaults (written here and
 * nowhere else), and their validation into complete settings.
 *
 * ```js
 * normaliseConfig({ width: [2, 5, 1] });   // { width: [[2, 0], [5, 0], [1, 0]], grid: [3, 3], k: [3, 3], ... }
 * ```
 */
import { KanError, describe } from "./errors.js";
import type { StepInfo } from "./history.js";
import type { DType } from "./matrix.js";
import { checkOptions, enumOption, intOption, rangeOption } from "./options.js";
import { BASE_CODE, DTYPE_CODE, LOSS_CODE, OPT_CODE } from "./raw/exports.js";
import { FIT_SETTINGS, MODEL_SETTINGS, writeStruct } from "./raw/layout.js";

/** The residual function b(x) added to every edge's spline: silu(x) = x / (1 + e^-x), x, or 0. */
export type BaseFun = "silu" | "identity" | "zero";
BASE_CODE satisfies Record<BaseFun, number>;

/** The options of `new KAN(options)`: the shape of the network and how it starts. */
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
  /** Precision of the parameters and of every computation: "float32" (fast) or "float64". Default "float64". */
  dtype?: DType;
  /** Seed of the initial noise and scales; a seed gives the same model in every runtime. Default 1. */
  seed?: number;
  /** Initial scale_base = scaleBaseMu/sqrt(n_in) + scaleBaseSigma * U(-1, 1)/sqrt(n_in). Default 0. */
  scaleBaseMu?: number;
  /** The spread of the initial scale_base (see scaleBaseMu). Default 1. */
  scaleBaseSigma?: number;
  /** Initial scale_sp = scaleSp / sqrt(n_in). Default 1. */
  scaleSp?: number;
  /** Whether fit trains scale_base (pykan's sb_trainable). Default true. */
  sbTrainable?: boolean;
  /** Whether fit trains scale_sp (pykan's sp_trainable). Default true. */
  spTrainable?: boolean;
  /**
   * How many subnodes each multiplication node multiplies (pykan's mult_arity): one number
   * for every node, or one entry per node layer (inputs first), each a number for all that
   * layer's multiplication nodes or an array with one per node. Default 2.
   */
  multArity?: number | (number | number[])[];
}

/** The validated, complete configuration of a model (what toJSON stores). */
export interface KANConfig {
  /** [sum nodes, multiplication nodes] per layer, inputs first. */
  width: [number, number][];
  /** Grid intervals per layer (one entry per layer of edges). */
  grid: number[];
  /** Spline order per layer. */
  k: number[];
  /** The initial grid range. */
  gridRange: [number, number];
  /** The residual function. */
  baseFun: BaseFun;
  /** Scale of the initial spline noise. */
  noiseScale: number;
  /** Mix of uniform into percentile grids on grid updates. */
  gridEps: number;
  /** Precision of the parameters. */
  dtype: DType;
  /** Seed of the initialisation. */
  seed: number;
  /** Mean part of the initial scale_base. */
  scaleBaseMu: number;
  /** Random part of the initial scale_base. */
  scaleBaseSigma: number;
  /** Initial scale_sp times sqrt(n_in). */
  scaleSp: number;
  /** Whether fit trains scale_base. */
  sbTrainable: boolean;
  /** Whether fit trains scale_sp. */
  spTrainable: boolean;
  /** The arity of each multiplication node, per node layer (empty where a layer has none). */
  multArity: number[][];
}

/** The options of `model.fit(data, options)` and `model.trainer(data, options)`. */
export interface FitOptions {
  /** The optimiser: "lbfgs" or "adam". Default "lbfgs". */
  opt?: "lbfgs" | "adam";
  /** Default 100. For a trainer, the number of steps it may take. */
  steps?: number;
  /** Default 1 for LBFGS, 0.01 for Adam. */
  lr?: number;
  /** Samples per step, a fresh random subset each step; -1 (default) is the full batch. */
  batch?: number;
  /** Weight of the sparsity regulariser. Default 0. */
  lamb?: number;
  /** Weight of the L1 part of the regulariser. Default 1. */
  lambL1?: number;
  /** Weight of the entropy part of the regulariser. Default 2. */
  lambEntropy?: number;
  /** Move grids to the data every stopGridUpdateStep/gridUpdateNum steps, until stopGridUpdateStep. Default true. */
  updateGrid?: boolean;
  /** How many grid updates happen before stopGridUpdateStep. Default 10. */
  gridUpdateNum?: number;
  /** The step after which grids stay where they are. Default 50. */
  stopGridUpdateStep?: number;
  /** The loss: "mse", or "crossentropy" (labels are class indices). Default "mse". */
  loss?: "mse" | "crossentropy";
  /**
   * Revival of a fit stuck with an input switched off (float64 models, LBFGS on the full data,
   * MSE loss). When the train RMSE has fallen by less than 1% over 5 steps while an input's
   * attribution score is below half the highest and the residual still depends on that input
   * (its means over 8 bins of the input explain over 1% of the labels' variance), a copy of the
   * model starts again from pykan's initialisation with every base scale positive and new spline
   * noise (drawn from `seed`), takes 5 steps beside the model, and replaces it if its objective
   * is then lower; at most 3 such races per fit. A fit in which no copy wins gives the same bits
   * as with `revive: false`, which is pykan's training exactly. Default true.
   */
  revive?: boolean;
  /** Seed of the batch sampler and of revival's draws. Default: the model's seed. */
  seed?: number;
  /** Stops between steps (KanError "ABORTED"); the model keeps the last step's parameters. Default none. */
  signal?: AbortSignal;
  /** Called after every step; a returned promise is awaited before the next. Default none. */
  onStep?: (s: StepInfo) => void | Promise<void>;
  /**
   * Threads the step runs on: an integer from 1 to 64, or "auto" for the host's logical cores
   * (os.availableParallelism in Node, navigator.hardwareConcurrency elsewhere). Default 1.
   * The results have the same bits for any number. More than 1 loads the threaded module
   * (kanwasm-mt.wasm) and moves every model into it; a page must be cross-origin isolated
   * for it, else the fit runs on one thread and warns once. `trainer()` uses the threads
   * that a fit or `prepareThreads` has started, at most this many.
   */
  threads?: number | "auto";
}

/** Options of `predict`. */
export interface PredictOptions {
  /**
   * Threads the forward pass runs on, each taking fixed parts of the rows: an integer from 1
   * to 64, or "auto" for the host's logical cores. Default 1. The outputs have the same bits
   * for any number. `predict` is synchronous, so it cannot start threads: it uses those a fit
   * with `threads` has started, at most this many, and runs on one thread before that.
   */
  threads?: number | "auto";
}

/** Every default of KANOptions, except width (required). @internal */
export const MODEL_DEFAULTS = {
  grid: 3,
  k: 3,
  gridRange: [-1, 1] as [number, number],
  baseFun: "silu" as BaseFun,
  noiseScale: 0.3,
  gridEps: 0.02,
  dtype: "float64" as DType,
  seed: 1,
  scaleBaseMu: 0,
  scaleBaseSigma: 1,
  scaleSp: 1,
  sbTrainable: true,
  spTrainable: true,
  multArity: 2,
} as const;

/** Every default of FitOptions; lr and seed depend on the optimiser and the model. @internal */
export const FIT_DEFAULTS = {
  opt: "lbfgs",
  steps: 100,
  lr: { lbfgs: 1, adam: 0.01 },
  batch: -1,
  lamb: 0,
  lambL1: 1,
  lambEntropy: 2,
  updateGrid: true,
  gridUpdateNum: 10,
  stopGridUpdateStep: 50,
  loss: "mse",
  threads: 1 as number | "auto",
  revive: true,
} as const;

/** Every default of PredictOptions. @internal */
export const PREDICT_DEFAULTS = {
  threads: 1 as number | "auto",
} as const;

/** Every default of the symbolic search's `threads` (SymbolicSearchOptions). @internal */
export const SYMBOLIC_DEFAULTS = {
  threads: 1 as number | "auto",
} as const;

/** Revival (FitOptions.revive): races per fit, and the steps of stall before a check and of a race. @internal */
export const REVIVE = { races: 3, steps: 5 } as const;

/** The largest spline order the core supports (crate bspline::MAX_K). @internal */
export const MAX_K = 24;

/** The most factors of one multiplication node (crate model::MAX_ARITY). @internal */
export const MAX_ARITY = 64;

const MODEL_OPTIONS = ["width", ...Object.keys(MODEL_DEFAULTS)] as const;
const FIT_OPTIONS = [...Object.keys(FIT_DEFAULTS), "seed", "signal", "onStep"] as const;
const BASES = Object.keys(BASE_CODE) as BaseFun[];
const DTYPES = Object.keys(DTYPE_CODE) as DType[];

/** @internal */
export function finiteNumber(op: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    const bound = min > -Infinity ? ` >= ${min}` : "";
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "${name}" must be a finite number${bound}, got ${describe(v)}`,
    );
  }
  return v;
}

/** @internal */
export function boolOption(op: string, name: string, v: unknown): boolean {
  if (typeof v !== "boolean") {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "${name}" must be a boolean, got ${describe(v)}`);
  }
  return v;
}

/** Validates KAN options into a complete configuration. @internal */
export function normaliseConfig(opts: unknown, op = "KAN"): KANConfig {
  if (opts === undefined) throw new KanError("INVALID_ARGUMENT", `${op}: options with at least { width } are required`);
  const o = checkOptions(op, opts, MODEL_OPTIONS) as Partial<KANOptions>;
  const d = MODEL_DEFAULTS;
  const width = normaliseWidth(op, o.width);
  const nl = width.length - 1;
  const perLayer = (name: string, v: unknown, min: number, max: number): number[] => {
    if (Array.isArray(v)) {
      if (v.length !== nl) {
        throw new KanError(
          "INVALID_ARGUMENT",
          `${op}: option "${name}" has ${v.length} entries; give a number or one per layer (${nl})`,
        );
      }
      return v.map((x, i) => intOption(op, `${name}[${i}]`, x, min, max));
    }
    return Array.from({ length: nl }, () => intOption(op, name, v, min, max));
  };
  const gridEps = finiteNumber(op, "gridEps", o.gridEps ?? d.gridEps, 0);
  if (gridEps > 1) throw new KanError("INVALID_ARGUMENT", `${op}: option "gridEps" must be in [0, 1], got ${gridEps}`);
  return {
    width,
    grid: perLayer("grid", o.grid ?? d.grid, 1, 1 << 16),
    k: perLayer("k", o.k ?? d.k, 0, MAX_K),
    gridRange: o.gridRange === undefined ? [...d.gridRange] : rangeOption(op, "gridRange", o.gridRange),
    baseFun: enumOption(op, "baseFun", o.baseFun ?? d.baseFun, BASES),
    noiseScale: finiteNumber(op, "noiseScale", o.noiseScale ?? d.noiseScale),
    gridEps,
    dtype: enumOption(op, "dtype", o.dtype ?? d.dtype, DTYPES),
    seed: intOption(op, "seed", o.seed ?? d.seed, 0),
    scaleBaseMu: finiteNumber(op, "scaleBaseMu", o.scaleBaseMu ?? d.scaleBaseMu),
    scaleBaseSigma: finiteNumber(op, "scaleBaseSigma", o.scaleBaseSigma ?? d.scaleBaseSigma),
    scaleSp: finiteNumber(op, "scaleSp", o.scaleSp ?? d.scaleSp),
    sbTrainable: boolOption(op, "sbTrainable", o.sbTrainable ?? d.sbTrainable),
    spTrainable: boolOption(op, "spTrainable", o.spTrainable ?? d.spTrainable),
    multArity: normaliseArity(op, o.multArity ?? d.multArity, width),
  };
}

/** multArity as one array of arities per node layer, checked against the width. @internal */
export function normaliseArity(op: string, a: unknown, width: [number, number][]): number[][] {
  const arity = (v: unknown, name: string): number => intOption(op, name, v, 2, MAX_ARITY);
  if (!Array.isArray(a)) {
    const n = arity(a, "multArity");
    return width.map(([, m]) => new Array<number>(m).fill(n));
  }
  if (a.length !== width.length) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "multArity" has ${a.length} entries; give a number, or one entry per node layer (${width.length})`,
    );
  }
  return width.map(([, m], l) => {
    const e: unknown = a[l];
    if (!Array.isArray(e)) {
      return m === 0 && e === undefined ? [] : new Array<number>(m).fill(arity(e, `multArity[${l}]`));
    }
    if (e.length !== m) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: option "multArity[${l}]" has ${e.length} entries for the ${m} multiplication nodes of width[${l}]`,
      );
    }
    return e.map((v, q) => arity(v, `multArity[${l}][${q}]`));
  });
}

function normaliseWidth(op: string, w: unknown): [number, number][] {
  if (!Array.isArray(w) || w.length < 2) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "width" must list at least 2 layers of nodes (inputs and outputs), got ${describe(w)}`,
    );
  }
  return w.map((e: unknown, i): [number, number] => {
    const pair: unknown[] = Array.isArray(e) ? e : [e, 0];
    const ok = pair.length === 2 && pair.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 0);
    const [s, m] = pair as [number, number];
    if (!ok || s + m === 0 || (typeof e === "number" && e < 1)) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: width[${i}] must be a positive integer or [sum, mult] non-negative integers, ` +
          `got ${JSON.stringify(e) ?? describe(e)}`,
      );
    }
    if ((i === 0 || i === w.length - 1) && m !== 0) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: width[${i}]: the input and output layers cannot have multiplication nodes`,
      );
    }
    if (s + m > 1 << 16) throw new KanError("INVALID_ARGUMENT", `${op}: width[${i}] is too large (${s + m} nodes)`);
    return [s, m];
  });
}

/** Threads at most (the core's 63 workers and the calling thread). @internal */
export const MAX_THREADS = 64;

/** Validates a `threads` option: an integer from 1 to 64, or "auto" (returned as 0). @internal */
export function threadsOption(op: string, v: unknown): number {
  if (v === "auto") return 0;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_THREADS) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "threads" must be an integer from 1 to ${MAX_THREADS} or "auto", got ${describe(v)}`,
    );
  }
  return v;
}

/** Validates predict options; returns the threads asked for (0: the host's cores). @internal */
export function normalisePredict(op: string, opts: unknown): number {
  const o = checkOptions(op, opts, Object.keys(PREDICT_DEFAULTS)) as PredictOptions;
  return threadsOption(op, o.threads ?? PREDICT_DEFAULTS.threads);
}

/** FitOptions validated, with every default filled in. @internal */
export interface FitSettings {
  opt: "lbfgs" | "adam";
  loss: "mse" | "crossentropy";
  steps: number;
  lr: number;
  /** -1: the full batch. */
  batch: number;
  lamb: number;
  lambL1: number;
  lambEntropy: number;
  updateGrid: boolean;
  gridUpdateNum: number;
  stopGridUpdateStep: number;
  revive: boolean;
  seed: number;
  signal: AbortSignal | undefined;
  onStep: ((s: StepInfo) => void | Promise<void>) | undefined;
  /** 0: the host's cores. */
  threads: number;
}

/** Validates fit options; `modelSeed` is the default of `seed`. @internal */
export function normaliseFit(op: string, opts: unknown, modelSeed: number): FitSettings {
  const o = checkOptions(op, opts, FIT_OPTIONS) as FitOptions;
  const d = FIT_DEFAULTS;
  const opt = enumOption(op, "opt", o.opt ?? d.opt, ["lbfgs", "adam"] as const);
  if (o.onStep !== undefined && typeof o.onStep !== "function") {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "onStep" must be a function, got ${describe(o.onStep)}`);
  }
  const signal: unknown = o.signal;
  if (signal !== undefined && (signal === null || typeof signal !== "object" ||
    typeof (signal as { aborted?: unknown }).aborted !== "boolean")) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "signal" must be an AbortSignal, got ${describe(signal)}`);
  }
  const batch = o.batch ?? d.batch;
  return {
    opt,
    loss: enumOption(op, "loss", o.loss ?? d.loss, ["mse", "crossentropy"] as const),
    steps: intOption(op, "steps", o.steps ?? d.steps, 0, 1e9),
    lr: finiteNumber(op, "lr", o.lr ?? d.lr[opt], 0),
    batch: batch === -1 ? -1 : intOption(op, "batch", batch, 1),
    lamb: finiteNumber(op, "lamb", o.lamb ?? d.lamb, 0),
    lambL1: finiteNumber(op, "lambL1", o.lambL1 ?? d.lambL1, 0),
    lambEntropy: finiteNumber(op, "lambEntropy", o.lambEntropy ?? d.lambEntropy, 0),
    updateGrid: boolOption(op, "updateGrid", o.updateGrid ?? d.updateGrid),
    gridUpdateNum: intOption(op, "gridUpdateNum", o.gridUpdateNum ?? d.gridUpdateNum, 1),
    stopGridUpdateStep: intOption(op, "stopGridUpdateStep", o.stopGridUpdateStep ?? d.stopGridUpdateStep, 0),
    revive: boolOption(op, "revive", o.revive ?? d.revive),
    seed: intOption(op, "seed", o.seed ?? modelSeed, 0),
    signal: o.signal,
    onStep: o.onStep,
    threads: threadsOption(op, o.threads ?? d.threads),
  };
}

/** The settings as kw_fit_begin's `cfg` (FIT_SETTINGS); `n` is the number of training samples. @internal */
export function encodeFitSettings(s: FitSettings, n: number): Uint8Array {
  // counts past u32 saturate, as the core's f64-to-usize casts did (the wasm32 usize is 32 bits)
  const count = (v: number): number => Math.min(v, 0xffff_ffff);
  return writeStruct(FIT_SETTINGS, {
    opt: OPT_CODE[s.opt],
    loss: LOSS_CODE[s.loss],
    update_grid: s.updateGrid ? 1 : 0,
    // 0 asks the core for the full batch, which a batch as large as the data is
    batch: s.batch === -1 || s.batch >= n ? 0 : s.batch,
    grid_update_num: count(s.gridUpdateNum),
    stop_grid_update_step: count(s.stopGridUpdateStep),
    revive: s.revive ? REVIVE.races : 0,
    revive_steps: REVIVE.steps,
    lr: s.lr,
    lamb: s.lamb,
    lamb_l1: s.lambL1,
    lamb_entropy: s.lambEntropy,
    seed: s.seed,
  });
}

/**
 * The configuration as kw_model_new's `cfg` (MODEL_SETTINGS), given where its width, grid,
 * k and arity arrays were copied (u32 each). @internal
 */
export function encodeModelSettings(c: KANConfig, width: number, grid: number, k: number, arity: number): Uint8Array {
  return writeStruct(MODEL_SETTINGS, {
    dtype: DTYPE_CODE[c.dtype],
    base: BASE_CODE[c.baseFun],
    sb_trainable: c.sbTrainable ? 1 : 0,
    sp_trainable: c.spTrainable ? 1 : 0,
    n_nodes: c.width.length,
    width,
    n_grid: c.grid.length,
    grid,
    n_k: c.k.length,
    k,
    range_min: c.gridRange[0],
    range_max: c.gridRange[1],
    noise_scale: c.noiseScale,
    grid_eps: c.gridEps,
    seed: c.seed,
    scale_base_mu: c.scaleBaseMu,
    scale_base_sigma: c.scaleBaseSigma,
    scale_sp: c.scaleSp,
    n_arity: c.multArity.flat().length,
    arity,
  });
}

/** Every default of discover's options (see ts/discover/index.ts). @internal */
export const DISCOVER_DEFAULTS = {
  seed: 0,
  /** LBFGS steps over all stages; seconds of wall-clock time (none). */
  budget: { steps: 2000, seconds: Infinity },
  /** The share of the training rows held out for testing when the data has no test set. */
  testFraction: 0.2,
  /** A formula this close to the data (test RMSE over the RMS of the labels) ends the search. */
  exact: 1e-9,
  lib: [
    "x", "x^2", "x^3", "x^4", "x^5", "1/x", "1/x^2", "1/x^3", "1/x^4", "1/x^5", "sqrt", "x^1.5", "1/sqrt(x)",
    "exp", "log", "sin", "cos", "tan", "tanh", "arcsin", "arctan", "gaussian",
  ],
  threads: 1 as number | "auto",
} as const;
