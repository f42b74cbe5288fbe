// A tiny assertion helper shared by every runtime's runner (no dependency, plain ESM).
import { KanError } from "kanwasm";

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = "AssertionError";
  }
}

export function ok(cond, message = "expected a truthy value") {
  if (!cond) throw new AssertionError(message);
}

/** Whether two byte arrays (saved models) are equal, byte for byte. */
export const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

export function equal(actual, expected, label = "value") {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${label}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

/**
 * Element-wise |a - e| <= abs + rel * |e| over flat arrays; the message names the worst element.
 */
export function close(actual, expected, { abs = 0, rel = 0 } = {}, label = "values") {
  equal(actual.length, expected.length, `${label} length`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (abs + rel * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(a))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const a = actual[worst];
    const e = expected[worst];
    throw new AssertionError(
      `${label}[${worst}]: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)} > abs ${abs} + rel ${rel})`,
    );
  }
}

/** Runs fn (sync or async) and checks it throws a KanError with `code`; returns the error. */
export async function throwsKan(fn, code, label = "call") {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  ok(error !== undefined, `${label}: expected KanError ${code}, but nothing was thrown`);
  ok(error instanceof KanError, `${label}: expected KanError ${code}, got ${error?.name}: ${error?.message}`);
  equal(error.code, code, `${label}: KanError code (message: ${error.message})`);
  ok(typeof error.message === "string" && error.message.length > 10, `${label}: KanError needs a message`);
  return error;
}

/** Flattens number[][] into one array. */
export function flat(rows) {
  return rows.flat();
}

/** A seeded generator of floats in [lo, hi) (mulberry32), so every runtime sees the same data. */
export function random(seed) {
  let a = seed >>> 0;
  return (lo = 0, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}
