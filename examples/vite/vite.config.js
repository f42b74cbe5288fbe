// kanwasm/worker starts its worker as an ES module; "./" lets the build run from any folder.
/** @type {import("vite").UserConfig} */
export default {
  base: "./",
  worker: { format: "es" },
  build: { target: "es2022" },
};
