// Runs every fenced code block of README.md, so none rots: ```js blocks as Node modules (a file
// under .tmp/readme/, where `import "kanwasm"` resolves to this package through its own exports,
// run from a scratch folder), ```sh blocks with bash in a scratch project whose
// node_modules/.bin/kanwasm is this package's command (so `npx kanwasm` works as installed),
// and blocks marked `browser` in Chromium. Prints each block with its result and ends with
// `readme: N passed, N failed, N skipped`.
//
// A block takes its context from an HTML comment on the line before its fence, never from a
// change to its code:
//   <!-- test: name=quickstart -->              names the block for others' `after`
//   <!-- test: after=quickstart -->             runs the named block's code first (a continuation)
//   <!-- test: with-file=data.csv:examples/data/exp-sin.csv -->  copies a repository file into
//                                               the scratch folder first (several: comma-separated)
//   <!-- test: expect=/regex/ -->               what the block prints must match
//   <!-- test: browser -->                      an html block opened as a page (served with the
//                                               package at /node_modules/kanwasm/), or a js block
//                                               in a module script of a page that maps "kanwasm";
//                                               it passes once it has logged and thrown nothing
//   <!-- test: skip=reason -->                  not run; the reason (the rest of the comment) is printed
// Options are separated by "; ". A block in another language with no `skip` fails.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const readme = process.argv[2] ?? join(root, "README.md");
const TIMEOUT_MS = 300_000;

/** The fenced blocks of `text`: { line, lang, code, opts } with `opts` from the comment above. */
export function blocks(text) {
  const lines = text.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\S*)\s*$/);
    if (!open) continue;
    const start = i;
    const body = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i]);
    let j = start - 1;
    while (j >= 0 && lines[j].trim() === "") j--;
    const marker = j >= 0 ? lines[j].match(/^<!--\s*test:\s*(.*?)\s*-->$/) : null;
    out.push({ line: start + 1, lang: open[1], code: body.join("\n") + "\n", opts: marker ? options(marker[1]) : {} });
  }
  return out;
}

function options(text) {
  const opts = {};
  // a skip's reason is the rest of the comment, semicolons and all
  const skip = text.search(/(^|;\s+)skip=/);
  if (skip >= 0) {
    opts.skip = text.slice(text.indexOf("skip=", skip) + 5).trim();
    text = text.slice(0, skip);
  }
  for (const part of text.split(/;\s+/).filter((p) => p.trim())) {
    const eq = part.indexOf("=");
    if (eq < 0) opts[part.trim()] = true;
    else opts[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return opts;
}

/** The block's code after that of the blocks it continues, and every file they all need. */
function resolve(block, byName, seen = new Set()) {
  if (!block.opts.after) return { code: block.code, files: files(block) };
  if (seen.has(block.opts.after)) throw new Error(`after=${block.opts.after} goes round in a circle`);
  const before = byName.get(block.opts.after);
  if (!before) throw new Error(`after=${block.opts.after}: no block has that name`);
  const prev = resolve(before, byName, new Set([...seen, block.opts.after]));
  return { code: `${prev.code}\n${block.code}`, files: [...prev.files, ...files(block)] };
}

function files(block) {
  if (!block.opts["with-file"]) return [];
  return block.opts["with-file"].split(/,\s*/).map((pair) => {
    const [dest, src] = pair.split(":");
    if (!dest || !src) throw new Error(`with-file=${pair}: expected DEST:SOURCE`);
    return { dest, src: join(root, src) };
  });
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, {
    cwd, encoding: "utf8", timeout: TIMEOUT_MS, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ""}:\n${out}`);
  return out;
}

function expectOutput(block, out) {
  const want = block.opts.expect?.match(/^\/(.*)\/([a-z]*)$/);
  if (block.opts.expect && !want) throw new Error(`expect=${block.opts.expect}: expected /regex/`);
  if (want && !new RegExp(want[1], want[2]).test(out)) throw new Error(`expected ${block.opts.expect} in:\n${out}`);
}

/** A scratch project where `npx kanwasm` is this package's command, as after `npm install kanwasm`. */
function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "kanwasm-readme-"));
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  const bin = join(dir, "node_modules/.bin/kanwasm");
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(root, "dist/cli/main.js")}" "$@"\n`);
  chmodSync(bin, 0o755);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "readme-block", private: true, type: "module" }));
  return dir;
}

async function runNode(block, code, need, index) {
  const dir = scratch();
  for (const f of need) copyFileSync(f.src, join(dir, f.dest));
  let out;
  let file;
  if (block.lang === "sh") {
    out = run("bash", ["-euo", "pipefail", "-c", code], dir);
  } else {
    file = join(root, ".tmp/readme", `block-${process.pid}-${index}.mjs`);
    writeFileSync(file, code);
    out = run(process.execPath, [file], dir);
  }
  expectOutput(block, out);
  // kept on failure, for a look at what ran
  rmSync(dir, { recursive: true, force: true });
  if (file) rmSync(file);
  return out;
}

