/**
 * Persistence: a model as safetensors bytes (save/load) and as plain JSON (toJSON/fromJSON),
 * both exact to the bit, both all-or-nothing on the way in.
 *
 * ```js
 * const bytes = model.save();          // Uint8Array, pykan's state_dict names and shapes
 * const again = KAN.load(bytes);       // predicts the same bits
 * ```
 *
 * # Shapes (safetensors, as pykan's state_dict)
 * act_fun.{l}.grid (in, G+2k+1), act_fun.{l}.coef (in, out, G+k), act_fun.{l}.scale_base,
 * scale_sp and mask (in, out), symbolic_fun.{l}.mask (out, in), symbolic_fun.{l}.affine
 * (out, in, 4), node_/subnode_ scale and bias per node; the core's coef is (in, G+k, out)
 * and its affine (in, out, 4). The core's bias is subnode_bias (node_bias of sum nodes adds to
 * it on loading; kanwasm writes node_bias 0); a file or JSON without it has bias 0.
 */
import { nodeGroups } from "./nodes.js";
import { normaliseConfig, type KANConfig } from "./config.js";
import { KanError, describe } from "./errors.js";
import { ModelHandle } from "./model.js";
import { LAYER_ARRAY, layerArrayLength, type LayerArrayName } from "./raw/exports.js";
import { decodeSafetensors, encodeSafetensors, type StDecoded, type StTensor } from "./safetensors.js";

const FORMAT = "kanwasm";
const FORMAT_VERSION = "1";
const ARRAYS = Object.keys(LAYER_ARRAY) as LayerArrayName[];

/** A model as plain JSON, from `model.toJSON()`; `KAN.fromJSON` reads it back bit-exactly. */
export interface KANJson {
  /** Always "kanwasm". */
  format: string;
  /** The format's version (1). */
  version: number;
  /** The model's complete configuration. */
  config: KANConfig;
  /** Per layer, each parameter array by name (knots, coef, scaleBase, scaleSp, affine, mask, symbolic, bias). */
  layers: Record<string, number[]>[];
}

/** The whole model as plain JSON (numbers exact). @internal */
export function toJSON(model: ModelHandle): KANJson {
  const op = "toJSON";
  model.handle(op);
  const layers = [];
  for (let l = 0; l < model.depth; l++) {
    const layer: Record<string, number[]> = {};
    for (const w of ARRAYS) layer[w] = Array.from(model.getArray(op, l, w));
    layers.push(layer);
  }
  return { format: FORMAT, version: Number(FORMAT_VERSION), config: structuredClone(model.cfg), layers };
}

/** Rebuilds a model from toJSON()'s output; throws CORRUPT_DATA on anything inconsistent. @internal */
export function fromJSON(obj: unknown): ModelHandle {
  const op = "fromJSON";
  if (obj === null || typeof obj !== "object") {
    throw new KanError("CORRUPT_DATA", `${op}: expected an object from toJSON(), got ${describe(obj)}`);
  }
  const j = obj as Partial<KANJson>;
  if (j.format !== FORMAT || j.version !== Number(FORMAT_VERSION)) {
    throw new KanError(
      "CORRUPT_DATA",
      `${op}: not a kanwasm model (format ${String(j.format)}, version ${String(j.version)})`,
    );
  }
  const layers: unknown = j.layers;
  return restore(op, j.config, (l, what) => {
    const arr = Array.isArray(layers) ? (layers[l] as Record<string, unknown> | undefined)?.[what] : undefined;
    if (!Array.isArray(arr) || !arr.every((v) => typeof v === "number")) return undefined;
    return arr as number[];
  });
}

/**
 * The configuration as files keep it: without multArity while every multiplication node has
 * the default arity 2, so that such a model's bytes are those of the format before multArity.
 */
function stored(cfg: KANConfig): Partial<KANConfig> {
  if (cfg.multArity.flat().some((a) => a !== 2)) return cfg;
  const { multArity: _, ...rest } = cfg;
  return rest;
}

/** Values of layer `l` of a configuration: inputs, outputs (sum nodes + every mult node's arity), G, k. @internal */
export function dimsOf(cfg: KANConfig, l: number): [number, number, number, number] {
  const ni = cfg.width[l]![0] + cfg.width[l]![1];
  const no = nodeGroups(cfg, l + 1).flat().length;
  return [ni, no, cfg.grid[l]!, cfg.k[l]!];
}

