/**
 * The data discover works on: one output column, train and test rows, and what the shape
 * search needs to know of them: where inputs and output keep their sign, and which inputs'
 * signs the output's sign follows (y = x_k * |...| for an odd factor x_k).
 */
import type { Dataset } from "../dataset.js";
import type { Matrix } from "../matrix.js";

/** Train and test samples for one output. */
export interface Samples {
  n: number;
  x: Matrix;
  y: Float64Array;
  tx: Matrix;
  ty: Float64Array;
}

/** A Dataset of matrices for fit, from inputs and one label column. */
export function asDataset(x: Matrix, y: Float64Array, tx: Matrix, ty: Float64Array): Dataset<Matrix, Matrix> {
  return {
    trainInput: x, trainLabel: { rows: y.length, cols: 1, data: y },
    testInput: tx, testLabel: { rows: ty.length, cols: 1, data: ty },
  };
}

/** Column `c` of a row-major matrix. */
export function column(m: Matrix, c: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.data[r * m.cols + c]!;
  return out;
}

/** `m` with column i mapped through `fs[i]` (identity where null). */
export function mapColumns(m: Matrix, fs: (((v: number) => number) | null)[]): Matrix {
  const data = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c]!;
      const f = fs[c];
      data[r * m.cols + c] = f ? f(v) : v;
    }
  }
  return { rows: m.rows, cols: m.cols, data };
}

/** Root mean square of a - b, or of a alone. */
export function rms(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let r = 0; r < a.length; r++) {
    const d = a[r]! - (b ? b[r]! : 0);
    s += d * d;
  }
  return Math.sqrt(s / Math.max(1, a.length));
}

/**
 * The sign structure of y: `s` and the inputs `odd` such that sign(y) = s * prod sign(x_k),
 * k in odd, on every sample, with y and the inputs in `odd` never 0; null when there is none
 * (y changes sign in some other way, or touches 0). Inputs that keep their sign never enter.
 */
export function signStructure(x: Matrix, y: Float64Array): { s: number; odd: number[] } | null {
  const n = x.cols;
  const crossing: number[] = [];
  for (let c = 0; c < n; c++) {
    let neg = false;
    let pos = false;
    for (let r = 0; r < x.rows; r++) {
      const v = x.data[r * n + c]!;
      if (v < 0) neg = true;
      else if (v > 0) pos = true;
    }
    if (neg && pos) crossing.push(c);
  }
  if (crossing.length > 8) return null;
  for (let mask = 0; mask < 1 << crossing.length; mask++) {
    const odd = crossing.filter((_, q) => mask & (1 << q));
    let s = 0;
    let ok = true;
    for (let r = 0; r < x.rows && ok; r++) {
      let p = y[r]!;
      for (const k of odd) p *= x.data[r * n + k]!;
      if (!(p !== 0)) ok = false;
      else if (s === 0) s = Math.sign(p);
      else if (Math.sign(p) !== s) ok = false;
    }
    if (ok && s !== 0) return { s, odd };
  }
  return null;
}

/** Whether every value of column c of both matrices is non-zero (log|x| is finite). */
export function nonZeroColumn(a: Matrix, b: Matrix, c: number): boolean {
  for (const m of [a, b]) for (let r = 0; r < m.rows; r++) if (m.data[r * m.cols + c] === 0) return false;
  return true;
}
