// The throughput bench's report: the table of rates and ratios, issue 6's targets, and
// bench/RESULTS.md with the machine and the versions. Sections of other modes (the workflow,
// ...) are handed in whole and written after the throughput ones.
import { execFileSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, relative } from "node:path";
import { kanParams } from "./baselines.mjs";
import { root, splineFlops } from "./kanwasm.mjs";
import { DTYPES } from "./options.mjs";

/** A rate as 12.3k, 1.05M, ... ("–" when missing). */
export function fmt(v) {
  if (v === undefined || !Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(2)}k`;
  return v.toFixed(0);
}
export const ratio = (a, b) => (a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}x` : "–");

/** A markdown table of `header` and `rows`; `left` lists the columns aligned left. */
export function markdownTable(header, rows, left) {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (left.includes(i) ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/**
 * The throughput table of `shapes` from the measurements `kw` (kanwasm), `pt` (PyTorch) and `tj`
 * (TF.js), with the lines that follow it: { mdTable, gLines, checks, mlpLines }.
 */
export function throughputReport(shapes, { kw, pt, tj }) {
  const header = [
    "shape", "dtype", "kanwasm train", "kanwasm infer", "PyTorch train", "PyTorch infer",
    "MLP", "PT MLP train", "PT MLP infer", "TF.js train", "TF.js infer",
    "kw/PT train", "kw/PT infer", "kw/PT MLP train", "kw/PT MLP infer", "kw/TF train", "kw/TF infer",
    "kernel GFLOP/s", "% of peak", "predict GFLOP/s",
  ];
  const rows = [];
  const summary = [];
  for (const s of shapes) {
    for (const dtype of DTYPES) {
      const key = `${s.id}|${dtype}`;
      const k = kw.get(key);
      const p = pt.get(key);
      const t = dtype === "float32" ? tj.get(s.id) : undefined;
      // the forward spline kernels alone, and the same flops over whole predict calls (which
      // add the basis evaluation and the copies in and out)
      const gflops = k?.kernel ? (splineFlops(s) * k.kernel) / 1e9 : undefined;
      const pgflops = k ? (splineFlops(s) * k.infer) / 1e9 : undefined;
      // the peak read beside the kernels; f64x2 has half the lanes of f32x4, so float64 rows
      // are set against half the f32 peak
      const peakFor = k?.kernelPeak === undefined ? undefined : dtype === "float32" ? k.kernelPeak : k.kernelPeak / 2;
      const pct = gflops !== undefined && peakFor ? (100 * gflops) / peakFor : undefined;
      summary.push({ id: s.id, dtype, k, p, t, gflops, pct });
      const mlp = p?.mlp ?? t?.mlp;
      // TF.js has no float64: its cells of float64 rows say so
      const tf = (v) => (dtype === "float32" ? fmt(v) : "no f64");
      rows.push([
        s.id, dtype, fmt(k?.train), fmt(k?.infer), fmt(p?.train), fmt(p?.infer),
        mlp ? `[${mlp}]` : "–", fmt(p?.mlpTrain), fmt(p?.mlpInfer), tf(t?.train), tf(t?.infer),
        ratio(k?.train, p?.train), ratio(k?.infer, p?.infer),
        ratio(k?.train, p?.mlpTrain), ratio(k?.infer, p?.mlpInfer),
        ratio(k?.train, t?.train), ratio(k?.infer, t?.infer),
        gflops === undefined ? "–" : gflops.toFixed(2), pct === undefined ? "–" : `${pct.toFixed(1)}%`,
        pgflops === undefined ? "–" : pgflops.toFixed(2),
      ]);
    }
  }
  const mdTable = markdownTable(header, rows, [0, 1, 6]);

  const get = (id, dtype) => summary.find((x) => x.id === id && x.dtype === dtype);
  const gLines = [];
  for (const dtype of DTYPES) {
    const g5 = get("[100,100] G5", dtype)?.k;
    const g100 = get("[100,100] G100", dtype)?.k;
    if (g5 && g100) {
      const [train, infer] = [g100.train / g5.train, g100.infer / g5.infer].map((v) => v.toFixed(2));
      gLines.push(`- [100,100] ${dtype}: G100 / G5 throughput: train ${train}, infer ${infer}`);
    }
  }

  // Issue 6's acceptance targets (float32), reported, never enforced here.
  const checks = [];
  const chk = (label, value, target) => {
    if (value === undefined || !Number.isFinite(value)) checks.push(`- ${label}: not measured`);
    else checks.push(`- ${label}: ${value.toFixed(2)} (target ≥ ${target}) ${value >= target ? "met" : "NOT met"}`);
  };
  const trainRatio = (id, base) => {
    const x = get(id, "float32");
    return x?.k && x?.[base] ? x.k.train / x[base].train : undefined;
  };
  chk("kanwasm/PyTorch train [2,5,1] G5", trainRatio("[2,5,1] G5", "p"), 3);
  chk("kanwasm/PyTorch train [4,8,8,1] G10", trainRatio("[4,8,8,1] G10", "p"), 3);
  chk("kanwasm/PyTorch train [784,64,10] G5", trainRatio("[784,64,10] G5", "p"), 2);
  chk("kanwasm/PyTorch train [100,100,100] G5", trainRatio("[100,100,100] G5", "p"), 2);
  chk("kanwasm/PyTorch train [100,100] G100", trainRatio("[100,100] G100", "p"), 10);
  {
    const g5 = get("[100,100] G5", "float32")?.k;
    const g100 = get("[100,100] G100", "float32")?.k;
    chk("kanwasm train G100 / G5 on [100,100]", g5 && g100 ? g100.train / g5.train : undefined, 0.5);
  }
  chk("kanwasm/TF.js MLP train [784,64,10] G5", trainRatio("[784,64,10] G5", "t"), 3);
  {
    const x = get("[100,100,100] G5", "float32");
    const share = x?.pct === undefined ? undefined : x.pct / 100;
    chk("forward spline kernel on [100,100,100] G5, fraction of peak", share, 0.4);
  }

  const mlpLines = shapes
    .map((s) => {
      const t = tj.get(s.id);
      const p = pt.get(`${s.id}|float32`);
      const k = kw.get(`${s.id}|float32`);
      const [mlp, params] = t ? [t.mlp, t.params] : p?.mlp ? [p.mlp, p.mlpParams] : [];
      return mlp ? `${s.id}: KAN ${k?.params ?? kanParams(s)} params, MLP [${mlp}] ${params} params` : undefined;
    })
    .filter(Boolean);
  return { mdTable, gLines, checks, mlpLines };
}

/** The commit of the work tree, with a note when crate/ or ts/ has uncommitted changes. */
function revision() {
  const git = (...a) => {
    try {
      return execFileSync("git", a, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const dirty = git("status", "--porcelain", "--", "crate", "ts") ? " (with uncommitted changes in crate/ or ts/)" : "";
  return `${git("rev-parse", "--short", "HEAD") || "?"}${dirty}`;
}

/**
 * Writes bench/RESULTS.md: `run` holds the run's settings and environment (see bench/run.mjs),
 * `report` the throughput report, `sections` further `## ` sections as markdown.
 */
export function writeResults(run, report, sections = []) {
  const { cpu, torchInfo, tfjsInfo, wasmPath, peak, timeBox, passes, loadStart, loadEnd, minutes, version } = run;
  const { skipped, warnings } = run;
  const { mdTable, gLines, checks, mlpLines } = report;
  const date = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const yes = (b) => (b ? "yes" : "no");
  const system = `${os.type()} ${os.release()}`;
  const mm = torchInfo?.matmulGflops;
  const torchLine = !torchInfo ? "not run" : `${torchInfo.torch} (Debian python3-torch via ${torchInfo.pythonPath}, ` +
    `Python ${torchInfo.python}, ${torchInfo.threads} thread, OPENBLAS_CORETYPE ${torchInfo.openblasCoretype}); ` +
    `sgemm from ${torchInfo.blasName}` +
    (mm ? `, 512x512 matmul ${mm.float32.toFixed(1)} GFLOP/s float32, ${mm.float64.toFixed(1)} float64` : "") +
    (torchInfo.blasWarning ? " (not an optimised BLAS: see Warnings)" : "");
  const tfjsLine = !tfjsInfo ? "not run" : `@tensorflow/tfjs ${tfjsInfo.tfjs}, backend ${tfjsInfo.backend} ` +
    `(SIMD ${tfjsInfo.simd ? "on" : "off"}, ${tfjsInfo.threads} thread)`;
  const bytes = (p) => statSync(p).size;
  const moduleLine = `${wasmPath ? relative(root, wasmPath) : "dist/kanwasm.wasm"}, ` +
    `${bytes(wasmPath ?? join(root, "dist/kanwasm.wasm"))} bytes; ` +
    `dist/kanwasm.wasm (the release module) ${bytes(join(root, "dist/kanwasm.wasm"))} bytes`;
  const busy = Math.max(loadStart, loadEnd) <= 0.5 ? "" :
    " (other work was running: the numbers are lower than on an idle machine)";
  const list = (title, items) => (items.length ? `\n## ${title}\n\n${items.map((m) => `- ${m}`).join("\n")}\n` : "");
  const md = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs) on ${date}, in ${minutes} minutes.
Every number below comes from that one run on one machine; kanwasm's kernels are still
being optimised, so rerun it for current numbers.

## Machine and versions
- CPU: ${cpu.model}, ${cpu.cores} cores (avx2: ${yes(cpu.avx2)}, avx512f: ${yes(cpu.avx512f)}); ${system}
- Node ${process.version}; kanwasm ${version} at ${revision()}
- PyTorch: ${torchLine}
- TF.js: ${tfjsLine}
- kanwasm module: ${moduleLine}
- wasm-SIMD peak (f32x4 multiply-add probe kw_simd_peak_f32, one thread, best reading at the start, each pass and
  the end): ${peak === undefined ? "not measured" : `${peak.toFixed(1)} GFLOP/s`}
- ${timeBox} s per measurement; load average (1 min) ${loadStart.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at
  the end${busy}

## Throughput (samples/s, one thread)

${mdTable}
${gLines.length ? `\n${gLines.join("\n")}\n` : ""}
- train: forward + MSE loss + backward + one Adam step (lr 1e-3) on a batch of \`batch\`
  samples drawn from a train set of 2 x batch rows; kanwasm via \`model.fit(data, { opt: "adam",
  lr: 1e-3, steps, batch, updateGrid: false })\`, the rate of whole fit() calls.
- infer: kanwasm \`model.predict\` on \`batch\` rows; PyTorch a forward pass under
  \`torch.inference_mode()\`; TF.js a forward pass and \`dataSync()\`.
- PyTorch: bench/torch_kan.py, the dense efficient-kan formulation
  \`silu(x) @ W_base + B(x).reshape(batch, in*(G+k)) @ W_spline\`, with B(x) all G+k Cox-de Boor
  bases on pykan's knot grid, torch.optim.Adam.
- MLP: a ReLU MLP with about the KAN's parameter count (hidden widths scaled from the KAN's),
  trained and run as the KAN: in PyTorch (PT MLP, bench/torch_kan.py, float32 and float64,
  torch.optim.Adam) and in TF.js (bench/tfjs_mlp.mjs, float32 only: TF.js has no float64;
  \`@tensorflow/tfjs-backend-wasm\` single-threaded).
${mlpLines.map((l) => `  ${l}`).join("\n")}
- kernel GFLOP/s: 2 (k+1) in out flops per sample summed over layers, times the rate of the
  forward spline kernels alone (\`kw_model_kernel_forward\`: every layer's kernel, including its
  base branch and the gathering of each sample's basis windows, on inputs, bases and effective
  weights prepared once; the preparation is timed separately and subtracted), in rounds about
  as long as one run of the probe (some 20 ms). % of peak sets it against the probe as read
  between those rounds, in the same process (the best reading there; float64 rows against half
  of it, as f64x2 has half the lanes), so that both come from the same minutes of a shared
  machine and from runs of the same length; the pass with the fastest kernels gives both
  figures. The peak above is the highest reading of the whole run.
- predict GFLOP/s: the same flops at the rate of whole predict calls, which add the basis
  evaluation, the layer-to-layer copies and the transfer in and out of wasm memory.
- Shape by shape, kanwasm is measured first, then PyTorch, then TF.js, so each ratio compares
  measurements taken within seconds of each other; the list of shapes is measured ${passes}
  time${passes === 1 ? "" : "s"} (\`--passes\`) and every tool keeps its best figure.
- Each throughput is the best of timed rounds of about ${(timeBox / 5).toFixed(2)} s after a warm-up
  (the round least disturbed by other work on the machine).
${sections.map((s) => `\n${s.trim()}\n`).join("")}
## Issue 6 acceptance (float32, from this run)

${checks.join("\n")}
${list("Skipped", skipped)}${list("Warnings", warnings)}
## Reproduce

    npm install                      # builds dist/ (npm run build rebuilds it)
    apt-get install -y python3-torch libopenblas0-pthread   # as root on Debian, for the PyTorch reference
    npm run bench                    # about ${Math.max(1, Math.round(Number(minutes)))} min; rewrites this file
    node bench/run.mjs --help        # options: --time S, --only LIST, --shapes 1,3, --no-write, --wasm PATH

The PyTorch reference runs with OPENBLAS_CORETYPE=SkylakeX on CPUs whose /proc/cpuinfo lists
avx512f (Debian's OpenBLAS does not detect AVX-512 by itself). A baseline whose runtime is
missing is skipped with a message; the bench never fails because of one.
`;
  writeFileSync(join(root, "bench/RESULTS.md"), md);
}
