/**
 * Finding, compiling and instantiating `kanwasm.wasm` in Node, Deno and browsers.
 *
 * ```js
 * import { init } from "kanwasm";
 * await init();                                          // finds kanwasm.wasm beside the package
 * await init({ wasm: new URL("/assets/kanwasm.wasm", location.href) });  // or where a host serves it
 * ```
 *
 * The instance becomes the raw layer (`rawKernel()`, see raw/exports.ts for its contract).
 */
import { KanError, describe } from "../errors.js";
import { checkOptions } from "../options.js";
import { REQUIRED_EXPORTS, UNSIGNED_RESULTS, type RawExports } from "./exports.js";
import { hostImports } from "./host.js";
import { RawKernel } from "./kernel.js";

/** Where the wasm comes from: a URL (or a path in Node), a fetch Response, the bytes, or a compiled module. */
export type WasmSource = URL | string | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module;

/** The options of `init(options)`. */
export interface InitOptions {
  /** Defaults to the `kanwasm.wasm` beside the package entry: `new URL("../kanwasm.wasm", import.meta.url)`. */
  wasm?: WasmSource;
}

let kernel: RawKernel | undefined;
let ready: Promise<void> | undefined;
let defaultSource: WasmSource | undefined;
let threadedSource: WasmSource | undefined;
/** Whether the instance is the threaded module's (set by useThreadedKernel). */
let threaded = false;
let upgrading: Promise<void> | undefined;
/** The threaded module's memory: 32 pages at first (its --initial-memory), at most 4 GiB. */
const MT_PAGES = 32;
const MAX_PAGES = 65536;

/**
 * Compiles and instantiates the wasm once; later calls return the same promise. Every async
 * function of kanwasm calls it; synchronous ones (bsplineBasis, predict) need it done first.
 * A failed init may be retried, e.g. with `{ wasm }` pointing elsewhere.
 */
