// The Deno entry (the package's "deno" export condition). Deno imports the wasm as a module
// source, which needs no --allow-read; everything else is the common entry. Plain JS because
// TypeScript cannot parse `import source`; rollup.config.js copies it into dist/.
import source kanwasm from "./kanwasm.wasm";
import source kanwasmMt from "./kanwasm-mt.wasm";
import { setDefaultWasm } from "./raw/loader.js";

// the threaded module too, for `threads` above 1
setDefaultWasm(kanwasm, kanwasmMt);

export * from "./index.js";
