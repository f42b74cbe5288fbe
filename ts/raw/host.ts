/**
 * Functions the wasm core calls back into: user-defined symbolic functions. The core
 * imports `env.kw_user_eval(id, x)`; `hostImports()` builds that import object.
 *
 * ```js
 * setHostFunction(100, (x) => x * Math.exp(-x), "xexp");   // done by addSymbolic
 * ```
 *
 * A user function that throws, or returns anything but a finite number, is a failure: an
 * exception must not unwind through the wasm stack (the core's state would be left half
 * changed), so the host records the first failure and answers NaN at once to every later
 * call, which makes the rest of the core's search cheap; the raw layer's status check then
 * throws a KanError naming the function (takeHostFailure).
 */
interface HostFunction {
  fn: (x: number) => unknown;
  name: string;
}

/** The first failure of a user function since the last status check. */
export interface HostFailure {
  name: string;
  x: number;
  /** What it threw, when it threw. */
  error?: unknown;
  /** What it returned, when that was not a finite number. */
  value?: unknown;
}

const functions = new Map<number, HostFunction>();
let failure: HostFailure | undefined;

/** @internal */
export function setHostFunction(id: number, fn: (x: number) => unknown, name: string): void {
  functions.set(id, { fn, name });
}

/** The pending failure of a user function, if any, which this clears. @internal */
export function takeHostFailure(): HostFailure | undefined {
  const f = failure;
  failure = undefined;
  return f;
}

/** The import object every instantiation of the core passes. @internal */
export function hostImports(): WebAssembly.Imports {
  return {
    env: {
      kw_user_eval: (id: number, x: number): number => {
        if (failure !== undefined) return Number.NaN;
        const f = functions.get(id);
        if (f === undefined) return 0;
        let v: unknown;
        try {
          v = f.fn(x);
        } catch (error) {
          failure = { name: f.name, x, error };
          return Number.NaN;
        }
        if (typeof v !== "number" || !Number.isFinite(v)) {
          failure = { name: f.name, x, value: v };
          return Number.NaN;
        }
        return v;
      },
    },
  };
}