export async function init(opts?: InitOptions): Promise<void> {
  const { wasm } = checkOptions("init", opts, ["wasm"]) as InitOptions;
  ready ??= load(wasm ?? defaultSource ?? new URL("../kanwasm.wasm", import.meta.url)).then(
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

/** The default source when `init()` gets none; the Deno entry sets a precompiled module here. @internal */
export function setDefaultWasm(source: WasmSource, threadedModule?: WasmSource): void {
  defaultSource = source;
  threadedSource = threadedModule;
}

/** The imports of a new instance: the host's, and a fresh shared memory for the threaded module. */
function imports(): WebAssembly.Imports {
  const im = hostImports();
  if (threaded) {
    (im.env as Record<string, unknown>).memory = new WebAssembly.Memory({
      initial: MT_PAGES, maximum: MAX_PAGES, shared: true,
    });
  }
  return im;
}

/** The compiled module of the instance (for the threaded module's workers). @internal */
export function currentModule(): WebAssembly.Module {
  if (compiledModule === undefined) throw new KanError("NOT_INITIALIZED", "threads: the wasm core is not loaded yet");
  return compiledModule;
}

/** Whether the instance is the threaded module's. @internal */
export function isThreaded(): boolean {
  return threaded;
}

/**
 * Replaces the instance by one of the threaded module (kanwasm-mt.wasm beside the package
 * entry, or the one the Deno entry compiled), carrying every model over as after a trap.
 * Raw pointers from before are void afterwards; a trainer open on another model ends with
 * an error at its next step. Once done, later calls do nothing. @internal
 */
export function useThreadedKernel(op: string): Promise<void> {
  if (threaded) return Promise.resolve();
  upgrading ??= (async () => {
    await init();
    const old = rawKernel(op);
    threaded = true;
    let loaded: Instantiated;
    try {
      loaded = await instantiate(threadedSource ?? new URL("../kanwasm-mt.wasm", import.meta.url));
    } catch (e) {
      threaded = false;
      throw e;
    }
    const fresh = new RawKernel(guardExports(loaded.instance.exports as Record<string, unknown>));
    compiledModule = loaded.module;
    kernel = fresh;
    for (const listener of replacedListeners) listener(old, fresh);
  })().finally(() => {
    upgrading = undefined;
  });
  return upgrading;
}

/**
 * The instantiated module, for code that drives the raw exports itself (and for kanwasm's own
 * wrappers). Throws NOT_INITIALIZED before `await init()`.
 */
export function rawKernel(op = "rawKernel"): RawKernel {
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

async function load(source: WasmSource): Promise<RawKernel> {
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new KanError(
      "NO_SIMD",
      "init: this JavaScript engine lacks WebAssembly SIMD128, which kanwasm needs; " +
        "use Node >= 16.4, Deno, Chrome/Edge >= 91, Firefox >= 89 or Safari >= 16.4",
    );
  }
  const { module, instance } = await instantiate(source);
  const exports = instance.exports as Record<string, unknown>;
  const missing = REQUIRED_EXPORTS.filter((name) => typeof exports[name] !== "function");
  if (!(exports.memory instanceof WebAssembly.Memory) || missing.length > 0) {
    throw new KanError(
      "WASM_NOT_FOUND",
      `init: the wasm given is not kanwasm's (missing ${missing.join(", ") || "memory"}); ` +
        "pass init({ wasm }) the kanwasm.wasm shipped with this version of the package",
    );
  }
  compiledModule = module;
  return new RawKernel(guardExports(exports));
}

/** The compiled module and one instance of it. */
interface Instantiated {
  module: WebAssembly.Module;
  instance: WebAssembly.Instance;
}

let compiledModule: WebAssembly.Module | undefined;
let retiring = false;
const replacedListeners: Array<(old: RawKernel, fresh: RawKernel) => void> = [];

/**
 * Calls `listener` each time a trap retires the instance for a fresh one (see `retire`),
 * with both kernels: the old instance's memory can still be read, not changed.
 */
export function onInstanceReplaced(listener: (old: RawKernel, fresh: RawKernel) => void): void {
  replacedListeners.push(listener);
}

/**
 * After a trap the instance is not used again: what the trapped call had allocated can
 * never be freed, and a borrow it held stays set. A fresh instance of the same module takes
 * its place, the listeners carry the models over (reading the old memory), and the trap
 * becomes OUT_OF_MEMORY when the core records an allocation it could not serve, else
 * INTERNAL. Raw pointers from before are void afterwards.
 */
function retire(name: string, trapped: Record<string, unknown>, e: Error): KanError {
  const oomBytes = (trapped.kw_oom_bytes as (() => number) | undefined)?.() ?? 0;
  const old = kernel;
  let note = "";
  // A trap while models move (the fresh instance failing too) is reported, not chased.
  if (!retiring && old !== undefined && old.raw.memory === trapped.memory && compiledModule !== undefined) {
    retiring = true;
    try {
      const fresh = new RawKernel(guardExports(new WebAssembly.Instance(compiledModule, imports()).exports));
      kernel = fresh;
      for (const listener of replacedListeners) listener(old, fresh);
    } catch (err) {
      note = `; the models could not be carried to a fresh instance (${(err as Error).message})`;
    } finally {
      retiring = false;
    }
  }
  if (oomBytes !== 0) {
    return new KanError(
      "OUT_OF_MEMORY",
      `${name}: the wasm memory cannot grow for ${oomBytes >>> 0} more bytes; the call changed nothing, ` +
        `and every model is as before it${note}. Dispose models you no longer need, or use smaller inputs or batches`,
      { cause: e },
    );
  }
  return new KanError(
    "INTERNAL",
    `${name}: the wasm core trapped (${e.message}); this is a bug in kanwasm, please report it${note}`,
    { cause: e },
  );
}

/**
 * Wraps each exported function so that a trap (or stack overflow) surfaces as
 * KanError("INTERNAL"), and reads pointer and length results unsigned: a wasm i32 above
 * 2 GiB arrives in JavaScript as a negative number.
 */
function guardExports(exports: Record<string, unknown>): RawExports {
  const guarded: Record<string, unknown> = {};
  const unsigned = new Set<string>(UNSIGNED_RESULTS);
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== "function") {
      guarded[name] = value;
      continue;
    }
    const f = value as (...args: number[]) => unknown;
    const toU32 = unsigned.has(name);
    guarded[name] = (...args: number[]) => {
      try {
        const r = f(...args);
        return toU32 ? (r as number) >>> 0 : r;
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) throw retire(name, exports, e);
        throw e;
      }
    };
  }
  Object.freeze(guarded);
  if (!isRawExports(guarded)) throw new KanError("INTERNAL", "init: the wasm exports changed while wrapping them");
  return guarded;
}

