/**
 * discover: from data to a formula in one call. It tries formula shapes from the simplest up
 * (a sum of functions of each input; a product of functions of each input, found in
 * log-space; a power law times a function of one group of inputs; a function of a sum), each
 * through a small KAN fitted numerically, its edges read as library functions and its
 * constants refitted, and keeps the symbolic model with the lowest test error, the simplest
 * among those within ten times of it; several outputs are found one by one and joined.
 *
 * ```js
 * const data = createDataset(([a, b, c]) => a * b / c, { nVar: 3, ranges: [[0.5, 2], [0.5, 2], [1, 2]] });
 * const { formula, js, rmse } = await discover(data, { inputNames: ["m", "v", "r"] });
 * ```
 */
import { DISCOVER_DEFAULTS, threadsOption } from "../config.js";
import { checkDataset, seededRandom, type Dataset } from "../dataset.js";
import { KanError, describe } from "../errors.js";
import type { KAN } from "../kan.js";
import { toLabels, toMatrix, type Matrix } from "../matrix.js";
import { checkOptions, intOption } from "../options.js";
import { init } from "../raw/loader.js";
import { requireSymbolicId } from "../symbolic-lib.js";
import { Context, type Candidate, type DiscoverStage, type RmsePair } from "./context.js";
import { column, type Samples } from "./data.js";
import { scaling } from "./scaling.js";
import { stack } from "./stack.js";
import { additive, composed, product } from "./shapes.js";

export type { DiscoverStage, RmsePair } from "./context.js";

/** The options of `discover(data, options)`. */
export interface DiscoverOptions {
  /** Names of the inputs in the formulas. Default x1, x2, … */
  inputNames?: string[];
  /** Names of the outputs in the formulas. Default y1, y2, … */
  outputNames?: string[];
  /** Library functions the edges may take. Default: powers (x … x^5, 1/x … 1/x^5, sqrt, x^1.5, 1/sqrt(x)),
   * exp, log, sin, cos, tan, tanh, arcsin, arctan and gaussian. */
  lib?: string[];
  /** Seed of every model and of the train/test split. Default 0. */
  seed?: number;
  /** What discover may spend: LBFGS steps over all its stages, and seconds of wall-clock time (a time
   * limit makes the result depend on the machine). Default { steps: 2000 }. */
  budget?: DiscoverBudget;
  /** Called after every stage with its record. Default none. */
  onStage?: (stage: DiscoverStage) => void | Promise<void>;
  /** Stops discover between LBFGS steps: it rejects with KanError("ABORTED"). Default none. */
  signal?: AbortSignal;
  /**
   * Threads its fits and symbolic searches run on (as `fit`'s `threads`): an integer from 1 to 64,
   * or "auto" for the host's logical cores. Default 1. The result is the same for any number.
   */
  threads?: number | "auto";
}

/** What discover may spend. */
export interface DiscoverBudget {
  /** LBFGS steps over all stages. Default 2000. */
  steps?: number;
  /** Seconds of wall-clock time; no new stage or step starts after them. Default none. */
  seconds?: number;
}

/** What discover found. */
export interface DiscoverResult {
  /** The symbolic KAN of the formula; the caller owns it (dispose when done). */
  model: KAN;
  /** The formula as text, one per output. */
  formula: string[];
  /** The formula as LaTeX. */
  latex: string[];
  /** The formula as a JavaScript expression of the input names, at full precision. */
  js: string[];
  /** RMSE of the model on the training and test samples. */
  rmse: RmsePair;
  /** Every stage tried, in order (names prefixed with the output's name when there are several). */
  stages: DiscoverStage[];
}

const OPTIONS = ["inputNames", "outputNames", "lib", "seed", "budget", "onStage", "signal", "threads"] as const;

function names(op: string, what: string, v: unknown, n: number): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== n || !v.every((s) => typeof s === "string" && s.length > 0)) {
    throw new KanError("INVALID_ARGUMENT",
      `${op}: option "${what}" must be ${n} non-empty strings, got ${describe(v)}`);
  }
  return v as string[];
}

