/**
 * One worker seen from the calling thread: numbered requests and their promises, callback
 * events routed to the options that asked for them, aborts forwarded, and the worker ended
 * once the last object it holds for us is disposed.
 *
 * ```js
 * const c = new Connection(await spawn());
 * const info = await c.request({ kind: "create", options });
 * ```
 */
import { KanError } from "../errors.js";
import type { Channel } from "./spawn.js";
import { SIGNAL, encodeArgs, fromRecord, type Reply, type Request } from "./protocol.js";

type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  callbacks: Map<string, (v: unknown) => unknown>;
  decode: (v: unknown) => unknown;
  /** The error a callback threw: the request was aborted for it, and rejects with it. */
  thrown?: { error: unknown };
}

export class Connection {
  readonly #ch: Channel;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #held = 0;
  #dead: Error | undefined;
  /** Objects the worker holds for this connection; at 0 after a dispose, the worker ends. */
  holders = 0;

  constructor(ch: Channel) {
    this.#ch = ch;
    ch.listen((r) => this.#reply(r), (e) => this.#fail(e));
  }

  /** Sends one request; `decode` turns markers in its result (and events) back into objects. */
  request(body: Body, transfer: ArrayBuffer[] = [], decode: (v: unknown) => unknown = (v) => v): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#deadError());
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, callbacks: new Map(), decode });
      this.#hold(1);
      this.#ch.post({ ...body, id } as Request, transfer);
    });
  }

  /** A method call: callbacks and the AbortSignal of its options cross as events and an abort. */
  call(target: number, method: string, args: unknown[], decode: (v: unknown) => unknown): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#deadError());
    const enc = encodeArgs(args);
    const id = this.#next;
    const signal = enc.signal;
    const onAbort = () => this.#ch.post({ kind: "abort", id });
    if (signal?.aborted) {
      // the worker aborts its own signal at once, as fit sees an aborted signal before step 0
      for (const a of enc.args) {
        const m = (a as Record<string, unknown> | null)?.signal as Record<string, unknown> | undefined;
        if (m && m[SIGNAL] === true) m.aborted = true;
      }
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    const p = this.request({ kind: "call", target, method, args: enc.args }, [], decode);
    this.#pending.get(id)!.callbacks = enc.callbacks;
    return p.finally(() => signal?.removeEventListener("abort", onAbort));
  }

  /** One fewer holder; the worker ends when none is left. */
  release(): void {
    if (--this.holders <= 0) this.close();
  }

  close(): void {
    if (this.#dead) return;
    this.#dead = new Error("the worker was ended");
    this.#ch.terminate();
    for (const p of this.#pending.values()) p.reject(this.#deadError());
    this.#pending.clear();
  }

  #deadError(): KanError {
    const why = this.#dead?.message ?? "the worker is gone";
    return new KanError("DISPOSED", `WorkerKAN: ${why}; create a new WorkerKAN`);
  }

  #hold(delta: number): void {
    const before = this.#held;
    this.#held += delta;
    if ((before === 0) !== (this.#held === 0)) this.#ch.hold(this.#held > 0);
  }

  #reply(r: Reply): void {
    const p = this.#pending.get(r.id);
    if (p === undefined) return;
    if (r.kind === "event") {
      const f = p.callbacks.get(r.callback);
      if (f === undefined || p.thrown) return;
      const stop = (error: unknown) => {
        if (p.thrown) return;
        p.thrown = { error };
        this.#ch.post({ kind: "abort", id: r.id });
      };
      try {
        const v = f(p.decode(r.value));
        if (v instanceof Promise) v.catch(stop);
      } catch (e) {
        stop(e);
      }
      return;
    }
    this.#pending.delete(r.id);
    this.#hold(-1);
    if (r.kind === "done") p.resolve(p.decode(r.value));
    else p.reject(p.thrown ? p.thrown.error : fromRecord(r.error));
  }

  #fail(e: Error): void {
    if (this.#dead) return;
    const err = new KanError("INTERNAL", `WorkerKAN: the worker failed (${e.message})`, { cause: e });
    this.#dead = e;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#ch.terminate();
  }
}