/** The pages of the browser blocks, in Chromium: one page per block, on a site of its own. */
async function runBrowser(jobs) {
  const { launch } = await import("../browser/chromium.mjs");
  const { serve } = await import("../browser/server.mjs");
  const site = mkdtempSync(join(tmpdir(), "kanwasm-readme-site-"));
  mkdirSync(join(site, "node_modules/kanwasm"), { recursive: true });
  symlinkSync(join(root, "dist"), join(site, "node_modules/kanwasm/dist"));
  copyFileSync(join(root, "package.json"), join(site, "node_modules/kanwasm/package.json"));
  // what a bundler's user does by hand for init({ wasm: "/kanwasm.wasm" })
  copyFileSync(join(root, "dist/kanwasm.wasm"), join(site, "kanwasm.wasm"));
  const server = await serve(site);
  const browser = await launch();
  try {
    for (const job of jobs) {
      const page = job.block.lang === "html" ? job.code : [
        "<!doctype html>",
        '<script type="importmap">{ "imports": { "kanwasm": "/node_modules/kanwasm/dist/index.js" } }</script>',
        `<script type="module">\n${job.code}\nconsole.log("the block ran to its end");\n</script>`,
      ].join("\n");
      writeFileSync(join(site, `block-${job.index}.html`), page);
      try {
        job.out = await openPage(browser, `${server.url}/block-${job.index}.html`);
        expectOutput(job.block, job.out);
        job.ok = true;
      } catch (e) {
        job.error = e.message;
      }
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(site, { recursive: true, force: true });
  }
}

async function openPage(browser, url) {
  const page = await browser.newPage();
  const logs = [];
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() !== "error") logs.push(m.text());
    // the browser's own request for /favicon.ico is not the block's
    else if (!m.location().url.endsWith("/favicon.ico")) errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  try {
    await page.goto(url);
    const t0 = Date.now();
    while (logs.length === 0 && errors.length === 0) {
      if (Date.now() - t0 > TIMEOUT_MS) throw new Error("the page logged nothing");
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));   // errors that follow the first log
    if (errors.length) throw new Error(errors.join("\n"));
    return logs.join("\n");
  } finally {
    await page.close();
  }
}

const all = blocks(readFileSync(readme, "utf8"));
const byName = new Map(all.filter((b) => b.opts.name).map((b) => [b.opts.name, b]));
mkdirSync(join(root, ".tmp/readme"), { recursive: true });
const jobs = [];
for (const [index, block] of all.entries()) {
  const job = { block, index, ok: false };
  jobs.push(job);
  if (block.opts.skip) {
    job.skipped = block.opts.skip === true ? "(no reason given)" : block.opts.skip;
    continue;
  }
  try {
    const { code, files: need } = resolve(block, byName);
    if (block.opts.browser) {
      if (!["js", "html"].includes(block.lang)) throw new Error(`a ${block.lang} block cannot run in a browser`);
      job.code = code;
      job.browser = true;
      continue;
    }
    if (!["js", "sh"].includes(block.lang)) throw new Error(`a \`\`\`${block.lang} block needs skip=reason or browser`);
    job.out = await runNode(block, code, need, index);
    job.ok = true;
  } catch (e) {
    job.error = e.message;
  }
}
const inBrowser = jobs.filter((j) => j.browser);
if (inBrowser.length) {
  try {
    await runBrowser(inBrowser);
  } catch (e) {
    for (const j of inBrowser) j.error ??= `Chromium: ${e.message}`;
  }
}

const indent = (s) => s.trimEnd().replace(/\n/g, "\n    ");
for (const { block, ok, skipped, error, browser } of jobs) {
  const where = `${basename(readme)}:${block.line} \`\`\`${block.lang}${browser ? " in Chromium" : ""}`;
  const name = block.opts.name ? ` [${block.opts.name}]` : "";
  const first = block.code.split("\n").find((l) => l.trim()) ?? "";
  if (skipped) console.log(`- ${where}${name} skipped: ${skipped}`);
  else console.log(`${ok ? "✓" : "✗"} ${where}${name}: ${first.trim().slice(0, 70)}${ok ? "" : `\n    ${indent(error)}`}`);
}
const failed = jobs.filter((j) => !j.ok && !j.skipped).length;
const skippedCount = jobs.filter((j) => j.skipped).length;
console.log(`\nreadme: ${jobs.length - failed - skippedCount} passed, ${failed} failed, ${skippedCount} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
