/**
 * `kanwasm fit DATA.csv --target COL`: the whole pykan workflow from a CSV. Fits a KAN, then as
 * asked prunes it, extends its grid and makes it symbolic, each stage followed by training and a
 * line of train/test RMSE (accuracy for crossentropy); prints the formula; writes the model and
 * picture last, so a failure leaves no file.
 */
import process from "node:process";
import { init, KAN, symbolicNames, type Dataset, type DType, type FitOptions } from "../index.js";
import { FlagReader, type Command, type Parsed } from "./args.js";
import { columnIndices, readCsv } from "./csv.js";
import { UsageError } from "./errors.js";
import { checkOutputPath, writeFilesAtomic } from "./files.js";
import { modelBytes } from "./model-file.js";
import { formulaNames } from "./names.js";
import { Progress } from "./progress.js";
import { splitTable } from "./split.js";

const usage = (message: string) => new UsageError(message, "kanwasm fit");

const spec = {
  name: "fit",
  summary: "Fits a KAN to the columns of a CSV file (with a header line) and prints its formula.",
  positionals: ["DATA.csv"],
  flags: {
    target: { type: "string", value: "COL[,COL]", help: "the column(s) to predict (required)" },
    inputs: { type: "string", value: "a,b,...", help: "input columns", default: "every other column" },
    width: { type: "string", value: "n,h,...,m", help: "nodes per layer, inputs first", default: "inputs,5,outputs" },
    grid: { type: "string", value: "G", help: "grid intervals", default: "5" },
    k: { type: "string", value: "K", help: "spline order", default: "3" },
    steps: { type: "string", value: "N", help: "training steps of every stage", default: "50" },
    opt: { type: "string", value: "lbfgs|adam", help: "optimiser", default: "lbfgs" },
    lr: { type: "string", value: "LR", help: "learning rate", default: "1 for lbfgs, 0.01 for adam" },
    lamb: { type: "string", value: "L", help: "sparsity regularisation of the first stage", default: "0" },
    loss: {
      type: "string", value: "mse|crossentropy", default: "mse",
      help: "crossentropy: the target holds class indices 0..C-1",
    },
    seed: { type: "string", value: "S", help: "seed of the split, the initial model and the batches", default: "0" },
    "test-fraction": { type: "string", value: "F", help: "share of rows for testing, in [0, 1)", default: "0.2" },
    dtype: { type: "string", value: "float64|float32", help: "precision", default: "float64" },
    prune: { type: "boolean", help: "prune small nodes after the first stage, then train again" },
    refine: { type: "string", value: "G1,G2,...", help: "extend the grid to each size in turn, training after each" },
    symbolic: { type: "boolean", help: "replace every edge by its best symbolic function, then train again" },
    lib: { type: "string", value: "f,g,...", help: "symbolic functions to try, e.g. x,x^2,exp,sin", default: "all" },
    out: { type: "string", value: "MODEL.safetensors", help: "write the model (with the column names)" },
    svg: { type: "string", value: "NET.svg", help: "write a picture of the network" },
    formula: { type: "string", value: "text|latex|js", help: "format of the printed formula", default: "text" },
  },
  notes: [
    "example:",
    "  kanwasm fit data.csv --target y --width 2,5,1 --grid 3 --lamb 0.001 --prune --refine 10 \\",
    "      --symbolic --lib x,x^2,exp,sin --out model.safetensors --svg net.svg",
    "Progress goes to stderr; the RMSE lines and the formula to stdout.",
  ],
} satisfies Command["spec"];

interface Plan {
  file: string;
  targets: string[];
  inputs?: string[];
  width?: number[];
  grid: number;
  k: number;
  dtype: DType;
  seed: number;
  testFraction: number;
  fit: FitOptions;
  prune: boolean;
  refine: number[];
  symbolic: boolean;
  lib?: string[];
  out?: string;
  svg?: string;
  formula: "text" | "latex" | "js";
}

