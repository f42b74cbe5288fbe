/**
 * Finding, compiling and instantiating `kanwasm.wasm` in Node, Deno and browsers, and the
 * typed raw layer over its exports.
 *
 * ```js
 * import { init } from "kanwasm";
 * await init();                                          // finds kanwasm.wasm beside the package
 * await init({ wasm: new URL("/assets/kanwasm.wasm", location.href) });  // or where a host serves it
 * ```
 *
 * The raw layer (`rawKernel()`) mirrors crate/src/ffi.rs: pointers are byte offsets into the
 * wasm memory, and functions return a status code. Helpers copy arrays in and out; no typed
 * view of the memory is kept across a call, because any call may grow (and so detach) it.
 */
import { KanError, describe, type KanErrorCode } from "./errors.js";
import { checkOptions } from "./options.js";
import { hostImports } from "./host.js";

/** Where the wasm comes from: a URL (or a path in Node), a fetch Response, the bytes, or a compiled module. */
export type WasmSource = URL | string | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module;

export interface InitOptions {
  /** Defaults to `kanwasm.wasm` beside this module (`new URL("./kanwasm.wasm", import.meta.url)`). */
  wasm?: WasmSource;
}

/** A byte offset into the wasm memory. */
export type Ptr = number;

/** The module's exports; every function is wrapped so that a trap becomes KanError("INTERNAL"). */
export interface RawExports {
  readonly memory: WebAssembly.Memory;
  /** Allocates `bytes` (8-byte aligned); 0 when the memory cannot grow. */
  kw_alloc(bytes: number): Ptr;
  kw_free(ptr: Ptr, bytes: number): void;
  /** UTF-8 message of the last failed call. */
  kw_error_ptr(): Ptr;
  kw_error_len(): number;
  /** The version of this FFI surface. */
  kw_version(): number;
  /** Writes grid + 2k + 1 knots t_j = a + h*j, j = -k..grid+k, h = (b - a) / grid. */
  kw_uniform_knots_f64(grid: number, k: number, a: number, b: number, out: Ptr): number;
  kw_uniform_knots_f32(grid: number, k: number, a: number, b: number, out: Ptr): number;
  /** out: n x (nKnots - k - 1), row-major; deriv 0, 1 or 2. */
  kw_bspline_basis_f64(x: Ptr, n: number, knots: Ptr, nKnots: number, k: number, deriv: number, out: Ptr): number;
  kw_bspline_basis_f32(x: Ptr, n: number, knots: Ptr, nKnots: number, k: number, deriv: number, out: Ptr): number;
  /** The SIMD kernels and their scalar twins. */
  kw_simd_dot_f32(a: Ptr, b: Ptr, n: number): number;
  kw_scalar_dot_f32(a: Ptr, b: Ptr, n: number): number;
  kw_simd_dot_f64(a: Ptr, b: Ptr, n: number): number;
  kw_scalar_dot_f64(a: Ptr, b: Ptr, n: number): number;
}

const REQUIRED = [
  "kw_alloc", "kw_free", "kw_error_ptr", "kw_error_len",
  "kw_uniform_knots_f64", "kw_uniform_knots_f32", "kw_bspline_basis_f64", "kw_bspline_basis_f32",
] as const;

/** Status codes of the core (crate/src/ffi.rs) and the KanError code each becomes. */
const STATUS: Record<number, KanErrorCode> = {
  1: "INVALID_ARGUMENT",
  2: "NUMERIC",
  3: "OUT_OF_MEMORY",
  4: "DISPOSED",
  5: "CORRUPT_DATA",
};

type FloatCtor = Float64ArrayConstructor | Float32ArrayConstructor;

/** The instantiated module: the raw exports plus the helpers every wrapper needs. */
export class Kernel {
  readonly raw: RawExports;

  constructor(raw: RawExports) {
    this.raw = raw;
  }

  /** Throws the core's error as a KanError when `status` is not 0. */
  check(op: string, status: number): void {
    if (status === 0) return;
    const { raw } = this;
    const len = raw.kw_error_len();
    const bytes = new Uint8Array(raw.memory.buffer, raw.kw_error_ptr(), len);
    const message = new TextDecoder().decode(bytes) || `status ${status}`;
    throw new KanError(STATUS[status] ?? "INTERNAL", `${op}: ${message}`);
  }

