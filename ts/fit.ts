/**
 * Training: the Trainer, which takes one optimiser step per `step()`, and fit(), which is a
 * Trainer run to its end. Five `step()`s leave the model with the same bits as
 * `fit(data, { steps: 5 })`.
 *
 * ```js
 * const t = model.trainer(data, { opt: "adam", lr: 0.01, steps: 500 });
 * try {
 *   while (!t.done) {
 *     const { step, trainLoss, testLoss } = await t.step();
 *     if (testLoss < 1e-3) break;
 *   }
 * } finally {
 *   t.close();                       // or `using t = model.trainer(...)`
 * }
 * ```
 *
 * # Rules
 * - `steps` (default 100) is the trainer's budget: `done` turns true after that many steps,
 *   and a step() past it throws INVALID_ARGUMENT. The grid update schedule (updateGrid,
 *   gridUpdateNum, stopGridUpdateStep) counts steps from the trainer's first, as fit's does.
 * - One trainer per model: opening a second, or fit(), while one is open throws
 *   INVALID_ARGUMENT; so do calls that change the parameters (updateGrid, setLayerArray,
 *   fixSymbolic, ...). Reading calls (predict, evaluate, save, clone) are allowed.
 * - Disposing of the model closes its trainer: step() then throws DISPOSED, close() does nothing.
 * - A failed step (NUMERIC, ABORTED) throws a KanError whose `history` holds the steps done.
 */
import { type FitSettings, encodeFitSettings, normaliseFit } from "./config.js";
import { checkDataset } from "./dataset.js";
import { disposeKey } from "./dispose.js";
import { KanError } from "./errors.js";
import type { History, StepInfo } from "./history.js";
import type { ModelHandle } from "./model.js";
import { STEP_REPORT } from "./raw/exports.js";
import { rawKernel } from "./raw/loader.js";
import { onThreads, prepareThreads } from "./threads.js";

/** How long a run of steps may hold the thread before yielding to the event loop (ms). */
const YIELD_EVERY = 8;

/** A training run of one model; made by `model.trainer(data, options)`. */
export class Trainer {
  readonly #model: ModelHandle;
  readonly #settings: FitSettings;
  /** The operation named in messages: "fit" when fit() drives this trainer. */
  readonly #op: string;
  readonly #history: History = { trainLoss: [], testLoss: [], reg: [] };
  #closed = false;
  #stepping = false;
  #lastYield = Date.now();

  private constructor(model: ModelHandle, settings: FitSettings, op: string) {
    this.#model = model;
    this.#settings = settings;
    this.#op = op;
  }

  /**
   * Validates `opts` and `data`, takes the model's training lock and starts the core's fit.
   * @internal
   */
  static open(model: ModelHandle, data: unknown, opts: unknown, op: string): Trainer {
    const h = model.handle(op);
    model.notTraining(op);
    const settings = normaliseFit(op, opts ?? {}, model.cfg.seed);
    const sets = checkDataset(op, data, model.inDim, model.outDim, settings.loss === "crossentropy");
    const t = new Trainer(model, settings, op);
    model.lockTraining(op, t);
    try {
      const k = rawKernel(op);
      k.scope((s) => {
        const { trainInput: x, trainLabel: y, testInput: vx, testLabel: vy } = sets;
        const cfg = encodeFitSettings(settings, x.rows);
        k.check(op, k.raw.kw_fit_begin(h, s.put(x.data), s.put(y.data), x.rows, y.cols,
          vx ? s.put(vx.data) : 0, vy ? s.put(vy.data) : 0, vx?.rows ?? 0, s.put(cfg)));
      });
    } catch (e) {
      model.unlockTraining(t);
      throw e;
    }
    return t;
  }

  /** The number of steps this trainer may take (the `steps` option). */
  get steps(): number {
    return this.#settings.steps;
  }

  /** Steps taken so far. */
  get stepsDone(): number {
    return this.#history.trainLoss.length;
  }

