// Node runner: every shared scenario under vitest, importing "kanwasm" (the built dist/).
import { describe, it } from "vitest";
import { suites } from "../cases/index.js";

for (const [suite, cases] of Object.entries(suites)) {
  describe(suite, () => {
    for (const c of cases) it(c.name, c.fn);
  });
}
