// `npm run docs`: the API reference in docs/api, by TypeDoc from the doc comments of the two
// entry points (kanwasm, kanwasm/worker), failing on any warning (an undocumented public item,
// a broken link). Then one rule TypeDoc has no switch for: every optional option (a property of
// an interface named *Options, or of an options object a function takes) states its default.
//
//   npm run docs
//
// TypeDoc 0.28 reads TypeScript's compiler API, which TypeScript 7 (the build's compiler) does
// not ship, so TypeDoc and a TypeScript 6 live in tools/docs, a package of their own, installed
// here on first use from its lock file.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tools = join(root, "tools/docs");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
if (!existsSync(join(tools, "node_modules/typedoc"))) {
  execFileSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: tools, stdio: "inherit" });
}
const json = join(root, ".tmp/api.json");
rmSync(join(root, "docs/api"), { recursive: true, force: true });
try {
  const typedoc = join(tools, "node_modules/typedoc/bin/typedoc");
  execFileSync(process.execPath, [typedoc, "--json", json], { cwd: root, stdio: "inherit" });
} catch {
  console.error("docs: TypeDoc reported problems (above)");
  process.exit(1);
}

// Every optional property of an options type says "Default ..." (or "default: ...").
const project = JSON.parse(readFileSync(json, "utf8"));
const byId = new Map();
(function index(r) {
  byId.set(r.id, r);
  for (const c of r.children ?? []) index(c);
})(project);
const text = (comment) => (comment?.summary ?? []).map((p) => p.text).join("");
const missing = new Set();
function checkProps(owner, props) {
  for (const p of props ?? []) {
    if (p.flags?.isOptional && !/\bdefaults?\b/i.test(text(p.comment))) missing.add(`${owner}.${p.name}`);
  }
}
function checkType(owner, t) {
  if (!t) return;
  if (t.type === "reflection") checkProps(owner, t.declaration.children);
  else if (t.type === "intersection") t.types.forEach((u) => checkType(owner, u));
  else if (t.type === "reference" && byId.get(t.target)?.name?.endsWith("Options")) {
    const target = byId.get(t.target);
    checkProps(target.name, target.children);
  }
}
(function walk(r, path) {
  const here = r.kind === 1 ? "" : path ? `${path}.${r.name}` : r.name;
  if (r.kind === 256 && r.name.endsWith("Options")) checkProps(here, r.children); // interfaces
  for (const s of r.signatures ?? []) {
    for (const p of s.parameters ?? []) if (/^opt/.test(p.name)) checkType(`${here}(${p.name})`, p.type);
  }
  for (const c of r.children ?? []) walk(c, r.kind === 2 ? "" : here);
})(project, "");
if (missing.size) {
  console.error(`docs: options whose doc comment states no default:\n  ${[...missing].sort().join("\n  ")}`);
  process.exit(1);
}
console.log(`docs: docs/api written; every option states its default`);
