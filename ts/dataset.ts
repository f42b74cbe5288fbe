/**
 * createDataset: train and test sets sampled from a function, reproducibly from a seed.
 *
 * ```js
 * const data = createDataset(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y), { nVar: 2, seed: 0 });
 * data.trainInput;   // { rows: 1000, cols: 2, data: Float64Array }
 * ```
 *
 * # Shapes
 * trainInput (trainNum, nVar), trainLabel (trainNum, outDim), likewise for test; outDim is 1
 * when f returns a number, else the length of the array it returns.
 */
import { KanError, describe } from "./errors.js";
import { toLabels, toMatrix, type LabelLike, type Matrix, type MatrixLike } from "./matrix.js";
import { checkOptions, intOption } from "./options.js";

/**
 * Train and test data as fit, trainer and evaluate take it: inputs (n, inDim) as a Matrix or
 * `number[][]`; labels (n, outDim) likewise, or a 1-D array (one column: a single output, or
 * class indices). createDataset returns `Dataset<Matrix, Matrix>`.
 */
export interface Dataset<Input = MatrixLike, Label = LabelLike> {
  /** Training inputs, one row per sample. */
  trainInput: Input;
  /** Training labels, one row (or entry) per sample. */
  trainLabel: Label;
  /** Test inputs, reported on but never trained on. Default none. */
  testInput?: Input;
  /** Test labels; given exactly when testInput is. Default none. */
  testLabel?: Label;
}

/** The options of `createDataset(f, options)`. */
export interface CreateDatasetOptions {
  /** Number of input variables. Default 2. */
  nVar?: number;
  /** Number of training samples. Default 1000. */
  trainNum?: number;
  /** Number of test samples. Default 1000. */
  testNum?: number;
  /** One [lo, hi] for every variable, or one per variable. Default [-1, 1]. */
  ranges?: [number, number] | [number, number][];
  /** Seed of the sampler. Default 0. */
  seed?: number;
}

const OPTIONS = ["nVar", "trainNum", "testNum", "ranges", "seed"] as const;

/**
 * A seeded generator of uniform floats in [0, 1) with 53 random bits (sfc32 over 32-bit
 * integer arithmetic), so a seed gives the same numbers in every JavaScript engine.
 */
export function seededRandom(seed: number): () => number {
  let a = 0x9e3779b9 ^ (seed >>> 0);
  let b = 0x243f6a88 ^ Math.floor(seed / 2 ** 32);
  let c = 0xb7e15162;
  let d = 1;
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return () => (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
}

/** Train and test sets: inputs uniform in `ranges`, labels `f(inputs)`. */
export function createDataset(
  f: (x: number[]) => number | ArrayLike<number>,
  opts: CreateDatasetOptions = {},
): Required<Dataset<Matrix, Matrix>> {
  const op = "createDataset";
  const o = checkOptions(op, opts, OPTIONS) as CreateDatasetOptions;
  if (typeof f !== "function") {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: the first argument must be a function of one sample's inputs, got ${describe(f)}`,
    );
  }
  const nVar = intOption(op, "nVar", o.nVar ?? 2, 1, 1 << 20);
  const trainNum = intOption(op, "trainNum", o.trainNum ?? 1000, 1, 1 << 26);
  const testNum = intOption(op, "testNum", o.testNum ?? 1000, 0, 1 << 26);
  const seed = intOption(op, "seed", o.seed ?? 0, 0);
  const ranges = normaliseRanges(op, o.ranges ?? [-1, 1], nVar);
  const rand = seededRandom(seed);
  let outDim = -1;
  const sample = (n: number, which: string): [Matrix, Matrix] => {
    const input = new Float64Array(n * nVar);
    let label = new Float64Array(0);
    const row = new Array<number>(nVar);
    for (let s = 0; s < n; s++) {
      for (let v = 0; v < nVar; v++) {
        const [lo, hi] = ranges[v]!;
        row[v] = lo + (hi - lo) * rand();
        input[s * nVar + v] = row[v]!;
      }
      const y = f(row.slice());
      const ys = typeof y === "number" ? [y] : Array.from(y ?? []);
      if (outDim < 0) {
        if (ys.length === 0) throw new KanError("INVALID_ARGUMENT", `${op}: f returned no value`);
        outDim = ys.length;
      }
      if (label.length === 0) label = new Float64Array(n * outDim);
      if (ys.length !== outDim) {
        throw new KanError(
          "SHAPE_MISMATCH",
          `${op}: f returned ${ys.length} values for ${which} sample ${s}, but ${outDim} before`,
        );
      }
      for (let j = 0; j < outDim; j++) {
        const v = ys[j];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new KanError(
            "NON_FINITE",
            `${op}: f(${JSON.stringify(row)}) gave ${String(v)}; labels must be finite numbers`,
          );
        }
        label[s * outDim + j] = v;
      }
    }
    return [{ rows: n, cols: nVar, data: input }, { rows: n, cols: Math.max(outDim, 1), data: label }];
  };
  const [trainInput, trainLabel] = sample(trainNum, "train");
  const [testInput, testLabel] = sample(testNum, "test");
  const noTest = { rows: 0, cols: outDim, data: new Float64Array(0) };
  return { trainInput, trainLabel, testInput, testLabel: testNum === 0 ? noTest : testLabel };
}

