/**
 * Physics-informed fitting: `model.fitPDE(problem, options)` trains a model so that equations
 * written as text hold at collocation points. The loss is `sum_t weight_t * mean(residual_t^2)`;
 * its gradient is exact (reverse mode through the core's derivative propagation).
 *
 * ```js
 * const model = new KAN({ width: [2, 10, 1], grid: 5 });
 * await model.fitPDE({
 *   inputNames: ["x", "y"],
 *   terms: [
 *     { points: interior, equation: "u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)", weight: 0.01 },
 *     { points: boundary, equation: "u = 0" },
 *   ],
 * }, { steps: 50, onStep: ({ step, loss, terms }) => console.log(step, loss, terms) });
 * ```
 */
import { FIT_DEFAULTS, boolOption, finiteNumber, threadsOption } from "./config.js";
import { disposeKey } from "./dispose.js";
import { KanError, describe } from "./errors.js";
import { checkNames, emitProgram, parseEquation, type Equation, type EquationNames } from "./equation.js";
import { toMatrix, type Matrix, type MatrixLike } from "./matrix.js";
import { checkOptions, enumOption, intOption } from "./options.js";
import { OPT_CODE, type RawExports } from "./raw/exports.js";
import type { RawKernel } from "./raw/kernel.js";
import { PDE_SETTINGS, writeStruct, type StructValues } from "./raw/layout.js";
import { rawKernel } from "./raw/loader.js";
import { onThreads, prepareThreads } from "./threads.js";

type Kernel = RawKernel;
type PdeRaw = RawExports;

/** What fitting needs of a model's handle (model.ts), declared here so the shipped types stay public. */
interface ModelHandle {
  handle(op: string): number;
  readonly inDim: number;
  readonly outDim: number;
  readonly live: boolean;
  notTraining(op: string): void;
  lockTraining(op: string, owner: object): void;
  unlockTraining(owner: object): void;
}

/** Collocation points with the equation that should hold there. */
export interface PDETerm {
  /** (n, inputs): one point per row. */
  points: MatrixLike;
  /** For example "u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)" or "u = 0" (see the equation language). */
  equation: string;
  /** Weight of this term's mean squared residual in the loss. Default 1. */
  weight?: number;
}

/** A physics-informed problem: equations that should hold on sets of collocation points. */
export interface PDEProblem {
  /** Names of the inputs (columns of the points). Default x1..xn. */
  inputNames?: string[];
  /** Names of the outputs. Default u (one output) or u1..um. */
  outputNames?: string[];
  /** The equations with their points: the interior PDE and the boundary or initial conditions. */
  terms: PDETerm[];
}

/** Options of `model.fitPDE` and `model.trainer(problem, options)`. */
export interface PDEFitOptions {
  /** "lbfgs" (default) or "adam". */
  opt?: "lbfgs" | "adam";
  /** Default 100. */
  steps?: number;
  /** Default 1 for LBFGS, 0.01 for Adam. */
  lr?: number;
  /**
   * Move grids to the collocation points every stopGridUpdateStep/gridUpdateNum steps until
   * stopGridUpdateStep. Default true.
   */
  updateGrid?: boolean;
  /** How many grid updates until stopGridUpdateStep. Default 10. */
  gridUpdateNum?: number;
  /** The step after which the grids stay. Default 50. */
  stopGridUpdateStep?: number;
  /**
   * Weight of pykan's sparsity regulariser, as in fit: over the layer inputs of a forward pass
   * through every term's points, added to the loss with its exact gradient. Default 0.
   */
  lamb?: number;
  /** Weight of the L1 part of the regulariser. Default 1. */
  lambL1?: number;
  /** Weight of the entropy part of the regulariser. Default 2. */
  lambEntropy?: number;
  /** Stops between steps with KanError ABORTED (its `pdeHistory` holds the steps done). Default none. */
  signal?: AbortSignal;
  /** Called after every step with its losses; awaited when it returns a promise. Default none. */
  onStep?: (s: PDEStepInfo) => void | Promise<void>;
  /**
   * Threads the step runs on, as in fit: an integer from 1 to 64, or "auto" for the host's
   * logical cores. Default 1. Each term's points go in chunks fixed by their number, so the
   * results have the same bits for any count. More than 1 loads the threaded module and moves
   * every model into it (a page must be cross-origin isolated, else one thread and a warning).
   * `trainer()` uses the threads a fit has started, at most this many; equations or symbolic
   * edges with a function from `addSymbolic` keep the residuals on the calling thread.
   */
  threads?: number | "auto";
}

