"""Whole-process time of ``padnet deblur`` on a 1-megapixel grey photo, and where it goes.

Writes a 1024x1024 test input (scikit-image's camera resized, a 23 px motion kernel, replicate borders,
1% noise, 8 bit) as PNGs, then

* times ``padnet deblur BLURRED KERNEL -o OUT`` (default options, and each ``--method`` given) as a
  fresh process, in ``--repeats`` rounds (every method once per round, so that a drift of the machine hits
  all alike), median and minimum, with ``--threads`` compute threads;
* with ``--rgb``, also times the default on a 1-megapixel colour photo (scikit-image's astronaut resized, the
  same kernel, 1% noise in each channel), in opponent colour (the default) and with ``--colour rgb``;
* breaks one run down in-process: ``import torch``, the rest of the imports, reading, the noise
  estimate, padding, the solve (the PADNet's stages), writing.

    python scripts/bench_cli.py [--threads 2] [--repeats 5] [--methods auto ipadnet wiener] [--rgb]
                                [--out data/results/bench-cli]

With ``--out DIR`` it writes ``DIR/bench_cli.csv`` and ``DIR/provenance.json`` (the book's command-line
chapter shows the cached run).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: settings that cap the instruction set of PyTorch's, oneDNN's and MKL's kernels; recorded in the provenance when set
CAP_SETTINGS = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS")

PHASES = r"""
import time, sys
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
from padnet.cli import main  # noqa: F401  (everything the command imports)
from padnet.io import read_image, read_kernel, write_image
from padnet.physics.noise import estimate_noise_sigma
from padnet.physics.operators import crop_padding, pad_for_deconvolution
from padnet.pipelines.deblur import padnet_deblur
t2 = time.perf_counter()
y, bits = read_image(sys.argv[1]); k = read_kernel(sys.argv[2])
t3 = time.perf_counter()
sigma = estimate_noise_sigma(y)
t4 = time.perf_counter()
yt = torch.from_numpy(y)[None, None].float(); kt = torch.from_numpy(k)[None, None].float()
yp, pad = pad_for_deconvolution(yt, kt)
t5 = time.perf_counter()
x = padnet_deblur(yp, kt, "ipadnet", sigma=sigma)
t6 = time.perf_counter()
write_image(sys.argv[3], crop_padding(x, pad)[0, 0].double().numpy(), bits=bits)
t7 = time.perf_counter()
print(f"{t1-t0} {t2-t1} {t3-t2} {t4-t3} {t5-t4} {t6-t5} {t7-t6} {tuple(yp.shape[-2:])}")
"""


def make_input(folder: Path) -> tuple[Path, Path, Path]:
    """The grey input, its kernel and the colour input (same kernel), written to ``folder``."""
    import numpy as np
    from skimage.data import astronaut, camera
    from skimage.transform import resize

    from padnet.data.deblur import sun2013_synthesize
    from padnet.io import write_image
    from padnet.physics.kernels import random_motion_kernel

    rng = np.random.default_rng(0)
    x = resize(camera() / 255.0, (1024, 1024), anti_aliasing=True)
    k = random_motion_kernel(23, rng)
    y = sun2013_synthesize(x, k[::-1, ::-1], rng)
    write_image(folder / "y.png", y, bits=8)
    np.save(folder / "k.npy", k)
    x_rgb = resize(astronaut() / 255.0, (1024, 1024, 3), anti_aliasing=True)
    write_image(folder / "y_rgb.png", sun2013_synthesize(x_rgb, k[::-1, ::-1], rng), bits=8)
    return folder / "y.png", folder / "k.npy", folder / "y_rgb.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--methods", nargs="*", default=["auto", "ipadnet", "wiener"])
    parser.add_argument("--rgb", action="store_true", help="also time the default on a 1 MP colour photo, in opponent "
                        "colour and with --colour rgb")
    parser.add_argument("--out", default=None, help="folder for bench_cli.csv and provenance.json")
    args = parser.parse_args(argv)
    t_all = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PADNET_THREADS": str(args.threads)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        y, k, y_rgb = make_input(Path(tmp))
        out = Path(tmp) / "x.png"
        padnet = [sys.executable, "-m", "padnet.cli"]
        runs = {f"padnet deblur ({'default' if m == 'auto' else '--method ' + m})":
                [str(y)] + ([] if m == "auto" else ["--method", m]) for m in args.methods}
        if args.rgb:
            runs["padnet deblur (default), RGB photo"] = [str(y_rgb)]
            runs["padnet deblur (--colour rgb), RGB photo"] = [str(y_rgb), "--colour", "rgb"]
        times: dict[str, list[float]] = {what: [] for what in runs}
        for _ in range(args.repeats):  # rounds: every command once per round
            for what, (blurred, *options) in runs.items():
                cmd = [*padnet, "deblur", blurred, str(k), "-o", str(out), *options]
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, env=env, capture_output=True)
                times[what].append(time.perf_counter() - t0)
        for what, ts in times.items():
            rows.append({"what": what, "seconds_median": statistics.median(ts), "seconds_min": min(ts), "runs": len(ts)})
            print(f"{rows[-1]['what']:40s} {rows[-1]['seconds_median']:6.2f} s (median of {args.repeats}, min "
                  f"{min(ts):.2f} s; whole process)")
        res = subprocess.run([sys.executable, "-c", PHASES, str(y), str(k), str(out)], check=True, env=env,
                             capture_output=True, text=True)
        *vals, shape = res.stdout.strip().split(" ", 7)
        names = ["import torch", "other imports", "read input", "noise estimate", "padding", "PADNet stages",
                 "write output"]
        for name, v in zip(names, vals):
            rows.append({"what": f"phase: {name}", "seconds_median": float(v), "seconds_min": float(v), "runs": 1})
            print(f"  {name:18s} {float(v):6.2f} s")
        print(f"  (padded size {shape}, {args.threads} threads)")
    if args.out:
        import json

        from padnet.provenance import provenance

        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        for r in rows:
            r.update(threads=args.threads, padded=shape)
        with open(folder / "bench_cli.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["what", "seconds_median", "seconds_min", "runs", "threads", "padded"])
            w.writeheader()
            w.writerows(rows)
        command = (f"python scripts/bench_cli.py --threads {args.threads} --repeats {args.repeats} --methods "
                   f"{' '.join(args.methods)}{' --rgb' if args.rgb else ''} --out {args.out}")
        extra = {"input": "scikit-image camera resized to 1024x1024, 23 px motion kernel, 1% noise, 8 bit"
                          + ("; RGB: astronaut resized to 1024x1024x3, the same kernel and noise per channel"
                             if args.rgb else "")}
        capped = {name: os.environ[name] for name in CAP_SETTINGS if name in os.environ}
        if capped:  # the instruction-set caps in force (e.g. the AVX2 proxy run)
            extra["environment"] = capped
        prov = provenance(command, time.perf_counter() - t_all, [], f"cpu ({args.threads} threads)", extra)
        (folder / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
