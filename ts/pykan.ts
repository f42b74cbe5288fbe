/**
 * Models trained in pykan: `KAN.load(bytes, { config })` reads a safetensors file written from
 * a pykan model's `state_dict()` (no kanwasm metadata, no checksum), with the configuration
 * the file lacks given by the caller, or taken from pykan's saved `*_config.yml` (parsed).
 *
 * ```js
 * // Python: safetensors.torch.save_file(model.state_dict(), "model.safetensors")
 * const model = KAN.load(bytes, { config: { width: [2, 5, 1], baseFun: "silu" } });
 * ```
 *
 * Each layer's grid and spline order come from its tensors' shapes (a `grid` or `k` given too
 * must agree); the dtype from theirs (F64: float64, F32: float32). Symbolic edges need their
 * functions' names, which pykan keeps in its yaml (`symbolic.funs_name.{l}`, [out][in]). pykan's
 * node and subnode scales must be 1 (its default, affine_trainable=False), its biases become
 * kanwasm's bias of each subnode (a multiplication node's node_bias must be 0), and
 * `mult_arity` is read as `multArity` (a number, or one list per node layer).
 */
import type { BaseFun } from "./config.js";
import { KanError, describe } from "./errors.js";
import type { ModelHandle } from "./model.js";
import { layerSource, restore } from "./persist.js";
import { decodeSafetensors, type StDecoded } from "./safetensors.js";
import { symbolicId } from "./symbolic-lib.js";

/**
 * What a pykan state_dict does not say about its model. Takes kanwasm's option names or those of
 * pykan's saved yaml config (`width`, `grid`, `k`, `base_fun_name`, `grid_range`, ...), so that
 * config can be passed as parsed.
 */
export interface PykanConfig {
  /** Nodes per layer, inputs first: numbers, or [sum, mult] pairs as pykan's yaml writes them. */
  width: (number | [number, number])[];
  /** Grid intervals; each layer's come from its tensors, and this must agree. Default: from the tensors. */
  grid?: number;
  /** Spline order; as grid, checked against the tensors. Default: from the tensors. */
  k?: number;
  /** The residual function, pykan's base_fun. Default "silu". */
  baseFun?: BaseFun;
  /** pykan's yaml name for baseFun. Default "silu". */
  base_fun_name?: BaseFun;
  /** The grid range the model was made with (used by later grid updates). Default [-1, 1]. */
  gridRange?: [number, number];
  /** pykan's yaml name for gridRange. Default [-1, 1]. */
  grid_range?: [number, number];
  /** pykan's grid_eps (kanwasm's gridEps). Default 0.02. */
  grid_eps?: number;
  /** The arity of the multiplication nodes: a number, or one list per node layer, as multArity. Default 2. */
  mult_arity?: number | (number | number[])[];
  /** Symbolic function names of layer l, [out][in], as pykan's yaml keeps them. Default: none. */
  [funsName: `symbolic.funs_name.${number}`]: string[][] | undefined;
}

// Keys of pykan's yaml that say nothing kanwasm's model needs (training flags, bookkeeping).
const IGNORED = new Set([
  "symbolic_enabled", "affine_trainable", "sp_trainable", "sb_trainable", "state_id", "auto_save", "ckpt_path",
  "round", "device",
]);
const KNOWN = new Set([
  "width", "grid", "k", "baseFun", "base_fun_name", "gridRange", "grid_range", "grid_eps", "mult_arity",
]);

function fail(message: string): never {
  throw new KanError("INVALID_ARGUMENT", `load: ${message}`);
}

