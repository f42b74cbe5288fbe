/**
 * Validation of options objects: unknown names, integers, enums. Every check names the
 * operation and the option, so a message reads e.g.
 * `bsplineBasis: option "grid" must be an integer >= 1, got number 0`.
 */
import { KanError, describe } from "./errors.js";

/**
 * Throws UNKNOWN_OPTION for any key of `opts` not in `allowed`; INVALID_ARGUMENT if `opts` is not an object.
 * @internal
 */
export function checkOptions(op: string, opts: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw new KanError("INVALID_ARGUMENT", `${op}: options must be an object, got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      throw new KanError(
        "UNKNOWN_OPTION",
        `${op}: unknown option "${key}"; the options are ${allowed.map((a) => `"${a}"`).join(", ")}`,
      );
    }
  }
  return opts as Record<string, unknown>;
}

/** An integer option within [min, max]. @internal */
export function intOption(op: string, name: string, value: unknown, min: number,
  max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "${name}" must be an integer ${range}, got ${describe(value)}`,
    );
  }
  return value;
}

/** One of a fixed set of strings. @internal */
export function enumOption<T extends string>(op: string, name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    const list = choices.map((c) => `"${c}"`).join(" | ");
    throw new KanError("INVALID_ARGUMENT", `${op}: option "${name}" must be ${list}, got ${describe(value)}`);
  }
  return value as T;
}

/** A [lo, hi] pair of finite numbers with lo < hi. @internal */
export function rangeOption(op: string, name: string, value: unknown): [number, number] {
  const ok =
    Array.isArray(value) && value.length === 2 &&
    value.every((v) => typeof v === "number" && Number.isFinite(v)) && value[0] < value[1];
  if (!ok) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "${name}" must be [lo, hi] with finite lo < hi, got ${JSON.stringify(value) ?? describe(value)}`,
    );
  }
  return [value[0], value[1]];
}

/**
 * A positional integer argument in [lo, hi), e.g. a layer or an input index; the message
 * reads `layerDims: l must be an integer in [0, 2), got -1`.
 * @internal
 */
export function intArgument(op: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value >= hi) {
    const got = typeof value === "number" ? String(value) : describe(value);
    const range = hi > lo ? `in [${lo}, ${hi})` : `in [${lo}, ${hi}), which is empty`;
    throw new KanError("INVALID_ARGUMENT", `${op}: ${name} must be an integer ${range}, got ${got}`);
  }
  return value;
}
