#!/usr/bin/env node
// Rewrites the counted loops of chosen functions in a wasm module so that they test their
// exit at the top:
//
//   node scripts/top-test-loops.mjs IN.wasm OUT.wasm FUNCTION_REGEX
//
// LLVM emits a counted loop as a guarded do-while:
//
//   (block $b (br_if $b (i32.eqz (local.get $n)))        ;; or (if (local.get $n) (then ...))
//     (loop $l BODY (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
//
// V8 (Turbofan, Node 20 and later) schedules such a single-block loop with every load of the
// body first; a body that keeps 12 or more SIMD accumulators in registers then spills them on
// each step. With the test at the top the body is a block of its own, and V8 keeps each load
// next to the arithmetic that uses it. This pass rewrites the loop to
//
//   (loop $l (block $l.top (br_if $l.top (i32.eqz (local.get $n))) BODY
//     (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
//
// which runs BODY the same number of times whenever the loop is entered with n > 0, so it is
// applied only where the guard in front of the loop proves that (n tested non-zero, then not
// written before the loop), and only where BODY neither writes n nor branches to $l. It runs on rustc's output, names intact, before wasm-opt; the
// function regex picks the kernels it applies to. Prints what it rewrote; exits 1 when the
// regex matches no function, or matches functions but no loop of the expected shape (so a
// toolchain change that alters the pattern is noticed, not silently slower).
import { readFileSync, writeFileSync } from "node:fs";
import binaryen from "binaryen";

const [input, output, pattern] = process.argv.slice(2);
if (!input || !output || !pattern) {
  console.error("usage: node scripts/top-test-loops.mjs IN.wasm OUT.wasm FUNCTION_REGEX");
  process.exit(2);
}
const B = binaryen;
const F = B.Features;
const mod = B.readBinary(readFileSync(input));
mod.setFeatures(
  F.MVP | F.SIMD128 | F.BulkMemory | F.BulkMemoryOpt | F.SignExt | F.NontrappingFPToInt | F.MutableGlobals | F.Multivalue | F.ReferenceTypes |
    (process.env.KW_ATOMICS ? F.Atomics : 0),
);

// getExpressionInfo knows only some expression kinds; the pass looks only at these
const KNOWN = new Set([B.BlockId, B.IfId, B.LoopId, B.BreakId, B.LocalSetId, B.LocalGetId, B.BinaryId, B.UnaryId, B.ConstId]);
const info = (e) => (KNOWN.has(B.getExpressionId(e)) ? B.getExpressionInfo(e) : { id: B.getExpressionId(e) });

/** The local `n` of `local.get n`, else undefined. */
function localOf(e) {
  const i = info(e);
  return i.id === B.LocalGetId ? i.index : undefined;
}

/** Whether `e` is `n - 1` (or `n + -1`) for local `n`. */
function isDecrement(e, n) {
  const i = info(e);
  if (i.id !== B.BinaryId) return false;
  const r = info(i.right);
  if (localOf(i.left) !== n || r.id !== B.ConstId) return false;
  return (i.op === B.SubInt32 && r.value === 1) || (i.op === B.AddInt32 && r.value === -1);
}

/** The local `n` a statement `br_if $label (i32.eqz (local.get n))` tests, else undefined. */
function exitIfZero(e, label) {
  const i = info(e);
  if (i.id !== B.BreakId || i.name !== label || !i.condition || i.value) return undefined;
  const c = info(i.condition);
  return c.id === B.UnaryId && c.op === B.EqZInt32 ? localOf(c.value) : undefined;
}

let rewritten = 0;
let fn = 0;
const localName = (i) => (B.Function.hasLocalName(fn, i) ? B.Function.getLocalName(fn, i) : undefined);

/** Rewrites `loop` (whose `n > 0` is known) in place if it has the do-while shape. */
function rewrite(loop, nonZero) {
  const l = info(loop);
  const body = info(l.body);
  if (body.id !== B.BlockId || body.name || body.children.length < 2) return false;
  const last = info(body.children.at(-1));
  if (last.id !== B.BreakId || last.name !== l.name || !last.condition || last.value) return false;
  const c = info(last.condition);
  if (c.id !== B.LocalSetId || !c.isTee || !isDecrement(c.value, c.index) || !nonZero.has(c.index)) return false;
  const n = c.index;
  // the body may neither branch back to the loop's start (skipping the count) nor write
  // the counter itself
  const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const names = [`${n}`, ...(localName(n) ? [localName(n)] : [])].map(esc).join("|");
  const writes = new RegExp(`\\(local\\.(set|tee) \\$(${names})(?![\\w.$])`);
  const target = new RegExp(`\\$${esc(l.name)}(?![\\w.$])`);
  for (const stmt of body.children.slice(0, -1)) {
    const t = B.emitText(stmt);
    if (writes.test(t) || target.test(t)) return false;
  }
  const top = `${l.name}.top`;
  const stmts = [
    mod.br(top, mod.i32.eqz(mod.local.get(n, B.i32))),
    ...body.children.slice(0, -1),
    mod.local.set(n, mod.i32.sub(mod.local.get(n, B.i32), mod.i32.const(1))),
    mod.br(l.name),
  ];
  B.Loop.setBody(loop, mod.block(top, stmts, B.none));
  rewritten++;
  return true;
}

/** Walks statements; `nonZero` holds the locals known non-zero on entry to `e`. */
function visit(e, nonZero) {
  const i = info(e);
  if (i.id === B.BlockId) {
    let known = new Set(nonZero);
    for (const child of i.children) {
      visit(child, known);
      const ci = info(child);
      const tested = i.name ? exitIfZero(child, i.name) : undefined;
      if (tested !== undefined) known.add(tested);
      else if (ci.id === B.LocalSetId && !ci.isTee) {
        // `local.set m (local.get n)` with n known non-zero: so is m; any other write to m
        // forgets it
        known.delete(ci.index);
        const src = localOf(ci.value);
        if (src !== undefined && known.has(src)) known.add(ci.index);
      } else known = new Set();
    }
  } else if (i.id === B.IfId) {
    const n = localOf(i.condition);
    visit(i.ifTrue, n === undefined ? new Set() : new Set([n]));
    if (i.ifFalse) visit(i.ifFalse, new Set());
  } else if (i.id === B.LoopId) {
    if (!rewrite(e, nonZero)) visit(i.body, new Set());
  }
}

const re = new RegExp(pattern);
let matched = 0;
for (let f = 0; f < mod.getNumFunctions(); f++) {
  fn = mod.getFunctionByIndex(f);
  const fi = B.getFunctionInfo(fn);
  if (fi.module || !re.test(fi.name)) continue;
  matched++;
  const before = rewritten;
  visit(fi.body, new Set());
  if (process.env.VERBOSE) console.error(`top-test-loops: ${fi.name}: ${rewritten - before} loop(s)`);
}
if (!mod.validate()) {
  console.error("top-test-loops: the rewritten module does not validate");
  process.exit(1);
}
// keep the name section: wasm-opt matches function names after this pass
B.setDebugInfo(true);
writeFileSync(output, mod.emitBinary());
console.error(`top-test-loops: ${rewritten} loop(s) in ${matched} function(s) matching /${pattern}/ now test at the top`);
if (matched === 0 || rewritten === 0) process.exit(1);
