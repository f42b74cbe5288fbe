/**
 * The KAN class: a Kolmogorov-Arnold Network held in the wasm core. The class is the public
 * surface; the work is in model.ts (handle, layer arrays), fit.ts (training), persist.ts
 * (save, load, JSON) and interpret.ts (attribution, pruning, symbolic edges).
 *
 * ```js
 * import { init, KAN, createDataset } from "kanwasm";
 * await init();
 * const data = createDataset(([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y), { seed: 0 });
 * const model = new KAN({ width: [2, 5, 1], grid: 3, k: 3, seed: 42 });
 * await model.fit(data, { steps: 50, lamb: 1e-3 });
 * const fine = model.refine(10);           // grid extension: a new model
 * await fine.fit(data, { steps: 50 });
 * fine.evaluate(data).testRmse;            // ~1e-4
 * ```
 *
 * # Shapes
 * `width = [n0, ..., nL]`; layer l has `n_l x n_{l+1}` edges, each with `grid_l + k_l`
 * spline coefficients. Inputs are `(batch, n0)`, outputs `(batch, nL)`.
 */
import {
  normaliseConfig, normalisePredict, type FitOptions, type KANConfig, type KANOptions, type PredictOptions,
} from "./config.js";
import { checkDataset, isClassLabels, type Dataset } from "./dataset.js";
import { disposeKey } from "./dispose.js";
import { KanError } from "./errors.js";
import { Trainer, fitModel } from "./fit.js";
import { symbolicFormula, type FormulaOptions } from "./formula.js";
import type { History } from "./history.js";
import * as interpret from "./interpret.js";
import type { Attribution, FixSymbolicOptions, PruneOptions, Suggestion, SymbolicSearchOptions } from "./interpret.js";
import { toMatrix, toVector, type DType, type Matrix, type MatrixLike } from "./matrix.js";
import { ModelHandle } from "./model.js";
import { checkOptions, intArgument, intOption } from "./options.js";
import * as persist from "./persist.js";
import { loadPykan, type PykanConfig } from "./pykan.js";
import type { KANJson } from "./persist.js";
import type { Handle, LayerArrayName, Ptr, Status } from "./raw/exports.js";
import type { RawKernel } from "./raw/kernel.js";
import { rawKernel } from "./raw/loader.js";
import { autoSymbolicAsync, type AutoSymbolicAsyncOptions, type FixedEdge } from "./symbolic-async.js";
import { toSVG, type SVGOptions } from "./svg.js";
import { onThreads } from "./threads.js";
import { derivatives, type DerivativeOptions, type Derivatives } from "./derivatives.js";
import { checkpoint, checkpoints, rewind, type CheckpointInfo } from "./checkpoint.js";
import { autoSwap, swap } from "./swap.js";
import { fromExpression, type ExpressionOptions } from "./expression.js";
import {
  analysisInput, featureInteraction, type FeatureInteraction, type FeatureInteractionOptions,
} from "./interaction.js";
import {
  separability, tree, type Separability, type SeparabilityOptions, type Tree, type TreeOptions,
} from "./separability.js";
import {
  fitPDE, pdeLoss, PDETrainer, type PDEFitOptions, type PDEHistory, type PDELoss, type PDEProblem,
} from "./pde.js";

/** Set while KAN's constructor wraps a model the core just made (clone, refine, prune, load). */
let adopting: ModelHandle | undefined;
let handleOf: (model: KAN, op: string) => Handle;

/**
 * A Kolmogorov-Arnold Network: a learnable B-spline (plus a residual function) on every edge,
 * sums (or products) at the nodes. Made with `new KAN(options)`, trained with `fit` or a
 * `trainer`, simplified with `prune`, `refine` and the symbolic methods, read out with
 * `symbolicFormula` and `toSVG`, stored with `save` / `KAN.load`.
 */
export class KAN {
  readonly #m: ModelHandle;

  static {
    handleOf = (model, op) => model.#m.handle(op);
  }

  /** Creates a model (needs `await init()` first). Throws KanError on invalid options. */
  constructor(opts: KANOptions) {
    if (adopting !== undefined) {
      this.#m = adopting;
      adopting = undefined;
    } else {
      this.#m = ModelHandle.create(normaliseConfig(opts));
    }
    this.#m.track();
  }

