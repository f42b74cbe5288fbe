"""PyTorch CPU reference KAN for `npm run bench` (bench/run.mjs starts it; it is not a library).

The dense formulation that efficient-kan popularised, written here from the math:

    layer(x) = silu(x) @ W_base + B(x).reshape(batch, in * (G + k)) @ W_spline

where B(x) holds all G + k Cox-de Boor basis functions of order k on pykan's knot grid
(G intervals on [-1, 1], extended by k knots on each side) for every input. Training is
forward + MSE loss + backward + one torch.optim.Adam step on a batch drawn from the train
set; inference is a forward pass under torch.inference_mode().

Beside it, when a shape names one (`mlp`, its widths), a ReLU MLP of about the KAN's parameter
count (the same widths as the TF.js MLP) is trained and run the same way: the network users
would otherwise pick, in the same runtime and on the same data.

Input (argv[1], JSON): {"timeBox": seconds, "shapes": [{"id", "width", "grid", "k", "batch", "mlp"?}],
"dtypes": ["float32", "float64"]}. Output: one JSON object on the last line of stdout.
Run with one thread; bench/run.mjs sets OPENBLAS_CORETYPE=SkylakeX on CPUs with avx512f.
"""

import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


def knot_grid(n_in, grid, k, lo=-1.0, hi=1.0, dtype=torch.float32):
    """Uniform knots t_j = lo + h*j, j = -k .. G+k, repeated for every input: (n_in, G+2k+1)."""
    h = (hi - lo) / grid
    t = lo + h * torch.arange(-k, grid + k + 1, dtype=torch.float64)
    return t.to(dtype).unsqueeze(0).repeat(n_in, 1).contiguous()


def cox_de_boor(x, t, k):
    """All basis functions of order k at x (batch, n_in) on knots t (n_in, m): (batch, n_in, m-k-1)."""
    x = x.unsqueeze(-1)
    basis = ((x >= t[:, :-1]) & (x < t[:, 1:])).to(x.dtype)
    for p in range(1, k + 1):
        left = (x - t[:, : -(p + 1)]) / (t[:, p:-1] - t[:, : -(p + 1)])
        right = (t[:, p + 1 :] - x) / (t[:, p + 1 :] - t[:, 1:-p])
        basis = left * basis[..., :-1] + right * basis[..., 1:]
    return basis


class DenseKANLayer(torch.nn.Module):
    def __init__(self, n_in, n_out, grid, k, dtype, gen):
        super().__init__()
        self.n_in, self.n_out, self.grid, self.k = n_in, n_out, grid, k
        self.register_buffer("knots", knot_grid(n_in, grid, k, dtype=dtype))
        s = 1.0 / math.sqrt(n_in)
        w_base = (torch.rand(n_in, n_out, generator=gen, dtype=torch.float64) * 2 - 1) * s
        # Small spline noise, as pykan's initialisation (noise_scale 0.3 / G), times scale_sp.
        w_spline = (torch.rand(n_in * (grid + k), n_out, generator=gen, dtype=torch.float64) - 0.5) * (0.3 / grid) * s
        self.w_base = torch.nn.Parameter(w_base.to(dtype))
        self.w_spline = torch.nn.Parameter(w_spline.to(dtype))

    def forward(self, x):
        b = cox_de_boor(x, self.knots, self.k).reshape(x.shape[0], self.n_in * (self.grid + self.k))
        return torch.nn.functional.silu(x) @ self.w_base + b @ self.w_spline


