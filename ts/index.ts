/**
 * kanwasm: Kolmogorov-Arnold Networks in WebAssembly (SIMD128) for Node, Deno and browsers.
 *
 * ```js
 * import { init, bsplineBasis } from "kanwasm";
 * await init();
 * const B = bsplineBasis([0, 0.5], { grid: 5, k: 3 });   // { rows: 2, cols: 8, data }
 * ```
 */
export { init } from "./raw/loader.js";
export type { InitOptions, WasmSource } from "./raw/loader.js";
export { KanError } from "./errors.js";
export type { KanErrorCode } from "./errors.js";
export { toMatrix, toRows } from "./matrix.js";
export type { Matrix, MatrixLike, LabelLike, DType, FloatArray } from "./matrix.js";
export { bsplineBasis, bsplineKnots } from "./bspline.js";
export type { GridBasisOptions, KnotBasisOptions, KnotOptions } from "./bspline.js";
export { KAN } from "./kan.js";
export type { Evaluation } from "./kan.js";
export type { KANOptions, KANConfig, FitOptions, PredictOptions, BaseFun } from "./config.js";
export type { StepInfo, History } from "./history.js";
export { Trainer } from "./fit.js";
export type { KANJson } from "./persist.js";
export type { PykanConfig } from "./pykan.js";
export type {
  Attribution, Suggestion, SymbolicSearchOptions, PruneOptions, FixSymbolicOptions,
} from "./interpret.js";
export type { AutoSymbolicAsyncOptions, FixedEdge, SymbolicProgress } from "./symbolic-async.js";
export { createDataset, seededRandom } from "./dataset.js";
export type { Dataset, CreateDatasetOptions } from "./dataset.js";
export { symbolicFormula, exRound } from "./formula.js";
export type { FormulaOptions, FormulaFormat, FormulaModel } from "./formula.js";
export { toSVG } from "./svg.js";
export type { SVGOptions, PlotModel, EdgeScores } from "./svg.js";
export { SYMBOLIC_LIB, symbolicById, symbolicId, symbolicNames, addSymbolic } from "./symbolic-lib.js";
export type { SymbolicFunction, UserSymbolicSpec, Render } from "./symbolic-lib.js";

// The raw layer: the wasm exports themselves, for code that drives the core directly
// (benchmarks, tests, new kernels). Not needed for anything above.
export { rawKernel } from "./raw/loader.js";
export { rawHandle } from "./kan.js";
export { RawKernel, RawScope } from "./raw/kernel.js";
export type { FloatCtor } from "./raw/kernel.js";
export { LAYER_ARRAY as LayerArray } from "./raw/exports.js";
export type { RawExports, Ptr, Handle, Status, LayerArrayName } from "./raw/exports.js";
export { LAYOUTS as RawLayouts } from "./raw/layout.js";
export type { StructLayout, Field, FieldType, Layouts } from "./raw/layout.js";
/** @deprecated the raw layer's classes are RawKernel and RawScope; these names stay for old code. */
export { RawKernel as Kernel, RawScope as Scope } from "./raw/kernel.js";
export type { DerivativeOptions, Derivatives } from "./derivatives.js";
export type { PDEProblem, PDETerm, PDEFitOptions, PDEStepInfo, PDEHistory, PDELoss, PDETrainer } from "./pde.js";
export type { CheckpointInfo } from "./checkpoint.js";
export type { ExpressionOptions } from "./expression.js";
export type { FeatureInteraction, FeatureInteractionOptions } from "./interaction.js";
export type { Separability, SeparabilityOptions, Tree, TreeNode, TreeOptions } from "./separability.js";
export { parseEquation, emitProgram } from "./equation.js";
export type { Equation, EquationNames, Node as EquationNode } from "./equation.js";
export { discover } from "./discover/index.js";
export type { DiscoverOptions, DiscoverResult, DiscoverStage, DiscoverBudget, RmsePair } from "./discover/index.js";
