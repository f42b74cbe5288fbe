/**
 * kanwasm: Kolmogorov-Arnold Networks in WebAssembly (SIMD128) for Node, Deno and browsers.
 *
 * ```js
 * import { init, bsplineBasis } from "kanwasm";
 * await init();
 * const B = bsplineBasis([0, 0.5], { grid: 5, k: 3 });   // { rows: 2, cols: 8, data }
 * ```
 */
export { init, rawKernel, Kernel, Scope } from "./wasm.js";
export type { InitOptions, WasmSource, RawExports, Ptr } from "./wasm.js";
export { KanError } from "./errors.js";
export type { KanErrorCode } from "./errors.js";
export { toMatrix, toRows } from "./matrix.js";
export type { Matrix, MatrixLike, DType } from "./matrix.js";
export { bsplineBasis, bsplineKnots } from "./bspline.js";
export type { GridBasisOptions, KnotBasisOptions, KnotOptions } from "./bspline.js";
export { KAN, LayerArray, addSymbolic } from "./kan.js";
export type { KANOptions, KANConfig, KANJson, FitOptions, StepInfo, History, Evaluation, BaseFun, Attribution, Suggestion, SymbolicSearchOptions } from "./kan.js";
export { createDataset, seededRandom } from "./dataset.js";
export type { Dataset, CreateDatasetOptions } from "./dataset.js";
export { symbolicFormula, exRound } from "./formula.js";
export type { FormulaOptions, FormulaFormat, FormulaModel } from "./formula.js";
export { toSVG } from "./svg.js";
export type { SVGOptions, PlotModel, EdgeScores } from "./svg.js";
export { SYMBOLIC_LIB, symbolicById, symbolicId, symbolicNames } from "./symbolic-lib.js";
export type { SymbolicFunction, UserSymbolicSpec } from "./symbolic-lib.js";