/** The names are checked; their signatures are the contract written in exports.ts. */
function isRawExports(x: object): x is RawExports {
  const r = x as Record<string, unknown>;
  return r.memory instanceof WebAssembly.Memory && REQUIRED_EXPORTS.every((name) => typeof r[name] === "function");
}

const NOT_FOUND_HINT =
  "run `npm run build` when working from a clone, or pass init({ wasm }) a URL, path, Response or the bytes " +
  "of kanwasm.wasm";

async function instantiate(source: WasmSource): Promise<Instantiated> {
  if (source instanceof WebAssembly.Module) {
    return compiled(async () => ({ module: source, instance: await WebAssembly.instantiate(source, imports()) }),
      "the module given");
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return fromBytes(source, "the bytes given");
  if (typeof source === "string" || source instanceof URL) return fromUrl(toUrl(source));
  if (source !== null && typeof source === "object" && "then" in source) {
    return fromResponse(await source, "the Response given");
  }
  if (typeof Response !== "undefined" && source instanceof Response) return fromResponse(source, "the Response given");
  throw new KanError(
    "INVALID_ARGUMENT",
    "init: option \"wasm\" must be a URL, string, Response, ArrayBuffer, typed array or WebAssembly.Module, " +
      `got ${describe(source)}`,
  );
}

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const isNode = !isDeno &&
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

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

async function fromUrl(url: URL): Promise<Instantiated> {
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
      throw new KanError(
        "WASM_NOT_FOUND",
        `init: cannot read ${url.href} (${(e as Error).message}); ${NOT_FOUND_HINT}`,
        { cause: e },
      );
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
    throw new KanError(
      "WASM_NOT_FOUND",
      `init: cannot fetch ${url.href}${denoHint}: ${(e as Error).message}; ${NOT_FOUND_HINT}`,
      { cause: e },
    );
  }
  return fromResponse(response, url.href);
}

async function fromResponse(response: Response, where: string): Promise<Instantiated> {
  if (!response.ok) {
    throw new KanError(
      "WASM_NOT_FOUND",
      `init: fetching ${response.url || where} gave HTTP ${response.status}; ${NOT_FOUND_HINT}`,
    );
  }
  const type = response.headers.get("content-type") ?? "";
  if (typeof WebAssembly.instantiateStreaming === "function" && type.split(";")[0]!.trim() === "application/wasm") {
    return compiled(() => WebAssembly.instantiateStreaming(response, imports()), where);
  }
  // Servers that send another content type (file:, some static hosts) make streaming refuse.
  return fromBytes(await response.arrayBuffer(), where);
}

function fromBytes(bytes: BufferSource, where: string): Promise<Instantiated> {
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  if (view.length < 8 || view[0] !== 0 || view[1] !== 0x61 || view[2] !== 0x73 || view[3] !== 0x6d) {
    const head = new TextDecoder().decode(view.subarray(0, 24)).replace(/\s+/g, " ");
    throw new KanError(
      "WASM_NOT_FOUND",
      `init: ${where} is not a WebAssembly module (${view.length} bytes starting ${JSON.stringify(head)}); ` +
        NOT_FOUND_HINT,
    );
  }
  return compiled(() => WebAssembly.instantiate(view, imports()), where);
}

/** Compile and link errors name the likely cause: a Content-Security-Policy, or a wrong file. */
async function compiled(make: () => Promise<Instantiated>, where: string): Promise<Instantiated> {
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
