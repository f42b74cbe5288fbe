/**
 * The key of `[Symbol.dispose]`, which `using` calls, on engines with and without it.
 *
 * ```js
 * using model = new KAN({ width: [2, 1] });   // freed at the end of the block
 * ```
 *
 * The global declarations below let the shipped types compile for a consumer whose `lib`
 * stops at ES2022 (without esnext.disposable); they are the same as TypeScript's own, so
 * both merge when a consumer has that lib too.
 */
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
}

/**
 * Symbol.dispose where the engine has it (Node >= 20.4, Deno, current browsers); elsewhere a
 * registered symbol, so that two copies of kanwasm in one page agree on it.
 */
export const disposeKey: typeof Symbol.dispose = ((Symbol as { dispose?: symbol }).dispose ??
  Symbol.for("Symbol.dispose")) as typeof Symbol.dispose;
