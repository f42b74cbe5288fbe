// The bench's shapes and command line: what bench/run.mjs measures and how, parsed once so
// that every part of the bench (the run, its children, the extra modes) reads the same values.

/** The shapes of the throughput table; `mlp` overrides the TF.js MLP fitted to the KAN's size. */
export const SHAPES = [
  { width: [2, 5, 1], grid: 5, batch: 1000 },
  { width: [4, 8, 8, 1], grid: 10, batch: 1000 },
  { width: [784, 64, 10], grid: 5, batch: 256, mlp: [784, 640, 10] },
  { width: [100, 100, 100], grid: 5, batch: 512 },
  { width: [100, 100], grid: 5, batch: 512 },
  { width: [100, 100], grid: 20, batch: 512 },
  { width: [100, 100], grid: 100, batch: 512 },
].map((s) => ({ ...s, k: 3, id: `[${s.width}] G${s.grid}` }));

export const DTYPES = ["float32", "float64"];

/** The value after flag `name` in `args`, or undefined. */
export function flagValue(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The comment block at the top of a script's `text` (its usage), without the comment markers. */
export function usage(text) {
  const head = text.split("\n");
  return head.slice(0, head.findIndex((l) => !l.startsWith("//"))).map((l) => l.replace(/^\/\/ ?/, "")).join("\n");
}

/** The throughput run's options from `args` (see the head of bench/run.mjs); throws on bad values. */
export function parseOptions(args) {
  const opt = (name) => flagValue(args, name);
  const timeBox = Number(opt("--time") ?? process.env.BENCH_TIME ?? 1.5);
  if (!(timeBox > 0)) throw new Error(`--time must be a positive number of seconds, got ${opt("--time")}`);
  const passes = Number(opt("--passes") ?? 3);
  if (!(Number.isInteger(passes) && passes >= 1)) {
    throw new Error(`--passes must be a positive integer, got ${opt("--passes")}`);
  }
  const picked = opt("--shapes")?.split(",").map((i) => SHAPES[Number(i) - 1]).filter(Boolean);
  return {
    timeBox,
    passes,
    only: new Set((opt("--only") ?? "kanwasm,torch,tfjs,workflow,threads").split(",")),
    shapes: picked ?? SHAPES,
    write: !args.includes("--no-write"),
    kernels: args.includes("--kernels"),
    wasm: opt("--wasm"),
    pykan: opt("--pykan") ?? process.env.BENCH_PYKAN,
    child: opt("--child"),
  };
}
