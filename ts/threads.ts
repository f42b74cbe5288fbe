/**
 * Threads for the core: `fit(data, { threads: 2 })` loads the threaded module
 * (kanwasm-mt.wasm, its memory shared) in place of kanwasm.wasm, moves every model into it,
 * and starts worker threads, each running an instance of the same module on the same memory
 * (crate/src/par.rs: each sits in a wait loop until the calling thread hands out work).
 *
 * ```js
 * await model.fit(data, { opt: "adam", threads: "auto" });   // the host's cores
 * ```
 *
 * The core splits work into parts that do not depend on the number of threads, so the bits
 * are the same for any count. Where threads cannot run (a page that is not cross-origin
 * isolated has no SharedArrayBuffer, or a host without workers) the call runs on one thread
 * and says so once with console.warn.
 */
import { MAX_THREADS } from "./config.js";
import { KanError } from "./errors.js";
import { currentModule, onInstanceReplaced, rawKernel, useThreadedKernel } from "./raw/loader.js";
import type { RawKernel } from "./raw/kernel.js";

/** Bytes of stack per worker thread. */
const STACK_BYTES = 1 << 20;

/**
 * The worker's code, run from a string (a Blob URL in browsers and Deno, `eval` in Node), so
 * no file has to be found beside the package: it instantiates the module on the shared
 * memory, gives itself the stack and thread-local block the calling thread set aside, says
 * it is ready and runs the core's worker loop until the instance retires.
 */
const WORKER_SOURCE = `
const run = (d, post) => {
  const env = { memory: d.memory, kw_user_eval: () => NaN };
  const e = new WebAssembly.Instance(d.module, { env }).exports;
  e.__stack_pointer.value = d.stack;
  e.__wasm_init_tls(d.tls);
  post("ready");
  e.kw_worker_loop(d.id);
};
if (typeof self === "undefined") {
  const { parentPort } = require("node:worker_threads");
  parentPort.once("message", (d) => { run(d, (m) => parentPort.postMessage(m)); parentPort.close(); });
} else {
  self.onmessage = (ev) => { run(ev.data, (m) => self.postMessage(m)); self.close(); };
}
`;

interface ThreadWorker {
  terminate(): unknown;
}

interface Pool {
  kernel: RawKernel;
  workers: ThreadWorker[];
}

let pool: Pool | undefined;
let cores: number | undefined;
let warned = false;

const isNode = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" &&
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** The host's logical cores: navigator.hardwareConcurrency, or os.availableParallelism in Node. @internal */
export function hostCores(): number {
  const n = cores ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.min(MAX_THREADS, Math.max(1, typeof n === "number" && Number.isFinite(n) ? Math.floor(n) : 1));
}

/**
 * Runs `f` (one call into the core) on at most `threads` of the threads already started
 * (0: the host's cores), then hands the core back to one thread, so that other calls ask
 * for their own. @internal
 */
export function onThreads<T>(k: RawKernel, threads: number, f: () => T): T {
  k.raw.kw_set_threads(threads === 0 ? hostCores() : threads);
  try {
    return f();
  } finally {
    k.raw.kw_set_threads(1);
  }
}

/** Why threads cannot run here, or undefined when they can. */
function missing(): string | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (typeof SharedArrayBuffer !== "function" || g.crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and " +
      "Cross-Origin-Embedder-Policy: require-corp), so it has no SharedArrayBuffer";
  }
  if (!isNode && typeof g.Worker !== "function") return "this host has no Worker";
  return undefined;
}

/**
 * Makes `threads` threads ready for the core (0: the host's cores) and returns how many
 * there are: the threaded module in place and `threads - 1` workers in its wait loop. Where
 * threads cannot run, warns once and returns 1. @internal
 */
export function prepareThreads(op: string, threads: number): Promise<number> {
  // one at a time: two fits starting together must not start the same worker twice
  const next = preparing.then(() => prepare(op, threads), () => prepare(op, threads));
  preparing = next;
  return next;
}

