/** `kanwasm formula MODEL`: the model's formula, one line per output, with the stored column names. */
import process from "node:process";
import { init } from "../index.js";
import { FlagReader, type Command, type Parsed } from "./args.js";
import { loadModel } from "./model-file.js";
import { formulaNames } from "./names.js";

const spec = {
  name: "formula",
  summary: "Prints a model's formula, one line per output (`name = expression`).",
  positionals: ["MODEL"],
  flags: {
    format: { type: "string", value: "text|latex|js", help: "text, LaTeX, or a JavaScript function", default: "text" },
    digits: { type: "string", value: "D", help: "decimals of every number", default: "4 (js: exact)" },
  },
  notes: ["Edges that are not symbolic yet appear as numeric functions; `kanwasm fit --symbolic` makes them symbolic."],
} satisfies Command["spec"];

async function run({ positionals, values }: Parsed): Promise<void> {
  const f = new FlagReader("formula", values);
  const format = f.choice("format", ["text", "latex", "js"] as const, "text");
  const digits = values.digits === undefined ? undefined : f.int("digits", 4, 0, 17);
  await init();
  const { model, inputNames, outputNames } = loadModel(positionals[0]!);
  const lines = model.symbolicFormula({
    format,
    ...(digits === undefined ? {} : { digits }),
    ...(inputNames ? { inputNames: formulaNames(inputNames, format)! } : {}),
    ...(outputNames ? { outputNames: formulaNames(outputNames, format)! } : {}),
  });
  process.stdout.write(lines.join("\n") + "\n");
}

export const formulaCommand: Command = { spec, run };
