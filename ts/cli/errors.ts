/**
 * The command's failures and their exit codes: 2 for bad usage or bad data (the user can fix
 * the command line or the file), 1 for everything else.
 */
import { KanError } from "../index.js";

/** A flag, argument or file the user got wrong; exits 2 with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(message: string, readonly help?: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A data file that cannot be used: names the file and, where there is one, line and column. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

// KanError codes that come from what the user gave (flags, data, a model file), not from a fault.
const USER_CODES = new Set([
  "INVALID_ARGUMENT", "SHAPE_MISMATCH", "NON_FINITE", "EMPTY_DATASET", "UNKNOWN_OPTION",
  "UNKNOWN_SYMBOLIC", "CORRUPT_DATA",
]);

/** The exit code and the message for a failure. */
export function describeFailure(e: unknown): { code: 1 | 2; message: string } {
  if (e instanceof UsageError) {
    return { code: 2, message: e.help ? `${e.message}\n(see \`${e.help} --help\`)` : e.message };
  }
  if (e instanceof DataError) return { code: 2, message: e.message };
  if (e instanceof KanError) return { code: USER_CODES.has(e.code) ? 2 : 1, message: `${e.message} [${e.code}]` };
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT" || err?.code === "EISDIR") return { code: 2, message: err.message };
  return { code: 1, message: err instanceof Error ? (err.stack ?? err.message) : String(e) };
}
