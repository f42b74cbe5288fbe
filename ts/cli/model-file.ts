/**
 * Model files of the command: the bytes of `model.save()` plus the CSV's column names in the
 * safetensors metadata (keys input_names and output_names, JSON arrays), so `predict`, `formula`
 * and `svg` use the names `fit` saw. `KAN.load` reads these files as any other, ignoring the names.
 */
import { KAN } from "../index.js";
import { decodeSafetensors, encodeSafetensors, type StTensor } from "../safetensors.js";
import { readBytes } from "./files.js";
import { DataError } from "./errors.js";

export interface Names {
  inputNames?: string[];
  outputNames?: string[];
}

/** The model's bytes with the names added to the metadata. */
export function modelBytes(model: KAN, names: Names): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(model.save());
  const list: StTensor[] = [...tensors].map(([name, t]) => ({ name, ...t }));
  const meta: Record<string, string> = { ...metadata };
  delete meta.crc32; // the encoder computes it afresh
  if (names.inputNames) meta.input_names = JSON.stringify(names.inputNames);
  if (names.outputNames) meta.output_names = JSON.stringify(names.outputNames);
  return encodeSafetensors(list, meta);
}

function stringArray(v: string | undefined, n: number): string[] | undefined {
  if (v === undefined) return undefined;
  try {
    const a = JSON.parse(v) as unknown;
    if (Array.isArray(a) && a.length === n && a.every((s) => typeof s === "string")) return a as string[];
  } catch {
    // names that do not parse are ignored: the model itself loaded fine
  }
  return undefined;
}

/** Loads a model file and the names stored with it (when it has them and they fit the model). */
export function loadModel(path: string): { model: KAN } & Names {
  const bytes = readBytes(path);
  let model: KAN;
  try {
    model = KAN.load(bytes);
  } catch (e) {
    throw new DataError(`${path}: ${(e as Error).message}`);
  }
  const { metadata } = decodeSafetensors(bytes);
  const out: { model: KAN } & Names = { model };
  const inputNames = stringArray(metadata.input_names, model.inDim);
  const outputNames = stringArray(metadata.output_names, model.outDim);
  if (inputNames) out.inputNames = inputNames;
  if (outputNames) out.outputNames = outputNames;
  return out;
}
