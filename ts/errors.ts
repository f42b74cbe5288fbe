/**
 * KanError: the one error type kanwasm throws, with a machine-readable `code`.
 *
 * ```js
 * try { bsplineBasis([0], { grid: 0, k: 3 }); }
 * catch (e) { if (e instanceof KanError && e.code === "INVALID_ARGUMENT") console.log(e.message); }
 * ```
 */
import type { History } from "./history.js";

/** Every code a KanError can carry. */
export type KanErrorCode =
  | "INVALID_ARGUMENT" // a value of the wrong type or outside its range
  | "SHAPE_MISMATCH" // rows/cols that do not fit together
  | "NON_FINITE" // NaN or ±Infinity in inputs or labels
  | "EMPTY_DATASET"
  | "UNKNOWN_OPTION" // an option name that the function does not take (often a typo)
  | "UNKNOWN_SYMBOLIC" // a symbolic function name that is not in the library
  | "CORRUPT_DATA" // saved bytes that are truncated or not kanwasm's
  | "DISPOSED" // use after dispose()
  | "WASM_NOT_FOUND" // kanwasm.wasm could not be fetched, read or compiled
  | "NO_SIMD" // the engine lacks WebAssembly SIMD128
  | "NOT_INITIALIZED" // a synchronous function called before `await init()`
  | "NUMERIC" // a numeric failure inside the core (rank deficient, diverged)
  | "OUT_OF_MEMORY" // the wasm memory cannot grow any further
  | "ABORTED" // an AbortSignal stopped the operation
  | "INTERNAL"; // a bug in kanwasm (a wasm trap, an unexpected state): please report it

/** The one error type kanwasm throws: a message naming the argument, and a machine-readable code. */
export class KanError extends Error {
  /** What kind of failure this is; see KanErrorCode. */
  readonly code: KanErrorCode;
  /** The steps done, when training stopped (ABORTED, NUMERIC): one entry per step, as fit's result. */
  declare history?: History;
  /** The edges fixed, when autoSymbolicAsync stopped (ABORTED): they stay fixed. */
  declare fixed?: FixedEdge[];

  constructor(code: KanErrorCode, message: string, options?: {
    /** The error that led to this one. Default: none. */
    cause?: unknown;
  }) {
    super(message, options);
    this.name = "KanError";
    this.code = code;
  }
}

/** A short description of `value` for error messages: its type, and its value when short. @internal */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "object") return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return `${typeof value} ${String(value)}`;
}

/** An edge a symbolic search fixed. */
export interface FixedEdge {
  /** The edge's layer. */
  l: number;
  /** The edge's input node. */
  i: number;
  /** The edge's output node. */
  j: number;
  /** The function now on the edge. */
  name: string;
  /** R² of its fit. */
  r2: number;
}