/** One step of a physics-informed fit. */
export interface PDEStepInfo {
  /** The step's index, from 0. */
  step: number;
  /** sum_t weight_t * terms[t]. */
  loss: number;
  /** Each term's mean squared residual, in the order of problem.terms. */
  terms: number[];
  /** The regulariser's value (0 with lamb 0), where the loss is taken. */
  reg: number;
}

/** The physics-informed loss of a model as it is (`model.pdeLoss`). */
export interface PDELoss {
  /** The weighted sum of the terms. */
  loss: number;
  /** Each term's mean squared residual, in the order of problem.terms. */
  terms: number[];
}

/** One entry per step: the loss, and per term (terms[t][step]) its mean squared residual. */
export interface PDEHistory {
  /** The weighted loss of each step. */
  loss: number[];
  /** Per term, the mean squared residual of each step. */
  terms: number[][];
  /** The regulariser's value of each step (0 with lamb 0). */
  reg: number[];
}


/** A validated problem: its points, programs and weights, ready for the core. */
interface Checked {
  points: Matrix[];
  equations: Equation[];
  weights: number[];
  order: number;
}

/** Validates `problem` for `model`; throws KanError naming the part of the problem at fault. */
function checkProblem(op: string, model: ModelHandle, problem: PDEProblem): Checked {
  const where = `${op}: problem`;
  if (problem === null || typeof problem !== "object") {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${where} must be { inputNames?, outputNames?, terms }, got ${describe(problem)}`,
    );
  }
  checkOptions(where, problem, ["inputNames", "outputNames", "terms"]);
  const d = model.inDim;
  const no = model.outDim;
  const list = (key: "inputNames" | "outputNames", n: number, dflt: (q: number) => string): string[] => {
    const v = problem[key];
    if (v === undefined) return Array.from({ length: n }, (_, q) => dflt(q));
    if (!Array.isArray(v) || v.length !== n) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${where}.${key} must list ${n} names (the model has ${n} ${key === "inputNames" ? "inputs" : "outputs"}), ` +
        `got ${describe(v)}`,
      );
    }
    return v.slice();
  };
  const names: EquationNames = {
    inputNames: list("inputNames", d, (q) => `x${q + 1}`),
    outputNames: list("outputNames", no, (q) => (no === 1 ? "u" : `u${q + 1}`)),
  };
  checkNames(where, names);
  const terms = problem.terms;
  if (!Array.isArray(terms) || terms.length === 0) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${where}.terms must be a non-empty array of { points, equation, weight? }, got ${describe(terms)}`,
    );
  }
  const out: Checked = { points: [], equations: [], weights: [], order: 0 };
  terms.forEach((t, q) => {
    const at = `${where}.terms[${q}]`;
    if (t === null || typeof t !== "object") {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${at} must be { points, equation, weight? }, got ${describe(t)}`,
      );
    }
    checkOptions(at, t, ["points", "equation", "weight"]);
    const x = toMatrix(t.points, `${at}.points`, "float64");
    if (x.rows === 0) throw new KanError("EMPTY_DATASET", `${at}.points has no rows`);
    if (x.cols !== d) {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${at}.points has ${x.cols} columns but the model takes ${d} inputs`,
      );
    }
    const w = t.weight ?? 1;
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new KanError("INVALID_ARGUMENT", `${at}.weight must be a finite number >= 0, got ${describe(w)}`);
    }
    const eq = parseEquation(t.equation, names, `${at}.equation`);
    out.points.push(x);
    out.equations.push(eq);
    out.weights.push(w);
    out.order = Math.max(out.order, eq.order);
  });
  // derivatives fix a solution only up to what a condition on values pins down
  if (out.order > 0 && !out.equations.some((e) => e.usesOutputs && e.order === 0)) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${where} has equations with derivatives but no term fixing values (a boundary or initial condition such as ` +
      `"u = 0" on boundary points)`,
    );
  }
  return out;
}