  /** Whether all `steps` steps are taken (or the trainer is closed). */
  get done(): boolean {
    return this.#closed || this.stepsDone >= this.#settings.steps;
  }

  /** Whether close() has been called (or the model disposed of). */
  get closed(): boolean {
    return this.#closed;
  }

  /** A copy of the losses of every step so far. */
  get history(): History {
    const h = this.#history;
    return { trainLoss: h.trainLoss.slice(), testLoss: h.testLoss.slice(), reg: h.reg.slice() };
  }

  /**
   * Takes one optimiser step (with a grid update first when the schedule says so) and
   * resolves with its losses, after `onStep` (if given) has run. Throws ABORTED when the
   * signal has aborted, NUMERIC when the loss stops being finite, DISPOSED after close() or
   * the model's dispose(), INVALID_ARGUMENT past `steps` or while another step() is pending.
   */
  async step(): Promise<StepInfo> {
    const op = this.#op === "fit" ? "fit" : "trainer.step";
    if (this.#closed) throw new KanError("DISPOSED", `${op}: this trainer was closed`);
    if (!this.#model.live) {
      throw new KanError("DISPOSED", `${op}: the model was disposed during training`);
    }
    if (this.#stepping) {
      throw new KanError("INVALID_ARGUMENT", `${op}: the previous step() has not resolved yet; await it first`);
    }
    const { steps, signal, onStep } = this.#settings;
    const step = this.stepsDone;
    if (step >= steps) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: all ${steps} steps are done; open the trainer with a larger "steps"`,
      );
    }
    if (signal?.aborted) {
      throw this.#withHistory(new KanError(
        "ABORTED",
        `${op}: aborted after ${step} of ${steps} steps; the model holds the parameters of step ${step}`,
        { cause: signal.reason },
      ));
    }
    const k = rawKernel(op);
    const h = this.#model.handle(op);
    let rep: Float64Array;
    try {
      rep = k.scope((s) => {
        const out = s.alloc(8 * STEP_REPORT.length);
        // the threads serve this step only: other calls (predict, other models' steps) ask for their own
        onThreads(k, this.#settings.threads, () => k.check(op, k.raw.kw_fit_step(h, out)));
        return s.take(out, STEP_REPORT.length, Float64Array);
      });
    } catch (e) {
      throw e instanceof KanError ? this.#withHistory(e) : e;
    }
    const info: StepInfo = {
      step,
      trainLoss: rep[STEP_REPORT.train]!,
      testLoss: rep[STEP_REPORT.test]!,
      reg: rep[STEP_REPORT.reg]!,
    };
    this.#history.trainLoss.push(info.trainLoss);
    this.#history.testLoss.push(info.testLoss);
    this.#history.reg.push(info.reg);
    this.#stepping = true;
    try {
      if (onStep) await onStep({ ...info });
      // pages repaint and handle input between steps; a custom loop gets this as fit does
      if (Date.now() - this.#lastYield >= YIELD_EVERY) {
        await yieldToEventLoop();
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
    // a disposed model's handle may already name another model: leave it alone
    if (this.#model.live) rawKernel("close").raw.kw_fit_end(this.#model.handle("close"));
  }

  /** For `using t = model.trainer(...)`. */
  [disposeKey](): void {
    this.close();
  }

  #withHistory(e: KanError): KanError {
    e.history = this.history;
    return e;
  }
}

/** fit(): a trainer run to its end; resolves with the history of every step. @internal */
export async function fitModel(model: ModelHandle, data: unknown, opts: unknown): Promise<History> {
  // every option is checked before the threads start (which moves the models to another instance)
  model.handle("fit");
  model.notTraining("fit");
  await prepareThreads("fit", normaliseFit("fit", opts ?? {}, model.cfg.seed).threads);
  const t = Trainer.open(model, data, opts, "fit");
  try {
    while (!t.done) await t.step();
    return t.history;
  } finally {
    t.close();
  }
}

/** Yields to the event loop (a macrotask), so pages repaint and handle input between steps. @internal */
export function yieldToEventLoop(): Promise<void> {
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
