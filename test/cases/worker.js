// WorkerKAN (kanwasm/worker): the model API in a worker of the host, checked against KAN on the
// calling thread. Runs in Node (worker_threads), Deno and Chromium (Web Workers): the same
// options, data and steps give the same saved bytes; timers on the calling thread keep running
// while the worker computes; abort and errors arrive as on the calling thread.
import { KAN, KanError, createDataset, init } from "kanwasm";
import { WorkerKAN } from "kanwasm/worker";
import { equal, ok } from "./assert.js";

const f2 = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const data = () => createDataset(f2, { nVar: 2, trainNum: 200, testNum: 100, seed: 3 });
const OPTIONS = { width: [2, 5, 1], grid: 3, k: 3, seed: 7 };

function sameBytes(a, b, label) {
  equal(a.length, b.length, `${label}: byte length`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) throw new Error(`${label}: bytes differ at ${i} of ${a.length}`);
  }
}

/** The KanError `f` rejects or throws with. */
async function kanError(f) {
  try {
    await f();
  } catch (e) {
    ok(e instanceof KanError, `expected a KanError, got ${e?.name}: ${e?.message}`);
    return e;
  }
  throw new Error("expected a KanError, nothing was thrown");
}

/** Runs `body` while a 5 ms timer ticks on this thread; returns its result, the time taken and the longest gap. */
async function timed(body) {
  let last = performance.now();
  let gap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
    ticks++;
  }, 5);
  const t0 = performance.now();
  try {
    const value = await body();
    const ms = performance.now() - t0;
    gap = Math.max(gap, performance.now() - last);
    return { value, ms, gap, ticks };
  } finally {
    clearInterval(timer);
  }
}

