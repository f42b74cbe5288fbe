// discover() for the playground, in a worker of its own: the search holds its thread for
// seconds at a time, and WorkerKAN (one model per worker) has no call for it. The page sends
// the data once; the stages come back as they end, then the formula and the model's bytes.
// Stopping ends the worker, which drops the search wherever it is.
import { discover, init } from "kanwasm";

onmessage = async ({ data: { data, options } }) => {
  try {
    await init();
    const r = await discover(data, { ...options, onStage: (stage) => postMessage({ type: "stage", stage }) });
    const bytes = r.model.save();
    r.model.dispose();
    postMessage({ type: "done", formula: r.formula, latex: r.latex, js: r.js, rmse: r.rmse, bytes }, [bytes.buffer]);
  } catch (e) {
    postMessage({ type: "error", code: e?.code, message: e?.message ?? String(e) });
  }
};