function budget(op: string, v: unknown): { steps: number; seconds: number } {
  const d = DISCOVER_DEFAULTS.budget;
  if (v === undefined) return { ...d };
  const o = checkOptions(`${op}: budget`, v, ["steps", "seconds"]);
  const steps = o["steps"] === undefined ? d.steps : intOption(op, "budget.steps", o["steps"], 1);
  const s = o["seconds"];
  if (s !== undefined && (typeof s !== "number" || !(s > 0))) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "budget.seconds" must be a number > 0, got ${describe(s)}`);
  }
  return { steps, seconds: (s as number | undefined) ?? d.seconds };
}

/** Train and test rows of every output; a seeded share of the training rows when there is no test set. */
function samples(op: string, data: unknown, seed: number): Samples[] {
  const probe = data !== null && typeof data === "object" ? (data as Partial<Dataset>).trainInput : undefined;
  if (probe === undefined) throw new KanError("INVALID_ARGUMENT", `${op}: data needs trainInput and trainLabel`);
  const nIn = toMatrix(probe, `${op}: trainInput`).cols;
  const labels = (data as Partial<Dataset>).trainLabel;
  const nOut = labels === undefined ? 1 : toLabels(labels, `${op}: trainLabel`).cols;
  const d = checkDataset(op, data, nIn, nOut, false);
  const x = d.trainInput;
  const outputs = Array.from({ length: nOut }, (_, c) => c);
  if (d.testInput && d.testLabel) {
    if (x.rows < 2) throw new KanError("EMPTY_DATASET", `${op}: data.trainInput needs at least 2 rows`);
    const tx = d.testInput;
    return outputs.map((c) => ({ n: nIn, x, y: column(d.trainLabel, c), tx, ty: column(d.testLabel!, c) }));
  }
  const nTest = Math.round(x.rows * DISCOVER_DEFAULTS.testFraction);
  if (x.rows - nTest < 2 || nTest < 1) {
    throw new KanError("EMPTY_DATASET", `${op}: data.trainInput needs at least 4 rows without a test set`);
  }
  const order = Array.from({ length: x.rows }, (_, r) => r);
  const rnd = seededRandom(seed);
  for (let r = order.length - 1; r > 0; r--) {
    const q = Math.floor(rnd() * (r + 1));
    [order[r], order[q]] = [order[q]!, order[r]!];
  }
  const pick = (rows: number[]): Matrix => {
    const m = new Float64Array(rows.length * nIn);
    rows.forEach((r, q) => m.set(x.data.subarray(r * nIn, (r + 1) * nIn), q * nIn));
    return { rows: rows.length, cols: nIn, data: m };
  };
  const [te, tr] = [order.slice(0, nTest), order.slice(nTest)];
  const [tx, trx] = [pick(te), pick(tr)];
  return outputs.map((c) => {
    const y = column(d.trainLabel, c);
    return { n: nIn, x: trx, y: Float64Array.from(tr, (r) => y[r]!), tx, ty: Float64Array.from(te, (r) => y[r]!) };
  });
}

/** The candidate with the lowest test error, or the simplest within ten times of it. */
function choose(cands: Candidate[], scale: number): Candidate {
  const err = (c: Candidate): number => (Number.isFinite(c.stage.rmse.test) ? c.stage.rmse.test / scale : Infinity);
  const best = Math.min(...cands.map(err));
  const near = cands.filter((c) => err(c) <= Math.max(10 * best, DISCOVER_DEFAULTS.exact));
  near.sort((a, b) => a.stage.complexity - b.stage.complexity || err(a) - err(b));
  return near[0] ?? cands[0]!;
}

/**
 * Finds a formula for each output of `data` (a Dataset; without a test set, a seeded fifth of
 * the training rows is held out), each output on its own with its own budget, the models
 * joined side by side into one. See the module's comment for the method.
 */
export async function discover(data: Dataset, options: DiscoverOptions = {}): Promise<DiscoverResult> {
  const op = "discover";
  const o = checkOptions(op, options, OPTIONS) as DiscoverOptions;
  await init();
  const seed = o.seed === undefined ? DISCOVER_DEFAULTS.seed : intOption(op, "seed", o.seed, 0, 2 ** 32 - 1);
  const lib = o.lib === undefined ? [...DISCOVER_DEFAULTS.lib] : o.lib;
  if (!Array.isArray(lib) || lib.length === 0) {
    throw new KanError("INVALID_ARGUMENT",
      `${op}: option "lib" must be a non-empty array of names, got ${describe(lib)}`);
  }
  for (const name of lib) requireSymbolicId(`${op}: lib`, name);
  const b = budget(op, o.budget);
  threadsOption(op, o.threads ?? DISCOVER_DEFAULTS.threads);
  const threads = o.threads ?? DISCOVER_DEFAULTS.threads;
  if (o.onStage !== undefined && typeof o.onStage !== "function") {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "onStage" must be a function, got ${describe(o.onStage)}`);
  }
  if (o.signal !== undefined && (o.signal === null || typeof o.signal !== "object" || !("aborted" in o.signal))) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "signal" must be an AbortSignal, got ${describe(o.signal)}`);
  }
  const outs = samples(op, data, seed);
  const inputNames = names(op, "inputNames", o.inputNames, outs[0]!.n);
  const outputNames = names(op, "outputNames", o.outputNames, outs.length);
  const stages: DiscoverStage[] = [];
  const picked: Candidate[] = [];
  try {
    for (const [c, s] of outs.entries()) {
      const label = outs.length > 1 ? `${outputNames?.[c] ?? `y${c + 1}`}: ` : "";
      const onStage = o.onStage;
      const report = (st: DiscoverStage): void | Promise<void> => {
        const named = { ...st, name: label + st.name };
        stages.push(named);
        return onStage?.(named);
      };
      const ctx = new Context(s, lib, seed, b.steps, b.seconds, o.signal, report);
      ctx.inputNames = inputNames;
      ctx.threads = threads;
      picked.push(await search(ctx, seed));
    }
    const model = picked.length === 1 ? picked[0]!.model : stack(picked.map((p) => p.model), seed);
    const fo = { ...(inputNames ? { inputNames } : {}), ...(outputNames ? { outputNames } : {}) };
    const rmse = picked.length === 1 ? { ...picked[0]!.stage.rmse } : rmseOf(model, outs);
    if (picked.length > 1) for (const p of picked) p.model.dispose();
    return {
      model,
      formula: model.symbolicFormula(fo),
      latex: model.symbolicFormula({ ...fo, format: "latex" }),
      js: model.symbolicFormula({ ...fo, format: "js" }),
      rmse,
      stages,
    };
  } catch (e) {
    for (const p of picked) p.model.dispose();
    throw e;
  }
}

/** RMSE over every output, as fit reports it. */
function rmseOf(model: KAN, outs: Samples[]): RmsePair {
  const pair = (x: Matrix, ys: Float64Array[]): number => {
    const p = model.predict(x).data;
    const k = ys.length;
    let se = 0;
    ys.forEach((y, c) => y.forEach((v, r) => { se += (p[r * k + c]! - v) ** 2; }));
    return Math.sqrt(se / (x.rows * k));
  };
  return { train: pair(outs[0]!.x, outs.map((s) => s.y)), test: pair(outs[0]!.tx, outs.map((s) => s.ty)) };
}

/** The shapes tried for one output, and the candidate chosen. */
async function search(ctx: Context, seed: number): Promise<Candidate> {
  ctx.checkAbort();
  const cands: Candidate[] = [];
  const exact = (c: Candidate | null): boolean => !!c && c.stage.rmse.test / ctx.scale <= DISCOVER_DEFAULTS.exact;
  const tries: (() => Promise<Candidate | null>)[] = [
    () => additive(ctx), () => product(ctx), () => scaling(ctx),
    () => composed(ctx, seed), () => composed(ctx, seed + 1),
  ];
  try {
    for (const t of tries) {
      if (!ctx.left) break;
      const c = await t();
      if (c) cands.push(c);
      if (exact(c)) break;
    }
    if (cands.length === 0) {
      // every shape was far off: the additive one's formula all the same
      ctx.gate = false;
      const c = await additive(ctx);
      if (c) cands.push(c);
    }
    const pick = choose(cands, ctx.scale);
    for (const c of cands) if (c !== pick) c.model.dispose();
    return pick;
  } catch (e) {
    for (const c of cands) c.model.dispose();
    throw e;
  }
}
