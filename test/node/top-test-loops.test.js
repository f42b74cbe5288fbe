// scripts/top-test-loops.mjs, the build step that moves the exit test of the forward
// kernel's step loops to the top: what it rewrites, that the rewritten loops compute the
// same, and what it leaves alone.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import binaryen from "binaryen";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const script = join(root, "scripts/top-test-loops.mjs");
const dir = mkdtempSync(join(tmpdir(), "kanwasm-loops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Counted loops in the shapes LLVM and wasm-opt emit: a `br_if` guard in front (rustc), an
// `if` guard with the counter copied first (wasm-opt), and, for contrast, the same do-while
// without a guard (entered with n = 0 it runs 2^32 times, which a top test would change),
// loops whose body writes the counter or branches back to the start, and a guarded loop in a
// function the pattern does not name.
const WAT = `(module
  (func $kern_block_guard (export "block_guard") (param $n i32) (result i32) (local $s i32)
    (block $b
      (br_if $b (i32.eqz (local.get $n)))
      (loop $l
        (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) (local.get $n)))
        (br_if $l (local.tee $n (i32.add (local.get $n) (i32.const -1))))))
    (local.get $s))
  (func $kern_if_guard (export "if_guard") (param $n i32) (result i32) (local $s i32) (local $m i32)
    (if (local.get $n)
      (then
        (local.set $m (local.get $n))
        (loop $l
          (local.set $s (i32.xor (i32.mul (local.get $s) (i32.const 7)) (local.get $m)))
          (br_if $l (local.tee $m (i32.sub (local.get $m) (i32.const 1)))))))
    (local.get $s))
  (func $kern_unguarded (export "unguarded") (param $n i32) (result i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func $kern_writes (export "writes") (param $n i32) (result i32) (local $s i32)
    (if (local.get $n)
      (then
        (loop $l
          (local.set $s (i32.add (local.get $s) (local.get $n)))
          (local.set $n (i32.shr_u (local.get $n) (i32.const 1)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (local.get $s))
  (func $kern_continue (export "continue") (param $n i32) (result i32) (local $s i32)
    (if (local.get $n)
      (then
        (loop $l
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (br_if $l (i32.lt_u (i32.rem_u (local.get $s) (i32.const 4)) (i32.const 2)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (local.get $s))
  (func $other (export "other") (param $n i32) (result i32) (local $s i32)
    (if (local.get $n)
      (then
        (loop $l
          (local.set $s (i32.add (local.get $s) (local.get $n)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (local.get $s)))`;

function assemble() {
  const mod = binaryen.parseText(WAT);
  // keep the function names, as rustc's output has them
  binaryen.setDebugInfo(true);
  const bytes = mod.emitBinary();
  binaryen.setDebugInfo(false);
  mod.dispose();
  return bytes;
}

let runs = 0;
function pass(input, pattern) {
  runs++;
  const [src, out] = [join(dir, `in-${runs}.wasm`), join(dir, `out-${runs}.wasm`)];
  writeFileSync(src, input);
  const r = spawnSync(process.execPath, [script, src, out, pattern], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr, out };
}

/** The text of function `name` in a module. */
function text(bytes, name) {
  const mod = binaryen.readBinary(bytes);
  const t = binaryen.emitText(binaryen.getFunctionInfo(mod.getFunction(name)).body);
  mod.dispose();
  return t;
}

describe("scripts/top-test-loops.mjs", () => {
  const original = assemble();
  const r = pass(original, "^kern_");

  it("rewrites the guarded counted loops of the functions the pattern names, and only those", () => {
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 loop\(s\) in 5 function\(s\) matching/);
    const rewritten = readFileSync(r.out);
    for (const f of ["kern_block_guard", "kern_if_guard"]) {
      // the loop now opens with its exit test and ends by branching back (labels are
      // renamed when a module is read back)
      const t = text(rewritten, f);
      expect(t).toMatch(/\(loop \$(\w+)\s+\(block \$(\w+)\s+\(br_if \$\2\s+\(i32\.eqz[^]*\(br \$\1\)\s+\)\s+\)/);
      expect(t).not.toMatch(/br_if \$\w+\s+\(local\.tee/);
    }
    for (const f of ["kern_unguarded", "kern_writes", "kern_continue", "other"]) expect(text(rewritten, f), f).toBe(text(original, f));
  });

  it("leaves every function computing what it did", async () => {
    const a = (await WebAssembly.instantiate(original)).instance.exports;
    const b = (await WebAssembly.instantiate(readFileSync(r.out))).instance.exports;
    for (const f of ["block_guard", "if_guard", "unguarded", "writes", "continue", "other"]) {
      for (const n of [0, 1, 2, 3, 7, 40]) {
        if (n === 0 && f === "unguarded") continue;
        expect(b[f](n), `${f}(${n})`).toBe(a[f](n));
      }
    }
  });

  it("fails when the pattern names no function or no loop of the expected shape", () => {
    expect(pass(original, "^nothing_matches$").status).toBe(1);
    expect(pass(original, "^kern_unguarded$").status).toBe(1);
  });

  // the crate's own output (npm run build writes it; the packed package has only dist/)
  const built = join(root, "crate/target/wasm32-unknown-unknown/release/kanwasm_core.wasm");
  it.skipIf(!existsSync(built))("finds the forward kernel's two wide-block loops in the crate's build", () => {
    const k = pass(readFileSync(built), "win_big_f(32|64)");
    expect(k.status, k.stderr).toBe(0);
    expect(k.stderr).toMatch(/2 loop\(s\) in 2 function\(s\)/);
  });
});
