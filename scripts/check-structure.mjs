// Holds the source tree to its shape: no source file over 600 lines, no TypeScript line over
// 120 characters, no import cycles among the core's modules or the package's files, and no
// module of the core that reaches into the boundary (crate/src/ffi). Prints each breach and exits 1 when there is one.
//
//   node scripts/check-structure.mjs            # the repository this script sits in
//   node scripts/check-structure.mjs --root DIR
//
// Rust modules are read at the granularity a reader navigates: a top-level module of
// crate/src (a file, or a folder with its mod.rs) is one node, and the files of one folder are
// nodes among themselves, where a child naming its parent (`super::`) is the usual shape and
// not a cycle. TypeScript and JavaScript files are nodes by path, edges by relative imports.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

export const MAX_LINES = 600;
export const MAX_TS_WIDTH = 120;
const SOURCE = /\.(rs|ts|js|mjs|cjs|py|sh)$/;
const SKIP_DIRS = new Set(["node_modules", "target", "dist", ".git", ".tmp", "docs"]);
const TREES = ["crate", "ts", "test", "scripts", "bench", "examples", "playground"];

/** Every file under `dir` whose name matches `re`, skipping build output and dependencies. */
export function walk(dir, re = SOURCE) {
  const out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, re));
    else if (re.test(name)) out.push(p);
  }
  return out;
}

const lineCount = (text) => (text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length);

/** Files longer than MAX_LINES. */
export function oversized(root) {
  const out = [];
  for (const tree of TREES) {
    for (const f of walk(join(root, tree))) {
      const n = lineCount(readFileSync(f, "utf8"));
      if (n > MAX_LINES) out.push({ file: relative(root, f), lines: n });
    }
  }
  return out;
}

/** The cycles of a directed graph (Map node -> Set of nodes), each once, as node lists. */
export function cycles(graph) {
  const found = [];
  const seen = new Set();
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  let next = 0;
  // Tarjan's strongly connected components: a component of more than one node, or a node
  // with an edge to itself, holds a cycle.
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v)?.has(v) ?? false)) found.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v) && !seen.has(v)) visit(v);
  return found;
}

// Comments and unit-test modules do not count: a test may well use a neighbour (a gradient
// check through autodiff) without the module depending on it.
function stripRustComments(text) {
  let t = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  for (;;) {
    const m = /#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{/.exec(t);
    if (!m) return t;
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < t.length && depth > 0; i++) {
      if (t[i] === "{") depth++;
      else if (t[i] === "}") depth--;
    }
    t = t.slice(0, m.index) + t.slice(i);
  }
}
// Block comments and whole-line comments (doc examples show imports too); a `//` inside a
// string, such as a URL, stays.
const stripJsComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

/**
 * The core's module graphs: `top` links top-level modules (`crate::x` paths), `folders` maps
 * each folder to the graph of its files (`super::x` and `crate::folder::x` paths), and
 * `boundary` lists the files outside ffi/ that name `crate::ffi`.
 */
export function rustGraphs(root) {
  const src = join(root, "crate/src");
  const files = walk(src, /\.rs$/);
  const top = new Map();
  const folders = new Map();
  const boundary = [];
  const topOf = (f) => relative(src, f).split("/")[0].replace(/\.rs$/, "");
  for (const f of files) {
    const me = topOf(f);
    if (me === "lib" || me === "main") continue;
    const text = stripRustComments(readFileSync(f, "utf8"));
    if (!top.has(me)) top.set(me, new Set());
    const used = new Set();
    for (const m of text.matchAll(/\bcrate::(\w+)/g)) used.add(m[1]);
    // `use crate::{a, b::c}` names several modules at once.
    for (const m of text.matchAll(/\bcrate::\{([^}]*)\}/g)) {
      for (const part of m[1].split(",")) {
        const name = part.trim().split("::")[0];
        if (name) used.add(name);
      }
    }
    for (const u of used) if (u !== me) top.get(me).add(u);
    if (me !== "ffi" && used.has("ffi")) boundary.push(relative(root, f));
    const rel = relative(src, f).split("/");
    if (rel.length === 2) {
      const folder = rel[0];
      const self = rel[1].replace(/\.rs$/, "");
      if (self === "mod") continue;
      if (!folders.has(folder)) folders.set(folder, new Map());
      const g = folders.get(folder);
      if (!g.has(self)) g.set(self, new Set());
      const sib = new Set();
      for (const m of text.matchAll(/\bsuper::(\w+)/g)) sib.add(m[1]);
      for (const m of text.matchAll(new RegExp(`\\bcrate::${folder}::(\\w+)`, "g"))) sib.add(m[1]);
      for (const s of sib) {
        if (s !== self && existsRs(join(src, folder, `${s}.rs`))) g.get(self).add(s);
      }
    }
  }
  return { top, folders, boundary };
}

function existsRs(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The graph of relative imports among the files under `dir` (ts/ or any JS tree). */
export function importGraph(root, dir) {
  const graph = new Map();
  const base = join(root, dir);
  for (const f of walk(base, /\.(ts|js|mjs)$/)) {
    const me = relative(root, f);
    const deps = new Set();
    const text = stripJsComments(readFileSync(f, "utf8"));
    const re = /(?:import|export)\s[^'"]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;
    for (const m of text.matchAll(re)) {
      const spec = m[1] ?? m[2];
      let target = resolve(dirname(f), spec);
      // Sources import their siblings by the emitted name (./x.js) while the file is x.ts.
      if (f.endsWith(".ts")) target = target.replace(/\.js$/, ".ts");
      deps.add(relative(root, target));
    }
    graph.set(me, deps);
  }
  return graph;
}

/** Lines of the TypeScript sources (ts/) wider than MAX_TS_WIDTH. */
export function wideLines(root) {
  const out = [];
  for (const f of walk(join(root, "ts"), /\.ts$/)) {
    readFileSync(f, "utf8").split("\n").forEach((line, i) => {
      if (line.length > MAX_TS_WIDTH) out.push({ file: relative(root, f), line: i + 1, width: line.length });
    });
  }
  return out;
}

/** Every breach of the rules, as printable lines. */
export function check(root) {
  const problems = [];
  for (const { file, lines } of oversized(root)) problems.push(`${file}: ${lines} lines (at most ${MAX_LINES})`);
  for (const { file, line, width } of wideLines(root)) {
    problems.push(`${file}:${line}: ${width} characters (at most ${MAX_TS_WIDTH})`);
  }
  const { top, folders, boundary } = rustGraphs(root);
  for (const c of cycles(top)) problems.push(`crate/src: import cycle among modules ${c.join(" <-> ")}`);
  for (const [folder, g] of folders) {
    for (const c of cycles(g)) problems.push(`crate/src/${folder}: import cycle among files ${c.join(" <-> ")}`);
  }
  for (const f of boundary) problems.push(`${f}: the core names the boundary (crate::ffi); move what it needs out of ffi/`);
  for (const c of cycles(importGraph(root, "ts"))) problems.push(`ts: import cycle ${c.join(" <-> ")}`);
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { root: { type: "string" } } });
  const root = values.root ?? new URL("..", import.meta.url).pathname;
  const problems = check(root);
  for (const p of problems) console.log(p);
  console.log(problems.length === 0 ? "structure: ok" : `structure: ${problems.length} problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
