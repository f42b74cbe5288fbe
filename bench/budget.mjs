// The byte budget of dist/kanwasm.wasm: 335,000 bytes. It was 300,000 while the core trained
// and interpreted models; input derivatives and PDE fitting (jets through every edge kind,
// their reverse mode, residual programs) take about 25 KB, and the budget keeps 10 KB above
// the module with them so that growth stays a decision, not a drift.
//   node bench/budget.mjs [path/to/kanwasm.wasm]
// Prints the size (and its gzip size, for information) against the budget; exits 1 when the
// module is over it, 2 when it is missing.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 335_000;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const file = process.argv[2] ?? join(root, "dist/kanwasm.wasm");
const name = relative(process.cwd(), file) || file;

if (!existsSync(file)) {
  console.error(`budget: ${name} is missing; run \`npm run build\` first`);
  process.exit(2);
}
const bytes = readFileSync(file);
const size = bytes.length;
const gz = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const pct = ((100 * size) / BUDGET).toFixed(1);
if (size > BUDGET) {
  console.error(`budget: ${name} is ${size} bytes (${kb(size)}, gzip ${kb(gz)}): OVER the ${kb(BUDGET)} budget by ${size - BUDGET} bytes (${pct}%)`);
  process.exit(1);
}
console.log(`budget: ${name} is ${size} bytes (${kb(size)}, gzip ${kb(gz)}): within the ${kb(BUDGET)} budget (${pct}%)`);
