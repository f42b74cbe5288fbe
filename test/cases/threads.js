// fit on several threads: the same saved bytes for threads 1 (on kanwasm.wasm, before any
// threaded fit, and again on kanwasm-mt.wasm), 2 and "auto"; bad values rejected before
// anything changes; running out of memory on the threaded module rescued as on the other.
// These cases run last: the first threaded fit moves every model to the threaded module.
import { KAN, createDataset, rawKernel } from "kanwasm";
import { equal, ok, sameBytes, throwsKan } from "./assert.js";
import { isolated, readyThreads } from "./thread-pool.js";

const isNode = typeof globalThis.process?.versions?.node === "string" && typeof globalThis.Deno === "undefined";

// six inputs and three outputs through a hidden layer of 12: the forward's wide (>= 4
// outputs) and narrow kernels, the backward's input gradients, and 300 samples in ten parts
const data = (seed) =>
  createDataset((x) => [Math.sin(x[0] + x[1]) * x[2], x[3] * x[4] - x[5], Math.exp(-x[0] * x[0]) + x[5]], {
    nVar: 6, trainNum: 300, testNum: 40, seed,
  });

const RUNS = [
  { label: "adam batches", opts: { opt: "adam", lr: 0.02, batch: 96, steps: 6 } },
  { label: "lbfgs with the regulariser and grid updates", opts: { opt: "lbfgs", steps: 3, lamb: 1e-3, gridUpdateNum: 2 } },
];

/** The saved bytes and predictions of a fresh model fitted with `opts`. */
async function fitted(dtype, d, opts) {
  const m = new KAN({ width: [6, 12, 3], grid: 5, seed: 9, dtype });
  await m.fit(d, opts);
  const out = { bytes: m.save(), pred: m.predict(d.testInput).data };
  m.dispose();
  return out;
}

