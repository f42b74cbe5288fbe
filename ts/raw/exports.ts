/**
 * The raw layer's contract: every export of `kanwasm.wasm` with its signature, the status
 * codes, and the codes and layouts of the buffers that cross the boundary. This file mirrors
 * the core's `extern "C"` surface (crate/src/ffi); a change on one side is made on the other.
 * The settings structs are in raw/layout.ts, checked against the core by a test.
 *
 * ```js
 * import { init, rawKernel } from "kanwasm";
 * await init();
 * const { raw } = rawKernel();          // RawExports
 * raw.kw_model_count();                 // live models
 * ```
 *
 * Pointers (`Ptr`) are byte offsets into the wasm memory; lengths count elements. Functions
 * that can fail return a `Status`; the message of the last failure is at `kw_error_ptr`.
 */
import type { KanErrorCode } from "../errors.js";

/** A byte offset into the wasm memory; read unsigned (`>>> 0`), as a memory may pass 2 GiB. */
export type Ptr = number;

/** A model's slot in the core's table; 0 is never a live model. */
export type Handle = number;

/** The status a fallible export returns. */
export type Status = number;

/** Status codes of the core, and the KanError code each becomes. */
export const STATUS: Readonly<Record<number, KanErrorCode>> = {
  1: "INVALID_ARGUMENT",
  2: "NUMERIC",
  3: "OUT_OF_MEMORY",
  4: "DISPOSED",
  5: "CORRUPT_DATA",
};

/** The module's exports; the loader wraps every function so that a trap becomes KanError("INTERNAL"). */
export interface RawExports {
  /** The module's linear memory; views of it go stale when it grows (after any call that allocates). */
  readonly memory: WebAssembly.Memory;
  /** Allocates `bytes` (8-byte aligned); 0 when the memory cannot grow. */
  kw_alloc(bytes: number): Ptr;
  /** Frees `bytes` at `ptr`, as allocated by kw_alloc. */
  kw_free(ptr: Ptr, bytes: number): void;
  /** UTF-8 message of the last failed call. */
  kw_error_ptr(): Ptr;
  /** Byte length of that message. */
  kw_error_len(): number;
  /** The version of this FFI surface. */
  kw_version(): number;
  /**
   * The UTF-8 description of settings struct `which` (`code` in raw/layout.ts) as the core lays it out:
   * "Name size;field:type:offset;..." (raw/layout.ts mirrors it).
   */
  kw_layout(which: number): Ptr;
  /** The byte length of that description; 0 for an unknown `which`. */
  kw_layout_len(which: number): number;

  /** Writes grid + 2k + 1 knots t_j = a + h*j, j = -k..grid+k, h = (b - a) / grid. */
  kw_uniform_knots_f64(grid: number, k: number, a: number, b: number, out: Ptr): Status;
  /** kw_uniform_knots_f64 in float32. */
  kw_uniform_knots_f32(grid: number, k: number, a: number, b: number, out: Ptr): Status;
  /** out: n x (nKnots - k - 1), row-major; deriv 0, 1 or 2. */
  kw_bspline_basis_f64(x: Ptr, n: number, knots: Ptr, nKnots: number, k: number, deriv: number, out: Ptr): Status;
  /** kw_bspline_basis_f64 in float32. */
  kw_bspline_basis_f32(x: Ptr, n: number, knots: Ptr, nKnots: number, k: number, deriv: number, out: Ptr): Status;
  /**
   * Per x: the k + 1 possibly non-zero values `vals (n, k+1)`, and the index of the first (i32::MIN outside).
   * Optional exports (`?`) are in the benchmark module only (.tmp/kanwasm-bench.wasm, cargo feature `bench`).
   */
  kw_bspline_sparse_f64?(x: Ptr, n: number, knots: Ptr, nKnots: number, k: number, starts: Ptr, vals: Ptr): Status;
  /** kw_bspline_sparse_f64 in float32. */
  kw_bspline_sparse_f32?(x: Ptr, n: number, knots: Ptr, nKnots: number, k: number, starts: Ptr, vals: Ptr): Status;
  /** The SIMD kernels and their scalar twins (NaN on a bad buffer). */
  kw_simd_dot_f32(a: Ptr, b: Ptr, n: number): number;
  /** The scalar twin of kw_simd_dot_f32. */
  kw_scalar_dot_f32(a: Ptr, b: Ptr, n: number): number;
  /** The dot product of `a (n)` and `b (n)` in float64 SIMD. */
  kw_simd_dot_f64(a: Ptr, b: Ptr, n: number): number;
  /** The scalar twin of kw_simd_dot_f64. */
  kw_scalar_dot_f64(a: Ptr, b: Ptr, n: number): number;
  /** Peak multiply-add probe for benchmarks: 96 flops per iteration. */
  kw_simd_peak_f32?(iters: number): number;
  /** The number of SIMD kernels that kw_kernel_parity checks against their scalar twins. */
  kw_kernel_parity_count?(): number;
  /** Checks kernel `i` against its scalar twin; a failure's message names the first disagreement. */
  kw_kernel_parity?(i: number): Status;

