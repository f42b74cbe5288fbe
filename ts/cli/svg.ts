/** `kanwasm svg MODEL --out NET.svg`: a picture of the network, every edge's function drawn. */
import { init } from "../index.js";
import { FlagReader, type Command, type Parsed } from "./args.js";
import { UsageError } from "./errors.js";
import { checkOutputPath, writeFilesAtomic } from "./files.js";
import { loadModel } from "./model-file.js";

const spec = {
  name: "svg",
  summary: "Draws a model as an SVG file: nodes, and every edge's function (symbolic edges in red, labelled).",
  positionals: ["MODEL"],
  flags: {
    out: { type: "string", value: "NET.svg", help: "the file to write (required)" },
    beta: { type: "string", value: "B", help: "edge opacity is tanh(beta * importance)", default: "3" },
  },
} satisfies Command["spec"];

async function run({ positionals, values }: Parsed): Promise<void> {
  const f = new FlagReader("svg", values);
  const out = f.string("out");
  if (!out) throw new UsageError("--out NET.svg is required", "kanwasm svg");
  checkOutputPath(out, "--out");
  const beta = f.number("beta", 3, 0);
  await init();
  const { model, inputNames, outputNames } = loadModel(positionals[0]!);
  const svg = model.toSVG({ beta, ...(inputNames ? { inputNames } : {}), ...(outputNames ? { outputNames } : {}) });
  writeFilesAtomic([{ path: out, data: svg }]);
}

export const svgCommand: Command = { spec, run };
