// The Trainer, the lower-level path under fit(): the same bits as fit, its rules (budget, one
// per model, dispose, close), and a custom loop with early stopping as the README shows it.
import { KAN, KanError, Trainer, createDataset } from "kanwasm";
import { equal, ok, sameBytes, throwsKan } from "./assert.js";

const data = () => createDataset(([x, y]) => x * y + 0.5 * x * x - y, { nVar: 2, trainNum: 120, testNum: 60, seed: 31 });

export const cases = [
  {
    name: "five step()s save the same bytes as fit({ steps: 5 }) (lbfgs, adam with batches, grid updates on the way)",
    fn: async () => {
      const d = data();
      // grid updates every 2 steps until step 4, so the schedule is crossed within five steps
      const common = { steps: 5, gridUpdateNum: 2, stopGridUpdateStep: 4, lamb: 1e-3 };
      for (const opts of [{ opt: "lbfgs" }, { opt: "adam", lr: 0.02, batch: 40 }]) {
        for (const dtype of ["float64", "float32"]) {
          const o = { ...common, ...opts };
          const label = `${opts.opt} ${dtype}`;
          const a = new KAN({ width: [2, 3, 1], grid: 4, seed: 5, dtype });
          const b = new KAN({ width: [2, 3, 1], grid: 4, seed: 5, dtype });
          const history = await a.fit(d, o);
          const t = b.trainer(d, o);
          ok(t instanceof Trainer, "trainer() returns a Trainer");
          const infos = [];
          while (!t.done) infos.push(await t.step());
          t.close();
          equal(infos.length, 5, `${label}: steps taken`);
          infos.forEach((s, i) => {
            equal(s.step, i, `${label}: step number`);
            ok(Object.is(s.trainLoss, history.trainLoss[i]), `${label}: step ${i} train loss ${s.trainLoss} vs ${history.trainLoss[i]}`);
            ok(Object.is(s.testLoss, history.testLoss[i]), `${label}: step ${i} test loss`);
            ok(Object.is(s.reg, history.reg[i]), `${label}: step ${i} reg`);
          });
          ok(sameBytes(a.save(), b.save()), `${label}: saved bytes differ between fit and five step()s`);
          a.dispose();
          b.dispose();
        }
      }
    },
  },
  {
    name: "trainer rules: a budget of `steps`, one trainer per model, close and Symbol.dispose, dispose of the model",
    fn: async () => {
      const d = data();
      const m = new KAN({ width: [2, 2, 1], grid: 3, seed: 8 });
      const t = m.trainer(d, { steps: 2 });
      equal(t.steps, 2, "steps");
      equal(t.done, false, "not done at first");
      await throwsKan(() => m.trainer(d), "INVALID_ARGUMENT", "a second trainer");
      await throwsKan(() => m.fit(d, { steps: 1 }), "INVALID_ARGUMENT", "fit while a trainer is open");
      await throwsKan(() => m.updateGrid(d.trainInput), "INVALID_ARGUMENT", "updateGrid while a trainer is open");
      await t.step();
      ok(Number.isFinite(m.predict([[0.1, 0.2]]).data[0]), "predict while a trainer is open");
      await t.step();
      equal(t.done, true, "done after `steps` steps");
      equal(t.stepsDone, 2, "stepsDone");
      equal(t.history.trainLoss.length, 2, "history");
      const past = await throwsKan(() => t.step(), "INVALID_ARGUMENT", "a step past the budget");
      ok(/trainer\.step: all 2 steps are done/.test(past.message), past.message);
      t.close();
      t.close();
      equal(t.closed, true, "closed");
      await throwsKan(() => t.step(), "DISPOSED", "step after close");
      // the model is free again: fit works and a new trainer opens
      await m.fit(d, { steps: 1 });
      const u = m.trainer(d, { steps: 3 });
      u[Symbol.dispose]();
      equal(u.closed, true, "Symbol.dispose (what `using` calls) closes the trainer");
      // disposing of the model closes its trainer; the freed handle may be reused by the next
      // model, whose own training must not be touched by the old trainer's close()
      const v = m.trainer(d, { steps: 3 });
      m.dispose();
      await throwsKan(() => v.step(), "DISPOSED", "step after the model's dispose");
      const n = new KAN({ width: [2, 2, 1], grid: 3, seed: 8 });
      const w = n.trainer(d, { steps: 2 });
      v.close();
      await w.step();
      w.close();
      // a step() waits for onStep's promise; another step() meanwhile is refused
      let release;
      const gate = new Promise((r) => (release = r));
      const g = n.trainer(d, { steps: 3, onStep: () => gate });
      const pending = g.step();
      await throwsKan(() => g.step(), "INVALID_ARGUMENT", "a step() while one is pending");
      release();
      equal((await pending).step, 0, "the pending step resolves");
      g.close();
      n.dispose();
      await throwsKan(() => new KAN({ width: [2, 1] }).trainer(d, { stepz: 1 }), "UNKNOWN_OPTION", "trainer options are fit's");
      await throwsKan(() => new KAN({ width: [2, 1] }).trainer({ trainInput: [[1, 2]], trainLabel: [[NaN]] }), "NON_FINITE", "data checked");
    },
  },
  {
    name: "a trainer stops with ABORTED and NUMERIC carrying the history of its steps",
    fn: async () => {
      const m = new KAN({ width: [1, 1], grid: 3, seed: 4 });
      const ac = new AbortController();
      const t = m.trainer({ trainInput: [[0.1], [0.5], [-0.4]], trainLabel: [0.2, 0.4, -0.1] }, { steps: 10, signal: ac.signal });
      await t.step();
      ac.abort();
      const e = await throwsKan(() => t.step(), "ABORTED", "abort");
      equal(e.history.trainLoss.length, 1, "history of an aborted trainer");
      t.close();
      const big = { trainInput: [[0.1], [0.5], [-0.4]], trainLabel: [[1e300], [-1e300], [1e300]] };
      const bad = await throwsKan(() => m.fit(big, { opt: "adam", lr: 1e300, steps: 20 }), "NUMERIC", "diverging fit");
      ok(!/fit: fit:/.test(bad.message), `the message repeats its operation: ${bad.message}`);
      ok(Array.isArray(bad.history?.trainLoss), "NUMERIC carries the history");
      ok(bad instanceof KanError, "KanError");
      m.dispose();
    },
  },
  {
    name: "README: a custom loop with early stopping keeps the best model seen",
    fn: async () => {
      const data = createDataset(([x, y]) => Math.sin(2 * x) + y * y, { nVar: 2, trainNum: 200, testNum: 200, seed: 1 });
      const model = new KAN({ width: [2, 4, 1], grid: 5, seed: 1 });
      const trainer = model.trainer(data, { opt: "adam", lr: 0.02, steps: 300 });
      let best = { loss: Infinity, step: -1, bytes: undefined };
      const patience = 20;
      try {
        while (!trainer.done) {
          const { step, testLoss } = await trainer.step();
          if (testLoss < best.loss) best = { loss: testLoss, step, bytes: model.save() };
          else if (step - best.step >= patience) break; // no better test loss for 20 steps
        }
      } finally {
        trainer.close();
      }
      const kept = KAN.load(best.bytes);
      const score = kept.evaluate(data).testRmse;
      // the checks of this test, beyond the README's loop
      ok(best.step >= 0 && best.step < 300, `best step ${best.step}`);
      ok(Object.is(score, best.loss), `the kept model's test RMSE ${score} is the best seen ${best.loss}`);
      ok(best.loss < trainer.history.testLoss[0], "training improved the test loss");
      model.dispose();
      kept.dispose();
    },
  },
];
