// fitPDE on several threads: the same saved bytes and loss history for threads 1, 2 and
// "auto", and for a PDE trainer on 2 threads; an equation with a function from addSymbolic
// (which only the calling thread can run) the same bits too; a bad value rejected before
// anything changes. These run after the threads suite, on the threaded module.
import { KAN, addSymbolic, rawKernel } from "kanwasm";
import { ok, sameBytes, throwsKan } from "./assert.js";
import { isolated, readyThreads } from "./thread-pool.js";

const sameNumbers = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

// Poisson's equation on a 13 x 13 mesh (169 points: six chunks of 32 and a shorter one) with
// u = 0 on 48 boundary points (two chunks)
const at = (i) => -1 + i / 6;
const mesh = Array.from({ length: 169 }, (_, s) => [at(Math.floor(s / 13)), at(s % 13)]);
const edge = Array.from({ length: 12 }, (_, i) => [[at(i), -1], [at(i + 1), 1], [-1, at(i + 1)], [1, at(i)]]).flat();
const poisson = (f) => ({
  inputNames: ["x", "y"],
  terms: [{ points: mesh, equation: `u_xx + u_yy = ${f}`, weight: 0.01 }, { points: edge, equation: "u = 0" }],
});
const PROBLEM = poisson("-2*pi^2*sin(pi*x)*sin(pi*y)");

/** The saved bytes and loss history of a fresh [2, [3, 1], 1] model (a product node) fitted on `problem`. */
async function fitted(dtype, problem, opts) {
  const m = new KAN({ width: [2, [3, 1], 1], grid: 5, seed: 4, dtype });
  const h = await m.fitPDE(problem, opts);
  const out = { bytes: m.save(), h };
  m.dispose();
  return out;
}

const sameHistory = (a, b) => sameNumbers(a.loss, b.loss) && sameNumbers(a.reg, b.reg) &&
  a.terms.every((t, q) => sameNumbers(t, b.terms[q]));

export const cases = [
  {
    name: "fitPDE threads: a bad value throws INVALID_ARGUMENT naming it, before anything changes",
    fn: async () => {
      const m = new KAN({ width: [2, 3, 1], grid: 3, seed: 2 });
      const before = m.save();
      const kernel = rawKernel();
      for (const v of [0, -1, 1.5, 65, "two", true, Number.NaN]) {
        const e = await throwsKan(() => m.fitPDE(PROBLEM, { threads: v, steps: 1 }), "INVALID_ARGUMENT", `threads ${v}`);
        ok(/fitPDE: option "threads"/.test(e.message), e.message);
        const t = await throwsKan(() => m.trainer(PROBLEM, { threads: v }), "INVALID_ARGUMENT", `trainer ${v}`);
        ok(/"threads"/.test(t.message), t.message);
      }
      await throwsKan(() => m.fitPDE(PROBLEM, { thread: 2 }), "UNKNOWN_OPTION", "a misspelt option");
      ok(sameBytes(m.save(), before), "the model changed");
      ok(rawKernel() === kernel, "the core's instance changed");
      // the model is not left locked: a fit runs after the refusals
      const h = await m.fitPDE(PROBLEM, { steps: 1, threads: 2 });
      ok(h.loss.length === 1 && Number.isFinite(h.loss[0]), `a fit after the refusals: ${h.loss}`);
      m.dispose();
    },
  },
  {
    name: "fitPDE saves the same bytes and losses on threads 1, 2 and auto (lbfgs with grid updates, adam with lamb)",
    fn: async () => {
      const runs = [
        { label: "lbfgs", opts: { steps: 4, gridUpdateNum: 2, stopGridUpdateStep: 4 } },
        { label: "adam lamb", opts: { opt: "adam", lr: 0.02, steps: 5, lamb: 1e-3, updateGrid: false } },
      ];
      for (const { label, opts } of runs) {
        for (const dtype of ["float64", "float32"]) {
          const name = `${label} ${dtype}`;
          const one = await fitted(dtype, PROBLEM, { ...opts, threads: 1 });
          ok(one.h.loss.at(-1) < one.h.loss[0] || opts.opt === "adam", `${name}: the loss falls ${one.h.loss}`);
          const two = await fitted(dtype, PROBLEM, { ...opts, threads: 2 });
          if (isolated) ok(readyThreads() >= 2, `${name}: threads ready: ${readyThreads()}`);
          const auto = await fitted(dtype, PROBLEM, { ...opts, threads: "auto" });
          for (const [what, r] of [["2", two], ["auto", auto]]) {
            ok(sameBytes(r.bytes, one.bytes), `${name}: saved bytes of threads ${what} differ from threads 1`);
            ok(sameHistory(r.h, one.h), `${name}: losses of threads ${what} differ: ${r.h.loss} vs ${one.h.loss}`);
          }
        }
      }
      // a PDE trainer uses the threads a fit started, to the same bits
      const opts = runs[0].opts;
      const one = await fitted("float64", PROBLEM, { ...opts, threads: 1 });
      const m = new KAN({ width: [2, [3, 1], 1], grid: 5, seed: 4 });
      const t = m.trainer(PROBLEM, { ...opts, threads: 2 });
      while (!t.done) await t.step();
      ok(sameHistory(t.history, one.h), "a trainer on 2 threads: losses differ from a fit on 1");
      t.close();
      ok(sameBytes(m.save(), one.bytes), "a trainer on 2 threads differs from a fit on 1");
      m.dispose();
    },
  },
  {
    name: "fitPDE on threads with a function from addSymbolic in the equation: the same bits as one thread",
    fn: async () => {
      // the host evaluates it; a worker thread cannot, so the residuals stay on the calling thread
      addSymbolic("pdeThreadsBump", { fn: (x) => Math.exp(-x * x) * Math.cos(3 * x), complexity: 3 });
      const problem = poisson("pdeThreadsBump(x + y) - 2*sin(pi*x)");
      const opts = { steps: 3, updateGrid: false };
      const one = await fitted("float64", problem, { ...opts, threads: 1 });
      const two = await fitted("float64", problem, { ...opts, threads: 2 });
      ok(one.h.loss.every(Number.isFinite), `losses ${one.h.loss}`);
      ok(sameHistory(two.h, one.h), `losses of threads 2 differ: ${two.h.loss} vs ${one.h.loss}`);
      ok(sameBytes(two.bytes, one.bytes), "saved bytes of threads 2 differ from threads 1");
      // the function counts: the same fit without it ends elsewhere
      const plain = await fitted("float64", poisson("-2*sin(pi*x)"), { ...opts, threads: 2 });
      ok(!sameHistory(plain.h, one.h), "the user function made no difference");
    },
  },
];