export const cases = [
  {
    name: "same saved bytes as KAN: create, fit (LBFGS), refine, fit (Adam, batches), prune",
    fn: async () => {
      await init();
      const d = data();
      const m = new KAN(OPTIONS);
      const w = await WorkerKAN.create(OPTIONS);
      try {
        sameBytes(await w.save(), m.save(), "created");
        const steps = [];
        const hw = await w.fit(d, { steps: 5, lamb: 1e-3, onStep: (s) => steps.push(s) });
        const hm = await m.fit(d, { steps: 5, lamb: 1e-3 });
        sameBytes(await w.save(), m.save(), "after 5 LBFGS steps");
        equal(steps.length, 5, "onStep calls");
        equal(steps[4].testLoss, hm.testLoss[4], "streamed test loss of step 4");
        equal(hw.trainLoss.join(), hm.trainLoss.join(), "history");
        const rw = await w.refine(5);
        const rm = m.refine(5);
        ok(rw instanceof WorkerKAN, "refine gives a WorkerKAN");
        equal(rw.grid, 5, "refined grid, read on this thread");
        equal(rw.numParams, rm.numParams, "numParams");
        await rw.fit(d, { opt: "adam", steps: 4, batch: 50 });
        await rm.fit(d, { opt: "adam", steps: 4, batch: 50 });
        sameBytes(await rw.save(), rm.save(), "after refine and Adam");
        const pw = await rw.prune();
        const pm = rm.prune();
        sameBytes(await pw.save(), pm.save(), "pruned");
        const back = await pw.toKAN();
        ok(back instanceof KAN, "toKAN gives a KAN");
        sameBytes(back.save(), pm.save(), "toKAN");
        equal(JSON.stringify(await pw.predict([[0.1, 0.2]])), JSON.stringify(pm.predict([[0.1, 0.2]])), "predict");
        for (const x of [rw, pw]) await x.dispose();
        for (const x of [rm, pm, back]) x.dispose();
      } finally {
        await w.dispose();
        m.dispose();
      }
    },
  },
  {
    name: "WorkerKAN.from(model) and load(bytes) carry the model exactly",
    fn: async () => {
      await init();
      const m = new KAN({ width: [2, 3, 1], grid: 4, seed: 5, dtype: "float32" });
      await m.fit(data(), { steps: 3 });
      const w = await WorkerKAN.from(m);
      const bytes = m.save();
      const v = await WorkerKAN.load(bytes);
      try {
        equal(w.dtype, "float32", "dtype");
        sameBytes(await w.save(), bytes, "from(model)");
        sameBytes(await v.save(), bytes, "load(bytes)");
        ok(bytes.length > 0 && bytes[0] !== undefined, "load copies: the caller's bytes stay usable");
      } finally {
        await w.dispose();
        await v.dispose();
        m.dispose();
      }
    },
  },
  {
    name: "every method of KAN is a method of WorkerKAN; a trainer() in the worker steps like one here",
    fn: async () => {
      await init();
      const methods = Object.getOwnPropertyNames(KAN.prototype)
        .filter((n) => n !== "constructor")
        .filter((n) => typeof Object.getOwnPropertyDescriptor(KAN.prototype, n).value === "function");
      const missing = methods.filter((n) => typeof WorkerKAN.prototype[n] !== "function");
      equal(missing.join(), "", "methods of KAN missing from WorkerKAN");
      if (typeof KAN.prototype.trainer !== "function") return;
      const d = data();
      const m = new KAN(OPTIONS);
      const w = await WorkerKAN.create(OPTIONS);
      try {
        const t = await w.trainer(d, { steps: 5, lamb: 1e-3 });
        equal(t.done, false, "done before the steps");
        const infos = [];
        while (!t.done) infos.push(await t.step());
        await t.close();
        await m.fit(d, { steps: 5, lamb: 1e-3 });
        equal(infos.length, 5, "steps until done");
        sameBytes(await w.save(), m.save(), "5 remote trainer steps = fit({ steps: 5 })");
      } finally {
        await w.dispose();
        m.dispose();
      }
    },
  },
  {
    name: "the calling thread keeps running timers while the worker computes",
    fn: async () => {
      await init();
      const d = data();
      const w = await WorkerKAN.create({ width: [2, 5, 1], grid: 5, seed: 1 });
      try {
        await w.fit(d, { steps: 3 });
        // one synchronous call in the core (seconds on the calling thread), here in the worker
        // (the whole library on all 15 edges: one edge with 3 functions takes some 20 ms)
        const r = await timed(() => w.autoSymbolic());
        equal(r.value.length, 15, "autoSymbolic fixed every edge");
        ok(r.ms > 200, `autoSymbolic took ${r.ms.toFixed(0)} ms: long enough to tell`);
        // on the calling thread the call would be one gap as long as itself; a busy machine or a
        // garbage collection may still pause this thread for a while, hence half, not a few ms
        ok(r.gap < r.ms / 2, `longest gap between 5 ms ticks ${r.gap.toFixed(0)} ms during ${r.ms.toFixed(0)} ms`);
        ok(r.ticks >= r.ms / 50, `${r.ticks} ticks in ${r.ms.toFixed(0)} ms`);
      } finally {
        await w.dispose();
      }
    },
  },
  {
    name: "signal aborts fit between steps (KanError ABORTED with history); the model stays usable",
    fn: async () => {
      await init();
      const d = data();
      const w = await WorkerKAN.create(OPTIONS);
      try {
        const c = new AbortController();
        const e = await kanError(() => w.fit(d, {
          steps: 10_000,
          signal: c.signal,
          onStep: ({ step }) => step === 2 && c.abort(),
        }));
        equal(e.code, "ABORTED", "code");
        const done = e.history?.trainLoss.length;
        ok(done >= 3 && done < 10_000, `history of the steps done: ${done}`);
        const p = await w.predict([[0.5, -0.5]]);
        ok(Number.isFinite(p.data[0]), "predicts after the abort");
        const early = await kanError(() => w.fit(d, { steps: 5, signal: AbortSignal.abort() }));
        equal(early.code, "ABORTED", "an aborted signal stops before step 0");
        equal(early.history.trainLoss.length, 0, "no step done");
        const thrown = new Error("stop here");
        let caught;
        try {
          await w.fit(d, { steps: 10_000, onStep: ({ step }) => { if (step === 1) throw thrown; } });
        } catch (x) {
          caught = x;
        }
        equal(caught, thrown, "an onStep that throws rejects fit with its error");
      } finally {
        await w.dispose();
      }
    },
  },
  {
    name: "errors from the worker are KanErrors with the calling thread's code and message",
    fn: async () => {
      await init();
      const local = async (f) => kanError(f);
      const pairs = [
        [() => WorkerKAN.create({ width: [2] }), () => new KAN({ width: [2] })],
        [() => WorkerKAN.create({ width: [2, 1], grd: 3 }), () => new KAN({ width: [2, 1], grd: 3 })],
      ];
      const m = new KAN(OPTIONS);
      const w = await WorkerKAN.create(OPTIONS);
      try {
        pairs.push(
          [() => w.predict([[1, 2, 3]]), () => m.predict([[1, 2, 3]])],
          [() => w.predict([[1, NaN]]), () => m.predict([[1, NaN]])],
          [() => w.fixSymbolic(0, 9, 0, "sin"), () => m.fixSymbolic(0, 9, 0, "sin")],
          [() => w.fit({ trainInput: [[0, 0]] }), () => m.fit({ trainInput: [[0, 0]] })],
          [() => w.refine(0), () => m.refine(0)],
        );
        for (const [remote, here] of pairs) {
          const a = await kanError(remote);
          const b = await local(here);
          equal(a.code, b.code, `code of "${b.message}"`);
          equal(a.message, b.message, "message");
        }
        await w.dispose();
        equal((await kanError(() => w.predict([[0, 0]]))).code, "DISPOSED", "use after dispose");
        await w.dispose();
      } finally {
        await w.dispose();
        m.dispose();
      }
    },
  },
  {
    name: "autoSymbolicAsync in the worker: onEdge reports, the signal stops it, the error lists the edges kept",
    fn: async () => {
      await init();
      const w = await WorkerKAN.create({ width: [2, 2, 1], grid: 5, seed: 1 });
      try {
        await w.fit(data(), { steps: 5 });
        const lib = ["x", "x^2", "sin", "exp"];
        const ctl = new AbortController();
        const seen = [];
        const e = await kanError(() => w.autoSymbolicAsync({
          lib, signal: ctl.signal, onEdge: (p) => (seen.push(p.done), p.done === 2 && ctl.abort()),
        }));
        equal(e.code, "ABORTED", "code");
        // the abort reaches the worker as a message: it may finish the edge it is on
        ok(seen.length >= 2 && seen.length < 6 && seen.every((d, q) => d === q + 1), `onEdge reports: ${seen}`);
        equal(e.fixed?.length, seen.length, "the error lists the edges fixed");
        equal((await w.autoSymbolicAsync({ lib })).length, 6 - seen.length, "the other edges afterwards");
      } finally {
        await w.dispose();
      }
    },
  },
  {
    name: "derivatives, separability, tree, featureInteraction, swap, autoSwap, checkpoints in the worker: as KAN",
    fn: async () => {
      await init();
      const d = data();
      const opts = { width: [2, [2, 1], 1], grid: 3, seed: 4 };
      const m = new KAN(opts);
      const w = await WorkerKAN.create(opts);
      try {
        await m.fit(d, { steps: 3 });
        await w.fit(d, { steps: 3 });
        const pts = [[0.1, 0.2], [0.3, -0.4], [-0.7, 0.5]];
        const json = (v) => JSON.stringify(v, (_, x) => (ArrayBuffer.isView(x) ? Array.from(x) : x));
        for (const [name, call] of [
          ["derivatives", (x) => x.derivatives(pts, { order: 2 })],
          ["separability", (x) => x.separability(pts)],
          ["tree", (x) => x.tree(pts)],
          ["featureInteraction", (x) => x.featureInteraction(pts)],
          ["checkpoint", (x) => x.checkpoint("fitted")],
          ["swap", (x) => x.swap(1, 0, 1)],
          ["autoSwap", (x) => x.autoSwap()],
          ["checkpoints", (x) => x.checkpoints()],
        ]) {
          const [a, b] = [await call(w), await call(m)];
          equal(json(a), json(b), name);
        }
        ok((await w.derivatives(pts, { order: 2 })).hessian instanceof Float64Array, "the Hessian arrives as a Float64Array");
        sameBytes(await w.save(), m.save(), "after swap and autoSwap");
        const [first] = await w.checkpoints();
        await w.rewind(first.id);
        m.rewind(first.id);
        sameBytes(await w.save(), m.save(), "rewound");
      } finally {
        await w.dispose();
        m.dispose();
      }
    },
  },
  {
    name: "fitPDE, pdeLoss and a PDE trainer in the worker: as KAN, with onStep events and an abort",
    fn: async () => {
      await init();
      const opts = { width: [2, 3, 1], grid: 3, seed: 2 };
      const pts = Array.from({ length: 12 }, (_, q) => [Math.cos(q), Math.sin(1.7 * q)]);
      const problem = { inputNames: ["x", "y"], terms: [
        { points: pts, equation: "u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)" },
        { points: pts.slice(0, 4), equation: "u = sin(pi*x)*sin(pi*y)", weight: 10 },
      ] };
      const m = new KAN(opts);
      const w = await WorkerKAN.create(opts);
      try {
        const steps = [];
        const hw = await w.fitPDE(problem, { steps: 3, onStep: (s) => steps.push(s.step) });
        const hm = await m.fitPDE(problem, { steps: 3 });
        equal(JSON.stringify(hw), JSON.stringify(hm), "history");
        equal(steps.join(), "0,1,2", "onStep events");
        sameBytes(await w.save(), m.save(), "after fitPDE");
        equal(JSON.stringify(await w.pdeLoss(problem)), JSON.stringify(m.pdeLoss(problem)), "pdeLoss");
        const t = await w.trainer(problem, { steps: 2, opt: "adam" });
        const info = await t.step();
        await t.close();
        ok(Number.isFinite(info.loss), "a PDE trainer steps in the worker");
        const ctl = new AbortController();
        const e = await kanError(() => w.fitPDE(problem, {
          steps: 10_000, signal: ctl.signal, onStep: ({ step }) => step === 1 && ctl.abort(),
        }));
        equal(e.code, "ABORTED", "code");
        const done = e.pdeHistory?.loss.length;
        ok(done >= 2 && done < 10_000 && e.pdeHistory.terms.length === 2, `the error's pdeHistory: ${done} steps`);
      } finally {
        await w.dispose();
        m.dispose();
      }
    },
  },
  {
    name: "the statics of KAN that make a model are statics of WorkerKAN: load (pykan config too), fromJSON, fromExpression",
    fn: async () => {
      await init();
      const statics = Object.getOwnPropertyNames(KAN).filter((n) => typeof KAN[n] === "function");
      const missing = statics.filter((n) => typeof WorkerKAN[n] !== "function");
      equal(missing.join(), "", "statics of KAN missing from WorkerKAN");
      const text = "exp(sin(pi*x1) + x2^2)";
      const e = KAN.fromExpression(text, { grid: 4 });
      const m = new KAN({ width: [2, 3, 1], grid: 4, seed: 5 });
      await m.fit(data(), { steps: 2 });
      // a file with tensors only, as pykan writes: its configuration comes from the caller
      const p = KAN.load(m.save(), { config: { width: [2, 3, 1] } });
      const made = [
        ["fromExpression", await WorkerKAN.fromExpression(text, { grid: 4 }), e],
        ["fromJSON", await WorkerKAN.fromJSON(m.toJSON()), m],
        ["load with a pykan config", await WorkerKAN.load(m.save(), { config: { width: [2, 3, 1] } }), p],
      ];
      try {
        for (const [name, w, here] of made) {
          equal(JSON.stringify(w.config), JSON.stringify(here.config), `${name}: config`);
          equal(Array.from((await w.predict([[0.3, -0.2]])).data).join(), Array.from(here.predict([[0.3, -0.2]]).data).join(),
            `${name}: the same prediction`);
        }
        equal((await made[0][1].symbolicFormula()).join(), e.symbolicFormula().join(), "formula");
        const bad = await kanError(() => WorkerKAN.load(m.save(), { confg: {} }));
        equal(bad.code, "UNKNOWN_OPTION", "an unknown option of load");
        ok(bad.message.includes('"config"'), bad.message);
        equal((await kanError(() => WorkerKAN.fromExpression("sin(", {}))).code,
          (await kanError(() => KAN.fromExpression("sin(", {}))).code, "a bad expression");
      } finally {
        for (const [, w] of made) await w.dispose();
        e.dispose();
        m.dispose();
        p.dispose();
      }
    },
  },
];