class DenseKAN(torch.nn.Module):
    def __init__(self, width, grid, k, dtype, seed=0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.layers = torch.nn.ModuleList(
            DenseKANLayer(width[i], width[i + 1], grid, k, dtype, gen) for i in range(len(width) - 1)
        )

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def relu_mlp(widths, dtype, seed=1):
    """Linear layers with biases and ReLU between them (none after the last)."""
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        if i > 0:
            layers.append(torch.nn.ReLU())
        layers.append(torch.nn.Linear(widths[i], widths[i + 1], dtype=dtype))
    return torch.nn.Sequential(*layers)


def measure(run, per_call_samples, time_box):
    """Best samples/s over rounds of about time_box/5 seconds, after a warm-up (as bench/timing.mjs)."""
    t0 = time.perf_counter()
    run(1)
    per = max(time.perf_counter() - t0, 1e-6)
    # Second warm-up, about a tenth of the box, which also refines the per-call estimate.
    n = max(1, int(0.1 * time_box / per))
    t0 = time.perf_counter()
    run(n)
    per = max((time.perf_counter() - t0) / n, 1e-6)
    rates, spent = [], 0.0
    while spent < time_box or len(rates) < 3:
        n = max(1, int(time_box / 5 / per))
        t0 = time.perf_counter()
        run(n)
        dt = time.perf_counter() - t0
        spent += dt
        per = dt / n
        rates.append(n * per_call_samples / dt)
        if len(rates) >= 2 and spent > 3 * time_box:
            break
    return max(rates)


def bench_shape(shape, dtype_name, time_box):
    dtype = torch.float32 if dtype_name == "float32" else torch.float64
    width, grid, k, batch = shape["width"], shape["grid"], shape["k"], shape["batch"]
    gen = torch.Generator().manual_seed(1)
    n_train = 2 * batch
    x_train = (torch.rand(n_train, width[0], generator=gen, dtype=torch.float64) * 2 - 1).to(dtype)
    proj = torch.randn(width[0], width[-1], generator=gen, dtype=torch.float64) / math.sqrt(width[0])
    y_train = torch.sin(x_train.to(torch.float64) @ proj).to(dtype)
    x_inf = x_train[:batch].contiguous()

    def rates(model):
        """Training and inference samples/s of `model` on this shape's data."""
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()

        def train(steps):
            for _ in range(steps):
                idx = torch.randint(n_train, (batch,))
                xb, yb = x_train[idx], y_train[idx]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()

        def infer(calls):
            with torch.inference_mode():
                for _ in range(calls):
                    model(x_inf)

        return measure(train, batch, time_box), measure(infer, batch, time_box)

    model = DenseKAN(width, grid, k, dtype, seed=1)
    train, infer = rates(model)
    out = {
        "id": shape["id"],
        "dtype": dtype_name,
        "params": sum(p.numel() for p in model.parameters()),
        "train": train,
        "infer": infer,
    }
    if shape.get("mlp"):
        mlp = relu_mlp(shape["mlp"], dtype)
        out["mlp"] = shape["mlp"]
        out["mlpParams"] = sum(p.numel() for p in mlp.parameters())
        out["mlpTrain"], out["mlpInfer"] = rates(mlp)
    return out


def sgemm_library():
    """The file that provides sgemm_ to torch (Debian's torch links libblas.so.3), or None."""
    try:
        import ctypes

        class DlInfo(ctypes.Structure):
            _fields_ = [("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p),
                        ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]

        # RTLD_NOLOAD: the libblas.so.3 already loaded for torch, never a new one.
        blas = ctypes.CDLL("libblas.so.3", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        info = DlInfo()
        if ctypes.CDLL(None).dladdr(ctypes.cast(blas.sgemm_, ctypes.c_void_p), ctypes.byref(info)) and info.fname:
            return os.path.realpath(info.fname.decode())
    except (OSError, AttributeError):
        pass
    return None


def matmul_gflops(dtype, n=512, reps=10):
    """Single-thread GFLOP/s of an n x n matmul: shows whether torch got an optimised BLAS."""
    a = torch.rand(n, n, dtype=dtype)
    a @ a
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ a
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


def main():
    cfg = json.loads(sys.argv[1])
    matmul = {"float32": matmul_gflops(torch.float32), "float64": matmul_gflops(torch.float64)}
    results = []
    for shape in cfg["shapes"]:
        for dtype_name in cfg.get("dtypes", ["float32", "float64"]):
            r = bench_shape(shape, dtype_name, cfg.get("timeBox", 1.5))
            results.append(r)
            mlp = ""
            if "mlp" in r:
                mlp = f"; ReLU MLP {r['mlp']}: train {r['mlpTrain']:.0f}/s, infer {r['mlpInfer']:.0f}/s"
            print(f"torch {shape['id']} {dtype_name}: train {r['train']:.0f}/s, infer {r['infer']:.0f}/s{mlp}",
                  file=sys.stderr, flush=True)
    print(json.dumps({
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blas": sgemm_library(),
        "matmulGflops": matmul,
        "results": results,
    }))


if __name__ == "__main__":
    main()