const PDE_OPTIONS = [
  "opt", "steps", "lr", "updateGrid", "gridUpdateNum", "stopGridUpdateStep", "lamb", "lambL1", "lambEntropy", "signal",
  "onStep", "threads",
];

/** The core's settings of a fit (PDE_SETTINGS) but the order, which the problem sets. */
type CoreSettings = Omit<StructValues<typeof PDE_SETTINGS>, "order">;

/** Starts a core fit of `problem` on model handle `h`; returns its id. */
function begin(k: Kernel, r: PdeRaw, op: string, h: number, c: Checked, cfg: CoreSettings): number {
  return k.scope((s) => {
    const counts = Uint32Array.from(c.points, (m) => m.rows);
    const progs = c.equations.map((e) => emitProgram(e, c.order));
    const lens = Uint32Array.from(progs, (p) => p.length / 4);
    const pts = new Float64Array(c.points.reduce((a, m) => a + m.data.length, 0));
    let at = 0;
    for (const m of c.points) {
      pts.set(m.data, at);
      at += m.data.length;
    }
    const code = new Float64Array(progs.reduce((a, p) => a + p.length, 0));
    at = 0;
    for (const p of progs) {
      code.set(p, at);
      at += p.length;
    }
    const out = s.alloc(4);
    const weights = s.put(Float64Array.from(c.weights));
    const settings = s.put(writeStruct(PDE_SETTINGS, { order: c.order, ...cfg }));
    const [pc, pp, pl, pd] = [s.put(counts), s.put(pts), s.put(lens), s.put(code)];
    k.check(op, r.kw_pde_new(h, progs.length, pc, pp, pl, pd, weights, settings, out));
    return k.u32(out)[0]!;
  });
}

/** One step (train) or an evaluation: [loss, ...terms, reg]. */
function advance(k: Kernel, r: PdeRaw, op: string, id: number, h: number, train: boolean, n: number): Float64Array {
  return k.scope((s) => {
    const out = s.alloc(8 * (n + 2));
    k.check(op, r.kw_pde_step(id, h, train ? 1 : 0, out));
    return s.take(out, n + 2, Float64Array);
  });
}

function raw(op: string): [Kernel, PdeRaw] {
  const k = rawKernel(op);
  return [k, k.raw as unknown as PdeRaw];
}

/** The loss of `model` on `problem` as the model is: { loss, terms } (no training). */
export function pdeLoss(model: ModelHandle, problem: PDEProblem): { loss: number; terms: number[] } {
  const op = "pdeLoss";
  const h = model.handle(op);
  model.notTraining(op);
  const c = checkProblem(op, model, problem);
  const [k, r] = raw(op);
  // no step is taken: only the loss counts, with no regulariser
  const none: CoreSettings = {
    opt: 0, update_grid: 0, grid_update_num: 1, stop_grid_update_step: 0, pad: 0, lr: 1, lamb: 0, lamb_l1: 0,
    lamb_entropy: 0,
  };
  const id = begin(k, r, op, h, c, none);
  try {
    const v = advance(k, r, op, id, h, false, c.points.length);
    return { loss: v[0]!, terms: Array.from(v.subarray(1, 1 + c.points.length)) };
  } finally {
    r.kw_pde_free(id);
  }
}

/** Yields to the event loop between steps, so pages stay responsive. */
const pause = (): Promise<void> => new Promise((res) => setTimeout(res, 0));

/** Validated fitPDE options. */
interface Settings {
  steps: number;
  cfg: CoreSettings;
  /** 0: the host's cores. */
  threads: number;
  signal?: AbortSignal;
  onStep?: (s: PDEStepInfo) => void | Promise<void>;
}

