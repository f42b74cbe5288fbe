// The KAN model through the public API: construction and validation, training, grid
// operations, persistence (bit-exact, corruption rejected), lifetime, and determinism.
// Runs in Node, Deno and Chromium; the determinism case pins one digest, so all three
// runtimes must produce the same bits.
import { KAN, KanError, createDataset, rawKernel } from "kanwasm";
import { close, equal, ok, throwsKan } from "./assert.js";

const f2 = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const small = () => createDataset(f2, { nVar: 2, trainNum: 200, testNum: 100, seed: 3 });

/** FNV-1a over the bytes of typed arrays, as hex. */
function digest(...arrays) {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Cox-de Boor: the `t.length - k - 1` B-splines of order k on knots t at x (0 outside). */
function bsplines(t, k, x) {
  let b = t.slice(0, -1).map((_, j) => (t[j] <= x && x < t[j + 1] ? 1 : 0));
  for (let d = 1; d <= k; d++) {
    const next = [];
    for (let j = 0; j + d + 1 < t.length; j++) {
      const l = t[j + d] > t[j] ? ((x - t[j]) / (t[j + d] - t[j])) * b[j] : 0;
      const r = t[j + d + 1] > t[j + 1] ? ((t[j + d + 1] - x) / (t[j + d + 1] - t[j + 1])) * b[j + 1] : 0;
      next.push(l + r);
    }
    b = next;
  }
  return b;
}

/**
 * The network's outputs from its saved parameters alone (toJSON), in float64:
 * y_o = bias_o + sum_i mask (scale_base silu(x_i) + scale_sp sum_j coef_ijo B_j(x_i)) per layer.
 * Returns the outputs and, per output, the sum of the terms' magnitudes (for tolerances).
 */
function referenceForward(json, rows) {
  const width = json.config.width.map(([w]) => w);
  let h = rows.map((r) => r.slice());
  let mag = [];
  json.layers.forEach((L, l) => {
    const [ni, no] = [width[l], width[l + 1]];
    const k = json.config.k[l];
    const nk = L.knots.length / ni;
    const nb = nk - k - 1;
    const out = [];
    mag = [];
    for (const x of h) {
      const y = L.bias ? Array.from(L.bias) : new Array(no).fill(0);
      const m = new Array(no).fill(0);
      for (let i = 0; i < ni; i++) {
        const B = bsplines(L.knots.slice(i * nk, (i + 1) * nk), k, x[i]);
        const silu = x[i] / (1 + Math.exp(-x[i]));
        for (let o = 0; o < no; o++) {
          const e = i * no + o;
          const terms = [L.scaleBase[e] * silu, ...B.map((v, j) => L.scaleSp[e] * L.coef[(i * nb + j) * no + o] * v)].map((v) => L.mask[e] * v);
          for (const v of terms) {
            y[o] += v;
            m[o] += Math.abs(v);
          }
        }
      }
      out.push(y);
      mag.push(m);
    }
    h = out;
  });
  return { out: h, mag };
}

const bad = (name, code, fn) => ({ name: `misuse: ${name} → ${code}`, fn: () => throwsKan(fn, code, name) });

export const cases = [
  {
    name: "construction: shapes, read-only properties, parameter count",
    fn: () => {
      const m = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
      equal(m.grid, 3, "grid");
      equal(m.k, 3, "k");
      equal(m.dtype, "float64", "dtype");
      equal(JSON.stringify(m.width), "[2,5,1]", "width");
      // (2*5 + 5*1) edges x (G + k + 2) = 15 * 8
      equal(m.numParams, 120, "numParams");
      const p = m.predict([[0.1, 0.2], [-0.3, 0.9]]);
      equal(p.rows, 2, "rows");
      equal(p.cols, 1, "cols");
      ok(p.data instanceof Float64Array, "float64 output");
      const per = new KAN({ width: [3, [2, 1], 2], grid: [4, 6], k: [2, 3], dtype: "float32" });
      equal(JSON.stringify(per.grid), "[4,6]", "per-layer grid");
      equal(JSON.stringify(per.width), "[3,[2,1],2]", "mult width");
      ok(per.predict([[0, 0, 0]]).data instanceof Float32Array, "float32 output");
      m.dispose();
      per.dispose();
    },
  },
  bad("width with one entry", "INVALID_ARGUMENT", () => new KAN({ width: [3] })),
  bad("width entry zero", "INVALID_ARGUMENT", () => new KAN({ width: [2, 0, 1] })),
  bad("width entry negative", "INVALID_ARGUMENT", () => new KAN({ width: [2, -1, 1] })),
  bad("width entry fractional", "INVALID_ARGUMENT", () => new KAN({ width: [2, 1.5, 1] })),
  bad("grid 0", "INVALID_ARGUMENT", () => new KAN({ width: [2, 1], grid: 0 })),
  bad("k negative", "INVALID_ARGUMENT", () => new KAN({ width: [2, 1], k: -1 })),
  bad("per-layer grid of the wrong length", "INVALID_ARGUMENT", () => new KAN({ width: [2, 3, 1], grid: [3] })),
  bad("unknown option", "UNKNOWN_OPTION", () => new KAN({ width: [2, 1], gird: 5 })),
  bad("unknown baseFun", "INVALID_ARGUMENT", () => new KAN({ width: [2, 1], baseFun: "relu" })),
  bad("predict with wrong columns", "SHAPE_MISMATCH", () => new KAN({ width: [2, 1] }).predict([[1, 2, 3]])),
  bad("predict with NaN", "NON_FINITE", () => new KAN({ width: [2, 1] }).predict([[1, NaN]])),
  bad("fit on an empty dataset", "EMPTY_DATASET", () =>
    new KAN({ width: [2, 1] }).fit({ trainInput: { rows: 0, cols: 2, data: [] }, trainLabel: { rows: 0, cols: 1, data: [] } })),
  bad("fit with mismatched labels", "SHAPE_MISMATCH", () =>
    new KAN({ width: [2, 1] }).fit({ trainInput: [[0, 1], [1, 0]], trainLabel: [[1]] })),
  bad("fit with an infinite label", "NON_FINITE", () =>
    new KAN({ width: [2, 1] }).fit({ trainInput: [[0, 1]], trainLabel: [[Infinity]] })),
  bad("fit with an unknown option", "UNKNOWN_OPTION", () => new KAN({ width: [2, 1] }).fit(small(), { step: 3 })),
  bad("fit with batch 0", "INVALID_ARGUMENT", () => new KAN({ width: [2, 1] }).fit(small(), { batch: 0 })),
  bad("refine to grid 0", "INVALID_ARGUMENT", () => new KAN({ width: [2, 1] }).refine(0)),
  {
    name: "predict equals an evaluation from the saved parameters (orders 1-4, odd widths, x past the grid)",
    fn: () => {
      // widths that leave SIMD blocks of every size and a scalar tail, more inputs than one
      // pass of the forward kernel takes, and inputs up to 0.6 past the grid on both sides
      const shapes = [
        { width: [40, 5], grid: 5, k: 3 },
        { width: [6, 27, 13], grid: 4, k: 3 },
        { width: [7, 13, 6], grid: 4, k: 2 },
        { width: [5, 9, 4], grid: 6, k: 4 },
        { width: [3, 11], grid: 3, k: 1 },
      ];
      for (const shape of shapes) {
        for (const dtype of ["float64", "float32"]) {
          const m = new KAN({ ...shape, dtype, seed: 11, scaleBaseSigma: 0.5 });
          const n = shape.width[0];
          const x = Array.from({ length: 37 }, (_, r) => Array.from({ length: n }, (_, i) => 1.6 * Math.sin(1.3 * r + 0.7 * i + 0.1)));
          const { out, mag } = referenceForward(m.toJSON(), x);
          const got = m.predict(x);
          const tol = dtype === "float64" ? 1e-13 : 3e-6;
          const label = `${JSON.stringify(shape)} ${dtype}`;
          equal(got.cols, shape.width.at(-1), `${label} columns`);
          const scale = mag.flat();
          out.flat().forEach((e, j) => {
            const a = got.data[j];
            ok(Math.abs(a - e) <= tol * (1 + scale[j]), `${label}: output ${j} is ${a}, the definition gives ${e}`);
          });
        }
      }
    },
  },
  {
    name: "predict on a batch equals predict row by row, bit for bit (cubic windows 4 samples at a time)",
    fn: () => {
      // a batch takes cubic windows 4 samples at a time where all 4 lie inside the basis,
      // and one by one otherwise and for the last n % 4; a single row always goes one by one
      for (const dtype of ["float64", "float32"]) {
        const m = new KAN({ width: [3, 7, 2], grid: 5, k: 3, dtype, seed: 5, scaleBaseSigma: 0.5 });
        for (const rows of [4, 9, 14]) {
          // mostly inside [-1, 1], some rows past it on either side
          const x = Array.from({ length: rows }, (_, r) => [0, 1, 2].map((i) => (r % 5 === 3 ? 1.4 : 0.95) * Math.sin(2.1 * r + 1.7 * i + 0.3)));
          const got = m.predict(x);
          x.forEach((row, r) => {
            const one = m.predict([row]);
            for (let o = 0; o < 2; o++) ok(Object.is(got.data[2 * r + o], one.data[o]), `${dtype}, ${rows} rows: row ${r} output ${o} is ${got.data[2 * r + o]} in the batch, ${one.data[o]} alone`);
          });
        }
        m.dispose();
      }
    },
  },
  {
    name: "one Adam step moves every parameter by lr against its gradient's sign (central differences of the loss)",
    fn: async () => {
      // Adam's first step is lr * g / (|g| + 1e-8) for the gradient g of the loss: each
      // parameter with a gradient well above 1e-8 moves by lr, against its sign. The gradients
      // here come from central differences of the mean squared error of predictions in float64.
      // 37 rows leave a tail after blocks of 4; inputs up to 1.3 and scaled hidden values put
      // some windows past the grid in both layers; order 2 takes the general backward path.
      const x = Array.from({ length: 37 }, (_, r) => [0, 1, 2].map((i) => 1.3 * Math.sin(1.9 * r + 2.3 * i + 0.2)));
      const y = x.map(([a, b, c]) => [a * b + Math.sin(c), a - 0.5 * c * c]);
      const mse = (json) => {
        const p = KAN.fromJSON({ ...json, config: { ...json.config, dtype: "float64" } });
        const out = p.predict(x).data;
        p.dispose();
        return y.flat().reduce((acc, v, j) => acc + (out[j] - v) ** 2, 0) / out.length;
      };
      for (const [dtype, shape, lr] of [
        ["float64", { width: [3, 6, 2], grid: 5, k: 3 }, 1e-7],
        ["float32", { width: [3, 6, 2], grid: 5, k: 3 }, 1e-3],
        ["float64", { width: [3, 5, 2], grid: 4, k: 2 }, 1e-7],
      ]) {
        const m = new KAN({ ...shape, dtype, seed: 9, scaleBaseSigma: 2 });
        const before = m.toJSON();
        await m.fit({ trainInput: x, trainLabel: y }, { opt: "adam", steps: 1, lr, updateGrid: false, lamb: 0 });
        const after = m.toJSON();
        m.dispose();
        const grads = [];
        before.layers.forEach((layer, l) => {
          for (const key of ["coef", "scaleBase", "scaleSp"]) {
            layer[key].forEach((v, e) => {
              const h = 1e-6 * Math.max(1, Math.abs(v));
              const at = (d) => {
                const json = structuredClone(before);
                json.layers[l][key][e] = v + d;
                return mse(json);
              };
              grads.push({ label: `${dtype} ${JSON.stringify(shape.width)} k${shape.k} layer ${l} ${key}[${e}]`, g: (at(h) - at(-h)) / (2 * h), step: after.layers[l][key][e] - v });
            });
          }
        });
        const big = Math.max(...grads.map((q) => Math.abs(q.g)));
        // float32 computes the gradient to about 1e-7 of its largest entries
        const floor = (dtype === "float32" ? 1e-4 : 1e-7) * big;
        const checked = grads.filter((q) => Math.abs(q.g) > floor);
        ok(checked.length > 0.6 * grads.length, `${dtype} ${JSON.stringify(shape.width)}: ${checked.length} of ${grads.length} gradients are clear of zero`);
        for (const { label, g, step } of checked) {
          ok(Math.sign(step) === -Math.sign(g), `${label}: moved by ${step}, the gradient is ${g}`);
          const want = (lr * Math.abs(g)) / (Math.abs(g) + 1e-8);
          // float32 rounds the parameter (up to about 4) to 5e-7 before and after the step
          ok(Math.abs(Math.abs(step) - want) <= (dtype === "float32" ? 2e-3 : 1e-6) * want, `${label}: moved by ${step}, Adam's first step is ${want}`);
        }
      }
    },
  },
  {
    name: "misuse leaves the model unchanged",
    fn: async () => {
      const m = new KAN({ width: [2, 3, 1], seed: 5 });
      const x = [[0.3, -0.4]];
      const before = m.predict(x).data[0];
      await throwsKan(() => m.fit({ trainInput: [[0, 1], [1, NaN]], trainLabel: [[1], [2]] }), "NON_FINITE");
      await throwsKan(() => m.fit(small(), { lr: -1 }), "INVALID_ARGUMENT");
      await throwsKan(() => m.setLayerArray(0, "mask", [1, 2, 0, 0, 0, 0]), "INVALID_ARGUMENT");
      equal(m.predict(x).data[0], before, "prediction after rejected calls");
      m.dispose();
    },
  },
  {
    name: "fit: LBFGS lowers the loss; history has one entry per step; onStep sees each",
    fn: async () => {
      const data = small();
      const m = new KAN({ width: [2, 3, 1], grid: 3, seed: 1 });
      const seen = [];
      const h = await m.fit(data, { steps: 5, onStep: (s) => seen.push(s.step) });
      equal(h.trainLoss.length, 5, "trainLoss entries");
      equal(h.testLoss.length, 5, "testLoss entries");
      equal(h.reg.length, 5, "reg entries");
      equal(seen.join(","), "0,1,2,3,4", "onStep steps");
      ok(h.trainLoss[4] < 0.5 * h.trainLoss[0], `train RMSE fell: ${h.trainLoss[0]} -> ${h.trainLoss[4]}`);
      const ev = m.evaluate(data);
      close([ev.testRmse], [h.testLoss[4]], { rel: 1e-12 }, "evaluate matches history");
      m.dispose();
    },
  },
  {
    name: "fit: Adam with mini-batches and the regulariser",
    fn: async () => {
      const m = new KAN({ width: [2, 3, 1], grid: 5, seed: 2 });
      const h = await m.fit(small(), { opt: "adam", lr: 0.02, steps: 60, batch: 50, lamb: 1e-3 });
      ok(h.reg.every((r) => r > 0), "reg reported");
      ok(h.trainLoss.at(-1) < h.trainLoss[0], "Adam lowers the loss");
      m.dispose();
    },
  },
  {
    name: "fit: an AbortSignal stops between steps; the model stays usable",
    fn: async () => {
      const m = new KAN({ width: [2, 3, 1], seed: 3 });
      const ac = new AbortController();
      const e = await throwsKan(
        () => m.fit(small(), { steps: 50, signal: ac.signal, onStep: ({ step }) => { if (step === 2) ac.abort(); } }),
        "ABORTED",
      );
      equal(e.history.trainLoss.length, 3, "steps before the abort");
      const p = m.predict([[0.1, 0.1]]);
      ok(Number.isFinite(p.data[0]), "predict after abort");
      const h = await m.fit(small(), { steps: 1 });
      equal(h.trainLoss.length, 1, "fit again after abort");
      m.dispose();
    },
  },
  {
    name: "fit: a diverging loss stops with NUMERIC and keeps the last finite parameters",
    fn: async () => {
      const m = new KAN({ width: [1, 1], grid: 3, seed: 4 });
      const data = { trainInput: [[0.1], [0.5], [-0.4]], trainLabel: [[1e300], [-1e300], [1e300]] };
      const x = [[0.2]];
      const e = await throwsKan(() => m.fit(data, { opt: "adam", lr: 1e300, steps: 20 }), "NUMERIC");
      ok(/non-finite/.test(e.message), e.message);
      ok(Number.isFinite(m.predict(x).data[0]), "parameters stay finite");
      m.dispose();
    },
  },
  {
    name: "fit: lr 1e300 stops with NUMERIC, its history, and the parameters of the last step whose loss was finite",
    fn: async () => {
      // Adam reports the loss before its step, so the overflowing update of step 0 is seen at
      // step 1, which goes back to step 0's start; LBFGS sees it within step 0
      const data = createDataset(([a, b]) => Math.sin(a) + b, { nVar: 2, trainNum: 60, testNum: 20, seed: 9 });
      for (const opt of ["adam", "lbfgs"]) {
        for (const updateGrid of [false, true]) {
          const label = `${opt}, updateGrid ${updateGrid}`;
          const m = new KAN({ width: [2, 3, 1], grid: 3, seed: 1 });
          const before = m.save();
          const e = await throwsKan(() => m.fit(data, { opt, lr: 1e300, steps: 5, updateGrid }), "NUMERIC", label);
          ok(!/fit: fit:/.test(e.message), e.message);
          const losses = e.history?.trainLoss;
          equal(losses?.length, opt === "adam" ? 1 : 0, `${label}: steps in the error's history`);
          ok(m.predict(data.testInput).data.every(Number.isFinite), `${label}: predictions are finite afterwards`);
          if (!updateGrid) {
            const after = m.save();
            ok(after.length === before.length && after.every((v, i) => v === before[i]),
              `${label}: the model does not hold the parameters from before step 0`);
          } else if (losses.length > 0) {
            // the grid moved at step 0, before its loss was measured: the model is where that loss was
            close([m.evaluate(data).trainRmse], [losses[0]], { rel: 1e-12 }, `${label}: the loss of the kept parameters`);
          }
          m.dispose();
        }
      }
    },
  },
  {
    name: "refine and updateGrid keep the learned function",
    fn: async () => {
      const data = small();
      const m = new KAN({ width: [2, 2, 1], grid: 5, seed: 6 });
      await m.fit(data, { steps: 5 });
      // compared on the samples the new grids were fitted to (the last fit's inputs)
      const before = m.predict(data.trainInput);
      const r = m.refine(12);
      equal(r.grid, 12, "refined grid");
      equal(m.grid, 5, "original untouched");
      const after = r.predict(data.trainInput);
      let d = 0;
      for (let i = 0; i < before.data.length; i++) d = Math.max(d, Math.abs(before.data[i] - after.data[i]));
      ok(d < 2e-2, `refined model differs by ${d}`);
      const c = m.clone();
      c.updateGrid(data.trainInput);
      const g = c.predict(data.trainInput);
      let dg = 0;
      for (let i = 0; i < before.data.length; i++) dg = Math.max(dg, Math.abs(before.data[i] - g.data[i]));
      // the same number of intervals on moved knots cannot hold the old spline exactly
      const span = Math.max(...before.data) - Math.min(...before.data);
      ok(dg < 0.02 * span, `grid update changed predictions by ${dg} (output span ${span})`);
      equal(m.predict(data.trainInput).data[0], before.data[0], "clone is independent");
      [m, r, c].forEach((x) => x.dispose());
    },
  },
  {
    name: "save → load and toJSON → fromJSON reproduce predictions bit-exactly (float64 and float32)",
    fn: async () => {
      for (const dtype of ["float64", "float32"]) {
        const data = small();
        const m = new KAN({ width: [2, [2, 1], 1], grid: 4, seed: 7, dtype });
        await m.fit(data, { steps: 3 });
        const p = m.predict(data.testInput).data;
        const bytes = m.save();
        const l = KAN.load(bytes);
        const j = KAN.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
        for (const [name, other] of [["load", l], ["fromJSON", j]]) {
          const q = other.predict(data.testInput).data;
          ok(q.every((v, i) => Object.is(v, p[i])), `${dtype} ${name} predictions differ`);
          equal(other.dtype, dtype, `${name} dtype`);
        }
        const again = l.save();
        ok(again.length === bytes.length && again.every((b, i) => b === bytes[i]), `${dtype} save of the loaded model`);
        [m, l, j].forEach((x) => x.dispose());
      }
    },
  },
  {
    name: "load rejects hundreds of truncated and byte-flipped files with CORRUPT_DATA",
    fn: async () => {
      const m = new KAN({ width: [2, 2, 1], grid: 3, seed: 8 });
      const bytes = m.save();
      m.dispose();
      const live = rawKernel().raw.kw_model_count();
      let n = 0;
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 150))) {
        await throwsKan(() => KAN.load(bytes.slice(0, cut)), "CORRUPT_DATA", `truncated to ${cut}`);
        n++;
      }
      for (let i = 0; i < bytes.length; i += Math.max(1, Math.floor(bytes.length / 200))) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const b = bytes.slice();
          b[i] ^= mask;
          await throwsKan(() => KAN.load(b), "CORRUPT_DATA", `byte ${i} ^ ${mask}`);
          n++;
        }
      }
      const huge = bytes.slice();
      new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
      await throwsKan(() => KAN.load(huge), "CORRUPT_DATA", "oversized header length");
      await throwsKan(() => KAN.load("not bytes"), "INVALID_ARGUMENT", "a string");
      await throwsKan(() => KAN.fromJSON({ format: "kanwasm", version: 1, config: { width: [2, 1] }, layers: [] }), "CORRUPT_DATA", "missing layers");
      ok(n >= 300, `only ${n} corrupt files tried`);
      // (the FinalizationRegistry may free earlier tests' garbage meanwhile: the count can only fall)
      ok(rawKernel().raw.kw_model_count() <= live, "no model leaked by failed loads");
    },
  },
  {
    name: "dispose: use after dispose throws DISPOSED; wasm memory stays flat over create/fit/dispose cycles",
    fn: async () => {
      const data = small();
      const m = new KAN({ width: [2, 1] });
      m.dispose();
      m.dispose();
      await throwsKan(() => m.predict([[0, 0]]), "DISPOSED");
      await throwsKan(() => m.fit(data, { steps: 1 }), "DISPOSED");
      await throwsKan(() => m.save(), "DISPOSED");
      const raw = rawKernel().raw;
      const cycle = async () => {
        const k = new KAN({ width: [2, 4, 1], grid: 5, seed: 9 });
        await k.fit(data, { steps: 2 });
        const r = k.refine(8);
        KAN.load(r.save()).dispose();
        r.dispose();
        k.dispose();
      };
      for (let i = 0; i < 5; i++) await cycle();
      const live = raw.kw_model_count();
      const pages = raw.memory.buffer.byteLength;
      for (let i = 0; i < 40; i++) await cycle();
      ok(raw.kw_model_count() <= live, `live models: ${raw.kw_model_count()} > ${live}`);
      equal(raw.memory.buffer.byteLength, pages, "wasm memory size");
      const scoped = new KAN({ width: [2, 1] });
      ok(typeof Symbol.dispose === "symbol", "the engine has Symbol.dispose");
      scoped[Symbol.dispose]();
      ok(raw.kw_model_count() <= live, "Symbol.dispose (what `using` calls) freed the model");
    },
  },
  {
    name: "createDataset: seeded, shaped, in range",
    fn: () => {
      const a = createDataset(([x, y, z]) => [x + y, z], { nVar: 3, trainNum: 50, testNum: 20, ranges: [[0, 1], [-2, -1], [5, 6]], seed: 11 });
      const b = createDataset(([x, y, z]) => [x + y, z], { nVar: 3, trainNum: 50, testNum: 20, ranges: [[0, 1], [-2, -1], [5, 6]], seed: 11 });
      equal(a.trainInput.rows, 50, "train rows");
      equal(a.testLabel.cols, 2, "label cols");
      ok(a.trainInput.data.every((v, i) => Object.is(v, b.trainInput.data[i])), "same seed, same data");
      for (let s = 0; s < 50; s++) {
        const [x, y, z] = a.trainInput.data.subarray(s * 3, s * 3 + 3);
        ok(x >= 0 && x < 1 && y >= -2 && y < -1 && z >= 5 && z < 6, "ranges");
        close([a.trainLabel.data[2 * s], a.trainLabel.data[2 * s + 1]], [x + y, z], { abs: 1e-15 }, "labels");
      }
      const c = createDataset(f2, { seed: 12, trainNum: 50 });
      ok(!c.trainInput.data.every((v, i) => v === a.trainInput.data[i]), "another seed differs");
    },
  },
  {
    name: "determinism: a seed gives the same bits in every runtime",
    fn: async () => {
      // labels from + and * only: JavaScript engines may round Math.sin/exp differently,
      // and this case is about kanwasm's own arithmetic
      const data = createDataset(([x, y]) => x * y + x * x * x - 0.5 * y, { nVar: 2, trainNum: 300, testNum: 100, seed: 21 });
      const digests = [];
      for (const dtype of ["float64", "float32"]) {
        const m = new KAN({ width: [2, 3, 1], grid: 5, seed: 21, dtype });
        await m.fit(data, { steps: 4, lamb: 1e-3 });
        await m.fit(data, { steps: 4, opt: "adam", lr: 0.01, batch: 64 });
        digests.push(digest(m.predict(data.testInput).data, m.save()));
        m.dispose();
      }
      equal(digests.join(" "), EXPECTED_DIGESTS, "digest of predictions and saved bytes");
    },
  },
];

// Regenerate after an intended change of the numerics: the digests printed by a failing run.
const EXPECTED_DIGESTS = "4897080c 98cbd175";
