// Consumer test: `npm pack` the package, install the tarball into a scratch project under the
// system temp dir, and compute one bsplineBasis from Node, from Deno (no permissions), from a
// plain page with an import map (no bundler) and from a Vite build, the last two in Chromium.
// Ends with `consumer: N passed, N failed`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, runPage } from "../browser/chromium.mjs";
import { serve } from "../browser/server.mjs";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "kanwasm-consumer-"));
const sh = (cmd, args, cwd = dir) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });

// The one computation every consumer runs, and what it must give: x = 0 and x = 0.4 sit mid-interval
// of a uniform cubic grid, where the four non-zero basis values are 1/48, 23/48, 23/48, 1/48.
const COMPUTE = `
import { init, bsplineBasis } from "kanwasm";
await init();
const m = bsplineBasis([0, 0.4], { grid: 5, k: 3 });
const output = { rows: m.rows, cols: m.cols, data: Array.from(m.data) };`;
const EXPECTED = [0, 0, 1, 23, 23, 1, 0, 0, 0, 0, 0, 1, 23, 23, 1, 0].map((v) => v / 48);

function check(output) {
  if (output?.rows !== 2 || output?.cols !== 8) throw new Error(`expected a 2 x 8 matrix, got ${JSON.stringify(output)}`);
  const worst = Math.max(...EXPECTED.map((e, i) => Math.abs(output.data[i] - e)));
  if (!(worst < 1e-12)) throw new Error(`basis differs from the expected values by ${worst}: ${output.data}`);
}

const results = [];
async function test(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: String(e.message).trim() }); // execFileSync puts stderr in the message
  }
}

let tarball;
let browser;
let server;
try {
  await test("npm pack ships dist/ (entry, types, Deno entry, wasm) and no sources", () => {
    sh("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], root);
    tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    const files = sh("tar", ["tzf", tarball]).split("\n").filter(Boolean);
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/deno.js", "dist/kanwasm.wasm"]) {
      if (!files.includes(`package/${f}`)) throw new Error(`${f} is missing from ${tarball}: ${files.join(" ")}`);
    }
    const stray = files.filter((f) => /^package\/(ts|test|crate|scripts)\//.test(f));
    if (stray.length) throw new Error(`sources in the tarball: ${stray.join(" ")}`);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    sh("npm", ["install", "--offline", "--no-audit", "--no-fund", `./${tarball}`]);
  });

  writeFileSync(join(dir, "main.mjs"), `${COMPUTE}\nconsole.log(JSON.stringify(output));\n`);
  await test("Node imports the installed package and computes", () => {
    check(JSON.parse(sh(process.execPath, ["main.mjs"])));
  });

  await test("Deno imports the installed package with no permissions and computes", () => {
    const deno = join(root, "node_modules", ".bin", "deno");
    check(JSON.parse(sh(deno, ["run", "--no-prompt", "main.mjs"])));
  });

  const page = (importMap) => `<!doctype html>
<meta charset="utf-8" />
${importMap}
<script type="module">${COMPUTE}
globalThis.__results = [{ output }];
globalThis.__done = true;
</script>
<script type="module">addEventListener("error", (e) => { globalThis.__results = [{ ok: false, error: e.message }]; globalThis.__done = true; });</script>
`;
  const fromPage = async (url) => {
    browser ??= await launch();
    const [r] = await runPage(browser, url, 30_000);
    if (r.ok === false) throw new Error(r.error);
    check(r.output);
  };

  writeFileSync(
    join(dir, "plain.html"),
    page(`<script type="importmap">{ "imports": { "kanwasm": "./node_modules/kanwasm/dist/index.js" } }</script>`),
  );
  server = await serve(dir);
  await test("a plain page with an import map (no bundler) computes in Chromium", () =>
    fromPage(`${server.url}/plain.html`));

  await test("a Vite build computes in Chromium", async () => {
    writeFileSync(join(dir, "index.html"), page(""));
    sh(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--base", "./", "--logLevel", "warn"]);
    const assets = readdirSync(join(dir, "dist/assets"));
    if (!assets.some((f) => f.endsWith(".wasm"))) throw new Error(`Vite emitted no .wasm: ${assets.join(" ")}`);
    await fromPage(`${server.url}/dist/index.html`);
  });
} finally {
  await browser?.close();
  await server?.close();
  if (!results.some((r) => !r.ok)) rmSync(dir, { recursive: true, force: true });
}

for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name}${r.ok ? "" : `\n    ${r.error.replace(/\n/g, "\n    ")}`}`);
const failed = results.filter((r) => !r.ok).length;
if (failed) console.log(`\n(scratch project kept for a look: ${dir})`);
console.log(`\nconsumer: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
