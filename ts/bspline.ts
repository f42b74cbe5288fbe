/**
 * B-spline bases: the building block of every KAN edge, computed in the wasm core.
 *
 * ```js
 * await init();
 * const B = bsplineBasis([-0.5, 0, 0.5], { grid: 5, k: 3 });        // 3 x 8 (coeff = grid + k)
 * const dB = bsplineBasis([0.1], { knots: [0, 0, 0, 1, 1, 1], k: 2, derivative: 1 });  // 1 x 3
 * ```
 *
 * # Shapes
 * x: (n) → basis: (n, coeff), coeff = grid + k = knots.length - k - 1.
 * Basis i is the order-k B-spline on knots t_i..t_{i+k+1}; it is 0 outside them, so a
 * row has at most k + 1 non-zeros and x outside the knot span gives a row of zeros.
 */
import { KanError, describe } from "./errors.js";
import { type DType, type FloatArray, type Matrix, floatArrayType, toVector } from "./matrix.js";
import { checkOptions, enumOption, intOption, rangeOption } from "./options.js";
import type { Ptr } from "./raw/exports.js";
import type { RawKernel as Kernel, RawScope as Scope } from "./raw/kernel.js";
import { rawKernel } from "./raw/loader.js";

/** The options of `bsplineBasis(x, options)` on a uniform grid. */
export interface GridBasisOptions {
  /** Number of grid intervals over gridRange, >= 1. */
  grid: number;
  /** Spline order (3 = cubic), 0..24. */
  k: number;
  /** [lo, hi] covered by the grid; knots extend k intervals beyond each end. Default [-1, 1]. */
  gridRange?: [number, number];
  /** 0 for the basis, 1 or 2 for its derivatives with respect to x. Default 0. */
  derivative?: 0 | 1 | 2;
  /** Precision of the result. Default "float64". */
  dtype?: DType;
}

/** The options of `bsplineBasis(x, options)` on an explicit knot vector. */
export interface KnotBasisOptions {
  /** A non-decreasing knot vector with at least k + 2 entries. */
  knots: ArrayLike<number>;
  /** Spline order (3 = cubic), 0..24. */
  k: number;
  /** 0 for the basis, 1 or 2 for its derivatives with respect to x. Default 0. */
  derivative?: 0 | 1 | 2;
  /** Precision of the result. Default "float64". */
  dtype?: DType;
}

/** The options of `bsplineKnots(options)`. */
export interface KnotOptions {
  /** Number of grid intervals over gridRange, >= 1. */
  grid: number;
  /** Spline order: the knots extend k intervals beyond each end. */
  k: number;
  /** [lo, hi] covered by the grid. Default [-1, 1]. */
  gridRange?: [number, number];
  /** Precision of the result. Default "float64". */
  dtype?: DType;
}

const BASIS_OPTIONS = ["grid", "k", "gridRange", "knots", "derivative", "dtype"] as const;
const KNOT_OPTIONS = ["grid", "k", "gridRange", "dtype"] as const;
const DTYPES = ["float64", "float32"] as const;
/** The highest spline order the core evaluates (MAX_K in crate/src/bspline.rs). */
const MAX_K = 24;

/**
 * The B-spline basis (or its first or second derivative) at each x: a Matrix x.length x coeff.
 * Needs `await init()` first. Throws KanError on a bad option or a non-finite x.
 */
