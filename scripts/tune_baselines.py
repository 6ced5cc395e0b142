"""Choose the classical baselines' regularisation weights on training data (never on Levin or Sun).

Train400 images (or the embedded set without data) are blurred with generated motion kernels (replicate
borders, 1% noise, 8-bit), deblurred over a grid of ``lam`` per method, and scored by PSNR on a 15 px
cropped interior.  The best weights are printed and written to ``results/tune_baselines.csv``; the
defaults of TV, Wiener and the explicit PADNet's beta (Eq. 16) in ``padnet/pipelines/deblur.py`` are set from
this run.  HL keeps Krishnan and
Fergus's published lambda = 2000 (our lam = 5e-4) and is listed for reference; the image-domain
ADMM/HQS defaults are the same energy as HL with p = 0.8 and are not tuned here.

    python scripts/tune_baselines.py [--images 8] [--kernels 3] [--seed 0]

``--rule`` fits the sigma-to-weight rules of :data:`padnet.pipelines.deblur.NOISE_RULE` instead: for each
method with a rule, every exponent ``b`` of :data:`EXPONENTS` gives the weights
``lam(sigma) = lam_1% (sigma / 1%)^b`` (``lam_1%`` the tuned default); the cases are deblurred at each
noise level of :data:`RULE_SIGMAS` with those weights and the ``b`` with the best mean PSNR over the levels
is printed (cached in ``data/results/baselines-noise/rule.csv`` with ``--out``).

    python scripts/tune_baselines.py --rule --out data/results/baselines-noise/rule.csv
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

GRID = {
    "tv": [2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3],
    "wiener": [3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
    "hl": [2.5e-4, 5e-4, 1e-3, 2e-3],
    "epadnet": [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1],  # beta of the linear layer, Eq. (16)
}


#: noise levels of the rule fit (1% is the anchor: every exponent gives the tuned weight there)
RULE_SIGMAS = (0.005, 0.01, 0.02, 0.03, 0.05)
#: candidate exponents b; CSF's "weight" scales its data weights, which fall with the noise (b < 0); the explicit
#: PADNet is noise-level-aware (it takes sigma), so it has no rule (the cached fit's epadnet rows predate it)
EXPONENTS = {"tv": (0.0, 0.5, 1.0, 1.5, 2.0), "hl": (0.0, 0.5, 1.0, 1.5, 2.0), "wiener": (0.5, 1.0, 1.5, 2.0, 2.5),
             "csf": (0.0, -0.5, -1.0, -1.5, -2.0)}


def fit_rules(cases_clean, methods, seed: int) -> list[dict]:
    """Grid of (method, b, sigma) -> mean PSNR on ``cases_clean`` = [(sharp, kernel)] (noise drawn per level)."""
    from tqdm import tqdm

    from padnet.data.deblur import sun2013_synthesize
    from padnet.metrics import psnr
    from padnet.pipelines.deblur import DEFAULTS, NOISE_RULE, deblur

    rows = []
    total = sum(len(EXPONENTS[m]) for m in methods) * len(RULE_SIGMAS) * len(cases_clean)
    with tqdm(total=total, desc="noise rules") as bar:
        for a, sigma in enumerate(RULE_SIGMAS):
            cases = [(x, sun2013_synthesize(x, k[::-1, ::-1], np.random.default_rng([seed, a, c]), sigma=sigma), k)
                     for c, (x, k) in enumerate(cases_clean)]
            for method in methods:
                floor = NOISE_RULE[method][1]
                for b in EXPONENTS[method]:
                    lam = DEFAULTS[method].lam * (max(sigma, floor) / 0.01) ** b
                    scores = []
                    for x, y, k in cases:
                        out = np.clip(deblur(y, k, method=method, lam=lam, device="cpu", sigma=sigma), 0, 1)
                        scores.append(psnr(out[15:-15, 15:-15], x[15:-15, 15:-15]))
                        bar.update()
                    rows.append({"method": method, "b": b, "sigma": sigma, "lam": lam, "psnr": float(np.mean(scores)),
                                 "cases": len(cases)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--kernels", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.01, help="noise standard deviation (default: 1%%)")
    parser.add_argument("--methods", nargs="*", default=list(GRID), choices=sorted(set(GRID) | {"csf"}))
    parser.add_argument("--out", default="results/tune_baselines.csv")
    parser.add_argument("--rule", action="store_true", help="fit the sigma-to-weight rules (see above)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()

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
    if args.rule:
        methods = [m for m in args.methods if m in EXPONENTS] if "--methods" in (argv or sys.argv) else list(EXPONENTS)
        clean = [(imgs[i], random_motion_kernel(int(rng.choice([13, 17, 21, 25])), rng))
                 for i in idx for _ in range(args.kernels)]
        rows = fit_rules(clean, methods, args.seed)
        for method in methods:
            mine = [r for r in rows if r["method"] == method]
            means = {b: np.mean([r["psnr"] for r in mine if r["b"] == b]) for b in EXPONENTS[method]}
            best = max(means, key=means.get)
            print(f"{method:7s} best b {best:g} (mean PSNR over sigma {means[best]:.2f} dB; "
                  + ", ".join(f"b={b:g}: {v:.2f}" for b, v in means.items()) + f") on {len(clean)} {source} cases")
        for r in rows:
            r["source"] = source
        write_csv(rows, args.out)
        import json

        from padnet.provenance import provenance

        prov = provenance("python scripts/tune_baselines.py " + " ".join(argv or sys.argv[1:]),
                          time.perf_counter() - t0, ["train400"], "cpu")
        (Path(args.out).parent / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
        return 0
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