function normaliseRanges(op: string, r: unknown, nVar: number): [number, number][] {
  const pair = (v: unknown): v is [number, number] =>
    Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && Number.isFinite(x)) && v[0] < v[1];
  if (pair(r)) return Array.from({ length: nVar }, () => [r[0], r[1]]);
  if (Array.isArray(r) && r.length === nVar && r.every(pair)) return r as [number, number][];
  throw new KanError(
    "INVALID_ARGUMENT",
    `${op}: option "ranges" must be [lo, hi] or one [lo, hi] per variable (${nVar}), each with finite lo < hi, ` +
      `got ${JSON.stringify(r)}`,
  );
}

/** Whether one column of labels holds class indices 0..outDim-1 (for a model with >= 2 outputs). @internal */
export function isClassLabels(label: Matrix, outDim: number): boolean {
  if (label.cols !== 1 || outDim < 2) return false;
  for (let i = 0; i < label.data.length; i++) {
    const v = label.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= outDim) return false;
  }
  return true;
}

/**
 * Validates a dataset against the model's shape (and class labels for cross-entropy); the
 * test set is dropped when it has no rows.
 * @internal
 */
export function checkDataset(op: string, data: unknown, inDim: number, outDim: number,
  classes: boolean): Dataset<Matrix, Matrix> {
  if (data === null || typeof data !== "object") {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: data must be { trainInput, trainLabel, testInput?, testLabel? }, got ${describe(data)}`,
    );
  }
  checkOptions(op + ": data", data, ["trainInput", "trainLabel", "testInput", "testLabel"]);
  const d = data as Partial<Dataset>;
  if (d.trainInput === undefined || d.trainLabel === undefined) {
    throw new KanError("INVALID_ARGUMENT", `${op}: data needs trainInput and trainLabel`);
  }
  const pair = (xi: MatrixLike, yi: LabelLike, which: string): [Matrix, Matrix] => {
    const x = toMatrix(xi, `${op}: ${which}Input`, "float64");
    const y = toLabels(yi, `${op}: ${which}Label`, "float64");
    if (x.rows === 0) throw new KanError("EMPTY_DATASET", `${op}: ${which}Input has no rows`);
    if (x.cols !== inDim) {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${op}: ${which}Input has ${x.cols} columns but the model takes ${inDim} inputs`,
      );
    }
    if (y.rows !== x.rows) {
      throw new KanError("SHAPE_MISMATCH", `${op}: ${which}Input has ${x.rows} rows but ${which}Label has ${y.rows}`);
    }
    if (classes) {
      if (y.cols !== 1 || !isClassLabels(y, outDim)) {
        throw new KanError(
          "INVALID_ARGUMENT",
          `${op}: with loss "crossentropy", ${which}Label must be one column of class indices 0..${outDim - 1} ` +
            "(and the model needs >= 2 outputs)",
        );
      }
    } else if (y.cols !== outDim && !(y.cols === 1 && isClassLabels(y, outDim))) {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${op}: ${which}Label has ${y.cols} columns but the model has ${outDim} outputs`,
      );
    } else if (y.cols !== outDim && op !== "evaluate") {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${op}: ${which}Label holds class indices; pass loss: "crossentropy" to fit classes, or one column per output`,
      );
    }
    return [x, y];
  };
  const [trainInput, trainLabel] = pair(d.trainInput, d.trainLabel, "train");
  const out: Dataset<Matrix, Matrix> = { trainInput, trainLabel };
  if ((d.testInput === undefined) !== (d.testLabel === undefined)) {
    throw new KanError("INVALID_ARGUMENT", `${op}: give both testInput and testLabel, or neither`);
  }
  if (d.testInput !== undefined && d.testLabel !== undefined && toMatrix(d.testInput, `${op}: testInput`).rows > 0) {
    [out.testInput, out.testLabel] = pair(d.testInput, d.testLabel, "test");
  }
  return out;
}
