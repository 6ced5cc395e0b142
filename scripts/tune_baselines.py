"""Choose the classical baselines' regularisation weights on training data (never on Levin or Sun).

Train400 images (or the embedded set without data) are blurred with generated motion kernels (replicate
borders, 1% noise, 8-bit), deblurred over a grid of ``lam`` per method, and scored by PSNR on a 15 px
cropped interior.  The best weights are printed and written to ``results/tune_baselines.csv``; the
defaults of TV, Wiener and the explicit PADNet's beta (Eq. 16) in ``padnet/pipelines/deblur.py`` are set from
this run.  HL keeps Krishnan and
Fergus's published lambda = 2000 (our lam = 5e-4) and is listed for reference; the image-domain
ADMM/HQS defaults are the same energy as HL with p = 0.8 and are not tuned here.

    python scripts/tune_baselines.py [--images 8] [--kernels 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

GRID = {
    "tv": [2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3],
    "wiener": [3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
    "hl": [2.5e-4, 5e-4, 1e-3, 2e-3],
    "epadnet": [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1],  # beta of the linear layer, Eq. (16)
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--kernels", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.01, help="noise standard deviation (default: 1%%)")
    parser.add_argument("--methods", nargs="*", default=list(GRID), choices=list(GRID))
    parser.add_argument("--out", default="results/tune_baselines.csv")
    args = parser.parse_args(argv)

    from tqdm import tqdm

    from padnet import data
    from padnet.data.deblur import sun2013_synthesize
    from padnet.experiments.common import write_csv
    from padnet.metrics import psnr
    from padnet.physics.kernels import random_motion_kernel
    from padnet.pipelines.deblur import deblur

    if data.available("train400"):
        imgs = data.train400().astype(np.float64)
        source = "train400"
    else:
        print(data.EMBEDDED_NOTICE, file=sys.stderr)
        imgs = np.stack([s.sharp[:180, :180] for s in data.embedded_deblur_set(n_kernels=1)])
        source = "embedded"
    rng = np.random.default_rng(args.seed)
    idx = rng.choice(len(imgs), size=min(args.images, len(imgs)), replace=False)
    cases = []
    for i in idx:
        for _ in range(args.kernels):
            k = random_motion_kernel(int(rng.choice([13, 17, 21, 25])), rng)
            y = sun2013_synthesize(imgs[i], k[::-1, ::-1], rng, sigma=args.noise)
            cases.append((imgs[i], y, k))
    rows = []
    grid = {m: GRID[m] for m in args.methods}
    total = sum(len(v) for v in grid.values()) * len(cases)
    with tqdm(total=total, desc="tuning") as bar:
        for method, lams in grid.items():
            for lam in lams:
                scores = []
                for x, y, k in cases:
                    out = np.clip(deblur(y, k, method=method, lam=lam, device="cpu"), 0, 1)
                    scores.append(psnr(out[15:-15, 15:-15], x[15:-15, 15:-15]))
                    bar.update()
                rows.append({"method": method, "lam": lam, "psnr": float(np.mean(scores)), "cases": len(cases),
                             "noise": args.noise, "source": source})
    for method in grid:
        best = max((r for r in rows if r["method"] == method), key=lambda r: r["psnr"])
        print(f"{method:7s} best lam {best['lam']:g}  ({best['psnr']:.2f} dB on {best['cases']} {source} cases)")
    write_csv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
