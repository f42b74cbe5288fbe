// The symbolic search through the public API: autoSymbolicAsync against autoSymbolic (the
// same edges, functions and bits), its progress, its yielding between edges and its stop.
import { createDataset, KAN } from "kanwasm";
import { equal, ok, throwsKan } from "./assert.js";

const hello = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);

/** A [2,2,1] fitted a little to hellokan: 6 live numeric edges. */
async function fitted() {
  const data = createDataset(hello, { nVar: 2, trainNum: 200, testNum: 50, seed: 3 });
  const m = new KAN({ width: [2, 2, 1], grid: 5, k: 3, seed: 1 });
  await m.fit(data, { opt: "lbfgs", steps: 5 });
  return m;
}

const LIB = ["x", "x^2", "exp", "sin", "cos", "tanh", "0"];
const arrays = (m) => Array.from({ length: m.depth }, (_, l) => ["symbolic", "mask", "affine"].map((w) => m.getLayerArray(l, w)));

export const cases = [
  {
    name: "autoSymbolicAsync fixes the edges autoSymbolic fixes, bit for bit, reporting each edge",
    fn: async () => {
      const a = await fitted();
      const b = a.clone();
      const sync = a.autoSymbolic({ lib: LIB });
      const seen = [];
      const res = await b.autoSymbolicAsync({ lib: LIB, onEdge: (p) => seen.push(p) });
      equal(JSON.stringify(res), JSON.stringify(sync), "the edges fixed");
      equal(sync.length, 6, "every edge of the [2,2,1]");
      equal(seen.length, 6, "one report per edge");
      seen.forEach((p, q) => {
        equal(p.done, q + 1, "done counts up");
        equal(p.total, 6, "total");
        ok(p.fixed && p.name === sync[q].name && p.r2 === sync[q].r2, `report ${q}: ${JSON.stringify(p)}`);
      });
      const [x, y] = [arrays(a), arrays(b)];
      x.forEach((layer, l) => layer.forEach((arr, w) => equal(Array.from(y[l][w]).join(), Array.from(arr).join(), `layer ${l} array ${w}`)));
      // a threshold no fit reaches: edges are reported, none fixed
      const c = await fitted();
      const none = await c.autoSymbolicAsync({ lib: LIB, r2Threshold: 2, onEdge: (p) => ok(!p.fixed, "not fixed") });
      equal(none.length, 0, "nothing fixed above r2 = 1");
      [a, b, c].forEach((m) => m.dispose());
    },
  },
  {
    name: "autoSymbolicAsync yields between edges and stops on its signal, keeping the edges fixed so far",
    fn: async () => {
      const m = await fitted();
      let ticks = 0;
      let tickAt = -1;
      const ctl = new AbortController();
      setTimeout(() => {
        ticks++;
        tickAt = done;
      }, 0);
      let done = 0;
      const e = await throwsKan(() => m.autoSymbolicAsync({
        lib: LIB,
        signal: ctl.signal,
        onEdge: (p) => {
          done = p.done;
          if (p.done === 3) ctl.abort();
        },
      }), "ABORTED", "aborted after 3 edges");
      equal(e.fixed.length, 3, "the error lists the 3 edges fixed");
      ok(ticks === 1 && tickAt < 3, `a timer ran between edges (after edge ${tickAt})`);
      const symbolic = arrays(m).flatMap((layer) => Array.from(layer[0])).filter((v) => v !== 0).length;
      equal(symbolic, 3, "3 symbolic edges stay");
      // the rest can still be fixed afterwards
      const rest = await m.autoSymbolicAsync({ lib: LIB });
      equal(rest.length, 3, "the other 3");
      m.dispose();
    },
  },
  {
    name: "autoSymbolicAsync misuse → KanError before any edge changes",
    fn: async () => {
      const m = await fitted();
      await throwsKan(() => m.autoSymbolicAsync({ onEdge: 3 }), "INVALID_ARGUMENT", "onEdge not a function");
      await throwsKan(() => m.autoSymbolicAsync({ signal: {} }), "INVALID_ARGUMENT", "signal not an AbortSignal");
      await throwsKan(() => m.autoSymbolicAsync({ lib: ["nope"] }), "UNKNOWN_SYMBOLIC", "unknown function");
      await throwsKan(() => m.autoSymbolicAsync({ steps: 3 }), "UNKNOWN_OPTION", "misspelt option");
      const symbolic = arrays(m).flatMap((layer) => Array.from(layer[0])).filter((v) => v !== 0).length;
      equal(symbolic, 0, "no edge changed");
      m.dispose();
    },
  },
];
