// Revival of a fit stuck with an input switched off (FitOptions.revive, crate model/revive.rs):
// on pykan's hellokan task a [2,1,1] KAN from some seeds leaves x2 out and stalls at RMSE 0.6;
// with revival (the default) the same seeds converge, and a fit it does not change keeps its bits.
import { KAN, createDataset } from "kanwasm";
import { equal, ok, throwsKan } from "./assert.js";

const f2 = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const data = () => createDataset(f2, { nVar: 2, trainNum: 200, testNum: 100, seed: 3 });

async function fitted(seed, opts, dtype = "float64") {
  const m = new KAN({ width: [2, 1, 1], seed, dtype });
  const h = await m.fit(data(), { steps: 30, ...opts });
  const out = { test: h.testLoss.at(-1), pred: m.predict(data().testInput).data };
  m.dispose();
  return out;
}

export const cases = [
  {
    name: "revive: stuck seeds of [2,1,1] on exp(sin(pi x) + y^2) converge, and stall with revive: false",
    fn: async () => {
      for (const seed of [4, 7]) {
        const off = await fitted(seed, { revive: false });
        ok(off.test > 0.3, `seed ${seed} without revival stalls (test RMSE ${off.test})`);
        const on = await fitted(seed, {});
        ok(on.test < 3e-2, `seed ${seed} with revival converges (test RMSE ${on.test})`);
      }
    },
  },
  {
    name: "revive: a fit no copy wins keeps its bits; float32 models and Adam go without",
    fn: async () => {
      const [a, b] = [await fitted(0, {}), await fitted(0, { revive: false })];
      ok(a.pred.every((v, i) => Object.is(v, b.pred[i])), "seed 0: the same predictions bit for bit");
      const [c, d] = [await fitted(4, {}, "float32"), await fitted(4, { revive: false }, "float32")];
      ok(c.pred.every((v, i) => Object.is(v, d.pred[i])), "float32: the same predictions bit for bit");
      const [e, f] = [await fitted(4, { opt: "adam", lr: 0.01 }), await fitted(4, { opt: "adam", lr: 0.01, revive: false })];
      ok(e.pred.every((v, i) => Object.is(v, f.pred[i])), "adam: the same predictions bit for bit");
      equal(a.pred.length, 100, "predictions");
    },
  },
  {
    name: "revive: the option must be a boolean",
    fn: async () => {
      const m = new KAN({ width: [2, 1, 1] });
      try {
        await throwsKan(() => m.fit(data(), { steps: 1, revive: 1 }), "INVALID_ARGUMENT", "revive: 1");
      } finally {
        m.dispose();
      }
    },
  },
];
