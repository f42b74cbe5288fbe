/**
 * The worker side of WorkerKAN: holds models by id and runs the calls it is sent, each as soon
 * as it arrives, so that a call made while `fit` runs (predict, toSVG) is served between two
 * steps, as on the calling thread. Started by WorkerKAN; not imported by users.
 *
 * ```js
 * // what WorkerKAN does (browsers, Deno; Node uses worker_threads with the same URL):
 * new Worker(new URL("./entry.js", import.meta.url), { type: "module" });
 * ```
 */
import { KAN, KanError, init, type KANOptions } from "../index.js";
import {
  CALLBACK, MODEL, REMOTE, SIGNAL, STATE, errorRecord, isPlainObject, transferables,
  type ModelInfo, type Reply, type Request,
} from "./protocol.js";

interface Port {
  post(message: Reply, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: Request) => void): void;
}

const isNode = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" &&
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** Node's port comes from an import; it queues messages until a listener is attached. */
async function nodePort(): Promise<Port> {
  // Hidden from bundlers, as in the wasm loader: a browser build never resolves node: modules.
  const name = "node:worker_threads";
  const wt = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as {
    parentPort: {
      postMessage(m: unknown, t?: ArrayBuffer[]): void;
      on(e: "message", f: (m: Request) => void): void;
    } | null;
  };
  const p = wt.parentPort;
  if (p === null) throw new KanError("INVALID_ARGUMENT", "kanwasm/worker entry: started outside a worker thread");
  return { post: (m, t) => p.postMessage(m, t ?? []), listen: (f) => p.on("message", f) };
}

/** A Web Worker's (and Deno's) global scope; its listener must be attached before the first await. */
function webPort(): Port {
  const g = globalThis as unknown as {
    postMessage(m: unknown, t?: ArrayBuffer[]): void;
    addEventListener(type: "message", f: (e: { data: Request }) => void): void;
  };
  return { post: (m, t) => g.postMessage(m, t ?? []), listen: (f) => g.addEventListener("message", (e) => f(e.data)) };
}

const objects = new Map<number, object>();
const controllers = new Map<number, AbortController>();
let nextTarget = 1;
let ready: Promise<void> | undefined;

function keep(o: object): number {
  const target = nextTarget++;
  objects.set(target, o);
  return target;
}

function modelInfo(m: KAN): ModelInfo {
  return { target: keep(m), config: m.config, numParams: m.numParams };
}

/** Models and other class instances in a result stay here; the caller gets markers. */
function encodeResult(v: unknown, depth = 1): unknown {
  if (v instanceof KAN) return { [MODEL]: modelInfo(v) };
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v) || Array.isArray(v)) return v;
  if (isPlainObject(v)) {
    if (depth === 0) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeResult(x, depth - 1)]));
  }
  const methods: string[] = [];
  const up = (o: object) => Object.getPrototypeOf(o) as object | null;
  for (let p = up(v); p && p !== Object.prototype; p = up(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (name !== "constructor" && typeof d?.value === "function") methods.push(name);
    }
  }
  return { [REMOTE]: { target: keep(v), methods, state: snapshot(v) } };
}

/** The values of an object's getters that plain data can carry (numbers, strings, booleans). */
function snapshot(v: object): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  const up = (o: object) => Object.getPrototypeOf(o) as object | null;
  for (let p = up(v); p && p !== Object.prototype; p = up(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (typeof Object.getOwnPropertyDescriptor(p, name)?.get !== "function" || name in state) continue;
      try {
        const x = (v as Record<string, unknown>)[name];
        if (x === null || ["number", "string", "boolean", "undefined"].includes(typeof x)) state[name] = x;
      } catch {
        // a getter that throws (e.g. after close) is left out
      }
    }
  }
  return state;
}

/** Markers back into callbacks that post events, and an AbortSignal this request's abort fires. */
function decodeArgs(args: unknown[], id: number, p: Port): unknown[] {
  return args.map((a) => {
    if (!isPlainObject(a)) return a;
    const o: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(a)) {
      if (isPlainObject(v) && typeof v[CALLBACK] === "string") {
        const callback = v[CALLBACK];
        o[key] = (value: unknown) => p.post({ kind: "event", id, callback, value: encodeResult(value) });
      } else if (isPlainObject(v) && v[SIGNAL] === true) {
        o[key] = controllers.get(id)?.signal;
      } else {
        o[key] = v;
      }
    }
    return o;
  });
}

function target(id: number): object {
  const o = objects.get(id);
  if (o === undefined) throw new KanError("DISPOSED", `worker: object ${id} was disposed`);
  return o;
}

async function handle(req: Request, p: Port): Promise<unknown> {
  switch (req.kind) {
    case "init":
      ready = init(req.wasm === undefined ? undefined : { wasm: req.wasm as never });
      await ready;
      return undefined;
    case "create":
      await (ready ??= init());
      return modelInfo(new KAN(req.options as KANOptions));
    case "make": {
      await (ready ??= init());
      const make = { load: KAN.load, fromJSON: KAN.fromJSON, fromExpression: KAN.fromExpression }[req.method];
      if (make === undefined) throw new KanError("INVALID_ARGUMENT", `worker: ${req.method} does not make a model`);
      return modelInfo((make as (...a: unknown[]) => KAN).apply(KAN, req.args));
    }
    case "dispose": {
      const o = objects.get(req.target);
      objects.delete(req.target);
      const d = (o as { dispose?: () => void; close?: () => void } | undefined);
      if (typeof d?.dispose === "function") d.dispose();
      else if (typeof d?.close === "function") d.close();
      return undefined;
    }
    case "call": {
      await (ready ??= init());
      const o = target(req.target) as Record<string, unknown>;
      const f = o[req.method];
      if (typeof f !== "function" || req.method === "constructor") {
        throw new KanError("INVALID_ARGUMENT", `worker: ${req.method} is not a method of this object`);
      }
      const value = await (f as (...a: unknown[]) => unknown).apply(o, decodeArgs(req.args, req.id, p));
      return o instanceof KAN ? encodeResult(value) : { [STATE]: snapshot(o), value: encodeResult(value) };
    }
    case "abort":
      return undefined;
  }
}

function serve(p: Port): void {
  p.listen((req) => {
    if (req.kind === "abort") {
      controllers.get(req.id)?.abort();
      return;
    }
    // the signal exists from the message's arrival, so an abort sent at once is not lost
    if (req.kind === "call") {
      for (const a of req.args) {
        const m = isPlainObject(a) ? Object.values(a).find((v) => isPlainObject(v) && v[SIGNAL] === true) : undefined;
        if (m === undefined) continue;
        const c = new AbortController();
        controllers.set(req.id, c);
        if ((m as Record<string, unknown>).aborted === true) c.abort();
      }
    }
    handle(req, p).then(
      (value) => p.post({ kind: "done", id: req.id, value }, transferables(value)),
      (e: unknown) => p.post({ kind: "fail", id: req.id, error: errorRecord(e) }),
    ).finally(() => controllers.delete(req.id));
  });
}

if (isNode) void nodePort().then(serve);
else serve(webPort());
