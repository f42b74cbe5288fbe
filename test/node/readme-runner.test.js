// The README runner (test/readme/run.mjs) fails what it should: a block that throws, a block
// whose output misses its `expect`, a block in a language it cannot run without a reason to
// skip it, and an `after` that names no block; it passes a continuation and prints skip reasons.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const fence = "```";

function runner(markdown) {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const file = join(root, ".tmp/readme-runner.md");
  writeFileSync(file, markdown);
  const r = spawnSync(process.execPath, [join(root, "test/readme/run.mjs"), file], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("README runner", () => {
  it("passes blocks that run, continuations and files, and prints the reason of a skip", () => {
    const { status, out } = runner([
      "<!-- test: name=a -->", `${fence}js`, "const x = 20;", fence, "",
      "<!-- test: after=a; expect=/^42$/m -->", `${fence}js`, "console.log(x + 22);", fence, "",
      "<!-- test: with-file=d.csv:examples/data/circle.csv; expect=/^301 d.csv$/m -->", `${fence}sh`, "wc -l d.csv", fence, "",
      "<!-- test: skip=no reason; really -->", `${fence}python`, "print(1)", fence, "",
    ].join("\n"));
    expect(out).toMatch(/skipped: no reason; really/);
    expect(out).toMatch(/^readme: 3 passed, 0 failed, 1 skipped$/m);
    expect(status).toBe(0);
  });

  it("fails a block that throws, misses its expect, cannot run, or continues no block", () => {
    const { status, out } = runner([
      `${fence}js`, "throw new Error('boom');", fence, "",
      "<!-- test: expect=/never/ -->", `${fence}js`, "console.log(1);", fence, "",
      `${fence}ts`, "let a = 1;", fence, "",
      "<!-- test: after=nothing -->", `${fence}js`, "console.log(1);", fence, "",
    ].join("\n"));
    expect(out).toMatch(/Error: boom/);
    expect(out).toMatch(/expected \/never\//);
    expect(out).toMatch(/needs skip=reason or browser/);
    expect(out).toMatch(/after=nothing: no block has that name/);
    expect(out).toMatch(/^readme: 0 passed, 4 failed, 0 skipped$/m);
    expect(status).toBe(1);
  });
});
