// The `kanwasm` command, run as a user runs it: the built dist/cli/main.js in a child process
// (Node, and once in Deno), on small CSV files written here.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, KAN } from "kanwasm";

const root = new URL("../..", import.meta.url).pathname;
const main = join(root, "dist/cli/main.js");
const deno = join(root, "node_modules/.bin/deno");
let dir;

function kanwasm(args, runtime = "node") {
  const [cmd, pre] = runtime === "deno" ? [deno, ["run", "-A", "--no-prompt", main]] : [process.execPath, [main]];
  const r = spawnSync(cmd, [...pre, ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// z = x^2 + sin(2y) + 0.5 on a seeded set of points: a formula the symbolic stage can find exactly.
const truth = (x, y) => x * x + Math.sin(2 * y) + 0.5;
function writeData(file, n) {
  let s = 0x2545f491;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const rows = ["x,y,z"];
  for (let i = 0; i < n; i++) {
    const x = rand();
    const y = rand();
    rows.push(`${x},${y},${truth(x, y)}`);
  }
  writeFileSync(join(dir, file), rows.join("\n") + "\n");
}

const readCsv = (file) => {
  const [head, ...rows] = readFileSync(join(dir, file), "utf8").trim().split("\n");
  return { names: head.split(","), rows: rows.map((r) => r.split(",").map(Number)) };
};

beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), "kanwasm-cli-"));
  writeData("data.csv", 150);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kanwasm command", () => {
  it("fit saves a model that KAN.load reads, with train/test RMSE per stage and the formula", () => {
    const r = kanwasm(["fit", "data.csv", "--target", "z", "--width", "2,1,1", "--grid", "3", "--steps", "20",
      "--seed", "1", "--refine", "5", "--symbolic", "--lib", "x,x^2,sin", "--out", "model.safetensors", "--svg", "net.svg"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/120 train rows, 30 test rows; inputs x, y; output z/);
    for (const stage of ["fit", "refine 5", "symbolic"]) {
      expect(r.stdout).toMatch(new RegExp(`^${stage} +train RMSE \\d\\.\\d{3}e[-+]\\d+  test RMSE \\d\\.\\d{3}e[-+]\\d+`, "m"));
    }
    // progress lines on stderr, plain (no carriage returns) when stderr is not a terminal
    expect(r.stderr).toMatch(/^fit +20\/20 +RMSE train/m);
    expect(r.stderr).not.toMatch(/\r/);
    const model = KAN.load(new Uint8Array(readFileSync(join(dir, "model.safetensors"))));
    expect(model.inDim).toBe(2);
    expect(model.outDim).toBe(1);
    expect(model.grid).toBe(5);
    // the symbolic model reproduces the data's function, so the fit really ran
    const { rows } = readCsv("data.csv");
    const p = model.predict(rows.map((r) => r.slice(0, 2)));
    const worst = Math.max(...rows.map((r, s) => Math.abs(p.data[s] - r[2])));
    expect(worst).toBeLessThan(1e-6);
    // the formula, last on stdout, is the loaded model's with the column names
    const [formula] = model.symbolicFormula({ inputNames: ["x", "y"], outputNames: ["z"] });
    expect(r.stdout.trim().split("\n").at(-1)).toBe(formula);
    expect(readFileSync(join(dir, "net.svg"), "utf8")).toMatch(/^<svg[^>]*>[\s\S]*>x<[\s\S]*>z<[\s\S]*<\/svg>\s*$/);
  });

  it("predict writes the input columns and predictions equal to model.predict", () => {
    const r = kanwasm(["predict", "model.safetensors", "data.csv", "--out", "pred.csv"]);
    expect(r.code, r.stderr).toBe(0);
    const pred = readCsv("pred.csv");
    const data = readCsv("data.csv");
    expect(pred.names).toEqual(["x", "y", "z"]);
    const model = KAN.load(new Uint8Array(readFileSync(join(dir, "model.safetensors"))));
    const p = model.predict(data.rows.map((r) => r.slice(0, 2)));
    expect(pred.rows.map((r) => r.slice(0, 2))).toEqual(data.rows.map((r) => r.slice(0, 2)));
    expect(Float64Array.from(pred.rows, (r) => r[2])).toEqual(Float64Array.from(p.data));
  });

  it("formula prints the formula; its js form computes the data's function", () => {
    const text = kanwasm(["formula", "model.safetensors"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe("z = x^2 + sin(2*y) + 0.5\n");
    const js = kanwasm(["formula", "model.safetensors", "--format", "js"]);
    expect(js.code, js.stderr).toBe(0);
    const z = new Function(`${js.stdout}; return z;`)();
    for (const [x, y] of [[0.3, -0.7], [-0.9, 0.2], [0, 0]]) expect(Math.abs(z(x, y) - truth(x, y))).toBeLessThan(1e-6);
    const latex = kanwasm(["formula", "model.safetensors", "--format", "latex", "--digits", "2"]);
    expect(latex.stdout).toMatch(/\\sin/);
  });

  it("info describes the model", () => {
    const r = kanwasm(["info", "model.safetensors"]);
    expect(r.code, r.stderr).toBe(0);
    const model = KAN.load(new Uint8Array(readFileSync(join(dir, "model.safetensors"))));
    expect(r.stdout).toMatch(new RegExp(`^parameters +${model.numParams}$`, "m"));
    expect(r.stdout).toMatch(/^width +\[2,1,1\]$/m);
    expect(r.stdout).toMatch(/^edges +3 live, 3 symbolic$/m);
    expect(r.stdout).toMatch(/^inputs +x, y$/m);
  });

  it("svg draws the saved model", () => {
    const r = kanwasm(["svg", "model.safetensors", "--out", "again.svg"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "again.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it("a non-number on line 3 exits 2 naming file, line and column, and writes nothing", () => {
    writeFileSync(join(dir, "bad.csv"), "a,b,y\n1,2,3\n4,oops,6\n7,8,9\n");
    const before = readdirSync(dir).sort();
    const r = kanwasm(["fit", "bad.csv", "--target", "y", "--out", "bad.safetensors", "--svg", "bad.svg"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv, line 3, column 2 \("b"\): "oops" is not a number/);
    expect(readdirSync(dir).sort()).toEqual(before);
    const p = kanwasm(["predict", "model.safetensors", "bad.csv"]);
    expect(p.code).toBe(2);
  });

  it("discover recovers y = x1*x2 from a CSV: stages on stderr, formula and RMSE on stdout, the model saved", () => {
    const rows = ["x1,x2,y"];
    for (let i = 0; i < 100; i++) {
      const a = 0.5 + ((i * 0.618034) % 1) * 1.5;
      const b = 0.5 + ((i * 0.414214) % 1) * 1.5;
      rows.push(`${a},${b},${a * b}`);
    }
    writeFileSync(join(dir, "prod.csv"), rows.join("\n") + "\n");
    const r = kanwasm(["discover", "prod.csv", "--target", "y", "--seed", "1", "--out", "prod.safetensors"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/80 train rows, 20 test rows; inputs x1, x2; output y/);
    expect(r.stderr).toMatch(/^additive \[2,1\]/m);
    expect(r.stderr).toMatch(/^product .*: train RMSE \d\.\d{3}e[-+]\d+  test RMSE \d\.\d{3}e[-+]\d+ \(\d+ steps/m);
    expect(r.stderr).toMatch(/wrote prod\.safetensors/);
    const m = r.stdout.match(/^train RMSE (\S+)  test RMSE (\S+)$/m);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m[2])).toBeLessThan(1e-8);
    const model = KAN.load(new Uint8Array(readFileSync(join(dir, "prod.safetensors"))));
    const [formula] = model.symbolicFormula({ inputNames: ["x1", "x2"], outputNames: ["y"] });
    expect(r.stdout).toContain(`\n${formula}\n`);
    // the js form, evaluated, is the product itself
    const js = kanwasm(["discover", "prod.csv", "--target", "y", "--seed", "1", "--js"]);
    expect(js.code, js.stderr).toBe(0);
    const src = js.stdout.match(/^function y[\s\S]*?^}$/m);
    expect(src, js.stdout).not.toBeNull();
    const f = new Function(`return ${src[0]}`)();
    for (const [a, b] of [[0.7, 1.9], [1.3, 0.6], [2, 2]]) expect(f(a, b)).toBeCloseTo(a * b, 9);
    const latex = kanwasm(["discover", "prod.csv", "--target", "y", "--seed", "1", "--latex", "--budget-steps", "200"]);
    expect(latex.code, latex.stderr).toBe(0);
    expect(latex.stdout).toMatch(/^y = .*x_\{1\}/m);
  });

  it("discover: Ctrl-C (SIGINT) stops the search after its first stage, exit 1, no model written", async () => {
    const rows = ["a,b,c,y"];
    for (let i = 0; i < 300; i++) {
      const [a, b, c] = [Math.sin(i * 1.3), Math.cos(i * 0.7), Math.sin(i * 2.1)];
      rows.push(`${a},${b},${c},${Math.tanh(a * b + c * c * a) + Math.sin(b * c)}`);
    }
    writeFileSync(join(dir, "hard.csv"), rows.join("\n") + "\n");
    const child = spawn(process.execPath, [main, "discover", "hard.csv", "--target", "y", "--budget-steps", "100000",
      "--out", "hard.safetensors"], { cwd: dir });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
      // the first stage has ended: the search is under way
      if (/\(\d+ steps/.test(stderr) && !child.killed) child.kill("SIGINT");
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/interrupted: stopping the search/);
    expect(stderr).toMatch(/aborted by its signal \[ABORTED\]/);
    expect(existsSync(join(dir, "hard.safetensors"))).toBe(false);
  });

  it("discover: bad usage and bad data exit 2, naming the problem", () => {
    writeFileSync(join(dir, "bad.csv"), "a,b,y\n1,2,3\n4,oops,6\n7,8,9\n");
    const cases = [
      [["discover", "data.csv"], /--target COL is required/],
      [["discover", "data.csv", "--target", "z", "--budget-steps", "0"], /--budget-steps: expected an integer >= 1/],
      [["discover", "data.csv", "--target", "z", "--budget-seconds=0"], /--budget-seconds: expected a number > 0, got 0/],
      [["discover", "data.csv", "--target", "z", "--latex", "--js"], /--latex and --js/],
      [["discover", "data.csv", "--target", "z", "--lib", "x,cosh"], /--lib: "cosh" is not a symbolic function/],
      [["discover", "data.csv", "--target", "nope"], /no column "nope" \(--target\)/],
      [["discover", "bad.csv", "--target", "y"], /bad\.csv, line 3, column 2 \("b"\): "oops" is not a number/],
    ];
    for (const [args, message] of cases) {
      const r = kanwasm(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout + r.stderr, args.join(" ")).toMatch(message);
    }
  });

  it("--help works for the command and every subcommand", () => {
    const top = kanwasm(["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of ["fit", "discover", "predict", "formula", "info", "svg"]) {
      expect(top.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
      const r = kanwasm([cmd, "--help"]);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: kanwasm ${cmd} `));
      expect(r.stdout).toMatch(/-h, --help/);
    }
    expect(kanwasm(["fit", "--help"]).stdout).toMatch(/--test-fraction F .*\(default 0\.2\)/);
  });

  it("usage errors exit 2 with a message naming the problem", () => {
    const cases = [
      [[], /usage: kanwasm/],
      [["frob"], /unknown command "frob"/],
      [["fit", "data.csv"], /--target COL is required/],
      [["fit", "data.csv", "--target", "z", "--grid", "two"], /--grid: expected an integer >= 1, got "two"/],
      [["fit", "data.csv", "--target", "z", "--bogus"], /Unknown option '--bogus'/],
      [["fit", "data.csv", "--target", "nope"], /no column "nope" \(--target\)/],
      [["fit", "data.csv", "--target", "z", "--width", "3,5,1"], /--width: 3,5,1 must start with the 2 input/],
      [["fit", "data.csv", "--target", "z", "--symbolic", "--lib", "x,cosh"], /--lib: "cosh" is not a symbolic function/],
      [["fit", "missing.csv", "--target", "z"], /ENOENT/],
      [["fit", "data.csv", "--target", "z", "--out", "no/such/dir/m.safetensors"], /--out: the folder "no\/such\/dir"/],
      [["predict", "model.safetensors"], /missing DATA\.csv/],
      [["svg", "model.safetensors"], /--out NET\.svg is required/],
      [["info", "data.csv"], /data\.csv: load: /],
    ];
    for (const [args, message] of cases) {
      const r = kanwasm(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout + r.stderr, args.join(" ")).toMatch(message);
    }
  });

  it("--loss crossentropy reports accuracy and names one output per class", () => {
    const rows = ["a,b,label"];
    for (let i = 0; i < 60; i++) {
      const a = Math.cos(i * 1.7);
      const b = Math.sin(i * 2.3);
      rows.push(`${a},${b},${a + b > 0 ? 1 : 0}`);
    }
    writeFileSync(join(dir, "classes.csv"), rows.join("\n") + "\n");
    const r = kanwasm(["fit", "classes.csv", "--target", "label", "--loss", "crossentropy", "--width", "2,2",
      "--steps", "20", "--out", "classes.safetensors"]);
    expect(r.code, r.stderr).toBe(0);
    const acc = r.stdout.match(/^fit +train accuracy ([\d.]+)%  test accuracy ([\d.]+)%/m);
    expect(acc, r.stdout).not.toBeNull();
    expect(Number(acc[1])).toBeGreaterThan(90);
    const p = kanwasm(["predict", "classes.safetensors", "classes.csv"]);
    expect(p.stdout.split("\n")[0]).toBe("a,b,label_0,label_1");
  });

  it("runs in Deno: fit, then predict gives the values Node's model.predict gives", () => {
    const r = kanwasm(["fit", "data.csv", "--target", "z", "--width", "2,2,1", "--steps", "5", "--out", "deno.safetensors"], "deno");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fit +train RMSE/m);
    const p = kanwasm(["predict", "deno.safetensors", "data.csv"], "deno");
    expect(p.code, p.stderr).toBe(0);
    const model = KAN.load(new Uint8Array(readFileSync(join(dir, "deno.safetensors"))));
    const data = readCsv("data.csv");
    const expected = model.predict(data.rows.map((row) => row.slice(0, 2))).data;
    const got = p.stdout.trim().split("\n").slice(1).map((l) => Number(l.split(",")[2]));
    expect(Float64Array.from(got)).toEqual(Float64Array.from(expected));
    expect(existsSync(join(dir, "deno.safetensors"))).toBe(true);
  });
});
