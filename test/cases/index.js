// Every scenario, in the order the runners run them: init first (it must see the
// uninitialised state), then the computations; boundary and memory last, as they leave the
// memory grown past 2 GiB and replace the core's instance.
import { cases as init } from "./init.js";
import { cases as bspline } from "./bspline.js";
import { cases as simd } from "./simd.js";
import { cases as layout } from "./layout.js";
import { cases as errors } from "./errors.js";
import { cases as model } from "./model.js";
import { cases as trainer } from "./trainer.js";
import { cases as formula } from "./formula.js";
import { cases as svg } from "./svg.js";
import { cases as symbolic } from "./symbolic.js";
import { cases as worker } from "./worker.js";
import { cases as boundary } from "./boundary.js";
import { cases as memory } from "./memory.js";
import { cases as derivatives } from "./derivatives.js";
import { cases as pde } from "./pde.js";
import { cases as reorder } from "./reorder.js";
import { cases as separability } from "./separability.js";
import { cases as expression } from "./expression.js";
import { cases as threads } from "./threads.js";
import { cases as pdeThreads } from "./pde-threads.js";
import { cases as symbolicThreads } from "./symbolic-threads.js";
import { cases as prune } from "./prune.js";
import { cases as revive } from "./revive.js";
import { cases as arity } from "./arity.js";

export const suites = {
  init, bspline, simd, layout, errors, model, trainer, formula, symbolic, svg, worker, boundary, memory, derivatives,
  pde, reorder, separability, expression, threads, pdeThreads, symbolicThreads, prune, revive, arity,
};
