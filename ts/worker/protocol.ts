/**
 * The messages between WorkerKAN (the calling thread) and its worker (entry.ts), and how the
 * values that structured cloning cannot carry cross: callbacks become events, an AbortSignal
 * becomes an "abort" message, errors become plain records, models stay in the worker behind ids.
 *
 * ```
 * caller → worker  { kind: "init", id, wasm? } | { kind: "create", id, options }
 *                  { kind: "make", id, method, args }           (KAN.load / fromJSON / fromExpression)
 *                  { kind: "call", id, target, method, args } | { kind: "dispose", id, target }
 *                  { kind: "abort", id }                          (stops request `id`)
 * worker → caller  { kind: "done", id, value } | { kind: "fail", id, error }
 *                  { kind: "event", id, callback, value }         (a callback option was called)
 * ```
 */
import { KanError, type KanErrorCode } from "../errors.js";
import type { KANConfig } from "../config.js";
import type { History } from "../history.js";

/** A callback option (onStep, onEdge, …) stands in an argument as this marker. */
export const CALLBACK = "__kanwasm_callback";
/** An AbortSignal option stands in an argument as this marker. */
export const SIGNAL = "__kanwasm_signal";
/** A model the worker holds stands in a result as this marker. */
export const MODEL = "__kanwasm_model";
/** Any other object the worker keeps (e.g. a Trainer) stands in a result as this marker. */
export const REMOTE = "__kanwasm_remote";
/** A call on such an object answers with its getters' values beside the result. */
export const STATE = "__kanwasm_state";

/** What the caller knows of a model in the worker, so that its getters stay synchronous. */
export interface ModelInfo {
  target: number;
  config: KANConfig;
  numParams: number;
}

export interface RemoteInfo {
  target: number;
  methods: string[];
  /** Its getters' values (e.g. a Trainer's `done`), refreshed by every call. */
  state: Record<string, unknown>;
}

/** The static methods of KAN that make a model, which the worker runs for WorkerKAN's statics. */
export type MakeMethod = "load" | "fromJSON" | "fromExpression";

export type Request =
  | { kind: "init"; id: number; wasm?: unknown }
  | { kind: "create"; id: number; options: unknown }
  | { kind: "make"; id: number; method: MakeMethod; args: unknown[] }
  | { kind: "call"; id: number; target: number; method: string; args: unknown[] }
  | { kind: "dispose"; id: number; target: number }
  | { kind: "abort"; id: number };

export type Reply =
  | { kind: "done"; id: number; value: unknown }
  | { kind: "fail"; id: number; error: ErrorRecord }
  | { kind: "event"; id: number; callback: string; value: unknown };

export interface ErrorRecord {
  name: string;
  message: string;
  code?: KanErrorCode;
  history?: History;
  fixed?: KanError["fixed"];
  /** fitPDE's steps done (an ABORTED or NUMERIC error of a physics-informed fit). */
  pdeHistory?: unknown;
}

export function errorRecord(e: unknown): ErrorRecord {
  if (e instanceof KanError) {
    const rec: ErrorRecord = { name: e.name, message: e.message, code: e.code };
    if (e.history !== undefined) rec.history = e.history;
    if (e.fixed !== undefined) rec.fixed = e.fixed;
    const pde = (e as { pdeHistory?: unknown }).pdeHistory;
    if (pde !== undefined) rec.pdeHistory = pde;
    return rec;
  }
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: "Error", message: String(e) };
}

/** The error a record stands for: a KanError with the same code (history, fixed) when it was one. */
export function fromRecord(rec: ErrorRecord): Error {
  if (rec.code !== undefined) {
    const e = new KanError(rec.code, rec.message);
    if (rec.history !== undefined) e.history = rec.history;
    if (rec.fixed !== undefined) e.fixed = rec.fixed;
    if (rec.pdeHistory !== undefined) (e as { pdeHistory?: unknown }).pdeHistory = rec.pdeHistory;
    return e;
  }
  const e = new Error(rec.message);
  e.name = rec.name;
  return e;
}

/** A plain options object (not an array, typed array, Matrix data or class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isSignal(v: unknown): v is AbortSignal {
  return typeof AbortSignal === "function" && v instanceof AbortSignal;
}

/**
 * Replaces the callbacks and the AbortSignal of options objects among `args` by markers (and
 * adds a signal marker beside callbacks, so that a throwing callback can stop the call).
 * Returns the new args, the callbacks by name, and the signal.
 */
export function encodeArgs(args: unknown[]): {
  args: unknown[];
  callbacks: Map<string, (v: unknown) => unknown>;
  signal?: AbortSignal;
} {
  const callbacks = new Map<string, (v: unknown) => unknown>();
  let signal: AbortSignal | undefined;
  const out = args.map((a) => {
    if (!isPlainObject(a)) return a;
    const o: Record<string, unknown> = {};
    const before = callbacks.size;
    for (const [key, v] of Object.entries(a)) {
      if (typeof v === "function") {
        callbacks.set(key, v as (v: unknown) => unknown);
        o[key] = { [CALLBACK]: key };
      } else if (isSignal(v)) {
        signal = v;
        o[key] = { [SIGNAL]: true };
      } else {
        o[key] = v;
      }
    }
    // a callback that throws must stop its call as on the calling thread, where the throw
    // ends the loop; every method of KAN that takes a callback also takes a signal
    if (callbacks.size > before && !("signal" in a)) o.signal = { [SIGNAL]: true };
    return o;
  });
  return signal === undefined ? { args: out, callbacks } : { args: out, callbacks, signal };
}

/** The ArrayBuffers of the typed arrays in `value` (to depth 3), for transferring a fresh result. */
export function transferables(value: unknown, depth = 3, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && !found.has(value.buffer)) found.add(value.buffer);
  } else if (depth > 0 && value !== null && typeof value === "object") {
    for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, depth - 1, found);
  }
  return [...found];
}