export const cases = [
  {
    name: "threads: a bad value throws INVALID_ARGUMENT naming it, before anything changes",
    fn: async () => {
      const d = data(1);
      const m = new KAN({ width: [6, 2, 3], grid: 3, seed: 2 });
      const before = m.save();
      const kernel = rawKernel();
      for (const v of [0, -1, 1.5, 65, "two", true, Number.NaN]) {
        const e = await throwsKan(() => m.fit(d, { threads: v, steps: 1 }), "INVALID_ARGUMENT", `threads ${String(v)}`);
        ok(/"threads"/.test(e.message), e.message);
        await throwsKan(() => m.trainer(d, { threads: v }), "INVALID_ARGUMENT", `trainer threads ${String(v)}`);
      }
      ok(sameBytes(m.save(), before), "the model changed");
      ok(rawKernel() === kernel, "the core's instance changed");
      m.dispose();
    },
  },
  {
    name: "fit saves the same bytes on threads 1 (either module), 2 and auto (adam, lbfgs, float32, float64)",
    fn: async () => {
      const d = data(3);
      for (const { label, opts } of RUNS) {
        for (const dtype of ["float32", "float64"]) {
          const name = `${label} ${dtype}`;
          const one = await fitted(dtype, d, { ...opts, threads: 1 });
          const two = await fitted(dtype, d, { ...opts, threads: 2 });
          if (isolated) ok(readyThreads() >= 2, `${name}: threads ready: ${readyThreads()}`);
          const auto = await fitted(dtype, d, { ...opts, threads: "auto" });
          const again = await fitted(dtype, d, { ...opts, threads: 1 });
          for (const [what, r] of [["2", two], ["auto", auto], ["1 after 2", again]]) {
            ok(sameBytes(r.bytes, one.bytes), `${name}: saved bytes of threads ${what} differ from threads 1`);
            ok(r.pred.every((v, i) => Object.is(v, one.pred[i])), `${name}: predictions of threads ${what} differ`);
          }
        }
      }
      // a trainer uses the threads a fit started, to the same bits
      const a = new KAN({ width: [6, 12, 3], grid: 5, seed: 4, dtype: "float32" });
      const b = new KAN({ width: [6, 12, 3], grid: 5, seed: 4, dtype: "float32" });
      await a.fit(d, { ...RUNS[0].opts, threads: 1 });
      const t = b.trainer(d, { ...RUNS[0].opts, threads: 2 });
      while (!t.done) await t.step();
      t.close();
      ok(sameBytes(a.save(), b.save()), "a trainer on 2 threads differs from a fit on 1");
      a.dispose();
      b.dispose();
    },
  },
  {
    name: "predict gives the same bits on threads 1, 2 and auto; a bad value throws before anything runs",
    fn: async () => {
      const d = data(8);
      const big = createDataset((x) => [x[0], x[1], x[2]], { nVar: 6, trainNum: 5000, testNum: 1, seed: 10 });
      for (const dtype of ["float32", "float64"]) {
        const m = new KAN({ width: [6, 12, 3], grid: 5, seed: 11, dtype });
        await m.fit(d, { ...RUNS[0].opts, threads: 2 });
        if (isolated) ok(readyThreads() >= 2, `${dtype}: threads ready: ${readyThreads()}`);
        const one = m.predict(big.trainInput, { threads: 1 }).data;
        ok(one.every(Number.isFinite) && one.length === 5000 * 3, `${dtype}: predictions`);
        for (const threads of [2, "auto", undefined]) {
          const p = m.predict(big.trainInput, threads === undefined ? undefined : { threads }).data;
          ok(p.every((v, i) => Object.is(v, one[i])), `${dtype}: predictions of threads ${threads} differ`);
        }
        equal(rawKernel().raw.kw_threads(), 1, "the core is handed back to one thread");
        for (const v of [0, 65, 2.5, "all", false]) {
          const e = await throwsKan(() => m.predict(big.trainInput, { threads: v }), "INVALID_ARGUMENT", `threads ${v}`);
          ok(/predict: option "threads"/.test(e.message), e.message);
        }
        await throwsKan(() => m.predict(big.trainInput, { thread: 2 }), "UNKNOWN_OPTION", "a misspelt option");
        // a single row (one part) and the rows of the test set agree with threads 1
        const row = m.predict([Array.from(big.trainInput.data.slice(0, 6))], { threads: 2 }).data;
        ok(row.every((v, i) => Object.is(v, one[i])), `${dtype}: one row on 2 threads differs`);
        m.dispose();
      }
    },
  },
  {
    name: "running out of memory in a threaded fit throws OUT_OF_MEMORY; the models and the threads go on",
    fn: async () => {
      if (!isolated || !isNode) {
        console.log("skipped: Node fills the shared memory; the other runtimes check the bits above");
        return;
      }
      const small = data(5);
      const big = createDataset((x) => [x[0], x[1], x[2]], { nVar: 6, trainNum: 150_000, testNum: 10, seed: 6 });
      const model = new KAN({ width: [6, 12, 3], grid: 5, seed: 7, dtype: "float32" });
      await model.fit(small, { ...RUNS[0].opts, threads: 2 });
      const before = model.save();
      const raw = rawKernel().raw;
      // fill the shared memory to its 4 GiB, then free 32 MB: the big fit's data fits, its work does not
      const blocks = [];
      for (const size of [256 << 20, 16 << 20, 1 << 20]) {
        for (let p; (p = raw.kw_alloc(size)) !== 0;) if (size === 1 << 20) blocks.push(p);
      }
      for (const p of blocks.slice(0, 32)) raw.kw_free(p, 1 << 20);
      await throwsKan(() => model.fit(big, { opt: "adam", steps: 2, threads: 2 }), "OUT_OF_MEMORY", "fit past the memory");
      ok(sameBytes(model.save(), before), "the model changed");
      ok(rawKernel().raw !== raw, "the instance was not replaced");
      const twin = KAN.load(before);
      await model.fit(small, { ...RUNS[0].opts, threads: 2 });
      equal(readyThreads(), 2, "threads in the fresh instance");
      await twin.fit(small, { ...RUNS[0].opts, threads: 1 });
      ok(sameBytes(model.save(), twin.save()), "a threaded fit after the rescue differs from one thread");
      model.dispose();
      twin.dispose();
    },
  },
];
