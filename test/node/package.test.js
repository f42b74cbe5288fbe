// The shipped package: SIMD in the .wasm, the files in dist/, and its shape (publint, attw).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });

describe("package", () => {
  it("dist/ holds the ESM entry, its types, the Deno entry and the wasm", () => {
    for (const f of ["index.js", "index.d.ts", "deno.js", "kanwasm.wasm"]) {
      expect(existsSync(join(root, "dist", f)), `dist/${f}`).toBe(true);
    }
  });

  it("kanwasm.wasm contains SIMD128 instructions (v128, f32x4, f64x2)", () => {
    let wat;
    try {
      wat = run("wasm2wat", [join(root, "dist/kanwasm.wasm")], { maxBuffer: 256 << 20 });
    } catch (e) {
      throw new Error(`wasm2wat failed (${e.message}); on Debian: apt-get install wabt`);
    }
    const count = (re) => (wat.match(re) ?? []).length;
    expect(count(/\bv128\.(load|store)/g), "v128 loads/stores").toBeGreaterThan(0);
    expect(count(/\bf32x4\.[a-z_]+/g), "f32x4 ops").toBeGreaterThan(0);
    expect(count(/\bf64x2\.[a-z_]+/g), "f64x2 ops").toBeGreaterThan(0);
    // the core imports one host function (user-defined symbolic functions) and nothing else
    expect([...wat.matchAll(/^\s*\(import "([^"]+)" "([^"]+)"/gm)].map((m) => `${m[1]}.${m[2]}`)).toEqual(["env.kw_user_eval"]);
  });

  it("kanwasm.wasm and kanwasm-mt.wasm stay within their byte budgets (bench/budget.mjs)", () => {
    // the budget script is the one definition of the limits; it exits non-zero when one is over
    let out;
    try {
      out = run(process.execPath, [join(root, "bench/budget.mjs")]);
    } catch (e) {
      throw new Error(`a module is over its budget: ${e.stderr || e.message}`);
    }
    for (const file of ["kanwasm.wasm", "kanwasm-mt.wasm"]) {
      const bytes = statSync(join(root, "dist", file)).size;
      const line = out.split("\n").find((l) => l.includes(`dist/${file} is ${bytes} bytes`));
      const budget = /within the ([\d.]+) KB budget/.exec(line ?? "");
      expect(budget, out).not.toBeNull();
      expect(bytes).toBeLessThanOrEqual(Number(budget[1]) * 1000);
    }
  });

  it("publint reports no problems", () => {
    const out = run(bin("publint"), ["--strict"]);
    expect(out).toMatch(/All good/);
  });

  it("attw --profile esm-only reports no problems", () => {
    const dir = mkdtempSync(join(tmpdir(), "kanwasm-attw-"));
    try {
      // Packs without scripts: a `prepare` rebuild here would race with the other runners.
      run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir]);
      const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz")));
      run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
