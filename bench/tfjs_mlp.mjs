// TF.js baseline for `npm run bench` (bench/run.mjs starts it in a child process): an MLP
// with about as many parameters as the KAN, on @tensorflow/tfjs-backend-wasm, one thread.
//   node bench/tfjs_mlp.mjs '{"timeBox":1.5,"shapes":[{"id":"...","mlp":[784,640,10],"batch":256}]}'
// Training is forward + MSE loss + backward + one Adam step (lr 1e-3) on a batch drawn from
// the train set; inference is a forward pass on `batch` rows. float32 only: TF.js has no
// float64. Prints one JSON object on the last line of stdout.
import { measure, mulberry32 } from "./timing.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const tf = await import("@tensorflow/tfjs");
await import("@tensorflow/tfjs-backend-wasm");
// Single-threaded: the threaded build would spread matmuls over a worker pool.
tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
if (!(await tf.setBackend("wasm"))) throw new Error("the TF.js wasm backend did not initialise");
await tf.ready();
// Keep the bench quiet and the memory flat.
tf.enableProdMode();

function mlpParams(w) {
  let n = 0;
  for (let i = 0; i + 1 < w.length; i++) n += w[i] * w[i + 1] + w[i + 1];
  return n;
}

async function benchShape({ id, mlp, batch }, timeBox) {
  const rnd = mulberry32(7);
  const nTrain = 2 * batch;
  const nIn = mlp[0];
  const nOut = mlp[mlp.length - 1];
  const xs = Float32Array.from({ length: nTrain * nIn }, () => 2 * rnd() - 1);
  const ys = Float32Array.from({ length: nTrain * nOut }, () => Math.sin(2 * rnd() - 1));
  const X = tf.tensor2d(xs, [nTrain, nIn]);
  const Y = tf.tensor2d(ys, [nTrain, nOut]);
  const Xinf = X.slice([0, 0], [batch, nIn]);
  const vars = [];
  for (let i = 0; i + 1 < mlp.length; i++) {
    const lim = Math.sqrt(6 / (mlp[i] + mlp[i + 1]));
    vars.push(tf.variable(tf.randomUniform([mlp[i], mlp[i + 1]], -lim, lim, "float32", 10 + i)));
    vars.push(tf.variable(tf.zeros([mlp[i + 1]])));
  }
  const forward = (x) => {
    let h = x;
    for (let i = 0; i < vars.length; i += 2) {
      h = tf.add(tf.matMul(h, vars[i]), vars[i + 1]);
      if (i + 2 < vars.length) h = tf.relu(h);
    }
    return h;
  };
  const opt = tf.train.adam(1e-3);
  const idx = new Int32Array(batch);
  const train = (steps) => {
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < batch; i++) idx[i] = Math.floor(rnd() * nTrain);
      tf.tidy(() => {
        const ids = tf.tensor1d(idx, "int32");
        const xb = tf.gather(X, ids);
        const yb = tf.gather(Y, ids);
        const cost = opt.minimize(() => tf.losses.meanSquaredError(yb, forward(xb)), true, vars);
        if (s === steps - 1) cost.dataSync();
      });
    }
  };
  const infer = (calls) => {
    for (let c = 0; c < calls; c++) tf.tidy(() => forward(Xinf).dataSync());
  };
  const r = {
    id,
    dtype: "float32",
    mlp,
    params: mlpParams(mlp),
    train: await measure(train, batch, timeBox),
    infer: await measure(infer, batch, timeBox),
  };
  tf.dispose([X, Y, Xinf, ...vars]);
  opt.dispose();
  return r;
}

const results = [];
for (const shape of cfg.shapes ?? []) {
  const r = await benchShape(shape, cfg.timeBox ?? 1.5);
  console.error(`tfjs ${shape.id} [${shape.mlp}]: train ${r.train.toFixed(0)}/s, infer ${r.infer.toFixed(0)}/s`);
  results.push(r);
}
console.log(JSON.stringify({
  tfjs: tf.version.tfjs,
  backend: tf.getBackend(),
  simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
  threads: tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") ? "multi" : 1,
  results,
}));
