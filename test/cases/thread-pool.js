// What the threaded suites ask of the thread pool: whether this page or process can share
// memory with workers at all, and how many threads the core has ready now.
import { rawKernel } from "kanwasm";

/** Whether SharedArrayBuffer is there (a page that is not cross-origin isolated has none). */
export const isolated = globalThis.crossOriginIsolated !== false && typeof SharedArrayBuffer === "function";

/** How many threads the core has ready now (a fit asks for its threads step by step). */
export function readyThreads() {
  const { raw } = rawKernel();
  raw.kw_set_threads(64);
  const n = raw.kw_threads();
  raw.kw_set_threads(1);
  return n;
}
