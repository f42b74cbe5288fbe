// Bundles main.js with esbuild into dist/, and copies kanwasm.wasm to dist/assets/, where
// main.js's init({ wasm }) fetches it: a bundler that does not follow
// `new URL("./kanwasm.wasm", import.meta.url)` needs the file copied and named this way.
//
//   npm install kanwasm esbuild
//   node build.mjs      # then serve dist/ over HTTP
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

await build({ entryPoints: ["main.js"], bundle: true, format: "esm", target: "es2022", outfile: "dist/main.js" });
const wasm = join(dirname(fileURLToPath(import.meta.resolve("kanwasm"))), "kanwasm.wasm");
mkdirSync("dist/assets", { recursive: true });
copyFileSync(wasm, "dist/assets/kanwasm.wasm");
copyFileSync("index.html", "dist/index.html");
