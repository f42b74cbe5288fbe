/**
 * Subcommand arguments: a declaration of positionals and flags that drives both `util.parseArgs`
 * and the `--help` text, and parsers that turn flag strings into checked values whose errors name
 * the flag.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

export interface Flag {
  type: "string" | "boolean";
  /** What the value looks like in the help, e.g. "N" or "a,b,c". */
  value?: string;
  help: string;
  /** The default as the help shows it. */
  default?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, in order, e.g. ["MODEL", "DATA.csv"]. */
  positionals: string[];
  flags: Record<string, Flag>;
  /** Lines after the flags: examples and notes. */
  notes?: string[];
}

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** The help text of a subcommand. */
export function helpText(spec: CommandSpec): string {
  const names = Object.keys(spec.flags);
  const usage = `usage: kanwasm ${spec.name} ${spec.positionals.join(" ")}${names.length ? " [options]" : ""}`;
  const left = (n: string) => `  --${n}${spec.flags[n]!.value ? ` ${spec.flags[n]!.value}` : ""}`;
  const pad = Math.max(...names.map((n) => left(n).length), "  -h, --help".length) + 2;
  const lines = [usage, "", spec.summary, "", "options:"];
  for (const n of names) {
    const f = spec.flags[n]!;
    lines.push(`${left(n).padEnd(pad)}${f.help}${f.default !== undefined ? ` (default ${f.default})` : ""}`);
  }
  lines.push(`${"  -h, --help".padEnd(pad)}this help`);
  if (spec.notes?.length) lines.push("", ...spec.notes);
  return lines.join("\n") + "\n";
}

/** Parses argv for `spec`; returns undefined when --help was asked for (the caller prints it). */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed | undefined {
  type Option = { type: "string" | "boolean"; short?: string };
  const options: Record<string, Option> = { help: { type: "boolean", short: "h" } };
  for (const [n, f] of Object.entries(spec.flags)) options[n] = { type: f.type };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message, `kanwasm ${spec.name}`);
  }
  if (parsed.values.help) return undefined;
  const pos = parsed.positionals;
  if (pos.length !== spec.positionals.length) {
    const what = pos.length < spec.positionals.length
      ? `missing ${spec.positionals.slice(pos.length).join(" ")}`
      : `unexpected argument ${JSON.stringify(pos[spec.positionals.length])}`;
    throw new UsageError(what, `kanwasm ${spec.name}`);
  }
  return { positionals: pos, values: parsed.values as Parsed["values"] };
}

/** Reads typed flag values; every error names the flag and the command. */
export class FlagReader {
  constructor(private readonly cmd: string, private readonly values: Parsed["values"]) {}

  #fail(name: string, what: string, got: string): never {
    throw new UsageError(`--${name}: expected ${what}, got ${JSON.stringify(got)}`, `kanwasm ${this.cmd}`);
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === "string" ? v : undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  number(name: string, fallback: number, min = -Infinity, max = Infinity): number {
    const s = this.string(name);
    if (s === undefined) return fallback;
    const v = Number(s);
    if (s.trim() === "" || !Number.isFinite(v) || v < min || v > max) {
      this.#fail(name, `a number${range(min, max)}`, s);
    }
    return v;
  }

  int(name: string, fallback: number, min = -Infinity, max = Infinity): number {
    const s = this.string(name);
    if (s === undefined) return fallback;
    const v = Number(s);
    if (!/^[+-]?\d+$/.test(s.trim()) || !Number.isSafeInteger(v) || v < min || v > max) {
      this.#fail(name, `an integer${range(min, max)}`, s);
    }
    return v;
  }

  ints(name: string, min: number): number[] | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const parts = s.split(",").map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < min)) {
      this.#fail(name, `a comma-separated list of integers >= ${min}`, s);
    }
    return parts.map(Number);
  }

  list(name: string): string[] | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const parts = s.split(",").map((p) => p.trim());
    if (parts.some((p) => p === "")) this.#fail(name, "a comma-separated list of names", s);
    return parts;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const s = this.string(name);
    if (s === undefined) return fallback;
    if (!(choices as readonly string[]).includes(s)) this.#fail(name, choices.join(" | "), s);
    return s as T;
  }
}

function range(min: number, max: number): string {
  if (min > -Infinity && max < Infinity) return ` in [${min}, ${max}]`;
  if (min > -Infinity) return ` >= ${min}`;
  return max < Infinity ? ` <= ${max}` : "";
}

/** A subcommand: its declaration and what it does with the parsed arguments. */
export interface Command {
  spec: CommandSpec;
  run(args: Parsed): Promise<void>;
}
