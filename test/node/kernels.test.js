// The SIMD kernels against their scalar twins, inside the wasm build: the benchmark module
// (.tmp/kanwasm-bench.wasm, built by scripts/build-wasm.sh with the cargo feature `bench`)
// runs crate/src/kernels/parity.rs, kernel by kernel, on its SIMD kernels. Natively the
// kernels are the scalar ones, so only here do the two paths meet.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { init, KanError, rawKernel } from "kanwasm";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const module = join(root, ".tmp/kanwasm-bench.wasm");

describe("kernels in the benchmark module", () => {
  let raw;
  beforeAll(async () => {
    if (!existsSync(module)) throw new Error(`${module} is missing; run \`npm run build:wasm\``);
    await init({ wasm: readFileSync(module) });
    raw = rawKernel().raw;
  });

  it("checks 18 kernels: 9 in f32 and f64", () => {
    expect(raw.kw_kernel_parity_count()).toBe(18);
  });

  for (let i = 0; i < 18; i++) {
    it(`kernel ${i} agrees with its scalar twin`, () => {
      // a disagreement comes back as KanError INVALID_ARGUMENT naming the kernel
      rawKernel().check(`kernel ${i}`, raw.kw_kernel_parity(i));
    });
  }

  it("a kernel number past the last is an error that says how many there are", () => {
    expect(() => rawKernel().check("parity", raw.kw_kernel_parity(18))).toThrow(KanError);
    expect(() => rawKernel().check("parity", raw.kw_kernel_parity(18))).toThrow(/there are 18 kernels/);
  });
});

describe("the release module", () => {
  it("is the benchmark module less the exports only benchmarks and tests call", async () => {
    const names = async (file) =>
      WebAssembly.Module.exports(await WebAssembly.compile(readFileSync(file))).map((e) => e.name).sort();
    const release = await names(join(root, "dist/kanwasm.wasm"));
    const bench = await names(module);
    const only = ["kw_bspline_sparse_f32", "kw_bspline_sparse_f64", "kw_kernel_parity", "kw_kernel_parity_count",
      "kw_model_kernel_forward", "kw_simd_peak_f32"];
    expect(bench.filter((n) => !release.includes(n)).sort()).toEqual(only);
    expect(release.filter((n) => !bench.includes(n))).toEqual([]);
    expect(release).toContain("kw_simd_dot_f64");
  });
});