function plan({ positionals, values }: Parsed): Plan {
  const f = new FlagReader("fit", values);
  const targets = f.list("target");
  if (!targets) throw usage("--target COL is required");
  const testFraction = f.number("test-fraction", 0.2, 0, 1);
  if (testFraction >= 1) throw usage(`--test-fraction: expected a number in [0, 1), got ${testFraction}`);
  const opt = f.choice("opt", ["lbfgs", "adam"] as const, "lbfgs");
  const fit: FitOptions = {
    opt,
    steps: f.int("steps", 50, 1),
    lr: f.number("lr", opt === "lbfgs" ? 1 : 0.01, Number.MIN_VALUE),
    lamb: f.number("lamb", 0, 0),
    loss: f.choice("loss", ["mse", "crossentropy"] as const, "mse"),
  };
  const symbolic = f.flag("symbolic");
  const lib = f.list("lib");
  if (lib && !symbolic) throw usage("--lib: only used with --symbolic");
  if (f.string("formula") === "js" && !symbolic) {
    throw usage("--formula js: writes symbolic edges only, so it needs --symbolic");
  }
  const unknown = lib?.find((n) => !symbolicNames().includes(n));
  if (unknown !== undefined) {
    throw usage(`--lib: ${JSON.stringify(unknown)} is not a symbolic function; they are ${symbolicNames().join(", ")}`);
  }
  const p: Plan = {
    file: positionals[0]!,
    targets,
    grid: f.int("grid", 5, 1),
    k: f.int("k", 3, 0),
    dtype: f.choice("dtype", ["float64", "float32"] as const, "float64"),
    seed: f.int("seed", 0, 0, 2 ** 32 - 1),
    testFraction,
    fit,
    prune: f.flag("prune"),
    refine: f.ints("refine", 1) ?? [],
    symbolic,
    formula: f.choice("formula", ["text", "latex", "js"] as const, "text"),
  };
  const inputs = f.list("inputs");
  const width = f.ints("width", 1);
  if (width && width.length < 2) throw usage(`--width: expected at least 2 layers, got ${values.width}`);
  const out = f.string("out");
  const svg = f.string("svg");
  if (inputs) p.inputs = inputs;
  if (width) p.width = width;
  if (lib) p.lib = lib;
  if (out) checkOutputPath((p.out = out), "--out");
  if (svg) checkOutputPath((p.svg = svg), "--svg");
  return p;
}

function report(stage: string, model: KAN, data: Dataset, classes: boolean): void {
  const e = model.evaluate(data);
  const pct = (v: number | undefined) => (v === undefined ? "n/a" : `${(100 * v).toFixed(2)}%`);
  const sci = (v: number) => (Number.isNaN(v) ? "n/a" : v.toExponential(3));
  const what = classes
    ? `train accuracy ${pct(e.trainAccuracy)}  test accuracy ${pct(e.testAccuracy)}`
    : `train RMSE ${sci(e.trainRmse)}  test RMSE ${sci(e.testRmse)}`;
  process.stdout.write(`${stage.padEnd(14)} ${what}  width ${JSON.stringify(model.width)}\n`);
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
  const classes = p.fit.loss === "crossentropy";
  if (classes && targetCols.length !== 1) {
    throw usage("--loss crossentropy: needs exactly one --target column of class indices");
  }
  const split = splitTable(table, inputCols, targetCols, p.testFraction, p.seed, classes);
  const nOut = split.classes ?? targetCols.length;
  const outputNames = split.classes ? Array.from({ length: nOut }, (_, c) => `${p.targets[0]}_${c}`) : p.targets;
  const width = p.width ?? [inputCols.length, 5, nOut];
  if (width[0] !== inputCols.length || width[width.length - 1] !== nOut) {
    throw usage(`--width: ${width.join(",")} must start with the ${inputCols.length} input(s) and end with ` +
      `the ${nOut} ` +
      `output(s)${split.classes ? " (one per class)" : ""}`);
  }

  await init();
  process.stdout.write(`${p.file}: ${split.trainRows} train rows, ${split.testRows} test rows; ` +
    `inputs ${inputNames.join(", ")}; output${nOut > 1 ? "s" : ""} ${outputNames.join(", ")}\n`);
  const lossName = classes ? "cross-entropy" : "RMSE";
  const train = async (model: KAN, label: string, opts: FitOptions) => {
    const bar = new Progress(label, opts.steps!, lossName);
    try {
      await model.fit(split.data, { ...opts, onStep: bar.onStep });
    } finally {
      bar.done();
    }
    report(label, model, split.data, classes);
  };

  let model = new KAN({ width, grid: p.grid, k: p.k, dtype: p.dtype, seed: p.seed });
  await train(model, "fit", p.fit);
  const later: FitOptions = { ...p.fit, lamb: 0 };
  if (p.prune) {
    model = model.prune();
    await train(model, "prune", later);
  }
  for (const g of p.refine) {
    model = model.refine(g);
    await train(model, `refine ${g}`, later);
  }
  if (p.symbolic) {
    model.autoSymbolic(p.lib ? { lib: p.lib } : {});
    await train(model, "symbolic", { ...later, updateGrid: false });
  }

  const formula = model.symbolicFormula({
    format: p.formula,
    inputNames: formulaNames(inputNames, p.formula)!,
    outputNames: formulaNames(outputNames, p.formula)!,
  });
  process.stdout.write(`\n${formula.join("\n")}\n`);
  const files: { path: string; data: string | Uint8Array }[] = [];
  if (p.out) files.push({ path: p.out, data: modelBytes(model, { inputNames, outputNames }) });
  if (p.svg) files.push({ path: p.svg, data: model.toSVG({ inputNames, outputNames, input: split.data.trainInput }) });
  writeFilesAtomic(files);
  for (const f of files) process.stderr.write(`wrote ${f.path}\n`);
}

export const fitCommand: Command = { spec, run };
