/**
 * What every stage of discover shares: the samples, the library, the seed, the budget of
 * LBFGS steps and seconds, the abort signal, and the record of the stages run so far.
 */
import { KanError } from "../errors.js";
import type { KAN } from "../kan.js";
import { asDataset, rms, type Samples } from "./data.js";

/** Train and test RMSE. */
export interface RmsePair {
  /** RMSE on the training samples. */
  train: number;
  /** RMSE on the test samples (NaN when there are none). */
  test: number;
}

/** One stage of discover: a formula shape tried, with the error of its symbolic model. */
export interface DiscoverStage {
  /** What was tried, e.g. "additive [2,1]" or "product in log|x| [3,1]". */
  name: string;
  /** The width of the symbolic model the stage ends with, or of the numeric one where it stops. */
  width: (number | [number, number])[];
  /** RMSE of the stage's symbolic model on the training and the test samples (NaN when there is none). */
  rmse: RmsePair;
  /** Its formula as text, "" when the stage found none. */
  formula: string;
  /** Sum of the complexities of its symbolic edges. */
  complexity: number;
  /** LBFGS steps the stage took. */
  steps: number;
  /** Seconds it took. */
  seconds: number;
}

/** A symbolic model a stage offers as the result. */
export interface Candidate {
  model: KAN;
  stage: DiscoverStage;
}

/** The shared state of one discover call. @internal */
export class Context {
  readonly data: Samples;
  readonly lib: string[];
  readonly seed: number;
  readonly signal: AbortSignal | undefined;
  readonly stages: DiscoverStage[] = [];
  readonly scale: number;
  readonly onStage: ((s: DiscoverStage) => void | Promise<void>) | undefined;
  inputNames: string[] | undefined;
  /** The threads of its fits and searches (discover's option). */
  threads: number | "auto" = 1;
  /** Whether a numeric fit far from its target ends its stage without a formula. */
  gate = true;
  #steps: number;
  readonly #deadline: number;
  stepsUsed = 0;

  constructor(data: Samples, lib: string[], seed: number, steps: number, seconds: number,
    signal: AbortSignal | undefined, onStage: ((s: DiscoverStage) => void | Promise<void>) | undefined) {
    this.data = data;
    this.lib = lib;
    this.seed = seed;
    this.#steps = steps;
    this.#deadline = Number.isFinite(seconds) ? Date.now() + seconds * 1000 : Infinity;
    this.signal = signal;
    this.onStage = onStage;
    this.scale = Math.max(rms(data.y), 1e-300);
  }

  /** Throws ABORTED once the signal has aborted. */
  checkAbort(): void {
    if (this.signal?.aborted) {
      throw new KanError("ABORTED", "discover: aborted by its signal", { cause: this.signal.reason });
    }
  }

  /** Whether budget remains for another stage. */
  get left(): boolean {
    return this.#steps - this.stepsUsed > 0 && Date.now() < this.#deadline;
  }

  /** Up to `want` steps from the budget (0 when spent). */
  take(want: number): number {
    const n = Math.max(0, Math.min(want, this.#steps - this.stepsUsed));
    this.stepsUsed += n;
    return Date.now() < this.#deadline ? n : 0;
  }

  /**
   * LBFGS on the training samples (or `x` and `y` in place of the inputs and labels), for up to
   * `want` steps of the budget; returns the steps taken. A loss that stops being finite ends
   * the fit where it was.
   */
  async fit(model: KAN, want: number, opts: { lamb?: number; updateGrid?: boolean; x?: Samples["x"];
    y?: Float64Array; tx?: Samples["x"]; ty?: Float64Array } = {}): Promise<number> {
    this.checkAbort();
    const steps = this.take(want);
    if (steps === 0) return 0;
    const d = this.data;
    const data = asDataset(opts.x ?? d.x, opts.y ?? d.y, opts.tx ?? d.tx, opts.ty ?? d.ty);
    try {
      await model.fit(data, {
        opt: "lbfgs", steps, lamb: opts.lamb ?? 0, updateGrid: opts.updateGrid ?? false, threads: this.threads,
        ...(this.signal ? { signal: this.signal } : {}),
      });
    } catch (e) {
      if (e instanceof KanError && e.code === "NUMERIC") return steps;
      if (e instanceof KanError && e.code === "ABORTED") this.checkAbort();
      throw e;
    }
    return steps;
  }

  /** Train and test RMSE of a model on the samples. */
  rmse(model: KAN): RmsePair {
    const d = this.data;
    const e = model.evaluate(asDataset(d.x, d.y, d.tx, d.ty));
    return { train: e.trainRmse, test: e.testRmse ?? NaN };
  }

  /** Records a stage and reports it. */
  async report(stage: DiscoverStage): Promise<void> {
    this.stages.push(stage);
    if (this.onStage) await this.onStage({ ...stage });
    this.checkAbort();
  }
}
