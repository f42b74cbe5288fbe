// `npm test`: every test runner in turn (Rust natively, Node, Deno, Chromium, and the packed
// tarball in a scratch project), then one closing line `N passed, N failed` over all of them.
//
//   npm test                    # everything
//   npm test -- node deno       # only the named stages: rust node deno chromium examples readme consumer
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const plain = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
const sum = (text, re) => [...plain(text).matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);

function cargo() {
  for (const c of ["cargo", join(homedir(), ".cargo/bin/cargo"), "/usr/bin/cargo"]) {
    if (!c.includes("/") || existsSync(c)) return c;
  }
  return "cargo";
}

const vitestJson = join(root, ".tmp/vitest.json");
const stages = [
  {
    name: "rust",
    title: "Rust core, natively (cargo test --release)",
    cmd: cargo(),
    args: ["test", "--release", "--offline"],
    cwd: join(root, "crate"),
    count: (out) => ({ passed: sum(out, /test result: \w+\. (\d+) passed/g), failed: sum(out, /(\d+) failed;/g) }),
  },
  {
    name: "node",
    title: "Node (vitest)",
    cmd: bin("vitest"),
    args: ["run", "--config", "test/vitest.config.js", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`],
    count: () => {
      const r = JSON.parse(readFileSync(vitestJson, "utf8"));
      return { passed: r.numPassedTests, failed: r.numFailedTests };
    },
  },
  {
    name: "deno",
    title: "Deno (deno test)",
    cmd: bin("deno"),
    args: ["test", "--no-prompt", "--config", "test/deno/deno.json", "test/deno/"],
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    count: (out) => ({ passed: sum(out, /\| (\d+) passed/g), failed: sum(out, /\| (\d+) failed/g) }),
  },
  {
    name: "chromium",
    title: "Chromium (playwright-core, headless)",
    cmd: process.execPath,
    args: ["test/browser/run.mjs"],
    count: (out) => ({ passed: sum(out, /^chromium: (\d+) passed/gm), failed: sum(out, /^chromium: \d+ passed, (\d+) failed/gm) }),
  },
  {
    name: "examples",
    title: "examples/: the Node and Deno scripts and the command line on CSV files",
    cmd: process.execPath,
    args: ["test/examples/run.mjs"],
    count: (out) => ({ passed: sum(out, /^examples: (\d+) passed/gm), failed: sum(out, /^examples: \d+ passed, (\d+) failed/gm) }),
  },
  {
    name: "readme",
    title: "README.md: every code block (Node, bash and Chromium)",
    cmd: process.execPath,
    args: ["test/readme/run.mjs"],
    count: (out) => ({ passed: sum(out, /^readme: (\d+) passed/gm), failed: sum(out, /^readme: \d+ passed, (\d+) failed/gm) }),
  },
  {
    name: "consumer",
    title: "Consumer: the packed tarball in Node, Deno, a plain page and a Vite build",
    cmd: process.execPath,
    args: ["test/consumer/run.mjs"],
    count: (out) => ({ passed: sum(out, /^consumer: (\d+) passed/gm), failed: sum(out, /^consumer: \d+ passed, (\d+) failed/gm) }),
  },
];

function run(stage) {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(stage.cmd, stage.args, {
      cwd: stage.cwd ?? root,
      env: { ...process.env, ...stage.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on("error", (e) => resolve({ code: -1, out: out + `\n${stage.cmd}: ${e.message}\n` }));
    child.on("close", (code) => resolve({ code, out }));
  });
}

const only = process.argv.slice(2);
const unknown = only.filter((n) => !stages.some((s) => s.name === n));
if (unknown.length) {
  console.error(`unknown stage(s) ${unknown.join(", ")}; stages: ${stages.map((s) => s.name).join(" ")}`);
  process.exit(2);
}
if (!existsSync(join(root, "dist/index.js")) || !existsSync(join(root, "dist/kanwasm.wasm"))) {
  console.error("dist/ is not built: run `npm run build` first (`npm test` builds it before running this)");
  console.log("0 passed, 1 failed");
  process.exit(1);
}
mkdirSync(join(root, ".tmp"), { recursive: true });

const results = [];
for (const stage of stages.filter((s) => only.length === 0 || only.includes(s.name))) {
  console.log(`\n=== ${stage.title} ===\n`);
  const { code, out } = await run(stage);
  let counts;
  try {
    counts = stage.count(out);
  } catch {
    counts = { passed: 0, failed: 0 };
  }
  // A runner that crashed, or failed without counting a failure, counts as one failure.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  if (code === 0 && counts.passed + counts.failed === 0) counts.failed = 1;
  results.push({ name: stage.name, code, ...counts });
}

console.log("\n=== summary ===");
for (const r of results) console.log(`${r.name.padEnd(9)} ${r.passed} passed, ${r.failed} failed${r.code ? ` (exit ${r.code})` : ""}`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