  /** Runs `body` with a scope whose allocations are all freed when it returns or throws. */
  scope<T>(body: (s: Scope) => T): T {
    const s = new Scope(this.raw);
    try {
      return body(s);
    } finally {
      s.freeAll();
    }
  }
}

/** Allocations that live for one `Kernel.scope` call. */
export class Scope {
  readonly #raw: RawExports;
  readonly #allocs: Array<[Ptr, number]> = [];

  constructor(raw: RawExports) {
    this.#raw = raw;
  }

  /** `bytes` of wasm memory, 8-byte aligned; never 0 (a zero-size request still gets 8 bytes). */
  alloc(bytes: number): Ptr {
    const size = Math.max(8, bytes);
    const ptr = this.#raw.kw_alloc(size);
    if (ptr === 0) {
      throw new KanError("OUT_OF_MEMORY", `wasm memory cannot grow for ${size} more bytes; dispose models or use smaller inputs`);
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
    return new Type(this.#raw.memory.buffer, ptr, length).slice() as InstanceType<C>;
  }

  freeAll(): void {
    for (const [ptr, size] of this.#allocs.splice(0)) this.#raw.kw_free(ptr, size);
  }
}

let kernel: Kernel | undefined;
let ready: Promise<void> | undefined;
let defaultSource: WasmSource | undefined;

/**
 * Compiles and instantiates the wasm once; later calls return the same promise. Every async
 * function of kanwasm calls it; synchronous ones (bsplineBasis, predict) need it done first.
 * A failed init may be retried, e.g. with `{ wasm }` pointing elsewhere.
 */
export async function init(opts?: InitOptions): Promise<void> {
  const { wasm } = checkOptions("init", opts, ["wasm"]) as InitOptions;
  ready ??= load(wasm ?? defaultSource ?? new URL("./kanwasm.wasm", import.meta.url)).then(
    (k) => {
      kernel = k;
    },
    (e: unknown) => {
      ready = undefined;
      throw e;
    },
  );
  return ready;
}

/** The default source when `init()` gets none; the Deno entry sets a precompiled module here. */
export function setDefaultWasm(source: WasmSource): void {
  defaultSource = source;
}

/**
 * The instantiated module, for code that drives the raw exports itself (and for kanwasm's own
 * wrappers). Throws NOT_INITIALIZED before `await init()`.
 */
export function rawKernel(op = "rawKernel"): Kernel {
  if (kernel === undefined) {
    throw new KanError(
      "NOT_INITIALIZED",
      `${op}: the wasm core is not loaded yet; call \`await init()\` once before synchronous functions`,
    );
  }
  return kernel;
}

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)): valid only where SIMD128 is.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

async function load(source: WasmSource): Promise<Kernel> {
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new KanError(
      "NO_SIMD",
      "init: this JavaScript engine lacks WebAssembly SIMD128, which kanwasm needs; " +
        "use Node >= 16.4, Deno, Chrome/Edge >= 91, Firefox >= 89 or Safari >= 16.4",
    );
  }
  const instance = await instantiate(source);
  const exports = instance.exports as Record<string, unknown>;
  const missing = REQUIRED.filter((name) => typeof exports[name] !== "function");
  if (!(exports.memory instanceof WebAssembly.Memory) || missing.length > 0) {
    throw new KanError(
      "WASM_NOT_FOUND",
      `init: the wasm given is not kanwasm's (missing ${missing.join(", ") || "memory"}); ` +
        "pass init({ wasm }) the kanwasm.wasm shipped with this version of the package",
    );
  }
  return new Kernel(guardExports(exports) as unknown as RawExports);
}

/** Wraps each exported function so that a trap (or stack overflow) surfaces as KanError("INTERNAL"). */
function guardExports(exports: Record<string, unknown>): Record<string, unknown> {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== "function") {
      guarded[name] = value;
      continue;
    }
    const f = value as (...args: number[]) => unknown;
    guarded[name] = (...args: number[]) => {
      try {
        return f(...args);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
          throw new KanError(
            "INTERNAL",
            `${name}: the wasm core trapped (${(e as Error).message}); this is a bug in kanwasm, please report it`,
            { cause: e },
          );
        }
        throw e;
      }
    };
  }
  return Object.freeze(guarded);
}

const NOT_FOUND_HINT =
  "run `npm run build` when working from a clone, or pass init({ wasm }) a URL, path, Response or the bytes of kanwasm.wasm";