  static #wrap(m: ModelHandle): KAN {
    adopting = m;
    return new KAN(undefined as unknown as KANOptions);
  }

  /** Nodes per layer, inputs first; a layer with multiplication nodes reads [sum, mult]. */
  get width(): number[] | (number | [number, number])[] {
    return this.#m.cfg.width.map(([s, m]) => (m === 0 ? s : [s, m]));
  }
  /** Grid intervals: one number when every layer has the same, else one per layer. */
  get grid(): number | number[] {
    const g = this.#m.cfg.grid;
    return g.every((v) => v === g[0]) ? g[0]! : g.slice();
  }
  /** Spline order: one number when every layer has the same, else one per layer. */
  get k(): number | number[] {
    const k = this.#m.cfg.k;
    return k.every((v) => v === k[0]) ? k[0]! : k.slice();
  }
  /** The precision the model computes in. */
  get dtype(): DType {
    return this.#m.cfg.dtype;
  }
  /** Trainable parameters: per edge G + k coefficients, scale_base and scale_sp. */
  get numParams(): number {
    const h = this.#m.handle("numParams");
    return rawKernel("numParams").raw.kw_model_num_params(h);
  }
  /** A copy of the full configuration. */
  get config(): KANConfig {
    return structuredClone(this.#m.cfg);
  }
  /** Number of inputs (width[0]). */
  get inDim(): number {
    return this.#m.inDim;
  }
  /** Number of outputs (the last width). */
  get outDim(): number {
    return this.#m.outDim;
  }
  /** Number of layers of edges (width.length - 1). */
  get depth(): number {
    return this.#m.depth;
  }

  #input(x: MatrixLike, op: string): Matrix {
    const m = toMatrix(x, `${op}: input`, "float64");
    if (m.cols !== this.inDim) {
      throw new KanError(
        "SHAPE_MISMATCH",
        `${op}: input has ${m.cols} columns but the model takes ${this.inDim} inputs (width[0])`,
      );
    }
    return m;
  }

  /**
   * Outputs for each row of `input`. Shapes: (n, inDim) -> (n, outDim), in the model's dtype.
   * `threads` splits the rows among the threads a threaded fit has started (same bits).
   */
  predict(input: MatrixLike, opts?: PredictOptions): Matrix {
    const op = "predict";
    const threads = normalisePredict(op, opts);
    const h = this.#m.handle(op);
    const x = this.#input(input, op);
    const k = rawKernel(op);
    const out = k.scope((s) => {
      const px = s.put(x.data);
      const po = s.alloc(8 * x.rows * this.outDim);
      onThreads(k, threads, () => k.check(op, k.raw.kw_model_predict(h, px, x.rows, po)));
      return s.take(po, x.rows * this.outDim, Float64Array);
    });
    return { rows: x.rows, cols: this.outDim, data: this.dtype === "float32" ? Float32Array.from(out) : out };
  }

  /**
   * Exact input derivatives at each row of `input`: `value` (as predict), `gradient`
   * (rows x out x in, [r][j][i] = dy_j/dx_i) and, with `{ order: 2 }`, `hessian` (rows x out x in x in).
   */
  derivatives(input: MatrixLike, opts?: DerivativeOptions): Derivatives {
    return derivatives(this.#m, (x) => this.predict(x), input, opts);
  }

  /** The inputs of layer `l` (l = depth gives the outputs) for each row of `input`, as float64. */
  activations(input: MatrixLike, l: number): Matrix {
    const op = "activations";
    const h = this.#m.handle(op);
    const li = intArgument(op, "l", l, 0, this.depth + 1);
    const x = this.#input(input, op);
    const [s0, m0] = this.#m.cfg.width[li]!;
    const cols = s0 + m0;
    const k = rawKernel(op);
    const data = k.scope((s) => {
      const px = s.put(x.data);
      const po = s.alloc(8 * x.rows * cols);
      k.check(op, k.raw.kw_model_activations(h, px, x.rows, li, po));
      return s.take(po, x.rows * cols, Float64Array);
    });
    return { rows: x.rows, cols, data };
  }

  /** RMSE on train and test data; accuracy too when labels are class indices. */
  evaluate(data: Dataset): Evaluation {
    const op = "evaluate";
    this.#m.handle(op);
    const sets = checkDataset(op, data, this.inDim, this.outDim, false);
    const score = (x: Matrix, y: Matrix): [number, number | undefined] => {
      const p = this.predict(x);
      const cls = isClassLabels(y, this.outDim);
      let se = 0;
      let hit = 0;
      for (let s = 0; s < p.rows; s++) {
        let best = 0;
        for (let j = 0; j < p.cols; j++) {
          const target = cls ? (y.data[s] === j ? 1 : 0) : y.data[s * y.cols + j]!;
          const d = p.data[s * p.cols + j]! - target;
          se += d * d;
          if (p.data[s * p.cols + j]! > p.data[s * p.cols + best]!) best = j;
        }
        if (cls && best === y.data[s]) hit++;
      }
      return [Math.sqrt(se / Math.max(1, p.rows * p.cols)), cls ? hit / Math.max(1, p.rows) : undefined];
    };
    const [trainRmse, trainAccuracy] = score(sets.trainInput, sets.trainLabel);
    const [testRmse, testAccuracy] = sets.testInput ? score(sets.testInput, sets.testLabel!) : [NaN, undefined];
    const out: Evaluation = { trainRmse, testRmse };
    if (trainAccuracy !== undefined) out.trainAccuracy = trainAccuracy;
    if (testAccuracy !== undefined) out.testAccuracy = testAccuracy;
    return out;
  }

  /** Moves every layer's grid to the distribution of `input` (pykan's update_grid_from_samples). */
  updateGrid(input: MatrixLike): void {
    const op = "updateGrid";
    const h = this.#m.handle(op);
    this.#m.notTraining(op);
    const x = this.#input(input, op);
    if (x.rows < 2) throw new KanError("EMPTY_DATASET", `${op}: need at least 2 samples, got ${x.rows}`);
    const k = rawKernel(op);
    k.scope((s) => k.check(op, k.raw.kw_model_update_grid(h, s.put(x.data), x.rows)));
  }

  /** Grid extension: a new model with `newGrid` intervals per layer whose splines fit this one's. */
  refine(newGrid: number): KAN {
    const op = "refine";
    const h = this.#m.handle(op);
    const g = intOption(op, "newGrid", newGrid, 1, 1 << 16);
    const nh = this.#newHandle(op, (k, out) => k.raw.kw_model_refine(h, g, out));
    return KAN.#wrap(ModelHandle.adopt(nh, { ...this.config, grid: this.#m.cfg.grid.map(() => g) }));
  }

  /** An independent copy (parameters, grids, symbolic edges). */
  clone(): KAN {
    const op = "clone";
    const h = this.#m.handle(op);
    const nh = this.#newHandle(op, (k, out) => k.raw.kw_model_clone(h, out));
    return KAN.#wrap(ModelHandle.adopt(nh, this.config));
  }

  #newHandle(op: string, make: (k: RawKernel, out: Ptr) => Status): Handle {
    const k = rawKernel(op);
    return k.scope((s) => {
      const out = s.alloc(4);
      k.check(op, make(k, out));
      return k.u32(out)[0]!;
    });
  }

  /** Layer shapes: [nIn, nOut, G, k] of layer `l` in [0, depth). */
  layerDims(l: number): [number, number, number, number] {
    this.#m.handle("layerDims");
    return this.#m.layerDims("layerDims", l);
  }

  /** Reads one array of layer `l` (see LayerArray for the layouts), as float64. */
  getLayerArray(l: number, what: LayerArrayName): Float64Array {
    this.#m.handle("getLayerArray");
    return this.#m.getArray("getLayerArray", l, what);
  }

  /**
   * Replaces one array of layer `l`: `values` must hold exactly as many finite numbers as
   * getLayerArray gives; the core checks the rest (ordered knots, 0/1 masks).
   */
  setLayerArray(l: number, what: LayerArrayName, values: ArrayLike<number>): void {
    this.#m.handle("setLayerArray");
    this.#m.setArray("setLayerArray", l, what, values);
  }

  /** Values of every edge leaving input `i` of layer `l` at the points `x`: (x.length, nOut). */
  edgeValues(l: number, i: number, x: ArrayLike<number>): Matrix {
    const op = "edgeValues";
    const h = this.#m.handle(op);
    const li = this.#m.layer(op, l);
    const [ni, no] = this.#m.layerDims(op, li);
    const ii = intArgument(op, "i", i, 0, ni);
    const xs = toVector(x, `${op}: x`, "float64");
    const k = rawKernel(op);
    const data = k.scope((s) => {
      const out = s.alloc(8 * xs.length * no);
      k.check(op, k.raw.kw_model_edge_values(h, li, ii, s.put(xs), xs.length, out));
      return s.take(out, xs.length * no, Float64Array);
    });
    return { rows: xs.length, cols: no, data };
  }

  /**
   * Trains the model. Resolves with the history when all steps ran; rejects with KanError
   * ABORTED (its `history` holds the steps done) when `signal` aborts, and with NUMERIC when
   * the loss stops being finite (the model keeps its last finite parameters).
   */
  fit(data: Dataset, opts: FitOptions = {}): Promise<History> {
    return fitModel(this.#m, data, opts);
  }

  /**
   * The lower-level path under fit(): a Trainer that takes one step per `await t.step()`, for
   * loops of one's own (early stopping, schedules). Options as fit's; `steps` is its budget.
   * Close it (or `using`) to free its state; one trainer per model at a time. Given a PDE
   * problem ({ terms }) instead of data, a PDETrainer: fitPDE's steps one at a time.
   */
  trainer(data: Dataset, opts?: FitOptions): Trainer;
  trainer(problem: PDEProblem, opts?: PDEFitOptions): PDETrainer;
  trainer(data: Dataset | PDEProblem, opts: FitOptions | PDEFitOptions = {}): Trainer | PDETrainer {
    const pde = data !== null && typeof data === "object" && "terms" in data;
    if (pde) return PDETrainer.open(this.#m, data, opts, "trainer");
    return Trainer.open(this.#m, data, opts, "trainer");
  }

  /**
   * Physics-informed training: fits the model so that every term's equation holds at its
   * points (loss = sum of weight * mean squared residual). See PDEProblem and the equation
   * language (equation.ts). Resolves with the history of the loss and of each term.
   */
  fitPDE(problem: PDEProblem, opts?: PDEFitOptions): Promise<PDEHistory> {
    return fitPDE(this.#m, problem, opts);
  }

  /** The physics-informed loss of the model as it is: { loss, terms } (see fitPDE). */
  pdeLoss(problem: PDEProblem): PDELoss {
    return pdeLoss(this.#m, problem);
  }

  /** The whole model as plain JSON (numbers exact), for KAN.fromJSON. */
  toJSON(): KANJson {
    return persist.toJSON(this.#m);
  }

  /** Rebuilds a model from toJSON()'s output; throws CORRUPT_DATA on anything inconsistent. */
  static fromJSON(obj: unknown): KAN {
    return KAN.#wrap(persist.fromJSON(obj));
  }

  /**
   * A model whose symbolic edges compute `text` exactly (KAN 2.0's kanpiler), ready to train:
   * numeric splines masked, fit tunes the edges' a, b, c, d. The text uses x1, x2, ... (or
   * `inputNames`), numbers, pi, e, + - * / ^ and the symbolic library's functions; an array of
   * texts gives one output each. Bad text throws KanError naming the column and the symbol.
   */
  static fromExpression(text: string | string[], opts?: ExpressionOptions): KAN {
    return KAN.#wrap(fromExpression(text, opts));
  }

  /**
   * The model as safetensors bytes. Tensor names and shapes follow pykan's state_dict
   * (act_fun.{l}.grid / coef / scale_base / scale_sp / mask, symbolic_fun.{l}.mask / affine,
   * node_scale_{l}, node_bias_{l}, subnode_scale_{l}, subnode_bias_{l}); the metadata holds
   * the configuration, the format version and a CRC-32.
   */
  save(): Uint8Array {
    return persist.save(this.#m);
  }

  /**
   * Loads bytes from save(); throws KanError("CORRUPT_DATA") on anything malformed. With
   * `config`, reads a safetensors file of a pykan model's state_dict instead (see PykanConfig).
   */
  static load(bytes: Uint8Array, opts: {
    /** The configuration of a pykan model, whose file holds only its tensors. Default: none (a kanwasm file). */
    config?: PykanConfig;
  } = {}): KAN {
    const o = checkOptions("load", opts, ["config"]) as { config?: PykanConfig };
    return KAN.#wrap(o.config === undefined ? persist.load(bytes) : loadPykan(bytes, o.config));
  }

  /**
   * Node and edge scores computed backwards from the outputs (pykan's attribute), on `input`
   * or the last fit's inputs. edgeScores[l][j][i] scores the edge from input i to (sub)node j of layer l.
   */
  attribute(input?: MatrixLike): Attribution {
    return interpret.attribute(this.#m, input);
  }

  /**
   * pykan's prune: a new model without the hidden nodes scoring below nodeThreshold, whose
   * numeric edges scoring below edgeThreshold are masked. Scores from attribute(input). The
   * mean over those samples of every removed edge moves into the bias of the node it fed.
   */
  prune(opts: PruneOptions = {}): KAN {
    return KAN.#wrap(interpret.prune(this.#m, opts));
  }

  /**
   * Drops inputs scoring below `threshold`: the smaller model and the kept input columns. The
   * means of the dropped inputs' edges move into the first layer's bias.
   */
  pruneInputs(opts: {
    /** Inputs whose score is below this go. Default 1e-2. */
    threshold?: number;
    /** Samples to score on. Default: the inputs of the last fit. */
    input?: MatrixLike;
  } = {}): {
    /** The model without the dropped inputs. */
    model: KAN;
    /** The indices of the inputs kept, in order. */
    inputs: number[];
  } {
    const { model, inputs } = interpret.pruneInputs(this.#m, opts);
    return { model: KAN.#wrap(model), inputs };
  }

  /** Ranked candidate functions for edge (l, i, j), best first (pykan's suggest_symbolic). */
  suggestSymbolic(l: number, i: number, j: number, opts: SymbolicSearchOptions & {
    /** How many candidates to return. Default 5. */
    topk?: number;
  } = {}): Suggestion[] {
    return interpret.suggestSymbolic(this.#m, l, i, j, opts);
  }

  /** Makes edge (l, i, j) the function `name`, fitting a, b, c, d to the edge unless fitParams is false. */
  fixSymbolic(l: number, i: number, j: number, name: string, opts: FixSymbolicOptions = {}): {
    /** R² of the fitted function against the edge's values. */
    r2: number;
  } {
    return interpret.fixSymbolic(this.#m, l, i, j, name, opts);
  }

  /** Returns edge (l, i, j) to its numeric spline. */
  unfixSymbolic(l: number, i: number, j: number): void {
    interpret.unfixSymbolic(this.#m, l, i, j);
  }

  /**
   * Fixes every live numeric edge to its best candidate (pykan's auto_symbolic) when that
   * candidate's r2 reaches r2Threshold. Returns the edges fixed.
   */
  autoSymbolic(opts: SymbolicSearchOptions & {
    /** Fix an edge only when its best candidate's r2 reaches this. Default 0. */
    r2Threshold?: number;
  } = {}): {
    /** The edge's layer. */
    l: number;
    /** The edge's input node. */
    i: number;
    /** The edge's output node. */
    j: number;
    /** The function now on the edge. */
    name: string;
    /** R² of its fit. */
    r2: number;
  }[] {
    return interpret.autoSymbolic(this.#m, opts);
  }

  /**
   * autoSymbolic one edge at a time, yielding to the event loop between edges, with the same
   * result. `onEdge({ l, i, j, name, r2, fixed, done, total })` follows each edge; `signal`
   * stops between edges: the promise rejects with KanError("ABORTED") whose `fixed` lists the
   * edges fixed, which stay fixed.
   */
  autoSymbolicAsync(opts: AutoSymbolicAsyncOptions = {}): Promise<FixedEdge[]> {
    return autoSymbolicAsync(this.#m, opts);
  }

  /**
   * The model as formulas, one per output, from its symbolic edges: "text" (like
   * exp(x2^2 + sin(3.1416*x1))), "latex", or "js" (source of a function of the inputs).
   */
  symbolicFormula(opts?: FormulaOptions): string[] {
    this.#m.handle("symbolicFormula");
    return symbolicFormula(this, opts);
  }

  /** An SVG picture of the network: every edge drawn as a plot of its function. */
  toSVG(opts?: SVGOptions): string {
    this.#m.handle("toSVG");
    return toSVG(this, opts);
  }

  /**
   * Swaps nodes `i` and `j` of hidden node layer `l` (1 <= l < depth), edges and all, so the
   * function stays the same (pykan's swap). Both must be sum nodes, or multiplication nodes of one arity.
   */
  swap(l: number, i: number, j: number): void {
    swap(this.#m, l, i, j);
  }

  /**
   * Reorders every hidden layer's nodes to lower the connection cost (attribution-weighted
   * edge lengths, pykan's auto_swap), so toSVG crosses fewer edges; the function is unchanged.
   * Scores on `input`, default the last fit's inputs. Returns each node layer's permutation
   * (perm[l][q] = the old index of the node now at q).
   */
  autoSwap(input?: MatrixLike): number[][] {
    return autoSwap(this.#m, input);
  }

  /** Keeps a copy of the model's state in memory; returns its id for rewind. `label` defaults to "". */
  checkpoint(label?: string): number {
    return checkpoint(this.#m, label);
  }

  /** Returns the model to checkpoint `id` (same bits); the checkpoint stays. */
  rewind(id: number): void {
    rewind(this.#m, id);
  }

  /** The checkpoints of this model, oldest first (a clone, refine or prune starts with none). */
  checkpoints(): CheckpointInfo[] {
    return checkpoints(this.#m);
  }

  /**
   * Which inputs each node of a layer (the outputs by default) draws on, by attribution traced
   * back from that node alone, and the nodes grouped by the inputs they combine (pykan's feature_interaction).
   */
  featureInteraction(input: MatrixLike, opts?: FeatureInteractionOptions): FeatureInteraction {
    return featureInteraction(this.#m, input, opts);
  }

  /**
   * Groups of inputs between which an output separates, as a sum (`additive`) or a product
   * (`multiplicative`), from the exact Hessians at the rows of `input` (pykan's test_separability).
   */
  separability(input: MatrixLike, opts?: SeparabilityOptions): Separability {
    return separability(this, analysisInput(this.#m, "separability", input), input, opts);
  }

  /** How an output nests sub-expressions of groups of inputs (pykan's tree), from the exact Hessians at `input`. */
  tree(input: MatrixLike, opts?: TreeOptions): Tree {
    return tree(this, analysisInput(this.#m, "tree", input), input, opts);
  }

  /** Frees the model's wasm memory now. Safe to call twice; later use throws DISPOSED. */
  dispose(): void {
    this.#m.free();
  }

  /** For `using model = new KAN(...)`. */
  [disposeKey](): void {
    this.dispose();
  }
}

/** The result of `model.evaluate(data)`. */
export interface Evaluation {
  /** Root mean square error over every training sample and output. */
  trainRmse: number;
  /** The same on the test data; NaN without test data. */
  testRmse: number;
  /** Share of training samples whose largest output is their class, when the labels are class indices. */
  trainAccuracy?: number;
  /** The same on the test data. */
  testAccuracy?: number;
}

/**
 * The raw layer's name for a model: its handle in the core, for calling the raw exports
 * (`rawKernel().raw.kw_model_*`) directly. Throws DISPOSED after dispose().
 */
export function rawHandle(model: KAN, op = "rawHandle"): Handle {
  if (!(model instanceof KAN)) throw new KanError("INVALID_ARGUMENT", `${op}: model must be a KAN`);
  return handleOf(model, op);
}