let preparing: Promise<unknown> = Promise.resolve();

async function prepare(op: string, threads: number): Promise<number> {
  if (threads === 0 && cores === undefined && isNode) {
    const osName = "node:os";
    const os = (await import(/* @vite-ignore */ /* webpackIgnore: true */ osName)) as {
      availableParallelism?: () => number;
      cpus(): unknown[];
    };
    cores = os.availableParallelism?.() ?? os.cpus().length;
  }
  const n = threads === 0 ? hostCores() : threads;
  if (n <= 1) return 1;
  const why = missing();
  if (why !== undefined) {
    if (!warned) console.warn(`kanwasm: ${op} runs on one thread: ${why}`);
    warned = true;
    return 1;
  }
  await useThreadedKernel(op);
  const k = rawKernel(op);
  if (pool?.kernel !== k) pool = { kernel: k, workers: [] };
  const p = pool;
  const starts: Promise<void>[] = [];
  for (let id = p.workers.length + 1; id < n; id++) starts.push(spawn(p, id));
  await Promise.all(starts);
  // a worker says it is ready just before it enters the loop: wait until the core sees it
  k.raw.kw_set_threads(n);
  for (let t = 0; t < 200 && k.raw.kw_threads() < n; t++) await new Promise((r) => setTimeout(r, 5));
  return Math.min(n, k.raw.kw_threads());
}

/** Starts worker `id` of `p` on a stack and thread-local block allocated in the core. */
async function spawn(p: Pool, id: number): Promise<void> {
  const raw = p.kernel.raw as unknown as Record<string, unknown> & {
    kw_alloc(bytes: number): number;
    memory: WebAssembly.Memory;
  };
  const global = (name: string): number => (raw[name] as WebAssembly.Global).value as number;
  const align = Math.max(global("__tls_align"), 16);
  const tls = raw.kw_alloc(global("__tls_size") + align);
  const stack = raw.kw_alloc(STACK_BYTES);
  if (tls === 0 || stack === 0) {
    throw new KanError("OUT_OF_MEMORY", "threads: the wasm memory cannot grow for a worker's stack");
  }
  const module = currentModule();
  const message = {
    module, memory: raw.memory, id,
    tls: Math.ceil(tls / align) * align,
    stack: Math.floor((stack + STACK_BYTES) / 16) * 16,
  };
  const w = await startWorker();
  p.workers[id - 1] = w.worker;
  await new Promise<void>((resolve, reject) => {
    w.onMessage(() => resolve(), (e) => reject(new KanError("INTERNAL", `threads: a worker failed: ${e.message}`)));
    w.post(message);
  });
}

interface Started {
  worker: ThreadWorker;
  post(m: unknown): void;
  onMessage(ok: () => void, fail: (e: Error) => void): void;
}

async function startWorker(): Promise<Started> {
  if (isNode) {
    const name = "node:worker_threads";
    const wt = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as {
      Worker: new (code: string, o: { eval: boolean }) => {
        postMessage(m: unknown): void;
        once(ev: string, f: (v: unknown) => void): void;
        unref(): void;
        terminate(): unknown;
      };
    };
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true });
    return {
      worker,
      post: (m) => worker.postMessage(m),
      onMessage: (ok, fail) => {
        worker.once("message", () => {
          // a worker waiting for work must not keep the process alive
          worker.unref();
          ok();
        });
        worker.once("error", (e) => fail(e as Error));
      },
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  URL.revokeObjectURL(url);
  return {
    worker,
    post: (m) => worker.postMessage(m),
    onMessage: (ok, fail) => {
      worker.addEventListener("message", () => ok(), { once: true });
      worker.addEventListener("error", (e) => fail(new Error(e.message)), { once: true });
    },
  };
}

// A retired instance's workers end (terminate interrupts their wait); a fresh instance gets its own.
onInstanceReplaced((old) => {
  if (pool?.kernel !== old) return;
  for (const w of pool.workers) w.terminate();
  pool = undefined;
});
