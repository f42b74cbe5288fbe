// Loading the wasm: errors before a successful init, then init itself (memoised).
// These cases must run first and in order: init succeeds only once per module instance.
import { init, bsplineBasis, rawKernel } from "kanwasm";
import { ok, equal, throwsKan } from "./assert.js";

export const cases = [
  {
    name: "a synchronous function before init throws NOT_INITIALIZED",
    fn: () => throwsKan(() => bsplineBasis([0], { grid: 5, k: 3 }), "NOT_INITIALIZED"),
  },
  {
    name: "init rejects unknown options with UNKNOWN_OPTION",
    fn: () => throwsKan(() => init({ wasmUrl: "x" }), "UNKNOWN_OPTION"),
  },
  {
    name: "init from a missing file gives WASM_NOT_FOUND and can be retried",
    fn: async () => {
      const e = await throwsKan(
        () => init({ wasm: new URL("./no-such-dir/kanwasm.wasm", import.meta.url) }),
        "WASM_NOT_FOUND",
      );
      ok(e.message.includes("init({ wasm })"), `the message says what to do: ${e.message}`);
    },
  },
  {
    name: "init from bytes that are not wasm gives WASM_NOT_FOUND",
    fn: () => throwsKan(() => init({ wasm: new TextEncoder().encode("<!DOCTYPE html>") }), "WASM_NOT_FOUND"),
  },
  {
    name: "init from a wasm module that is not kanwasm's gives WASM_NOT_FOUND",
    // (module): the smallest valid module, with no exports.
    fn: () => throwsKan(() => init({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }), "WASM_NOT_FOUND"),
  },
  {
    name: "init() loads the wasm and is memoised",
    fn: async () => {
      await init();
      const kernel = rawKernel();
      ok(kernel.raw.memory instanceof WebAssembly.Memory, "memory is exported");
      await init();
      await init({ wasm: new Uint8Array([1, 2, 3]) }); // ignored: already initialised
      equal(rawKernel(), kernel, "the same kernel after a second init");
    },
  },
];