/** A model from the bytes of a pykan state_dict and its configuration. @internal */
export function loadPykan(bytes: unknown, config: unknown): ModelHandle {
  if (!(bytes instanceof Uint8Array)) fail(`bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    fail(`config must be an object (pykan's width, and its base function, grid, k), got ${describe(config)}`);
  }
  const c = config as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!KNOWN.has(key) && !IGNORED.has(key) && !/^symbolic\.funs_name\.\d+$/.test(key)) {
      throw new KanError("UNKNOWN_OPTION", `load: config has an unknown key ${JSON.stringify(key)}`);
    }
  }
  if (!Array.isArray(c.width)) fail(`config.width must be an array, got ${describe(c.width)}`);
  // pykan's yaml writes every layer as [sum, mult]; kanwasm's width takes a plain n for [n, 0]
  const width = (c.width as unknown[]).map((w) => (Array.isArray(w) && w.length === 2 && w[1] === 0 ? w[0] : w));
  const { tensors } = decodeSafetensors(bytes, { checksum: false });
  const depth = width.length - 1;
  const dtype = tensors.get("act_fun.0.coef")?.dtype;
  if (dtype === undefined) throw new KanError("CORRUPT_DATA", "load: no tensor act_fun.0.coef: not a pykan state_dict");

  const grid: number[] = [];
  const k: number[] = [];
  for (let l = 0; l < depth; l++) {
    const knots = tensors.get(`act_fun.${l}.grid`);
    const coef = tensors.get(`act_fun.${l}.coef`);
    if (!knots || !coef || knots.shape.length !== 2 || coef.shape.length !== 3) {
      throw new KanError("CORRUPT_DATA", `load: layer ${l} lacks act_fun.${l}.grid or act_fun.${l}.coef ` +
        `of pykan's shapes (config.width has ${depth} layers)`);
    }
    const kl = knots.shape[1]! - coef.shape[2]! - 1;
    const gl = coef.shape[2]! - kl;
    if (kl < 0 || gl < 1) {
      throw new KanError("CORRUPT_DATA", `load: act_fun.${l}.grid and coef give grid ${gl}, k ${kl}`);
    }
    // pykan's config keeps the grid of the first layer (refine changes them all alike)
    if (l === 0 && c.grid !== undefined && c.grid !== gl) {
      fail(`config.grid is ${describe(c.grid)}, the tensors have ${gl}`);
    }
    if (c.k !== undefined && c.k !== kl) fail(`config.k is ${describe(c.k)}, layer ${l}'s tensors have ${kl}`);
    grid.push(gl);
    k.push(kl);
    const next = width[l + 1];
    checkIdentity(tensors, l, Array.isArray(next) ? Number(next[0]) : Number(next));
  }
  if (tensors.has(`act_fun.${depth}.coef`)) fail(`config.width has ${depth} layers, the file more`);

  const names = (l: number) => c[`symbolic.funs_name.${l}`];
  const symbolic = (l: number): number[] | undefined => {
    const mask = tensors.get(`symbolic_fun.${l}.mask`);
    if (!mask || mask.shape.length !== 2) return undefined;
    const [no, ni] = mask.shape as [number, number];
    const ids = new Array<number>(ni * no).fill(0);
    for (let o = 0; o < no; o++) for (let i = 0; i < ni; i++) {
      if (mask.data[o * ni + i] === 0) continue;
      const name = (names(l) as unknown[][] | undefined)?.[o]?.[i];
      const id = typeof name === "string" ? symbolicId(name) : undefined;
      if (id === undefined) {
        const why = typeof name === "string"
          ? `names ${JSON.stringify(name)}, which is not in the symbolic library`
          : "does not name its function";
        fail(`edge (l=${l}, i=${i}, j=${o}) is symbolic, but config["symbolic.funs_name.${l}"] ${why}`);
      }
      ids[i * no + o] = id;
    }
    return ids;
  };
  const options = {
    width,
    grid,
    k,
    baseFun: c.baseFun ?? c.base_fun_name ?? "silu",
    gridRange: c.gridRange ?? c.grid_range ?? [-1, 1],
    gridEps: c.grid_eps ?? 0.02,
    dtype: dtype === "F32" ? "float32" : "float64",
    multArity: c.mult_arity ?? 2,
  };
  return restore("load", options, layerSource("load", tensors, dtype, symbolic));
}

/**
 * pykan's node and subnode scales must be 1, and the node biases of multiplication nodes 0:
 * kanwasm's one node affine is a bias per subnode (subnode_bias, plus node_bias of sum nodes).
 */
function checkIdentity(tensors: StDecoded["tensors"], l: number, sums: number): void {
  const identity: [string, number, number][] = [[`node_scale_${l}`, 1, 0], [`node_bias_${l}`, 0, sums],
    [`subnode_scale_${l}`, 1, 0]];
  for (const [name, want, from] of identity) {
    const t = tensors.get(name);
    const at = t ? t.data.findIndex((v, q) => q >= from && v !== want) : -1;
    if (at >= 0) {
      fail(`${name}[${at}] is ${t!.data[at]}, not ${want}: kanwasm's node affine is a bias of each subnode ` +
        "(pykan's subnode_bias, and node_bias of sum nodes)");
    }
  }
}
