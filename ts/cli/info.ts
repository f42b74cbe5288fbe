/** `kanwasm info MODEL`: what a model file holds, in a few lines. */
import process from "node:process";
import { init, symbolicById } from "../index.js";
import type { Command, Parsed } from "./args.js";
import { loadModel } from "./model-file.js";

const spec = {
  name: "info",
  summary: "Prints a model's shape: width, grid, spline order, dtype, parameters, symbolic edges and column names.",
  positionals: ["MODEL"],
  flags: {},
} satisfies Command["spec"];

async function run({ positionals }: Parsed): Promise<void> {
  await init();
  const { model, inputNames, outputNames } = loadModel(positionals[0]!);
  let edges = 0;
  const symbolic: string[] = [];
  for (let l = 0; l < model.depth; l++) {
    const [ni, no] = model.layerDims(l);
    const sym = model.getLayerArray(l, "symbolic");
    const mask = model.getLayerArray(l, "mask");
    for (let i = 0; i < ni; i++) for (let j = 0; j < no; j++) {
      const id = sym[i * no + j]!;
      if (id !== 0) symbolic.push(`(${l},${i},${j}) ${symbolicById(id)?.name ?? `#${id}`}`);
      if (id !== 0 || mask[i * no + j] !== 0) edges++;
    }
  }
  const lines = [
    `width       ${JSON.stringify(model.width)}`,
    `grid        ${JSON.stringify(model.grid)}`,
    `k           ${JSON.stringify(model.k)}`,
    `dtype       ${model.dtype}`,
    `parameters  ${model.numParams}`,
    `edges       ${edges} live, ${symbolic.length} symbolic`,
  ];
  if (symbolic.length) lines.push(`symbolic    ${symbolic.join(", ")}`);
  if (inputNames) lines.push(`inputs      ${inputNames.join(", ")}`);
  if (outputNames) lines.push(`outputs     ${outputNames.join(", ")}`);
  process.stdout.write(lines.join("\n") + "\n");
}

export const infoCommand: Command = { spec, run };
