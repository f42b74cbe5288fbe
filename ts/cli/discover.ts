/**
 * `kanwasm discover DATA.csv --target COL`: `discover()` on a CSV file. Each stage it tries goes
 * to stderr as it ends; the formula and the train/test RMSE of the one chosen go to stdout, and
 * the model is written last, so a failure or Ctrl-C leaves no file.
 */
import process from "node:process";
import { discover, init, symbolicNames, type DiscoverBudget, type DiscoverStage } from "../index.js";
import { FlagReader, type Command, type Parsed } from "./args.js";
import { columnIndices, readCsv } from "./csv.js";
import { UsageError } from "./errors.js";
import { checkOutputPath, writeFilesAtomic } from "./files.js";
import { modelBytes } from "./model-file.js";
import { formulaNames } from "./names.js";
import { splitTable } from "./split.js";

const usage = (message: string) => new UsageError(message, "kanwasm discover");

const spec = {
  name: "discover",
  summary: "Searches for the formula behind the columns of a CSV file (with a header line) and prints it.",
  positionals: ["DATA.csv"],
  flags: {
    target: { type: "string", value: "COL[,COL]", help: "the column(s) to explain (required)" },
    inputs: { type: "string", value: "a,b,...", help: "input columns", default: "every other column" },
    seed: { type: "string", value: "S", help: "seed of the split and of every model", default: "0" },
    "test-fraction": { type: "string", value: "F", help: "share of rows for testing, in [0, 1)", default: "0.2" },
    "budget-steps": { type: "string", value: "N", help: "LBFGS steps over all stages", default: "2000" },
    "budget-seconds": {
      type: "string", value: "S", default: "none",
      help: "seconds after which no new stage or step starts (the result then depends on the machine)",
    },
    lib: { type: "string", value: "f,g,...", help: "functions the edges may take, e.g. x,x^2,exp,sin", default: "all" },
    latex: { type: "boolean", help: "print the formula as LaTeX" },
    js: { type: "boolean", help: "print the formula as a JavaScript expression at full precision" },
    out: { type: "string", value: "MODEL.safetensors", help: "write the model (with the column names)" },
  },
  notes: [
    "example:",
    "  kanwasm discover data.csv --target F --budget-seconds 30 --out model.safetensors",
    "Each stage tried goes to stderr; the formula and its train/test RMSE to stdout. Ctrl-C stops the search.",
  ],
} satisfies Command["spec"];

interface Plan {
  file: string;
  targets: string[];
  inputs?: string[];
  seed: number;
  testFraction: number;
  budget: DiscoverBudget;
  lib?: string[];
  format: "text" | "latex" | "js";
  out?: string;
}

function plan({ positionals, values }: Parsed): Plan {
  const f = new FlagReader("discover", values);
  const targets = f.list("target");
  if (!targets) throw usage("--target COL is required");
  const testFraction = f.number("test-fraction", 0.2, 0, 1);
  if (testFraction >= 1) throw usage(`--test-fraction: expected a number in [0, 1), got ${testFraction}`);
  if (f.flag("latex") && f.flag("js")) throw usage("--latex and --js: choose one form of the formula");
  const budget: DiscoverBudget = {};
  if (values["budget-steps"] !== undefined) budget.steps = f.int("budget-steps", 0, 1);
  if (values["budget-seconds"] !== undefined) {
    budget.seconds = f.number("budget-seconds", 0, 0);
    if (!(budget.seconds > 0)) throw usage(`--budget-seconds: expected a number > 0, got ${budget.seconds}`);
  }
  const lib = f.list("lib");
  const unknown = lib?.find((n) => !symbolicNames().includes(n));
  if (unknown !== undefined) {
    throw usage(`--lib: ${JSON.stringify(unknown)} is not a symbolic function; they are ${symbolicNames().join(", ")}`);
  }
  const p: Plan = {
    file: positionals[0]!,
    targets,
    seed: f.int("seed", 0, 0, 2 ** 32 - 1),
    testFraction,
    budget,
    format: f.flag("latex") ? "latex" : f.flag("js") ? "js" : "text",
  };
  const inputs = f.list("inputs");
  const out = f.string("out");
  if (inputs) p.inputs = inputs;
  if (lib) p.lib = lib;
  if (out) checkOutputPath((p.out = out), "--out");
  return p;
}

const sci = (v: number) => (Number.isNaN(v) ? "n/a" : v.toExponential(3));

/** A stage as a line (with its formula on the next when it found one). */
function stageLine(s: DiscoverStage): string {
  const cost = `(${s.steps} steps, ${s.seconds.toFixed(1)}s)`;
  if (!s.formula) return `${s.name} ${cost}\n`;
  return `${s.name}: train RMSE ${sci(s.rmse.train)}  test RMSE ${sci(s.rmse.test)} ${cost}\n    ${s.formula}\n`;
}

async function run(args: Parsed): Promise<void> {
  const p = plan(args);
  const table = readCsv(p.file);
  const targetCols = columnIndices(table, p.targets, "--target");
  const inputNames = p.inputs ?? table.names.filter((n) => !p.targets.includes(n));
  if (inputNames.length === 0) throw usage("no input columns left besides the target");
  const overlap = inputNames.find((n) => p.targets.includes(n));
  if (overlap) throw usage(`--inputs: ${JSON.stringify(overlap)} is also a --target`);
  const inputCols = columnIndices(table, inputNames, "--inputs");
  const split = splitTable(table, inputCols, targetCols, p.testFraction, p.seed, false);
  const outputNames = p.targets;

  await init();
  process.stdout.write(`${p.file}: ${split.trainRows} train rows, ${split.testRows} test rows; ` +
    `inputs ${inputNames.join(", ")}; output${outputNames.length > 1 ? "s" : ""} ${outputNames.join(", ")}\n`);
  // The first Ctrl-C stops the search between steps (discover rejects with ABORTED, exit 1);
  // with the handler gone, a second one ends the process at once.
  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write("\ninterrupted: stopping the search\n");
    abort.abort();
    process.off("SIGINT", onSigint);
  };
  process.on("SIGINT", onSigint);
  let result;
  try {
    result = await discover(split.data, {
      inputNames, outputNames, seed: p.seed, budget: p.budget, signal: abort.signal,
      ...(p.lib ? { lib: p.lib } : {}),
      onStage: (s) => void process.stderr.write(stageLine(s)),
    });
  } finally {
    process.off("SIGINT", onSigint);
  }
  const { model, rmse } = result;
  const formula = model.symbolicFormula({
    format: p.format,
    inputNames: formulaNames(inputNames, p.format)!,
    outputNames: formulaNames(outputNames, p.format)!,
  });
  process.stdout.write(`\n${formula.join("\n")}\n\ntrain RMSE ${sci(rmse.train)}  test RMSE ${sci(rmse.test)}\n`);
  if (p.out) {
    writeFilesAtomic([{ path: p.out, data: modelBytes(model, { inputNames, outputNames }) }]);
    process.stderr.write(`wrote ${p.out}\n`);
  }
  model.dispose();
}

export const discoverCommand: Command = { spec, run };
