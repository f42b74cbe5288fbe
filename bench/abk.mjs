// interleaved A/B of kw_model_kernel_forward (and optionally predict) across wasm builds in one process
import { readFileSync } from "node:fs";
const [widthS, gridS, ...files] = process.argv.slice(2);
const width = JSON.parse(widthS), grid = Number(gridS), batch = Number(process.env.BATCH ?? 512);
const flops = width.slice(1).reduce((a, o, l) => a + 8 * width[l] * o, 0) / (process.env.DT === "1" ? 0.5 : 1);
const inst = [];
for (const f of files) {
  const { instance } = await WebAssembly.instantiate(readFileSync(f), { env: { kw_user_eval: () => 0 } });
  const r = instance.exports;
  const mem = () => r.memory.buffer;
  const put = (arr) => { const p = r.kw_alloc(arr.byteLength); new Uint8Array(mem(), p, arr.byteLength).set(new Uint8Array(arr.buffer)); return p; };
  const w = put(new Uint32Array(width.flatMap((x) => [x, 0]))), g = put(new Uint32Array([grid])), k = put(new Uint32Array([3])), out = r.kw_alloc(64);
  const rc = r.kw_model_new(Number(process.env.DT ?? 0), width.length, w, 1, g, 1, k, -1, 1, 0, 0.3, 0.02, 1, 0, 1, 1, out);
  if (rc) throw new Error("new " + rc);
  const h = new Uint32Array(mem(), out, 1)[0];
  const x = Float64Array.from({ length: batch * width[0] }, (_, i) => Math.sin(i * 1.7));
  const px = put(x);
  const nOut = width.at(-1);
  const py = put(Float64Array.from({ length: batch * nOut }, (_, i) => Math.cos(i)));
  const cfg = put(new Float64Array([1, 1e-3, 0, 0, 1, 2, 0, 10, 50, 0, 1]));
  if (process.env.MODE === "train") { const rc2 = r.kw_fit_begin(h, px, py, batch, nOut, 0, 0, 0, cfg, 11); if (rc2) throw new Error("fit_begin " + rc2); }
  inst.push({ f, r, h, px, out, best: 0, bestP: 0 });
}
const MODE = process.env.MODE ?? "kernel";
for (let round = 0; round < Number(process.env.ROUNDS ?? 30); round++) {
  for (const I of inst) {
    if (MODE === "kernel") {
      let t0 = performance.now(); I.r.kw_model_kernel_forward(I.h, I.px, batch, 0, I.out); const s0 = performance.now() - t0;
      t0 = performance.now(); I.r.kw_model_kernel_forward(I.h, I.px, batch, 4, I.out); const t = performance.now() - t0 - s0;
      if (round > 1) I.best = Math.max(I.best, (4 * batch * flops) / (t / 1000) / 1e9);
    } else if (MODE === "train") {
      const t0 = performance.now(); for (let c = 0; c < 2; c++) I.r.kw_fit_step(I.h, I.out); const t = performance.now() - t0;
      if (round > 1) I.best = Math.max(I.best, (2 * batch) / (t / 1000) / 1e3);
    } else {
      const po = I.r.kw_alloc(8 * batch * width.at(-1));
      const t0 = performance.now(); for (let c = 0; c < 3; c++) I.r.kw_model_predict(I.h, I.px, batch, po); const t = performance.now() - t0;
      I.r.kw_free(po, 8 * batch * width.at(-1));
      if (round > 1) I.best = Math.max(I.best, (3 * batch) / (t / 1000) / 1e3);
    }
  }
}
for (const I of inst) console.log(`${I.f.split("/").pop()}: ${I.best.toFixed(2)} ${MODE === "kernel" ? "GFLOP/s" : "k samples/s"}`);
