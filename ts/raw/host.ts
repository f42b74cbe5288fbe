/**
 * Functions the wasm core calls back into: user-defined symbolic functions. The core
 * imports `env.kw_user_eval(id, x)`; `hostImports()` builds that import object.
 *
 * ```js
 * setHostFunction(100, (x) => x * Math.exp(-x));   // done by addSymbolic
 * ```
 */
const functions = new Map<number, (x: number) => number>();

/** @internal */
export function setHostFunction(id: number, fn: (x: number) => number): void {
  functions.set(id, fn);
}

/** The import object every instantiation of the core passes. @internal */
export function hostImports(): WebAssembly.Imports {
  return {
    env: {
      kw_user_eval: (id: number, x: number): number => {
        const f = functions.get(id);
        if (f === undefined) return 0;
        try {
          const v = f(x);
          return typeof v === "number" ? v : Number.NaN;
        } catch {
          // a throwing user function must not unwind through the wasm stack; the core
          // treats NaN as 0
          return Number.NaN;
        }
      },
    },
  };
}
