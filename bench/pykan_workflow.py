"""pykan's side of bench/workflow.mjs: the hellokan tutorial on the data the bench wrote, timed
stage by stage, with float64 and one thread. pykan's own prints go to stderr; the last line
of stdout is the JSON result { stages: [{ name, seconds, cpu, rmse }], formula, pykan, torch }
(seconds of the wall clock and of the process's CPU time).

    python3 bench/pykan_workflow.py PYKAN_DIR DATA.json LIB_JSON

LIB_JSON is auto_symbolic's library: a JSON list of names, or null for pykan's whole library.

The test RMSE after a fit is the one that fit itself reports for its last step; after the
other stages it comes from a forward pass over the test set, outside the clock. pykan keeps
the inputs of its last forward pass for prune and refine: fit leaves the test set there (in
a shuffled order), and this pass leaves the same points in their own order.
"""
import contextlib
import json
import math
import subprocess
import sys
import time


def main():
    pykan_dir, data_path, lib = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    sys.path.insert(0, pykan_dir)
    with contextlib.redirect_stdout(sys.stderr):
        import torch
        torch.set_default_dtype(torch.float64)
        torch.set_num_threads(1)
        from kan import KAN
        from kan.utils import ex_round

        with open(data_path) as fh:
            raw = json.load(fh)
        data = {k: torch.tensor(v, dtype=torch.float64) for k, v in raw.items()}

        def rmse(model):
            with torch.no_grad():
                return float(torch.sqrt(torch.mean((model(data["test_input"]) - data["test_label"]) ** 2)))

        stages = []
        state = {"model": KAN(width=[2, 5, 1], grid=3, k=3, seed=42)}

        def stage(name, run):
            t0, c0 = time.perf_counter(), time.process_time()
            out = run(state["model"])
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            if isinstance(out, dict):
                err = float(out["test_loss"][-1])
            else:
                state["model"] = out
                err = rmse(out)
            # JSON has no NaN: a fit that diverged reports null
            stages.append({"name": name, "seconds": seconds, "cpu": cpu, "rmse": err if math.isfinite(err) else None})

        stage("fit 50, lamb 1e-3", lambda m: m.fit(data, opt="LBFGS", steps=50, lamb=1e-3))
        stage("prune", lambda m: m.prune())
        stage("refine(10)", lambda m: m.refine(10))
        stage("fit 50", lambda m: m.fit(data, opt="LBFGS", steps=50))
        stage("autoSymbolic", lambda m: m.auto_symbolic(lib=lib) or m)
        stage("fit 50 (symbolic)", lambda m: m.fit(data, opt="LBFGS", steps=50))
        formula = str(ex_round(state["model"].symbolic_formula()[0][0], 4))

    commit = subprocess.run(["git", "-C", pykan_dir, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    version = f"at {commit.stdout.strip()}" if commit.returncode == 0 else f"from {pykan_dir}"
    print(json.dumps({"stages": stages, "formula": formula, "pykan": version, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
