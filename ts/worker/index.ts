/**
 * kanwasm/worker: WorkerKAN, the KAN API running in a worker of the host (a Web Worker in
 * browsers, `worker_threads` in Node, a Worker in Deno), so that training, symbolic search
 * and large constructions never block the calling thread. Every method of KAN is there and
 * returns a promise; models cross as saved bytes (transferred, not copied), so the same
 * options and data give the same bits as on the calling thread.
 *
 * ```js
 * import { createDataset } from "kanwasm";
 * import { WorkerKAN } from "kanwasm/worker";
 * const data = createDataset(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y), { seed: 0 });
 * const w = await WorkerKAN.create({ width: [2, 5, 1], grid: 5, seed: 1 });
 * await w.fit(data, { steps: 20, onStep: ({ step, testLoss }) => console.log(step, testLoss) });
 * const pruned = await w.prune();           // a WorkerKAN in the same worker
 * const model = await pruned.toKAN();       // a KAN on this thread
 * await w.dispose(); await pruned.dispose(); // the worker ends with its last model
 * ```
 */
import {
  KAN, KanError, init, type ExpressionOptions, type KANConfig, type KANJson, type KANOptions, type PykanConfig,
  type WasmSource,
} from "../index.js";
import { Connection } from "./connection.js";
import { MODEL, REMOTE, STATE, isPlainObject, type MakeMethod, type ModelInfo, type RemoteInfo } from "./protocol.js";
import { spawn, wrap, type WorkerLike } from "./spawn.js";

export type { WorkerLike } from "./spawn.js";

/** Where the worker runs and where its wasm comes from. */
export interface WorkerOptions {
  /**
   * The wasm, as `init({ wasm })` takes it: give the same as to `init` when the page serves
   * kanwasm.wasm from elsewhere. Default: the worker finds it as the main entry does.
   */
  wasm?: WasmSource;
  /**
   * A worker you started on kanwasm/worker's entry (dist/worker/entry.js), e.g. for a CSP or a
   * bundler. Default: a new worker on that entry.
   */
  worker?: WorkerLike;
}

