// Deno runner: every shared scenario under `deno test`, with no permissions; "kanwasm" maps
// to dist/deno.js (deno.json), which imports the wasm as a module source.
import { suites } from "../cases/index.js";

for (const [suite, cases] of Object.entries(suites)) {
  for (const c of cases) Deno.test(`${suite} › ${c.name}`, c.fn);
}
