/**
 * The instantiated core as the raw layer hands it out: its exports, the status check that
 * turns a failure into a KanError, and scoped allocations that copy arrays in and out.
 *
 * ```js
 * const k = rawKernel();
 * const sum = k.scope((s) => k.raw.kw_simd_dot_f64(s.put(a), s.put(b), a.length));
 * ```
 *
 * No typed view of the memory is kept across a call: any call may grow the memory, which
 * detaches every view of the old buffer.
 */
import { KanError, describe } from "../errors.js";
import { STATUS, type Ptr, type RawExports, type Status } from "./exports.js";
import { takeHostFailure, type HostFailure } from "./host.js";

/** The typed-array constructors `RawScope.take` copies into. */
export type FloatCtor = Float64ArrayConstructor | Float32ArrayConstructor;

/** The instantiated module: the raw exports plus the helpers every wrapper needs. */
export class RawKernel {
  /** The module's exports, each wrapped so that a trap becomes KanError("INTERNAL"). */
  readonly raw: RawExports;

  constructor(raw: RawExports) {
    this.raw = raw;
  }

  /**
   * Throws the core's error as a KanError when `status` is not 0. The message is prefixed
   * with `op` unless the core already names it, so no message reads "fit: fit: ...".
   */
  check(op: string, status: Status): void {
    const failed = takeHostFailure();
    if (failed !== undefined) throw hostError(op, failed);
    if (status === 0) return;
    const { raw } = this;
    // copied: a TextDecoder refuses views of a shared memory (the threaded module's)
    const bytes = new Uint8Array(raw.memory.buffer, raw.kw_error_ptr() >>> 0, raw.kw_error_len() >>> 0).slice();
    const message = new TextDecoder().decode(bytes) || `status ${status}`;
    const text = message.startsWith(`${op}: `) ? message : `${op}: ${message}`;
    throw new KanError(STATUS[status] ?? "INTERNAL", text);
  }

  /** Runs `body` with a scope whose allocations are all freed when it returns or throws. */
  scope<T>(body: (s: RawScope) => T): T {
    const s = new RawScope(this.raw);
    try {
      return body(s);
    } finally {
      s.freeAll();
    }
  }

  /** `n` u32s at `ptr` (handles, counts, layer dims), copied out. */
  u32(ptr: Ptr, n = 1): Uint32Array {
    return new Uint32Array(this.raw.memory.buffer, ptr >>> 0, n).slice();
  }
}

/** A user function's failure as the error of the call that ran into it. */
function hostError(op: string, f: HostFailure): KanError {
  const what = "error" in f
    ? `threw ${f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error)}`
    : `returned ${describe(f.value)}`;
  return new KanError(
    "INVALID_ARGUMENT",
    `${op}: the symbolic function "${f.name}" (addSymbolic) ${what} at x = ${f.x}; ` +
      "user functions must return a finite number for every finite x",
    "error" in f ? { cause: f.error } : undefined,
  );
}

/** Allocations that live for one `RawKernel.scope` call. */
export class RawScope {
  readonly #raw: RawExports;
  readonly #allocs: Array<[Ptr, number]> = [];

  constructor(raw: RawExports) {
    this.#raw = raw;
  }

  /** `bytes` of wasm memory, 8-byte aligned; never 0 (a zero-size request still gets 8 bytes). */
  alloc(bytes: number): Ptr {
    const size = Math.max(8, bytes);
    const ptr = this.#raw.kw_alloc(size) >>> 0;
    if (ptr === 0) {
      throw new KanError(
        "OUT_OF_MEMORY",
        `wasm memory cannot grow for ${size} more bytes; dispose models or use smaller inputs`,
      );
    }
    this.#allocs.push([ptr, size]);
    return ptr;
  }

  /** Copies `data` into fresh wasm memory and returns its pointer. */
  put(data: ArrayBufferView): Ptr {
    const ptr = this.alloc(data.byteLength);
    new Uint8Array(this.#raw.memory.buffer, ptr, data.byteLength)
      .set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
  }

  /** Copies `length` elements at `ptr` out of wasm memory. */
  take<C extends FloatCtor>(ptr: Ptr, length: number, Type: C): InstanceType<C> {
    return new Type(this.#raw.memory.buffer, ptr >>> 0, length).slice() as InstanceType<C>;
  }

  /** Frees everything this scope allocated (scope() does it when its body returns). */
  freeAll(): void {
    for (const [ptr, size] of this.#allocs.splice(0)) this.#raw.kw_free(ptr, size);
  }
}
