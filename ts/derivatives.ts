/**
 * Exact derivatives of a model's outputs with respect to its inputs: gradients and Hessians
 * propagated through the layers in the core (B-spline, base and symbolic derivatives of every
 * edge, the product rule at multiplication nodes), not finite differences.
 *
 * ```js
 * const { value, gradient, hessian } = model.derivatives([[0.1, 0.2]], { order: 2 });
 * gradient[j * inDim + i];                       // dy_j/dx_i of row 0
 * hessian[(j * inDim + a) * inDim + b];          // d2y_j/dx_a dx_b of row 0
 * ```
 *
 * # Shapes
 * `value (rows, out)`; `gradient (rows, out, in)`: entry `[r][j][i] = dy_j/dx_i`;
 * `hessian (rows, out, in, in)`, row-major.
 */
import { KanError } from "./errors.js";
import { toMatrix, type Matrix, type MatrixLike } from "./matrix.js";
import { checkOptions } from "./options.js";
import { rawKernel } from "./raw/loader.js";

/** What derivatives needs of a model's handle (model.ts; declared here so the types shipped stay public). */
interface ModelHandle {
  handle(op: string): number;
  readonly inDim: number;
  readonly outDim: number;
}

/** Options of `model.derivatives`. */
export interface DerivativeOptions {
  /** 1: gradients; 2: gradients and Hessians. Default 1. */
  order?: 1 | 2;
}

/** What `model.derivatives` returns: the outputs and their exact input derivatives. */
export interface Derivatives {
  /** The outputs, exactly as predict gives them. */
  value: Matrix;
  /** (rows, out, in): gradient[(r * out + j) * in + i] = dy_j/dx_i at row r. */
  gradient: Float64Array;
  /** (rows, out, in, in), with order 2. */
  hessian?: Float64Array;
}

/** Values (from `value`, the model's predict), gradients and (order 2) Hessians of the outputs at `input`'s rows. */
export function derivatives(
  model: ModelHandle,
  value: (x: Matrix) => Matrix,
  input: MatrixLike,
  opts: DerivativeOptions = {},
): Derivatives {
  const op = "derivatives";
  const h = model.handle(op);
  const o = checkOptions(op, opts, ["order"]) as DerivativeOptions;
  const order = o.order ?? 1;
  if (order !== 1 && order !== 2) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "order" must be 1 or 2, got ${JSON.stringify(order) ?? String(order)}`,
    );
  }
  const x = toMatrix(input, `${op}: input`, "float64");
  const d = model.inDim;
  if (x.cols !== d) {
    throw new KanError(
      "SHAPE_MISMATCH",
      `${op}: input has ${x.cols} columns but the model takes ${d} inputs (width[0])`,
    );
  }
  const y = value(x);
  const no = model.outDim;
  const k = rawKernel(op);
  const r = k.raw;
  const [gradient, hessian] = k.scope((s) => {
    const ng = x.rows * no * d;
    const nh = order === 2 ? ng * d : 0;
    const pg = s.alloc(8 * ng);
    const ph = s.alloc(8 * nh);
    k.check(op, r.kw_model_derivatives(h, s.put(x.data), x.rows, order, pg, ph));
    return [s.take(pg, ng, Float64Array), order === 2 ? s.take(ph, nh, Float64Array) : undefined];
  });
  return hessian === undefined ? { value: y, gradient } : { value: y, gradient, hessian };
}