async function instantiate(source: WasmSource): Promise<WebAssembly.Instance> {
  if (source instanceof WebAssembly.Module) return compiled(() => WebAssembly.instantiate(source, hostImports()), "the module given");
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return fromBytes(source, "the bytes given");
  if (typeof source === "string" || source instanceof URL) return fromUrl(toUrl(source));
  if (source !== null && typeof source === "object" && "then" in source) return fromResponse(await source, "the Response given");
  if (typeof Response !== "undefined" && source instanceof Response) return fromResponse(source, "the Response given");
  throw new KanError(
    "INVALID_ARGUMENT",
    `init: option "wasm" must be a URL, string, Response, ArrayBuffer, typed array or WebAssembly.Module, got ${describe(source)}`,
  );
}

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const isNode = !isDeno && typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** Strings with a scheme are URLs; other strings are paths (Node, Deno) or relative URLs (browsers). */
function toUrl(source: string | URL): URL {
  if (source instanceof URL) return source;
  if (/^[a-z][a-z0-9+.-]+:/i.test(source)) return new URL(source);
  if (isNode || isDeno) {
    const g = globalThis as { process?: { cwd(): string }; Deno?: { cwd(): string } };
    const cwd = (isDeno ? g.Deno?.cwd() : g.process?.cwd()) ?? "/";
    return new URL(source, `file://${cwd.endsWith("/") ? cwd : cwd + "/"}`);
  }
  const base = (globalThis as { document?: { baseURI: string }; location?: { href: string } });
  return new URL(source, base.document?.baseURI ?? base.location?.href);
}

async function fromUrl(url: URL): Promise<WebAssembly.Instance> {
  if (url.protocol === "file:" && isNode) {
    // Hidden from bundlers, so a browser build never tries to resolve node:fs.
    const fsName = "node:fs/promises";
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as {
      readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
    };
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await fs.readFile(url);
    } catch (e) {
      throw new KanError("WASM_NOT_FOUND", `init: cannot read ${url.href} (${(e as Error).message}); ${NOT_FOUND_HINT}`, { cause: e });
    }
    return fromBytes(bytes, url.href);
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    const denoHint = isDeno && url.protocol === "file:"
      ? " (Deno: import kanwasm through its package entry, which needs no permission, or run with --allow-read)"
      : "";
    throw new KanError("WASM_NOT_FOUND", `init: cannot fetch ${url.href}${denoHint}: ${(e as Error).message}; ${NOT_FOUND_HINT}`, { cause: e });
  }
  return fromResponse(response, url.href);
}

async function fromResponse(response: Response, where: string): Promise<WebAssembly.Instance> {
  if (!response.ok) {
    throw new KanError("WASM_NOT_FOUND", `init: fetching ${response.url || where} gave HTTP ${response.status}; ${NOT_FOUND_HINT}`);
  }
  const type = response.headers.get("content-type") ?? "";
  if (typeof WebAssembly.instantiateStreaming === "function" && type.split(";")[0]!.trim() === "application/wasm") {
    return compiled(async () => (await WebAssembly.instantiateStreaming(response, hostImports())).instance, where);
  }
  // Servers that send another content type (file:, some static hosts) make streaming refuse.
  return fromBytes(await response.arrayBuffer(), where);
}

function fromBytes(bytes: BufferSource, where: string): Promise<WebAssembly.Instance> {
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  if (view.length < 8 || view[0] !== 0 || view[1] !== 0x61 || view[2] !== 0x73 || view[3] !== 0x6d) {
    const head = new TextDecoder().decode(view.subarray(0, 24)).replace(/\s+/g, " ");
    throw new KanError(
      "WASM_NOT_FOUND",
      `init: ${where} is not a WebAssembly module (${view.length} bytes starting ${JSON.stringify(head)}); ${NOT_FOUND_HINT}`,
    );
  }
  return compiled(async () => (await WebAssembly.instantiate(view, hostImports())).instance, where);
}

/** Compile and link errors name the likely cause: a Content-Security-Policy, or a wrong file. */
async function compiled(make: () => Promise<WebAssembly.Instance>, where: string): Promise<WebAssembly.Instance> {
  try {
    return await make();
  } catch (e) {
    if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError || e instanceof EvalError) {
      throw new KanError(
        "WASM_NOT_FOUND",
        `init: cannot compile ${where}: ${e.message}. A page with a Content-Security-Policy must allow ` +
          "script-src 'wasm-unsafe-eval'; otherwise pass init({ wasm }) the kanwasm.wasm of this version",
        { cause: e },
      );
    }
    throw e;
  }
}
