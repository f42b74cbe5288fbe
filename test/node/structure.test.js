// The source tree's shape (scripts/check-structure.mjs): the checker itself on small trees
// made here, then the repository.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { check, cycles, MAX_LINES, MAX_TS_WIDTH } from "../../scripts/check-structure.mjs";

const graph = (edges) => {
  const g = new Map();
  for (const [a, b] of edges) {
    if (!g.has(a)) g.set(a, new Set());
    if (!g.has(b)) g.set(b, new Set());
    g.get(a).add(b);
  }
  return g;
};

describe("structure checker", () => {
  const dirs = [];
  const tree = (files) => {
    const root = mkdtempSync(join(tmpdir(), "kw-structure-"));
    dirs.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("finds every cycle once and no cycle in a DAG", () => {
    expect(cycles(graph([["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"]]))).toEqual([["a", "b", "c"]]);
    expect(cycles(graph([["a", "a"]]))).toEqual([["a"]]);
    expect(cycles(graph([["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"]]))).toEqual([]);
    expect(cycles(graph([["a", "b"], ["b", "a"], ["c", "d"], ["d", "c"]]))).toEqual([["a", "b"], ["c", "d"]]);
  });

  it("reports long files, Rust and TypeScript cycles and the core naming the boundary", () => {
    const root = tree({
      "crate/src/lib.rs": "mod a;\nmod b;\nmod ffi;\n",
      "crate/src/a.rs": "use crate::b::x;\n",
      "crate/src/b.rs": "use crate::{a::y, ffi::Failure};\n",
      "crate/src/ffi/mod.rs": "pub struct Failure;\n",
      "crate/src/c/mod.rs": "mod p;\nmod q;\n",
      "crate/src/c/p.rs": "use super::q::z;\n",
      "crate/src/c/q.rs": "use crate::c::p::w;\n",
      "ts/x.ts": 'import { y } from "./y.js";\n',
      "ts/y.ts": 'import { x } from "./x.js";\n',
      "ts/long.ts": "//\n".repeat(MAX_LINES + 1),
      "ts/wide.ts": `export const w = "${"w".repeat(MAX_TS_WIDTH)}";\n`,
    });
    expect(check(root).sort()).toEqual([
      "crate/src/b.rs: the core names the boundary (crate::ffi); move what it needs out of ffi/",
      "crate/src/c: import cycle among files p <-> q",
      "crate/src: import cycle among modules a <-> b",
      `ts/long.ts: ${MAX_LINES + 1} lines (at most ${MAX_LINES})`,
      `ts/wide.ts:1: ${MAX_TS_WIDTH + 20} characters (at most ${MAX_TS_WIDTH})`,
      "ts: import cycle ts/x.ts <-> ts/y.ts",
    ]);
  });

  it("does not count unit-test modules, comments or doc examples as imports", () => {
    const root = tree({
      "crate/src/a.rs": "use crate::b::x;\n#[cfg(test)]\nmod tests {\n    use crate::a::*;\n    fn f() { crate::b::g(); }\n}\n",
      "crate/src/b.rs": "// crate::a is named in a comment only\n#[cfg(test)]\nmod tests {\n    use crate::a::t;\n}\n",
      "ts/x.ts": '/**\n * import { y } from "./y.js";\n */\nexport const x = 1;\n',
      "ts/y.ts": 'import { x } from "./x.js";\nconst url = "https://example.org/";\n',
    });
    expect(check(root)).toEqual([]);
  });

  it("holds for this repository", () => {
    expect(check(new URL("../..", import.meta.url).pathname)).toEqual([]);
  });
});
