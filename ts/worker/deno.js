// The Deno entry of kanwasm/worker (the "deno" export condition). A Deno worker started from a
// file needs --allow-read, so the worker runs from a Blob of deno-source.js (the worker's code
// as one string, made by rollup.config.js), and gets the wasm as the module source imported
// here: neither thread needs a permission. Plain JS, as ts/deno.js; rollup copies it into dist/.
import source kanwasm from "../kanwasm.wasm";
import code from "./deno-source.js";
import { setSpawner } from "./spawn.js";
import "../deno.js";

let url;
setSpawner(() => {
  url ??= URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  return new Worker(url, { type: "module" });
}, kanwasm);

export * from "./index.js";