/** fitPDE's options validated, with fit's defaults (FIT_DEFAULTS) for the options they share. */
function settings(op: string, opts: unknown): Settings {
  const o = checkOptions(op, opts, PDE_OPTIONS) as PDEFitOptions;
  const d = FIT_DEFAULTS;
  const opt = enumOption(op, "opt", o.opt ?? d.opt, ["lbfgs", "adam"] as const);
  const steps = intOption(op, "steps", o.steps ?? d.steps, 0, 1e9);
  const threads = threadsOption(op, o.threads ?? d.threads);
  const lr = o.lr ?? d.lr[opt];
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr <= 0) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "lr" must be a finite number > 0, got ${describe(lr)}`);
  }
  if (o.onStep !== undefined && typeof o.onStep !== "function") {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "onStep" must be a function, got ${describe(o.onStep)}`);
  }
  const signal = o.signal;
  if (signal !== undefined && (signal === null || typeof signal !== "object" || typeof signal.aborted !== "boolean")) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "signal" must be an AbortSignal, got ${describe(signal)}`);
  }
  // counts past u32 saturate, as fit's do
  const count = (v: number): number => Math.min(v, 0xffff_ffff);
  const cfg: CoreSettings = {
    opt: OPT_CODE[opt],
    update_grid: boolOption(op, "updateGrid", o.updateGrid ?? d.updateGrid) ? 1 : 0,
    grid_update_num: count(intOption(op, "gridUpdateNum", o.gridUpdateNum ?? d.gridUpdateNum, 1)),
    stop_grid_update_step: count(intOption(op, "stopGridUpdateStep", o.stopGridUpdateStep ?? d.stopGridUpdateStep, 0)),
    pad: 0,
    lr,
    lamb: finiteNumber(op, "lamb", o.lamb ?? d.lamb, 0),
    lamb_l1: finiteNumber(op, "lambL1", o.lambL1 ?? d.lambL1, 0),
    lamb_entropy: finiteNumber(op, "lambEntropy", o.lambEntropy ?? d.lambEntropy, 0),
  };
  return { steps, cfg, threads, ...(signal ? { signal } : {}), ...(o.onStep ? { onStep: o.onStep } : {}) };
}

/**
 * A physics-informed training run, one step per `await t.step()`: made by
 * `model.trainer(problem, options)` when given a problem ({ terms }) instead of data, and run
 * to its end by fitPDE. Close it (or `using`) to free its state.
 */
export class PDETrainer {
  readonly #model: ModelHandle;
  readonly #s: Settings;
  readonly #op: string;
  readonly #id: number;
  /** The core's instance that holds the fit: one loaded since (threads, a memory rescue) has not got it. */
  readonly #kernel: Kernel;
  readonly #history: PDEHistory;
  #closed = false;
  #stepping = false;
  #lastYield = Date.now();

  private constructor(model: ModelHandle, s: Settings, op: string, id: number, nterms: number, k: Kernel) {
    this.#model = model;
    this.#s = s;
    this.#op = op;
    this.#id = id;
    this.#kernel = k;
    this.#history = { loss: [], terms: Array.from({ length: nterms }, () => []), reg: [] };
  }

  /** Validates, takes the model's training lock and starts the core's fit. @internal */
  static open(model: ModelHandle, problem: unknown, opts: unknown, op: string): PDETrainer {
    const [s, c] = PDETrainer.check(model, problem, opts, op);
    return PDETrainer.start(model, s, c, op);
  }

  /** The validated options and problem; throws before anything changes. */
  private static check(model: ModelHandle, problem: unknown, opts: unknown, op: string): [Settings, Checked] {
    model.handle(op);
    model.notTraining(op);
    return [settings(op, opts ?? {}), checkProblem(op, model, problem as PDEProblem)];
  }

  /** Takes the model's training lock and starts the core's fit of a checked problem. */
  private static start(model: ModelHandle, s: Settings, c: Checked, op: string): PDETrainer {
    const h = model.handle(op);
    model.notTraining(op);
    const [k, r] = raw(op);
    const id = begin(k, r, op, h, c, s.cfg);
    const t = new PDETrainer(model, s, op, id, c.points.length, k);
    model.lockTraining(op, t);
    return t;
  }

  /** fitPDE's trainer: checked first, then the threads started (which may move the models). @internal */
  static async openThreaded(model: ModelHandle, problem: unknown, opts: unknown): Promise<PDETrainer> {
    const [s, c] = PDETrainer.check(model, problem, opts, "fitPDE");
    await prepareThreads("fitPDE", s.threads);
    return PDETrainer.start(model, s, c, "fitPDE");
  }

  /** The step budget (`steps` of the options). */
  get steps(): number {
    return this.#s.steps;
  }
  /** The steps taken so far. */
  get stepsDone(): number {
    return this.#history.loss.length;
  }
  /** Whether the budget is spent or the trainer closed. */
  get done(): boolean {
    return this.#closed || this.stepsDone >= this.#s.steps;
  }
  /** Whether close() ended it (or the model was disposed). */
  get closed(): boolean {
    return this.#closed;
  }
  /** A copy of the losses of every step so far. */
  get history(): PDEHistory {
    const h = this.#history;
    return { loss: h.loss.slice(), terms: h.terms.map((t) => t.slice()), reg: h.reg.slice() };
  }

  /**
   * One optimiser step (a grid update first when due); resolves with the loss and each term's
   * mean squared residual after `onStep` has run. Throws ABORTED when the signal has aborted
   * (the error's `pdeHistory` holds the steps done), NUMERIC when the loss stops being finite,
   * DISPOSED after close() or the model's dispose().
   */
  async step(): Promise<PDEStepInfo> {
    const op = this.#op === "fitPDE" ? "fitPDE" : "trainer.step";
    if (this.#closed) throw new KanError("DISPOSED", `${op}: this trainer was closed`);
    if (!this.#model.live) throw new KanError("DISPOSED", `${op}: the model was disposed during training`);
    if (this.#stepping) {
      throw new KanError("INVALID_ARGUMENT", `${op}: the previous step() has not resolved yet; await it first`);
    }
    const { steps, signal, onStep } = this.#s;
    const step = this.stepsDone;
    if (step >= steps) {
      const msg = `${op}: all ${steps} steps are done; open the trainer with a larger "steps"`;
      throw new KanError("INVALID_ARGUMENT", msg);
    }
    if (signal?.aborted) {
      const msg = `${op}: aborted after ${step} of ${steps} steps; the model holds the parameters of step ${step}`;
      const e = new KanError("ABORTED", msg, { cause: signal.reason });
      (e as unknown as { pdeHistory: PDEHistory }).pdeHistory = this.history;
      throw e;
    }
    const [k, r] = raw(op);
    if (k !== this.#kernel) {
      const msg = `${op}: the core's instance was replaced since this trainer opened (a fit on threads moves the ` +
        "models to the threaded module); open a new trainer";
      throw new KanError("DISPOSED", msg);
    }
    const n = this.#history.terms.length;
    const h = this.#model.handle(op);
    // the threads serve this step only, as in fit
    const v = onThreads(k, this.#s.threads, () => advance(k, r, op, this.#id, h, true, n));
    const info: PDEStepInfo = { step, loss: v[0]!, terms: Array.from(v.subarray(1, 1 + n)), reg: v[1 + n]! };
    this.#history.loss.push(info.loss);
    this.#history.reg.push(info.reg);
    info.terms.forEach((t, q) => this.#history.terms[q]!.push(t));
    this.#stepping = true;
    try {
      if (onStep) await onStep({ ...info, terms: info.terms.slice() });
      if (Date.now() - this.#lastYield >= 8) {
        await pause();
        this.#lastYield = Date.now();
      }
    } finally {
      this.#stepping = false;
    }
    return info;
  }

  /** Ends the run and frees its state in the core; the model keeps its parameters. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#model.unlockTraining(this);
    // a fit's id in another instance may name another fit there
    if (rawKernel("close") === this.#kernel) this.#kernel.raw.kw_pde_free(this.#id);
  }

  /** For `using t = model.trainer(problem, ...)`. */
  [disposeKey](): void {
    this.close();
  }
}

/**
 * Trains `model` on `problem`: a PDETrainer run to its end. Resolves with the history; rejects
 * with ABORTED (its `pdeHistory` holds the steps done) when `signal` aborts, and NUMERIC when
 * the loss stops being finite (the model keeps its parameters from before that step). A bad
 * problem or option throws before anything changes.
 */
export async function fitPDE(model: ModelHandle, problem: PDEProblem, opts: PDEFitOptions = {}): Promise<PDEHistory> {
  const t = await PDETrainer.openThreaded(model, problem, opts);
  try {
    while (!t.done) await t.step();
    return t.history;
  } finally {
    t.close();
  }
}