  /** A new model from `cfg`, a MODEL_SETTINGS struct (raw/layout.ts); the handle to `out (1)` as u32. */
  kw_model_new(cfg: Ptr, out: Ptr): Status;
  /** Frees a model; its handle is dead afterwards. */
  kw_model_free(h: Handle): Status;
  /** Number of live models. */
  kw_model_count(): number;
  /** A copy of model `h`; the new handle to `out (1)` as u32. */
  kw_model_clone(h: Handle, out: Ptr): Status;
  /** NaN for a handle that is not live. */
  kw_model_num_params(h: Handle): number;
  /** `x (n, in)` -> `out (n, out)`, f64 whatever the model's dtype. */
  kw_model_predict(h: Handle, x: Ptr, n: number, out: Ptr): Status;
  /** The inputs of layer `l` (l = depth: the outputs) -> `out (n, nodes_l)`. */
  kw_model_activations(h: Handle, x: Ptr, n: number, l: number, out: Ptr): Status;
  /** Moves every layer's grid to the distribution of `x (n, in)`. */
  kw_model_update_grid(h: Handle, x: Ptr, n: number): Status;
  /** A copy with `g` grid intervals fitted to the model; the new handle to `out (1)` as u32. */
  kw_model_refine(h: Handle, g: number, out: Ptr): Status;
  /** Writes LAYER_DIMS to `out (5)` as u32. */
  kw_model_layer_dims(h: Handle, l: number, out: Ptr): Status;
  /** The arity of each multiplication node of node layer `l` into `out (cap)` as u32, then 0s up to `cap`. */
  kw_model_mult_arity(h: Handle, l: number, out: Ptr, cap: number): Status;
  /**
   * Where layer array `what` of layer `l` lies, as the model stores it: elements of its dtype,
   * u16 for `symbolic`; 0 when there is none. Reads without allocating, from before a change
   * that a trap interrupted: for carrying models out of an instance that trapped. `what`
   * VIEW_SAMPLES (any `l`): the inputs of the model's last fit, (n, in).
   */
  kw_model_view(h: Handle, l: number, what: number): Ptr;
  /** The element count of the last kw_model_view. */
  kw_model_view_len(): number;
  /** Bytes of the last allocation the core could not serve since the last read, 0 when none. */
  kw_oom_bytes(): number;
  /** Later calls use up to `n` threads (1: the calling thread; ignored by kanwasm.wasm, which has no workers). */
  kw_set_threads(n: number): void;
  /** The threads a call would use now: those asked for, at most the workers ready plus one. */
  kw_threads(): number;
  /** Reads layer array `what` (LAYER_ARRAY) of layer `l` into `out (len)`; `len` must be its exact size. */
  kw_model_get(h: Handle, l: number, what: number, out: Ptr, len: number): Status;
  /** Writes layer array `what` of layer `l` from `src (len)`; `len` must be its exact size. */
  kw_model_set(h: Handle, l: number, what: number, src: Ptr, len: number): Status;
  /** Every edge leaving input `i` of layer `l` at `x (n)`: `out (n, nOut)`. */
  kw_model_edge_values(h: Handle, l: number, i: number, x: Ptr, n: number, out: Ptr): Status;
  /** Starts a fit on `tx (n, in)`, `ty (n, ny)` and optional `vx, vy (nv, ..)`; `cfg` is a FIT_SETTINGS struct. */
  kw_fit_begin(h: Handle, tx: Ptr, ty: Ptr, n: number, ny: number, vx: Ptr, vy: Ptr, nv: number, cfg: Ptr): Status;
  /** One step; writes STEP_REPORT to `out (3)`. */
  kw_fit_step(h: Handle, out: Ptr): Status;
  /** Ends the fit begun by kw_fit_begin, freeing its state. */
  kw_fit_end(h: Handle): Status;
  /** The forward spline kernel alone, `reps` times; the checksum to `out (1)`. For benchmarks. */
  kw_model_kernel_forward?(h: Handle, x: Ptr, n: number, reps: number, out: Ptr): Status;