export function bsplineBasis(x: ArrayLike<number>, opts: GridBasisOptions | KnotBasisOptions): Matrix {
  const op = "bsplineBasis";
  const o = checkOptions(op, opts, BASIS_OPTIONS);
  const k = intOption(op, "k", o.k, 0, MAX_K);
  const derivative = o.derivative === undefined ? 0 : intOption(op, "derivative", o.derivative, 0, 2);
  const dtype = dtypeOption(op, o.dtype);
  const xs = toVector(x, `${op}: x`, dtype);
  let knots: FloatArray | undefined;
  let grid: { grid: number; range: [number, number] } | undefined;
  if (o.knots !== undefined) {
    if (o.grid !== undefined || o.gridRange !== undefined) {
      throw new KanError("INVALID_ARGUMENT", `${op}: pass either { knots, k } or { grid, k, gridRange }, not both`);
    }
    knots = checkKnots(op, o.knots, k, dtype);
  } else if (o.grid !== undefined) {
    grid = { grid: gridOption(op, o.grid), range: gridRangeOption(op, o.gridRange) };
  } else {
    throw new KanError("INVALID_ARGUMENT", `${op}: options need { grid, k } (with optional gridRange) or { knots, k }`);
  }
  const kernel = rawKernel(op);
  const Float = floatArrayType(dtype);

  return kernel.scope((s) => {
    const knotsPtr = knots ? s.put(knots) : uniformKnotsInto(kernel, s, grid!.grid, k, grid!.range, dtype);
    const nKnots = knots ? knots.length : grid!.grid + 2 * k + 1;
    const cols = nKnots - k - 1;
    const xPtr = s.put(xs);
    const out = s.alloc(xs.length * cols * Float.BYTES_PER_ELEMENT);
    const basis = dtype === "float32" ? kernel.raw.kw_bspline_basis_f32 : kernel.raw.kw_bspline_basis_f64;
    kernel.check(op, basis(xPtr, xs.length, knotsPtr, nKnots, k, derivative, out));
    return { rows: xs.length, cols, data: s.take(out, xs.length * cols, Float) };
  });
}

/**
 * The uniform knot vector of a grid: grid + 2k + 1 knots t_j = lo + h*j for j = -k..grid+k,
 * h = (hi - lo) / grid, computed in the wasm core (so it matches the model's own knots bit for bit).
 */
export function bsplineKnots(opts: KnotOptions): FloatArray {
  const op = "bsplineKnots";
  const o = checkOptions(op, opts, KNOT_OPTIONS);
  const grid = gridOption(op, o.grid);
  const k = intOption(op, "k", o.k, 0, MAX_K);
  const range = gridRangeOption(op, o.gridRange);
  const dtype = dtypeOption(op, o.dtype);
  const kernel = rawKernel(op);
  const n = grid + 2 * k + 1;
  return kernel.scope((s) => s.take(uniformKnotsInto(kernel, s, grid, k, range, dtype), n, floatArrayType(dtype)));
}

function gridOption(op: string, grid: unknown): number {
  return intOption(op, "grid", grid, 1, 1 << 20);
}

function gridRangeOption(op: string, range: unknown): [number, number] {
  return range === undefined ? [-1, 1] : rangeOption(op, "gridRange", range);
}

function dtypeOption(op: string, dtype: unknown): DType {
  return dtype === undefined ? "float64" : enumOption(op, "dtype", dtype, DTYPES);
}

function uniformKnotsInto(kernel: Kernel, s: Scope, grid: number, k: number, [lo, hi]: [number, number],
  dtype: DType): Ptr {
  const Float = floatArrayType(dtype);
  const ptr = s.alloc((grid + 2 * k + 1) * Float.BYTES_PER_ELEMENT);
  const knots = dtype === "float32" ? kernel.raw.kw_uniform_knots_f32 : kernel.raw.kw_uniform_knots_f64;
  kernel.check("bsplineKnots", knots(grid, k, lo, hi, ptr));
  return ptr;
}

function checkKnots(op: string, value: unknown, k: number, dtype: DType): FloatArray {
  const knots = toVector(value as ArrayLike<number>, `${op}: knots`, dtype);
  if (knots.length < k + 2) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: knots must have at least k + 2 = ${k + 2} entries for k = ${k}, got ${describe(value)}`,
    );
  }
  for (let i = 1; i < knots.length; i++) {
    if (knots[i]! < knots[i - 1]!) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: knots must be non-decreasing, but knots[${i}] = ${knots[i]} < knots[${i - 1}] = ${knots[i - 1]}`,
      );
    }
  }
  return knots;
}
