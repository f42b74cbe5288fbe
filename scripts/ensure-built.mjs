// Builds what dist/ lacks before `npm test` and `npm run demo` (their pre-scripts): the wasm
// when dist/kanwasm.wasm (or the benchmark module, .tmp/kanwasm-bench.wasm) is missing or
// older than the Rust sources or its build scripts (after
// checking the toolchain with scripts/setup-toolchain.sh), the JavaScript when any of dist/'s
// entries is missing or older than ts/ or its build configuration. An up-to-date dist/ costs a
// few stat calls. Installing the package runs nothing: consumers get dist/ in the tarball.
//
//   node scripts/ensure-built.mjs
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** Newest modification time among `paths` (files, or folders walked recursively). */
function newest(paths) {
  let t = 0;
  for (const p of paths.map((q) => join(root, q))) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) t = Math.max(t, newest(readdirSync(p).map((e) => join(p, e).slice(root.length))));
    else t = Math.max(t, s.mtimeMs);
  }
  return t;
}

/** Oldest modification time among `files`, or -1 when one is missing. */
function oldest(files) {
  let t = Infinity;
  for (const f of files.map((q) => join(root, q))) {
    if (!existsSync(f)) return -1;
    t = Math.min(t, statSync(f).mtimeMs);
  }
  return t;
}

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const wasmSources = ["crate/src", "crate/Cargo.toml", "scripts/build-wasm.sh", "scripts/top-test-loops.mjs"];
// the build writes both modules: the release one and the benchmark one the kernel tests load
if (oldest(["dist/kanwasm.wasm", ".tmp/kanwasm-bench.wasm", "dist/kanwasm-mt.wasm"]) < newest(wasmSources)) {
  console.error("ensure-built: dist/kanwasm.wasm, dist/kanwasm-mt.wasm or .tmp/kanwasm-bench.wasm is missing or older than crate/: building them");
  run("bash", ["scripts/setup-toolchain.sh"]);
  run(npm, ["run", "build:wasm"]);
}
const tsSources = ["ts", "tsconfig.json", "tsconfig.cli.json", "rollup.config.js"];
if (oldest(["dist/index.js", "dist/index.d.ts", "dist/deno.js", "dist/cli/main.js"]) < newest(tsSources)) {
  console.error("ensure-built: dist/ is missing or older than ts/: building the JavaScript");
  run(npm, ["run", "build:ts"]);
}
