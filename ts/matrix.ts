/**
 * Matrix: the row-major `{ rows, cols, data }` value that kanwasm takes and returns, and the
 * conversions into it from `number[][]` and from typed arrays, with validation.
 *
 * ```js
 * const m = toMatrix([[1, 2], [3, 4]], "input");   // { rows: 2, cols: 2, data: Float64Array [1, 2, 3, 4] }
 * toRows(m);                                        // [[1, 2], [3, 4]]
 * ```
 */
import { KanError, describe } from "./errors.js";

/** Numeric precision of computations and results. */
export type DType = "float32" | "float64";

/** A row-major matrix: element (r, c) is `data[r * cols + c]`; `data.length === rows * cols`. */
export interface Matrix {
  /** Number of rows (samples). */
  rows: number;
  /** Number of columns (variables). */
  cols: number;
  /** rows * cols values, row after row, in the model's or the call's dtype. */
  data: Float64Array | Float32Array;
}

/** Anything `toMatrix` accepts: rows of numbers, or `{ rows, cols, data }` with a flat row-major `data`. */
export type MatrixLike =
  | ArrayLike<ArrayLike<number>>
  | {
    /** Number of rows. */
    rows: number;
    /** Number of columns. */
    cols: number;
    /** rows * cols numbers, row after row. */
    data: ArrayLike<number>;
  };

/** The typed arrays kanwasm computes in: Float64Array for "float64", Float32Array for "float32". */
export type FloatArray = Float64Array | Float32Array;

/** @internal */
export function floatArrayType(dtype: DType): Float64ArrayConstructor | Float32ArrayConstructor {
  return dtype === "float32" ? Float32Array : Float64Array;
}

/**
 * Validates `value` and returns it as a Matrix of `dtype`. The data is copied unless it is
 * already a typed array of `dtype` (then it is shared: do not change it while it is in use).
 *
 * Throws KanError: INVALID_ARGUMENT (not a matrix), SHAPE_MISMATCH (ragged rows, or
 * `data.length !== rows * cols`), NON_FINITE (NaN or ±Infinity). `name` goes into messages.
 */
export function toMatrix(value: MatrixLike, name = "matrix", dtype: DType = "float64"): Matrix {
  const Float = floatArrayType(dtype);
  if (value !== null && typeof value === "object" && "data" in value && "rows" in value && "cols" in value) {
    const { rows, cols, data } = value;
    for (const [key, n] of [["rows", rows], ["cols", cols]] as const) {
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
        throw new KanError("INVALID_ARGUMENT", `${name}.${key} must be a non-negative integer, got ${describe(n)}`);
      }
    }
    if (!isArrayLike(data)) {
      throw new KanError("INVALID_ARGUMENT", `${name}.data must be an array or typed array, got ${describe(data)}`);
    }
    if (data.length !== rows * cols) {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${name}: data has ${data.length} numbers but rows x cols = ${rows} x ${cols} = ${rows * cols}`,
      );
    }
    // checked before converting: Float64Array.from throws a raw TypeError on BigInts
    checkFinite(data, name, cols);
    const out = data instanceof Float ? data : Float.from(data);
    return { rows, cols, data: out };
  }
  if (!isArrayLike(value)) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${name} must be number[][] or { rows, cols, data }, got ${describe(value)}`,
    );
  }
  const rows = value.length;
  const cols = rows > 0 && isArrayLike(value[0]) ? value[0].length : 0;
  const out = new Float(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = value[r];
    if (!isArrayLike(row)) {
      throw new KanError("INVALID_ARGUMENT", `${name}[${r}] must be an array of numbers, got ${describe(row)}`);
    }
    if (row.length !== cols) {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${name}: row ${r} has ${row.length} numbers but row 0 has ${cols}; all rows need the same length`,
      );
    }
    for (let c = 0; c < cols; c++) out[r * cols + c] = finite(row[c], name, `[${r}][${c}]`);
  }
  return { rows, cols, data: out };
}

/** Labels: anything toMatrix takes, or a 1-D array of numbers (one label per row, cols = 1). */
export type LabelLike = MatrixLike | ArrayLike<number>;

/** Validates labels: a 1-D array becomes one column; everything else is as for toMatrix. @internal */
export function toLabels(value: LabelLike, name = "labels", dtype: DType = "float64"): Matrix {
  if (isArrayLike(value) && !("data" in value) && value.length > 0 && !isArrayLike(value[0])) {
    const data = toVector(value as ArrayLike<number>, name, dtype);
    return { rows: data.length, cols: 1, data };
  }
  return toMatrix(value as MatrixLike, name, dtype);
}

/**
 * Validates a vector of finite numbers and returns it as a typed array of `dtype` (copied unless already one).
 * @internal
 */
export function toVector(value: ArrayLike<number>, name: string, dtype: DType = "float64"): FloatArray {
  if (!isArrayLike(value)) {
    throw new KanError("INVALID_ARGUMENT", `${name} must be an array of numbers, got ${describe(value)}`);
  }
  const Float = floatArrayType(dtype);
  checkFinite(value, name, 0);
  return value instanceof Float ? value : Float.from(value);
}

/** The matrix as an array of rows. */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return out;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return (
    v !== null && typeof v === "object" && typeof (v as ArrayLike<unknown>).length === "number"
  );
}

/** Throws on the first element that is not a finite number; `cols` > 0 reports (row, col). */
function checkFinite(data: ArrayLike<unknown>, name: string, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === "number" && Number.isFinite(v)) continue;
    finite(v, name, cols > 0 ? `[${Math.floor(i / cols)}][${i % cols}]` : `[${i}]`);
  }
}

function finite(v: unknown, name: string, where: string): number {
  if (typeof v !== "number") {
    throw new KanError("INVALID_ARGUMENT", `${name}${where} must be a number, got ${describe(v)}`);
  }
  if (!Number.isFinite(v)) {
    throw new KanError("NON_FINITE", `${name}${where} is ${v}; all values must be finite numbers`);
  }
  return v;
}
