"""Benchmark of the core steps: the exact u-step (Eq. 3) and one ADMM iteration on Eq. (14) / the
image-domain energy, at 255x255 and 1024x1024, on CPU (and CUDA when present).

Seconds are the median of repeated runs after a warm-up.  Peak memory on CPU is the rise of the
process's maximum resident set from just after the imports (so inputs, cached transforms and the
step's temporaries are included), each case in a fresh subprocess; on CUDA, torch's peak allocation
above the inputs.

    python scripts/bench_core.py [--repeats 10] [--threads 2] [--out results/bench_core.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = [("u_step", 255), ("u_step", 1024), ("admm_iter_grad_domain", 255), ("admm_iter_grad_domain", 1024),
         ("admm_iter_image_domain", 255), ("admm_iter_image_domain", 1024)]


def run_case(name: str, size: int, device: str, repeats: int, threads: int) -> dict:
    import numpy as np
    import torch

    from padnet.optim.energy import LpEnergy, QuadraticFidelity, u_step
    from padnet.optim.prox import prox_lp
    from padnet.physics.kernels import random_motion_kernel

    torch.set_num_threads(threads)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # after imports, before any image exists
    g = torch.Generator().manual_seed(0)
    from skimage.data import camera
    from skimage.transform import resize

    from padnet.physics.operators import conv_fft

    # a natural image (camera, resized) blurred by a 23x23 motion PSF with 1% noise: realistic sparsity
    x = torch.from_numpy(resize(camera() / 255.0, (size, size), anti_aliasing=True))[None, None].to(device)
    k = torch.from_numpy(random_motion_kernel(23, np.random.default_rng(0))).to(device)
    y = conv_fft(x, k) + 0.01 * torch.randn(x.shape, generator=g, dtype=torch.float64).to(device)
    if name == "u_step":
        f = QuadraticFidelity.gradient_domain(y, k)
        x = torch.zeros_like(f.b)
        w = torch.rand(f.b.shape, generator=g, dtype=torch.float64).to(device)

        def step():
            return u_step(f, x, w, 0.5, 2.0)
    else:
        analysis = "identity" if name.endswith("grad_domain") else "grad"
        f = QuadraticFidelity.gradient_domain(y, k) if analysis == "identity" else QuadraticFidelity.deblur(y, k)
        energy = LpEnergy(f, 1e-3, 0.8, analysis)
        x0 = f.b if analysis == "identity" else y
        z = energy.L(x0)
        w = torch.zeros_like(z)

        def step():  # one ADMM iteration, as in padnet.optim.solvers.admm
            xx = energy.solve_split(z - w, 0.1)
            Lx = energy.L(xx)
            zz = prox_lp(Lx + w, energy.lam / 0.1, energy.p)
            return w + Lx - zz

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    step()
    sync()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    if device == "cuda":
        peak = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024  # kB -> MiB
        peak = max(peak, 0.0)
    return {"case": name, "size": size, "device": device, "threads": threads, "seconds_median": statistics.median(times),
            "seconds_min": min(times), "peak_extra_MiB": round(peak, 1), "dtype": "float64"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="results/bench_core.csv")
    parser.add_argument("--child", nargs=3, metavar=("CASE", "SIZE", "DEVICE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, size, device = args.child
        print(json.dumps(run_case(name, int(size), device, args.repeats, args.threads)))
        return 0
    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        for name, size in CASES:
            out = subprocess.run([sys.executable, __file__, "--child", name, str(size), device, "--repeats",
                                  str(args.repeats), "--threads", str(args.threads)], capture_output=True, text=True,
                                 check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"{row['case']:24s} {row['size']:5d}  {device:4s}  {row['seconds_median'] * 1e3:9.2f} ms  "
                  f"peak +{row['peak_extra_MiB']:.1f} MiB", flush=True)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
