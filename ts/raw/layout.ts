/**
 * The settings structs that cross the boundary by pointer, mirrored field by field from the
 * core's `#[repr(C)]` structs (crate/src/ffi/layout.rs): each field's type and byte offset,
 * and the struct's size. `kw_layout(which)` describes the core's side as its compiler laid it
 * out; a test in every runtime compares the two (test/cases/layout.js).
 *
 * ```js
 * const bytes = writeStruct(FIT_SETTINGS, { opt: 1, lr: 0.01, ... });   // FIT_SETTINGS.size bytes
 * k.raw.kw_fit_begin(h, ..., s.put(bytes));
 * ```
 *
 * Types: "u32" for codes, flags and counts, "f64" for reals (and seeds, integers up to 2^53),
 * "ptr" for a wasm32 pointer (a u32 byte offset). Little-endian, as wasm is.
 */
import { KanError } from "../errors.js";

/** How a field is written. */
export type FieldType = "u32" | "f64" | "ptr";

/** One field of a struct: its type and its byte offset. */
export interface Field {
  /** How the field is written: "u32", "f64" or "ptr" (a wasm32 byte offset). */
  readonly type: FieldType;
  /** Its byte offset from the start of the struct. */
  readonly offset: number;
}

/** A struct's name (as the core spells it), its `which` of kw_layout, size in bytes and fields. */
export interface StructLayout<F extends string = string> {
  /** The struct's name in the core (crate/src/ffi/layout.rs). */
  readonly name: string;
  /** Its `which` for kw_layout. */
  readonly code: number;
  /** Its size in bytes. */
  readonly size: number;
  /** Its fields by the core's names. */
  readonly fields: Readonly<Record<F, Field>>;
}

const u32 = (offset: number): Field => ({ type: "u32", offset });
const f64 = (offset: number): Field => ({ type: "f64", offset });
const ptr = (offset: number): Field => ({ type: "ptr", offset });

/** kw_fit_begin's `cfg` (crate FitSettings). */
export const FIT_SETTINGS = {
  name: "FitSettings",
  code: 0,
  size: 72,
  fields: {
    /** OPT_CODE. */
    opt: u32(0),
    /** LOSS_CODE. */
    loss: u32(4),
    /** 0 or 1. */
    update_grid: u32(8),
    /** 0: the full batch. */
    batch: u32(12),
    grid_update_num: u32(16),
    stop_grid_update_step: u32(20),
    /** Races of a revived copy per fit; 0: none. */
    revive: u32(24),
    /** Steps of stall before a check, and of a race. */
    revive_steps: u32(28),
    lr: f64(32),
    lamb: f64(40),
    lamb_l1: f64(48),
    lamb_entropy: f64(56),
    seed: f64(64),
  },
} as const satisfies StructLayout;

/** kw_model_new's `cfg` (crate ModelSettings). */
export const MODEL_SETTINGS = {
  name: "ModelSettings",
  code: 1,
  size: 112,
  fields: {
    /** DTYPE_CODE. */
    dtype: u32(0),
    /** BASE_CODE. */
    base: u32(4),
    /** 0 or 1. */
    sb_trainable: u32(8),
    /** 0 or 1. */
    sp_trainable: u32(12),
    /** Node layers; `width` points at n_nodes [sum, mult] pairs of u32. */
    n_nodes: u32(16),
    width: ptr(20),
    /** Grid intervals, u32 per layer (or one for all). */
    n_grid: u32(24),
    grid: ptr(28),
    /** Spline orders, u32 per layer (or one for all). */
    n_k: u32(32),
    k: ptr(36),
    range_min: f64(40),
    range_max: f64(48),
    noise_scale: f64(56),
    grid_eps: f64(64),
    seed: f64(72),
    scale_base_mu: f64(80),
    scale_base_sigma: f64(88),
    scale_sp: f64(96),
    /** The arity of every multiplication node, layer by layer: n_arity u32s (0: all 2). */
    n_arity: u32(104),
    arity: ptr(108),
  },
} as const satisfies StructLayout;

/** kw_pde_new's `cfg` (crate PdeSettings). */
export const PDE_SETTINGS = {
  name: "PdeSettings",
  code: 2,
  size: 56,
  fields: {
    /** 0, 1 or 2: the highest derivative the equations take. */
    order: u32(0),
    /** OPT_CODE. */
    opt: u32(4),
    /** 0 or 1. */
    update_grid: u32(8),
    grid_update_num: u32(12),
    stop_grid_update_step: u32(16),
    /** 0: keeps the reals on 8 bytes. */
    pad: u32(20),
    lr: f64(24),
    lamb: f64(32),
    lamb_l1: f64(40),
    lamb_entropy: f64(48),
  },
} as const satisfies StructLayout;

/** The settings structs of the boundary by name. */
export interface Layouts {
  /** kw_fit_begin's settings (crate FitSettings). */
  readonly fit: StructLayout;
  /** kw_model_new's settings (crate ModelSettings). */
  readonly model: StructLayout;
  /** kw_pde_new's settings (crate PdeSettings). */
  readonly pde: StructLayout;
}

/** Every settings struct, for the test that compares them with the core's. */
export const LAYOUTS: Layouts = { fit: FIT_SETTINGS, model: MODEL_SETTINGS, pde: PDE_SETTINGS };

/** The values of every field of `L`. */
export type StructValues<L extends StructLayout> = { [F in keyof L["fields"]]: number };

/**
 * The bytes of struct `layout` holding `values`, to be copied into wasm memory (RawScope.put,
 * whose blocks are 8-byte aligned as the f64 fields need). A value a field cannot hold is a
 * bug of the caller: KanError INTERNAL.
 */
export function writeStruct<L extends StructLayout>(layout: L, values: StructValues<L>): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  for (const [name, { type, offset }] of Object.entries(layout.fields) as [keyof L["fields"] & string, Field][]) {
    const v = values[name];
    if (type === "f64") {
      view.setFloat64(offset, v, true);
    } else if (Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff) {
      view.setUint32(offset, v, true);
    } else {
      throw new KanError("INTERNAL", `${layout.name}.${name} is a ${type}, which cannot hold ${v}`);
    }
  }
  return bytes;
}
