/**
 * What training reports: one StepInfo per step, and the History of a run.
 *
 * ```js
 * const history = await model.fit(data, { steps: 5 });
 * history.trainLoss.length;   // 5
 * ```
 */

/** One step's report: losses after the step (RMSE for "mse", mean cross-entropy for "crossentropy"). */
export interface StepInfo {
  /** 0 for the first step of a fit or trainer. */
  step: number;
  /** The loss on the training data after the step. */
  trainLoss: number;
  /** NaN without test data. */
  testLoss: number;
  /** The regulariser's value (0 with lamb 0). */
  reg: number;
}

/** One entry per step: RMSE for "mse", mean cross-entropy for "crossentropy"; testLoss NaN without test data. */
export interface History {
  /** The training loss after each step. */
  trainLoss: number[];
  /** The test loss after each step (NaN without test data). */
  testLoss: number[];
  /** The regulariser's value after each step. */
  reg: number[];
}
