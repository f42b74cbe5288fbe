// Rollup builds the one entry that tsc cannot: dist/deno.js, the Deno entry with its
// `import source` of the wasm. tsc writes the rest of dist/ (JS and .d.ts) beforehand; the
// imports of deno.js stay as they are, pointing at those files and at kanwasm.wasm.
export default {
  input: "ts/deno.js",
  external: () => true,
  output: { file: "dist/deno.js", format: "es", sourcemap: true },
};
