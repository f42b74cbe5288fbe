/**
 * Training progress on stderr: a bar redrawn in place on a terminal, otherwise a few plain lines
 * per stage (logs and pipes get no carriage returns). Results go to stdout, never here.
 */
import process from "node:process";
import type { StepInfo } from "../index.js";

export class Progress {
  readonly #tty: boolean;
  readonly #start = Date.now();
  readonly #every: number;
  #drawn = false;

  constructor(private readonly label: string, private readonly steps: number, private readonly lossName: string) {
    this.#tty = process.stderr.isTTY === true;
    this.#every = Math.max(1, Math.ceil(steps / 5));
  }

  /** An onStep callback for fit(). */
  readonly onStep = ({ step, trainLoss, testLoss }: StepInfo): void => {
    const done = step + 1;
    if (!this.#tty && done !== this.steps && done % this.#every !== 0) return;
    const w = 24;
    const fill = Math.round((w * done) / this.steps);
    const bar = this.#tty ? ` [${"#".repeat(fill)}${".".repeat(w - fill)}]` : "";
    const test = Number.isNaN(testLoss) ? "" : `  test ${testLoss.toExponential(2)}`;
    const secs = ((Date.now() - this.#start) / 1000).toFixed(1);
    const line = `${this.label}${bar} ${String(done).padStart(String(this.steps).length)}/${this.steps}` +
      `  ${this.lossName} train ${trainLoss.toExponential(2)}${test}  ${secs}s`;
    process.stderr.write(this.#tty ? `\r${line}\x1b[K` : `${line}\n`);
    this.#drawn = true;
  };

  /** Ends the bar's line on a terminal. */
  done(): void {
    if (this.#tty && this.#drawn) process.stderr.write("\n");
  }
}