  /** Gradients `grad (n, out, in)` and, for `order` 2, Hessians `hess (n, out, in, in)` at `x (n, in)`. */
  kw_model_derivatives(h: Handle, x: Ptr, n: number, order: number, grad: Ptr, hess: Ptr): Status;
  /** Starts a physics-informed fit of model `h`; `cfg` is a PDE_SETTINGS struct; its id to `out (1)` as u32. */
  kw_pde_new(h: Handle, nterms: number, counts: Ptr, points: Ptr, lens: Ptr, code: Ptr, weights: Ptr, cfg: Ptr,
    out: Ptr): Status;
  /** One step (`train` 1) or only the loss (`train` 0): the loss, each term's loss, the regulariser to `out`. */
  kw_pde_step(id: number, h: Handle, train: number, out: Ptr): Status;
  /** Ends fit `id`. */
  kw_pde_free(id: number): Status;

  /** Scores on `x (n, in)` (n = 0: the last fit's inputs): every node layer's, then every layer's (out, in). */
  kw_model_attribute(h: Handle, x: Ptr, n: number, nodes: Ptr, nNodes: number, edges: Ptr, nEdges: number): Status;
  /** A pruned copy (scores on `x (n, in)`, n = 0: the last fit's); the new handle to `out (1)` as u32. */
  kw_model_prune(h: Handle, nodeTh: number, edgeTh: number, x: Ptr, n: number, out: Ptr): Status;
  /** The new handle to `out`, the kept inputs to `kept (in)` and their count to `count (1)`, all u32. */
  kw_model_prune_inputs(h: Handle, th: number, x: Ptr, n: number, out: Ptr, kept: Ptr, count: Ptr): Status;
  /** Candidates for edge (l, i, j), best first: `out (nlib, SUGGESTION_WIDTH)`. */
  kw_model_suggest(h: Handle, l: number, i: number, j: number, ids: Ptr, cx: Ptr, nlib: number, weight: number,
    aLo: number, aHi: number, bLo: number, bHi: number, x: Ptr, n: number, out: Ptr): Status;
  /** Writes r2 (NaN without fitting) to `r2 (1)`. */
  kw_model_fix_symbolic(h: Handle, l: number, i: number, j: number, id: number, fit: number, aLo: number,
    aHi: number, bLo: number, bHi: number, x: Ptr, n: number, r2: Ptr): Status;
  /** Writes `(l, i, j, id, r2)` per edge fixed to `out (cap, FIXED_WIDTH)` and the count to `count (1)`. */
  kw_model_auto_symbolic(h: Handle, ids: Ptr, cx: Ptr, nlib: number, r2Th: number, weight: number, aLo: number,
    aHi: number, bLo: number, bHi: number, x: Ptr, n: number, out: Ptr, cap: number, count: Ptr): Status;
}