/** Creates a model from a config and fills every layer array from `source`; all-or-nothing. @internal */
export function restore(op: string, config: unknown,
  source: (l: number, what: LayerArrayName, cfg: KANConfig) => ArrayLike<number> | undefined): ModelHandle {
  let cfg: KANConfig;
  try {
    cfg = normaliseConfig(config, op);
  } catch (e) {
    throw new KanError(
      "CORRUPT_DATA",
      `${op}: the stored configuration is invalid (${(e as Error).message})`,
      { cause: e },
    );
  }
  // Every array must be present with its exact size before anything is allocated.
  const arrays: [number, LayerArrayName, ArrayLike<number>][] = [];
  for (let l = 0; l < cfg.width.length - 1; l++) {
    for (const w of ARRAYS) {
      const want = layerArrayLength(w, ...dimsOf(cfg, l));
      // the bias came after version 1's first files: without one, it is 0
      const a = source(l, w, cfg) ?? (w === "bias" ? new Float64Array(want) : undefined);
      if (a === undefined || a.length !== want) {
        throw new KanError(
          "CORRUPT_DATA",
          `${op}: layer ${l} ${w} is missing or has ${a?.length ?? 0} values instead of ${want}`,
        );
      }
      arrays.push([l, w, a]);
    }
  }
  const m = ModelHandle.create(cfg, op);
  try {
    for (const [l, w, a] of arrays) m.setArray(op, l, w, a);
  } catch (e) {
    m.free();
    const message = (e as Error).message.replace(`${op}: `, "");
    throw new KanError("CORRUPT_DATA", `${op}: ${message}`, { cause: e });
  }
  return m;
}

/**
 * The model as safetensors bytes. Tensor names and shapes follow pykan's state_dict; the
 * metadata holds the configuration, the format version and a CRC-32.
 * @internal
 */
export function save(model: ModelHandle): Uint8Array {
  const op = "save";
  model.handle(op);
  const cfg = model.cfg;
  const dt = cfg.dtype === "float32" ? "F32" : "F64";
  const tensors: StTensor[] = [];
  const symbolic: number[][] = [];
  for (let l = 0; l < model.depth; l++) {
    const [ni, no, g, kk] = model.layerDims(op, l);
    const nb = g + kk;
    const coef = model.getArray(op, l, "coef"); // (in, nb, out)
    const pcoef = new Float64Array(coef.length); // pykan: (in, out, nb)
    for (let i = 0; i < ni; i++) for (let j = 0; j < nb; j++) for (let o = 0; o < no; o++) {
      pcoef[(i * no + o) * nb + j] = coef[(i * nb + j) * no + o]!;
    }
    const aff = model.getArray(op, l, "affine"); // (in, out, 4)
    const sym = model.getArray(op, l, "symbolic"); // (in, out)
    const paff = new Float64Array(aff.length); // pykan: (out, in, 4)
    const smask = new Float64Array(ni * no); // pykan: (out, in)
    for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) {
      for (let q = 0; q < 4; q++) paff[(o * ni + i) * 4 + q] = aff[(i * no + o) * 4 + q]!;
      smask[o * ni + i] = sym[i * no + o] !== 0 ? 1 : 0;
    }
    symbolic.push(Array.from(sym));
    const p = `act_fun.${l}.`;
    tensors.push(
      { name: p + "grid", dtype: dt, shape: [ni, g + 2 * kk + 1], data: model.getArray(op, l, "knots") },
      { name: p + "coef", dtype: dt, shape: [ni, no, nb], data: pcoef },
      { name: p + "scale_base", dtype: dt, shape: [ni, no], data: model.getArray(op, l, "scaleBase") },
      { name: p + "scale_sp", dtype: dt, shape: [ni, no], data: model.getArray(op, l, "scaleSp") },
      { name: p + "mask", dtype: dt, shape: [ni, no], data: model.getArray(op, l, "mask") },
      { name: `symbolic_fun.${l}.mask`, dtype: dt, shape: [no, ni], data: smask },
      { name: `symbolic_fun.${l}.affine`, dtype: dt, shape: [no, ni, 4], data: paff },
    );
    const nodes = cfg.width[l + 1]![0] + cfg.width[l + 1]![1];
    // kanwasm's one node affine is the bias of each subnode; pykan's identity values for the rest
    tensors.push(
      { name: `node_bias_${l}`, dtype: dt, shape: [nodes], data: new Float64Array(nodes) },
      { name: `node_scale_${l}`, dtype: dt, shape: [nodes], data: new Float64Array(nodes).fill(1) },
      { name: `subnode_bias_${l}`, dtype: dt, shape: [no], data: model.getArray(op, l, "bias") },
      { name: `subnode_scale_${l}`, dtype: dt, shape: [no], data: new Float64Array(no).fill(1) },
    );
  }
  return encodeSafetensors(tensors, {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    config: JSON.stringify(stored(cfg)),
    symbolic: JSON.stringify(symbolic),
  });
}

