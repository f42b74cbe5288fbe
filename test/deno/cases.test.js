// Deno runner: every shared scenario under `deno test`, with no permissions; "kanwasm" maps
// to dist/deno.js (deno.json), which imports the wasm as a module source.
import { suites } from "../cases/index.js";

// The threads' workers outlive the case that starts them (they serve every later fit).
const lasting = new Set(["threads", "pdeThreads"]);

for (const [suite, cases] of Object.entries(suites)) {
  const keep = lasting.has(suite) ? { sanitizeOps: false, sanitizeResources: false } : {};
  for (const c of cases) Deno.test({ name: `${suite} › ${c.name}`, fn: c.fn, ...keep });
}
