"""Speed and memory of every deblurring method of Table 2 (``padnet.pipelines.deblur.deblur``, default settings,
``boundary="taper"``) on a 255x255 and a 1 MP (1024x1024) grey image, on CPU (and CUDA when present).

Each (method, size, device) runs in a fresh subprocess: one warm-up call (loads the model, plans the
FFTs), then the median of ``--repeats`` timed calls.  Peak memory on CPU is the rise of the process's
maximum resident set from just after the imports (input, padding, model and temporaries included); on
CUDA, torch's peak allocation.

    python scripts/bench_deconv.py [--threads 2] [--repeats 3] [--methods ...] [--devices cpu cuda]
                                   [--out results/bench_deconv.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

METHODS = ["wiener", "hl", "tv", "bm3d", "epll", "csf", "epadnet", "ipadnet"]
SIZES = [255, 1024]


def run_case(method: str, size: int, device: str, repeats: int, threads: int) -> dict:
    import numpy as np
    import torch
    from skimage.data import camera
    from skimage.transform import resize

    from padnet.data.deblur import sun2013_synthesize
    from padnet.physics.kernels import random_motion_kernel
    from padnet.pipelines.deblur import deblur

    torch.set_num_threads(threads)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = np.random.default_rng(0)
    x = resize(camera() / 255.0, (size, size), anti_aliasing=True)
    k = random_motion_kernel(23, rng)
    y = sun2013_synthesize(x, k[::-1, ::-1], rng)  # replicate borders, 1% noise, 8 bit
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    deblur(y, k, method=method, device=device)  # warm-up
    sync()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats if method not in ("bm3d", "epll") or size < 1000 else 1):
        t0 = time.perf_counter()
        deblur(y, k, method=method, device=device)
        sync()
        times.append(time.perf_counter() - t0)
    if device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = max((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 0.0)
    name = torch.cuda.get_device_name() if device == "cuda" else platform.processor() or platform.machine()
    return {"method": method, "size": size, "device": device, "device_name": name, "threads": threads,
            "seconds_median": statistics.median(times), "seconds_min": min(times), "runs": len(times),
            "peak_MiB": round(peak, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", nargs="*", default=METHODS, choices=METHODS)
    parser.add_argument("--devices", nargs="*", default=None, choices=["cpu", "cuda"],
                        help="devices to time (default: cpu, and cuda when present)")
    parser.add_argument("--out", default="results/bench_deconv.csv")
    parser.add_argument("--child", nargs=3, metavar=("METHOD", "SIZE", "DEVICE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        method, size, device = args.child
        print(json.dumps(run_case(method, int(size), device, args.repeats, args.threads)))
        return 0
    import torch

    devices = args.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if "cuda" in devices and not torch.cuda.is_available():
        parser.error("--devices cuda: no CUDA device is available")
    rows = []
    for device in devices:
        for size in SIZES:
            for method in args.methods:
                if device == "cuda" and method == "bm3d":
                    continue  # the bm3d package runs on the CPU only
                out = subprocess.run([sys.executable, __file__, "--child", method, str(size), device, "--repeats",
                                      str(args.repeats), "--threads", str(args.threads)], capture_output=True,
                                     text=True, check=True)
                row = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append(row)
                print(f"{method:8s} {size:5d}  {device:4s}  {row['seconds_median']:8.2f} s  peak +{row['peak_MiB']:.0f} MiB",
                      flush=True)
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
