// The tools kanwasm is set against, found and run as child processes: the machine's CPU, the
// python with PyTorch (bench/torch_kan.py) and its BLAS, TF.js (bench/tfjs_mlp.mjs) and the
// MLP it trains. A missing tool is reported by the caller and skipped, never an error.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { join } from "node:path";
import { root } from "./kanwasm.mjs";

export function cpuInfo() {
  let text = "";
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // not Linux
  }
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const flags = /^flags\s*:\s*(.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
  return { model, avx512f: flags.includes("avx512f"), avx2: flags.includes("avx2"), cores: os.cpus().length };
}

/** Runs a child that prints JSON on its last stdout line; its stderr (progress) passes through. */
export function runChild(cmd, argv, env) {
  const r = spawnSync(cmd, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 15 * 60 * 1000,
  });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: `exited with ${r.status ?? r.signal}` };
  const last = r.stdout.trim().split("\n").pop();
  try {
    return JSON.parse(last);
  } catch {
    return { error: `printed no JSON (${last?.slice(0, 200)})` };
  }
}

function findTorchPython() {
  const candidates = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ["/usr/bin/python3", "python3"];
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return undefined;
}

export function tfjsInstalled() {
  const req = createRequire(join(root, "package.json"));
  try {
    req.resolve("@tensorflow/tfjs");
    req.resolve("@tensorflow/tfjs-backend-wasm");
    return true;
  } catch {
    return false;
  }
}

/**
 * The python with torch and the environment that keeps it on one thread (and on Debian's
 * OpenBLAS AVX-512 kernels where the CPU has them); undefined, after `skip`, without one.
 */
export function setUpTorch(cpu, skip, log) {
  const py = findTorchPython();
  if (!py) {
    const hint = "on Debian: apt-get install -y python3-torch libopenblas0-pthread";
    skip(`PyTorch reference: no ${process.env.BENCH_PYTHON ?? "python3"} with torch (${hint})`);
    return undefined;
  }
  const env = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  if (cpu.avx512f) env.OPENBLAS_CORETYPE = "SkylakeX";
  log(`torch: ${py}${env.OPENBLAS_CORETYPE ? " with OPENBLAS_CORETYPE=SkylakeX" : ""}`);
  return { py, env };
}

/** What torch_kan.py reported of itself, for RESULTS.md; a slow BLAS adds a warning. */
export function describeTorch(out, { py, env }, warnings, log) {
  const info = { ...out, pythonPath: py, openblasCoretype: env.OPENBLAS_CORETYPE ?? "unset (no avx512f)" };
  // Debian's python3-torch links libblas.so.3: the reference BLAS unless OpenBLAS is installed.
  const blas = out.blas ?? "";
  info.blasName = blas ? blas.replace(/^\/usr\/lib\/x86_64-linux-gnu\//, "") : "unknown";
  const gflops = out.matmulGflops?.float32?.toFixed(1);
  if (!/openblas|mkl|blis/i.test(blas) || out.matmulGflops?.float32 < 8) {
    info.blasWarning = `PyTorch's sgemm comes from ${info.blasName} (512x512 matmul ${gflops} GFLOP/s), ` +
      "not an optimised BLAS: the baseline is slower than it could be " +
      "(on Debian: apt-get install -y libopenblas0-pthread)";
    warnings.push(info.blasWarning);
  }
  log(`torch ${out.torch}: sgemm from ${info.blasName}, 512x512 matmul ${gflops} GFLOP/s float32`);
  return info;
}

/** kanwasm's parameter count without a model: per edge G + k coefficients, scale_base, scale_sp. */
export function kanParams(s) {
  return s.width.slice(1).reduce((acc, out, l) => acc + s.width[l] * out * (s.grid + s.k + 2), 0);
}

/** The MLP of the TF.js baseline: hidden widths scaled by one factor to match `params`. */
export function mlpFor(s, params) {
  if (s.mlp) return s.mlp;
  const count = (w) => w.slice(1).reduce((acc, out, l) => acc + w[l] * out + out, 0);
  const hidden = s.width.length > 2 ? s.width.slice(1, -1) : [1];
  let best;
  for (let f = 0.05; f < 1e5; f *= 1.002) {
    const w = [s.width[0], ...hidden.map((h) => Math.max(1, Math.round(h * f))), s.width[s.width.length - 1]];
    const d = Math.abs(count(w) - params);
    if (!best || d < best.d) best = { w, d };
  }
  return best.w;
}
