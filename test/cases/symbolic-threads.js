// The symbolic search on several threads: autoSymbolic, autoSymbolicAsync and suggestSymbolic
// give the same bits for threads 1, 2 and "auto" (threads 1 first, on kanwasm.wasm when this
// suite runs alone: the models then move to the threaded module with their last fit's
// samples, which the search uses); a user function (evaluated by the host on the calling thread only) still
// wins where it fits; bad values are rejected before anything changes.
import { KAN, SYMBOLIC_LIB, addSymbolic, createDataset, rawKernel } from "kanwasm";
import { equal, ok, sameBytes, throwsKan } from "./assert.js";
import { isolated, readyThreads } from "./thread-pool.js";

// a shape no built-in has: the edge of x1 takes it when it is in the library
const USER = "symthreads_cubic";
let registered = false;
const userLib = () => {
  if (!registered) addSymbolic(USER, { fn: (x) => x * x * x - 0.6 * x, complexity: 2 });
  registered = true;
  return ["x", "x^2", "sin", "exp", "tanh", USER, "cos"];
};

async function fitted(dtype) {
  const d = createDataset(([a, b]) => a * a * a - 0.6 * a + Math.sin(2 * b), { nVar: 2, trainNum: 200, testNum: 10,
    seed: 5 });
  const m = new KAN({ width: [2, 3, 1], grid: 5, seed: 3, dtype });
  await m.fit(d, { opt: "lbfgs", steps: 15 });
  return m;
}

/** Every edge's ranked list, the fixed edges, the saved bytes and the formula, for `threads` (undefined: default). */
async function searched(m, threads, lib) {
  const t = threads === undefined ? {} : { threads };
  const lists = [];
  for (let l = 0; l < m.depth; l++) {
    const [ni, no] = m.layerDims(l);
    for (let i = 0; i < ni; i++) for (let j = 0; j < no; j++) lists.push(m.suggestSymbolic(l, i, j, { topk: 40, lib, ...t }));
  }
  const a = m.clone();
  const fixed = a.autoSymbolic({ lib, ...t });
  const b = m.clone();
  const fixedAsync = await b.autoSymbolicAsync({ lib, ...t });
  const out = { lists, fixed, fixedAsync, bytes: a.save(), bytesAsync: b.save(), formula: a.symbolicFormula() };
  a.dispose();
  b.dispose();
  return out;
}

function same(got, want, what) {
  equal(JSON.stringify(got.lists), JSON.stringify(want.lists), `${what}: suggestSymbolic lists`);
  equal(JSON.stringify(got.fixed), JSON.stringify(want.fixed), `${what}: autoSymbolic's fixed edges`);
  equal(JSON.stringify(got.fixedAsync), JSON.stringify(want.fixed), `${what}: autoSymbolicAsync's fixed edges`);
  ok(sameBytes(got.bytes, want.bytes), `${what}: autoSymbolic's saved bytes differ`);
  ok(sameBytes(got.bytesAsync, want.bytes), `${what}: autoSymbolicAsync's saved bytes differ from autoSymbolic's`);
  equal(JSON.stringify(got.formula), JSON.stringify(want.formula), `${what}: formula`);
}

export const cases = [
  {
    name: "symbolic search threads: a bad value throws INVALID_ARGUMENT naming it, before anything changes",
    fn: async () => {
      const m = new KAN({ width: [2, 2, 1], grid: 3, seed: 2 });
      const x = { rows: 20, cols: 2, data: Float64Array.from({ length: 40 }, (_, q) => Math.sin(q)) };
      const before = m.save();
      const kernel = rawKernel();
      for (const v of [0, -1, 1.5, 65, "two", true, Number.NaN]) {
        const e1 = await throwsKan(() => m.autoSymbolic({ input: x, threads: v }), "INVALID_ARGUMENT", `auto ${v}`);
        ok(/autoSymbolic: option "threads"/.test(e1.message), e1.message);
        const e2 = await throwsKan(() => m.suggestSymbolic(0, 0, 0, { input: x, threads: v }), "INVALID_ARGUMENT",
          `suggest ${v}`);
        ok(/suggestSymbolic: option "threads"/.test(e2.message), e2.message);
        const e3 = await throwsKan(() => m.autoSymbolicAsync({ input: x, threads: v }), "INVALID_ARGUMENT", `async ${v}`);
        ok(/autoSymbolicAsync: option "threads"/.test(e3.message), e3.message);
      }
      ok(sameBytes(m.save(), before), "the model changed");
      ok(rawKernel() === kernel, "the core's instance changed");
      m.dispose();
    },
  },
  {
    name: "symbolic search: the same lists, fixed edges, saved bytes and formulas on threads 1, 2 and auto",
    fn: async () => {
      // the built-ins (other suites add user functions to the library, some that throw)
      const builtins = SYMBOLIC_LIB.map((f) => f.name);
      for (const [dtype, lib] of [["float64", builtins], ["float32", userLib()]]) {
        const what = `${dtype}, ${lib.includes(USER) ? "a library with a user function" : "the built-ins"}`;
        const m = await fitted(dtype);
        const one = await searched(m, 1, lib);
        ok(one.fixed.length === 9 && one.lists.every((s) => s.length > 0), `${what}: ${one.fixed.length} fixed`);
        if (lib.includes(USER)) ok(one.fixed.some((e) => e.name === USER && e.r2 > 0.99), JSON.stringify(one.fixed));
        // autoSymbolicAsync starts the threads, which the synchronous calls then use
        const two = await searched(m, 2, lib);
        if (isolated) ok(readyThreads() >= 2, `${what}: threads ready: ${readyThreads()}`);
        same(two, one, `${what}, threads 2`);
        same(await searched(m, "auto", lib), one, `${what}, threads auto`);
        equal(rawKernel().raw.kw_threads(), 1, "the core is handed back to one thread");
        m.dispose();
      }
    },
  },
];