/** A method of KAN run in the worker: the same arguments, a promise of the result (models stay remote). */
type Remote<R> = R extends KAN ? WorkerKAN : R extends { model: KAN } ? Omit<R, "model"> & {
  /** The resulting model, in the same worker. */
  model: WorkerKAN;
} : R extends { step(): unknown; close(): unknown } ? Async<R> : R;
/** An object kept in the worker (a Trainer): its methods return promises, its getters stay. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : T[K];
};
type Own = "dispose" | "handle" | "toKAN" | "config" | "width" | "grid" | "k" | "dtype" | "numParams" | "inDim" |
  "outDim" | "depth";
/** Every method of KAN, asynchronous. */
export type WorkerKANMethods = {
  [K in keyof KAN as K extends Own | symbol ? never : KAN[K] extends (...a: never[]) => unknown ? K : never]:
  KAN[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Remote<Awaited<R>>> : never;
};

let constructing: [Connection, ModelInfo] | undefined;

/** A WorkerKAN collected without dispose() frees its model in the worker (and the worker with its last one). */
const collected = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<[Connection, number]>(([conn, target]) => {
    conn.request({ kind: "dispose", target }).catch(() => undefined).finally(() => conn.release());
  })
  : undefined;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface WorkerKAN extends WorkerKANMethods {}

/** A KAN held by a worker. Create with `WorkerKAN.create`, `WorkerKAN.from` or `WorkerKAN.load`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class WorkerKAN {
  readonly #conn: Connection;
  #info: ModelInfo | undefined;

  /** Not for users: WorkerKAN.create / from / load make them. */
  constructor() {
    if (constructing === undefined) {
      throw new KanError("INVALID_ARGUMENT",
        "WorkerKAN: use `await WorkerKAN.create(options)`, `WorkerKAN.from(model)` or `WorkerKAN.load(bytes)`");
    }
    [this.#conn, this.#info] = constructing;
    constructing = undefined;
    this.#conn.holders++;
    collected?.register(this, [this.#conn, this.#info.target], this);
  }

  /** A new model, `new KAN(options)`, in a new worker. */
  static async create(options: KANOptions, host: WorkerOptions = {}): Promise<WorkerKAN> {
    return WorkerKAN.#open(host, (c) => c.request({ kind: "create", options }));
  }

  /** A copy of `model` in a new worker (its saved bytes, transferred). */
  static async from(model: KAN, host: WorkerOptions = {}): Promise<WorkerKAN> {
    if (!(model instanceof KAN)) throw new KanError("INVALID_ARGUMENT", "WorkerKAN.from: expected a KAN");
    const bytes = model.save();
    return WorkerKAN.#open(host, WorkerKAN.#make("load", [bytes], [bytes.buffer as ArrayBuffer]));
  }

  /**
   * `KAN.load(bytes, { config })` in a new worker: a model from `save()`'s bytes, or from a
   * pykan state_dict with its `config` (a copy is sent; `bytes` stays usable). The host options
   * go in the same object.
   */
  static async load(bytes: Uint8Array, opts: WorkerOptions & {
    /** The configuration of a pykan model, whose file holds only its tensors. Default: none (a kanwasm file). */
    config?: PykanConfig;
  } = {}): Promise<WorkerKAN> {
    if (!(bytes instanceof Uint8Array)) throw new KanError("INVALID_ARGUMENT", "WorkerKAN.load: expected a Uint8Array");
    if (opts === null || typeof opts !== "object") {
      throw new KanError("INVALID_ARGUMENT", "WorkerKAN.load: options must be an object");
    }
    const { config, ...host } = opts;
    const args = config === undefined ? [bytes] : [bytes, { config }];
    return WorkerKAN.#open(host, WorkerKAN.#make("load", args), ["config"]);
  }

  /** `KAN.fromJSON(obj)` in a new worker: a model from `toJSON()`'s object (a copy is sent). */
  static async fromJSON(obj: KANJson, host: WorkerOptions = {}): Promise<WorkerKAN> {
    return WorkerKAN.#open(host, WorkerKAN.#make("fromJSON", [obj]));
  }

  /** `KAN.fromExpression(text, options)` in a new worker: a symbolic model of the formula. */
  static async fromExpression(text: string | string[], opts?: ExpressionOptions,
    host: WorkerOptions = {}): Promise<WorkerKAN> {
    return WorkerKAN.#open(host, WorkerKAN.#make("fromExpression", opts === undefined ? [text] : [text, opts]));
  }

  static #make(method: MakeMethod, args: unknown[], transfer?: ArrayBuffer[]): (c: Connection) => Promise<unknown> {
    return (c) => c.request({ kind: "make", method, args }, transfer);
  }

  static async #open(host: WorkerOptions, make: (c: Connection) => Promise<unknown>,
    also: string[] = []): Promise<WorkerKAN> {
    if (host === null || typeof host !== "object") {
      throw new KanError("INVALID_ARGUMENT", "WorkerKAN: host options must be an object");
    }
    for (const key of Object.keys(host)) {
      if (key !== "wasm" && key !== "worker") {
        const names = [...also, "wasm", "worker"].map((n) => `"${n}"`).join(", ");
        throw new KanError("UNKNOWN_OPTION", `WorkerKAN: unknown option "${key}"; the options are ${names}`);
      }
    }
    const spawned = host.worker !== undefined ? { channel: wrap(host.worker), wasm: undefined } : await spawn();
    const conn = new Connection(spawned.channel);
    try {
      const wasm = host.wasm ?? spawned.wasm;
      if (wasm !== undefined) await conn.request({ kind: "init", wasm: await cloneable(wasm as WasmSource) });
      return adopt(conn, (await make(conn)) as ModelInfo);
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  #live(op: string): ModelInfo {
    if (this.#info === undefined) {
      throw new KanError("DISPOSED", `${op}: this WorkerKAN was disposed; create or load a new one`);
    }
    return this.#info;
  }

  #call(method: string, args: unknown[]): Promise<unknown> {
    let info: ModelInfo;
    try {
      info = this.#live(method);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#conn.call(info.target, method, args, (v) => decode(this.#conn, v));
  }

  /** The model's configuration (kept on this thread: no round trip). */
  get config(): KANConfig {
    return structuredClone(this.#live("config").config);
  }
  get width(): (number | [number, number])[] {
    return this.#live("width").config.width.map(([s, m]) => (m === 0 ? s : [s, m]));
  }
  get grid(): number | number[] {
    const g = this.#live("grid").config.grid;
    return g.every((v) => v === g[0]) ? g[0]! : g.slice();
  }
  get k(): number | number[] {
    const k = this.#live("k").config.k;
    return k.every((v) => v === k[0]) ? k[0]! : k.slice();
  }
  get dtype(): KANConfig["dtype"] {
    return this.#live("dtype").config.dtype;
  }
  get numParams(): number {
    return this.#live("numParams").numParams;
  }
  get inDim(): number {
    return this.#live("inDim").config.width[0]![0];
  }
  get outDim(): number {
    const w = this.#live("outDim").config.width;
    return w[w.length - 1]![0];
  }
  get depth(): number {
    return this.#live("depth").config.width.length - 1;
  }

  /** The model on the calling thread: its saved bytes, transferred, loaded as a KAN. */
  async toKAN(): Promise<KAN> {
    const bytes = (await this.#call("save", [])) as Uint8Array;
    await init();
    return KAN.load(bytes);
  }

  /** Frees the model in the worker; the worker ends with the last model it holds. Safe to call twice. */
  async dispose(): Promise<void> {
    const info = this.#info;
    if (info === undefined) return;
    this.#info = undefined;
    collected?.unregister(this);
    try {
      await this.#conn.request({ kind: "dispose", target: info.target });
    } catch {
      // the worker is already gone: nothing left to free
    } finally {
      this.#conn.release();
    }
  }

  static {
    // Every method of KAN, looked up when this module loads, so methods added to KAN are here too.
    const own = new Set(["constructor", "dispose", "handle", "toKAN"]);
    for (const name of Object.getOwnPropertyNames(KAN.prototype)) {
      const d = Object.getOwnPropertyDescriptor(KAN.prototype, name);
      if (own.has(name) || typeof d?.value !== "function") continue;
      Object.defineProperty(WorkerKAN.prototype, name, {
        configurable: true,
        writable: true,
        value: { [name](this: WorkerKAN, ...args: unknown[]) { return this.#call(name, args); } }[name],
      });
    }
  }
}

function adopt(conn: Connection, info: ModelInfo): WorkerKAN {
  constructing = [conn, info];
  return new WorkerKAN();
}

/**
 * An object the worker keeps that is not a model (e.g. a Trainer): its methods, asynchronous,
 * and its getters, read from the values the last call brought back.
 */
function remoteObject(conn: Connection, info: RemoteInfo): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const state = { ...info.state };
  conn.holders++;
  let open = true;
  for (const name of Object.keys(state)) Object.defineProperty(o, name, { enumerable: true, get: () => state[name] });
  for (const name of info.methods) {
    o[name] = async (...args: unknown[]) => {
      const r = (await conn.call(info.target, name, args, (x) => x)) as Record<string, unknown>;
      Object.assign(state, r[STATE]);
      if ((name === "close" || name === "dispose") && open) {
        open = false;
        await conn.request({ kind: "dispose", target: info.target }).catch(() => undefined);
        conn.release();
      }
      return decode(conn, r.value);
    };
  }
  return o;
}

/** Markers in a result back into WorkerKANs (sharing this worker) and remote objects. */
function decode(conn: Connection, v: unknown, depth = 1): unknown {
  if (!isPlainObject(v)) return v;
  if (isPlainObject(v[MODEL])) return adopt(conn, v[MODEL] as unknown as ModelInfo);
  if (isPlainObject(v[REMOTE])) return remoteObject(conn, v[REMOTE] as unknown as RemoteInfo);
  if (depth === 0) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(conn, x, depth - 1)]));
}

/** The wasm source as something postMessage can carry, with relative URLs made absolute here. */
async function cloneable(wasm: WasmSource): Promise<unknown> {
  if (wasm instanceof URL) return wasm.href;
  if (typeof wasm === "string") {
    const base = (globalThis as { document?: { baseURI: string } }).document?.baseURI;
    return /^[a-z][a-z0-9+.-]+:/i.test(wasm) || base === undefined ? wasm : new URL(wasm, base).href;
  }
  if (typeof Response !== "undefined" && wasm instanceof Response) return new Uint8Array(await wasm.arrayBuffer());
  if (wasm !== null && typeof wasm === "object" && "then" in wasm) return cloneable(await wasm);
  return wasm;
}
