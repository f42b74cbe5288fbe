/**
 * `kanwasm predict MODEL DATA.csv`: the model's outputs for every row of a CSV, written as the
 * input columns plus one column per output. Inputs are found by the names `fit` stored; a model
 * without names takes the CSV's first columns.
 */
import process from "node:process";
import { init } from "../index.js";
import { FlagReader, type Command, type Parsed } from "./args.js";
import { columnIndices, formatCsv, readCsv } from "./csv.js";
import { DataError } from "./errors.js";
import { checkOutputPath, writeFilesAtomic } from "./files.js";
import { loadModel } from "./model-file.js";

const spec = {
  name: "predict",
  summary: "Writes a model's predictions for the rows of a CSV file: the input columns plus one column per output.",
  positionals: ["MODEL", "DATA.csv"],
  flags: {
    out: { type: "string", value: "PRED.csv", help: "where to write them", default: "stdout" },
  },
  notes: [
    "The input columns are the ones named when the model was fitted; other columns are ignored.",
    "A model without column names reads the first columns, as many as it has inputs.",
  ],
} satisfies Command["spec"];

async function run({ positionals, values }: Parsed): Promise<void> {
  const f = new FlagReader("predict", values);
  const [modelPath, dataPath] = positionals as [string, string];
  const out = f.string("out");
  if (out) checkOutputPath(out, "--out");
  await init();
  const { model, inputNames, outputNames } = loadModel(modelPath);
  const table = readCsv(dataPath);
  let cols: number[];
  if (inputNames) cols = columnIndices(table, inputNames, `the inputs of ${modelPath}`);
  else if (table.names.length >= model.inDim) cols = Array.from({ length: model.inDim }, (_, i) => i);
  else throw new DataError(`${dataPath}: ${table.names.length} columns, but ${modelPath} has ${model.inDim} inputs`);
  const input = table.rows.map((r) => cols.map((c) => r[c]!));
  const pred = model.predict(input);
  const outNames = outputNames ?? Array.from({ length: model.outDim }, (_, j) => `y${j + 1}`);
  // an output named like an input column gets a suffix, so the header stays unambiguous
  const inNames = cols.map((c) => table.names[c]!);
  const header = [...inNames, ...outNames.map((n) => (inNames.includes(n) ? `${n}_pred` : n))];
  const rows = input.map((x, s) => [...x, ...pred.data.subarray(s * pred.cols, (s + 1) * pred.cols)]);
  const text = formatCsv(header, rows);
  if (out) writeFilesAtomic([{ path: out, data: text }]);
  else process.stdout.write(text);
}

export const predictCommand: Command = { spec, run };
