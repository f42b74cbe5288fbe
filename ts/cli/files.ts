/**
 * Output files: written only once everything they depend on has succeeded, each to a temporary
 * file beside it and then renamed over the target, so a failure never leaves a partial file.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { UsageError } from "./errors.js";

/** Writes every file atomically, in order; on a failure no temporary file is left behind. */
export function writeFilesAtomic(files: { path: string; data: string | Uint8Array }[]): void {
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(6).toString("hex")}.tmp`);
      temps.push(tmp);
      writeFileSync(tmp, f.data);
    }
    files.forEach((f, i) => renameSync(temps[i]!, f.path));
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    throw e;
  }
}

/** The bytes of a file the user named. */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Fails early, before any work, when an output path's folder does not exist. */
export function checkOutputPath(path: string, flag: string): void {
  const dir = dirname(path);
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${flag}: the folder ${JSON.stringify(dir)} of ${JSON.stringify(path)} does not exist`);
}
