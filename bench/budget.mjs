// The byte budgets of the two modules. dist/kanwasm.wasm: 375,000 bytes. It was 300,000 while
// the core trained and interpreted models; input derivatives and PDE fitting (jets through
// every edge kind, their reverse mode, residual programs) take about 25 KB, and the budget
// keeps 10 KB above the module with them so that growth stays a decision, not a drift; the
// revival of stuck fits (crate/src/model/revive.rs) took about 5.5 KB of that and the budget
// 5 KB more. Then 365,000 for speed of the whole workflow (the hellokan fits): cubic bases on
// uneven knots from per-interval polynomials (crate/src/cubic.rs, about 5 KB), layers whose
// edges are all symbolic without spline passes (about 4.4 KB), one-output layers' own loops and
// the Gram loops for cubic windows (about 3 KB); 17 KB in all, the module 356,634 bytes with
// them. Then 370,000: fitPDE on threads (its chunked loss, about 2.9 KB in each module) and
// the regulariser's per-edge input pass for layers of one or two outputs (about 2 KB, 7% off
// the hellokan workflow's first fit) left too little room under 365,000. Then 375,000: the
// regulariser of float64 layers of one or two outputs folded into the layer's own backward
// (crate/src/layer/fold.rs; a regularised Adam step 1.3x a plain one, was 1.5x) took about
// 3 KB net in each module, the per-edge input pass it replaces given back, and left the
// module 450 bytes under 370,000; one-output layers' direct backward pass (about 1.6 KB, a
// tenth off the first fit) then took it to 371,178.
// dist/kanwasm-mt.wasm (threads): 385,000 bytes. The same core built with atomics and
// shared memory carries std's atomic operations, its futex-based locks and the core's thread
// pool (crate/src/par.rs), about 7 KB more, and follows the single-thread budget's steps.
//   node bench/budget.mjs [path/to/kanwasm.wasm | path/to/kanwasm-mt.wasm]
// Prints each size (and its gzip size, for information) against its budget; exits 1 when a
// module is over it, 2 when one is missing. Without a path it checks both modules in dist/.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGETS = { "kanwasm.wasm": 375_000, "kanwasm-mt.wasm": 385_000 };
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = process.argv[2] ? [process.argv[2]] : Object.keys(BUDGETS).map((f) => join(root, "dist", f));
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

let status = 0;
for (const file of files) {
  const name = relative(process.cwd(), file) || file;
  // a path named like the threaded module gets its budget; any other the single-thread one
  const budget = BUDGETS[basename(file)] ?? BUDGETS[/-mt\.wasm$/.test(file) ? "kanwasm-mt.wasm" : "kanwasm.wasm"];
  if (!existsSync(file)) {
    console.error(`budget: ${name} is missing; run \`npm run build\` first`);
    status = 2;
    continue;
  }
  const bytes = readFileSync(file);
  const size = bytes.length;
  const gz = gzipSync(bytes, { level: 9 }).length;
  const pct = ((100 * size) / budget).toFixed(1);
  if (size > budget) {
    console.error(`budget: ${name} is ${size} bytes (${kb(size)}, gzip ${kb(gz)}): OVER the ${kb(budget)} budget by ${size - budget} bytes (${pct}%)`);
    status = Math.max(status, 1);
  } else {
    console.log(`budget: ${name} is ${size} bytes (${kb(size)}, gzip ${kb(gz)}): within the ${kb(budget)} budget (${pct}%)`);
  }
}
process.exit(status);
