/**
 * Starting the worker that WorkerKAN talks to, in each host: a module Web Worker in browsers
 * (and bundlers, which find the `new Worker(new URL(…, import.meta.url))` pattern below and
 * build entry.js as a worker chunk), `worker_threads` in Node, a Worker in Deno (started from
 * a Blob of the worker's code with the wasm module sent to it: see worker/deno.js).
 *
 * ```js
 * const { channel: ch } = await spawn();      // or wrap(new Worker(url, { type: "module" }))
 * ch.listen((reply) => …); ch.post(request);
 * ```
 */
import { KanError, describe } from "../errors.js";
import type { Reply, Request } from "./protocol.js";

/** A worker as WorkerKAN uses it, whichever host made it. */
export interface Channel {
  post(message: Request, transfer?: ArrayBuffer[]): void;
  listen(onReply: (reply: Reply) => void, onError: (error: Error) => void): void;
  /** Node: whether the worker keeps the process alive (only while requests are pending). */
  hold(busy: boolean): void;
  terminate(): void;
}

/** A Web Worker (browsers, Deno) or a Node `worker_threads` Worker. */
export interface WorkerLike {
  /** Sends a message to the worker, transferring `transfer`. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Stops the worker. */
  terminate(): unknown;
}

interface WebWorker extends WorkerLike {
  addEventListener(type: string, f: (e: { data?: unknown; message?: string; error?: unknown }) => void): void;
}

interface NodeWorker extends WorkerLike {
  on(type: string, f: (v: unknown) => void): void;
  ref(): void;
  unref(): void;
}

const isNode = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" &&
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** The Node entry's file name, in a variable so that bundlers do not copy it as an asset. */
const NODE_ENTRY = "./entry.js";

let spawner: () => Promise<WorkerLike> = async () => {
  if (isNode) {
    const name = "node:worker_threads";
    const wt = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as {
      Worker: new (url: URL) => NodeWorker;
    };
    return new wt.Worker(new URL(NODE_ENTRY, import.meta.url));
  }
  if (typeof Worker !== "function") {
    throw new KanError("INVALID_ARGUMENT",
      "WorkerKAN: this host has no Worker; pass { worker } a worker running kanwasm/worker's entry");
  }
  return new Worker(new URL("./entry.js", import.meta.url), { type: "module" });
};

let defaultWasm: unknown;

/** For the Deno entry of kanwasm/worker: its workers start from a Blob and get the wasm from it. */
export function setSpawner(f: () => WorkerLike, wasm: unknown): void {
  spawner = async () => f();
  defaultWasm = wasm;
}

/** A fresh worker running entry.js, and the wasm to send it when the caller names none. */
export async function spawn(): Promise<{ channel: Channel; wasm: unknown }> {
  return { channel: wrap(await spawner()), wasm: defaultWasm };
}

/** Wraps a worker made by the caller (or by spawn). */
export function wrap(w: WorkerLike): Channel {
  if (w === null || typeof w !== "object" || typeof w.postMessage !== "function" || typeof w.terminate !== "function") {
    throw new KanError("INVALID_ARGUMENT", `WorkerKAN: option "worker" must be a Worker, got ${describe(w)}`);
  }
  const node = typeof (w as Partial<NodeWorker>).on === "function";
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    listen(onReply, onError) {
      if (node) {
        const nw = w as NodeWorker;
        nw.on("message", (m) => onReply(m as Reply));
        nw.on("error", (e) => onError(e instanceof Error ? e : new Error(String(e))));
        nw.on("exit", (code) => onError(new Error(`the worker exited (code ${String(code)})`)));
        nw.unref();
      } else {
        const ww = w as WebWorker;
        ww.addEventListener("message", (e) => onReply(e.data as Reply));
        ww.addEventListener("error", (e) => onError(new Error(e.message ?? "the worker failed to start or threw")));
        ww.addEventListener("messageerror", () => onError(new Error("a message from the worker could not be read")));
      }
    },
    hold(busy) {
      if (!node) return;
      if (busy) (w as NodeWorker).ref();
      else (w as NodeWorker).unref();
    },
    terminate: () => void w.terminate(),
  };
}
