import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/node/**/*.test.js"],
    testTimeout: 120_000,
    fileParallelism: false,
  },
});