/** Loads bytes from save(); throws KanError("CORRUPT_DATA") on anything malformed. @internal */
export function load(bytes: unknown): ModelHandle {
  const op = "load";
  if (!(bytes instanceof Uint8Array)) {
    throw new KanError("INVALID_ARGUMENT", `${op}: bytes must be a Uint8Array, got ${describe(bytes)}`);
  }
  let decoded: StDecoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    // a file without kanwasm's metadata is most likely a state_dict saved from PyTorch
    if (!(e instanceof KanError) || !e.message.includes("__metadata__")) throw e;
    throw new KanError("CORRUPT_DATA", `${e.message}; a pykan state_dict loads with KAN.load(bytes, { config })`,
      { cause: e });
  }
  const { metadata, tensors } = decoded;
  if (metadata.format !== FORMAT || metadata.format_version !== FORMAT_VERSION) {
    throw new KanError(
      "CORRUPT_DATA",
      `${op}: not a kanwasm model file (format ${String(metadata.format)}, version ${String(metadata.format_version)})`,
    );
  }
  let config: unknown;
  let symbolic: unknown;
  try {
    config = JSON.parse(metadata.config ?? "");
    symbolic = JSON.parse(metadata.symbolic ?? "");
  } catch {
    throw new KanError("CORRUPT_DATA", `${op}: the stored configuration is not JSON`);
  }
  const dt = (config as { dtype?: string } | null)?.dtype === "float32" ? "F32" : "F64";
  return restore(op, config, layerSource(op, tensors, dt, (l) => {
    const s: unknown = Array.isArray(symbolic) ? symbolic[l] : undefined;
    return Array.isArray(s) && s.every((v) => typeof v === "number") ? (s as number[]) : undefined;
  }));
}

/**
 * The layer arrays of a model from tensors named and shaped as pykan's state_dict (in dtype
 * `dt`), with each layer's symbolic function ids from `symbolic`; restore() takes it.
 * @internal
 */
export function layerSource(op: string, tensors: StDecoded["tensors"], dt: "F32" | "F64",
  symbolic: (l: number) => ArrayLike<number> | undefined) {
  return (l: number, what: LayerArrayName, cfg: KANConfig): ArrayLike<number> | undefined => {
    const [ni, no, g, k] = dimsOf(cfg, l);
    // a tensor of the right size but another shape (e.g. coef stored transposed) is corrupt
    const t = (name: string, shape: number[]) => {
      const e = tensors.get(name);
      if (!e || e.dtype !== dt) return undefined;
      if (e.shape.length !== shape.length || e.shape.some((d, q) => d !== shape[q])) {
        throw new KanError(
          "CORRUPT_DATA",
          `${op}: tensor ${name} has shape [${e.shape.join(", ")}], the configuration gives [${shape.join(", ")}]`,
        );
      }
      return e.data;
    };
    const p = `act_fun.${l}.`;
    switch (what) {
      case "knots": return t(p + "grid", [ni, g + 2 * k + 1]);
      case "scaleBase": return t(p + "scale_base", [ni, no]);
      case "scaleSp": return t(p + "scale_sp", [ni, no]);
      case "mask": return t(p + "mask", [ni, no]);
      case "coef": {
        const nb = g + k;
        const e = t(p + "coef", [ni, no, nb]);
        if (!e) return undefined;
        const c = new Float64Array(e.length);
        for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) for (let j = 0; j < nb; j++) {
          c[(i * nb + j) * no + o] = e[(i * no + o) * nb + j]!;
        }
        return c;
      }
      case "affine": {
        const e = t(`symbolic_fun.${l}.affine`, [no, ni, 4]);
        if (!e) return undefined;
        const a = new Float64Array(e.length);
        for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) for (let q = 0; q < 4; q++) {
          a[(i * no + o) * 4 + q] = e[(o * ni + i) * 4 + q]!;
        }
        return a;
      }
      case "symbolic": return symbolic(l);
      case "bias": {
        const sums = cfg.width[l + 1]![0];
        const sub = t(`subnode_bias_${l}`, [no]);
        const node = t(`node_bias_${l}`, [sums + cfg.width[l + 1]![1]]);
        if (!sub && !node) return undefined;
        // a sum node's own bias adds to its one subnode's (pykan's affines are the identity)
        return Float64Array.from({ length: no }, (_, o) => (sub?.[o] ?? 0) + (o < sums ? node?.[o] ?? 0 : 0));
      }
    }
  };
}