/** Exports kanwasm cannot work without: `init` refuses a module that lacks one. */
export const REQUIRED_EXPORTS = [
  "kw_alloc", "kw_free", "kw_error_ptr", "kw_error_len",
  "kw_uniform_knots_f64", "kw_uniform_knots_f32", "kw_bspline_basis_f64", "kw_bspline_basis_f32",
  "kw_model_new", "kw_model_free", "kw_model_predict", "kw_fit_begin", "kw_fit_step", "kw_fit_end",
] as const satisfies readonly (keyof RawExports)[];

/**
 * Exports whose result is a pointer, a length or a count (Rust `*mut u8`, `usize`, `u32`):
 * wasm returns them as i32, which JavaScript reads signed, so the loader reads them `>>> 0`.
 */
export const UNSIGNED_RESULTS = [
  "kw_alloc", "kw_error_ptr", "kw_error_len", "kw_version", "kw_model_count", "kw_model_view",
  "kw_model_view_len", "kw_oom_bytes", "kw_layout", "kw_layout_len", "kw_threads",
] as const satisfies readonly (keyof RawExports)[];

/** `what` of kw_model_view for the inputs of the model's last fit. */
export const VIEW_SAMPLES = 8;

/** `dtype` of MODEL_SETTINGS (raw/layout.ts). */
export const DTYPE_CODE = { float32: 0, float64: 1 } as const;

/** `base` of MODEL_SETTINGS: the residual function b(x). */
export const BASE_CODE = { silu: 0, identity: 1, zero: 2 } as const;

/** `what` of kw_model_get / kw_model_set: the arrays of a layer. */
export const LAYER_ARRAY = {
  /** The knots of each input's spline: (in, grid + 2k + 1). */
  knots: 0,
  /** The B-spline coefficients: (in, grid + k, out). */
  coef: 1,
  /** The scales of b(x): (in, out). */
  scaleBase: 2,
  /** The scales of the splines: (in, out). */
  scaleSp: 3,
  /** a, b, c, d of each symbolic edge's c*f(a*x + b) + d: (in, out, 4). */
  affine: 4,
  /** 1 where the numeric edge is live: (in, out). */
  mask: 5,
  /** The symbolic function's id on each edge, 0 for none: (in, out). */
  symbolic: 6,
  /** A constant added to each output (pykan's subnode_bias; prune leaves removed parts' means here): (out). */
  bias: 7,
} as const;

/** The name of one of a layer's parameter arrays. */
export type LayerArrayName = keyof typeof LAYER_ARRAY;

/**
 * The number of values of a layer array, for a layer with `ni` inputs, `no` outputs, `g`
 * intervals and order `k`. Layouts, row-major: knots (in, G+2k+1), coef (in, G+k, out),
 * scaleBase, scaleSp, mask and symbolic (in, out), affine (in, out, 4) as [a, b, c, d], bias (out).
 */
export function layerArrayLength(what: LayerArrayName, ni: number, no: number, g: number, k: number): number {
  switch (what) {
    case "knots": return ni * (g + 2 * k + 1);
    case "coef": return ni * (g + k) * no;
    case "affine": return ni * no * 4;
    case "bias": return no;
    default: return ni * no;
  }
}

/** The u32s kw_model_layer_dims writes, by position. */
export const LAYER_DIMS = { nIn: 0, nOut: 1, grid: 2, k: 3, base: 4, length: 5 } as const;

/** The f64s kw_fit_step writes, by position. */
export const STEP_REPORT = { train: 0, test: 1, reg: 2, length: 3 } as const;

/** Codes of the `opt` and `loss` fields of FIT_SETTINGS (raw/layout.ts). */
export const OPT_CODE = { lbfgs: 0, adam: 1 } as const;
export const LOSS_CODE = { mse: 0, crossentropy: 1 } as const;

/** The f64s per row of kw_model_suggest's `out`: [id, r2, complexity, a, b, c, d]. */
export const SUGGESTION_WIDTH = 7;

/** The f64s per row of kw_model_auto_symbolic's `out`: [l, i, j, id, r2]. */
export const FIXED_WIDTH = 5;
