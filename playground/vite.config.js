// Vite builds the playground into playground/dist/ as static files that work from any base
// path ("./"). "kanwasm" and "kanwasm/worker" are this repository's built package (dist/), as
// an installed package would be.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const dist = (file) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  resolve: {
    alias: [
      { find: /^kanwasm\/worker$/, replacement: dist("worker/index.js") },
      { find: /^kanwasm$/, replacement: dist("index.js") },
    ],
  },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1024 },
});
