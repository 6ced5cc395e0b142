"""Choose Table 1's prior weights lambda (one per p) and check the ADMM / HQS schedules, on Train400 only.

    python scripts/tune_table1.py [--n 32] [--out data/results/table1-tuning]

One protocol for every prior p in {1, 0.8, 0}: ``--n`` Train400 patches of 96x96 (seed 0, never Levin's
images or kernels), blurred circularly by generated motion kernels (sizes 13-27) with 1% Gaussian noise;
Eq. (14) is solved from ``g_0 = D(y)`` by ADMM with the continuation schedule of
:data:`padnet.experiments.table1.ADMM` run to a tight tolerance (1e-5, cap 2000), and scored by the
relative error ``||g - D(x)|| / ||D(x)||``.  The schedules are absolute (independent of lambda).  lambda is the grid value with the lowest mean error.  The
script then runs both schedules (ADMM, HQS) at Table 1's tolerance eps = 1e-3 with the chosen lambda
and reports how often each stops by the rule before its safety cap.  It writes ``lambda.csv``,
``schedules.csv`` and ``provenance.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from padnet.experiments.common import write_csv
from padnet.experiments.table1 import ADMM, EPS, HQS, MAX_ITER, PRIORS
from padnet.optim.energy import LpEnergy, batch_norm2
from padnet.optim.solvers import admm, hqs
from padnet.provenance import provenance
from padnet.runtime import reproducible
from padnet.tasks import get_task
from padnet.tasks.deblur_image import blurred_patches

GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)


def problems(n: int):
    cfg = SimpleNamespace(seed=0, patch=96, kernel_canvas=27, kernel_sizes=(13, 17, 21, 25, 27), noise=0.01)
    data = blurred_patches(cfg, n, 7, torch.device("cpu"))  # offset 7: none of the models' training draws
    task = get_task("gradient")
    f, target = task.problem(SimpleNamespace(y=data.y.double(), x=data.x.double(), kernels=data.kernels.double()))
    return f, target, data.embedded


def error(g: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return batch_norm2(g - target) / batch_norm2(target)


def per_item(solver, f, target, lam, p, **kw):
    """Solve every item on its own (the stopping rule is per problem, as in Table 1)."""
    out = []
    for i in range(f.b.shape[0]):
        fi = f.select(slice(i, i + 1))
        g, trace = solver(LpEnergy(fi, lam, p), fi.b, **kw)
        out.append({"error": float(error(g, target[i:i + 1])), "iterations": trace.iterations,
                    "converged": trace.converged})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=32, help="Train400 patches (default 32)")
    parser.add_argument("--out", default=None, help="folder for lambda.csv, schedules.csv, provenance.json")
    args = parser.parse_args(argv)
    reproducible()
    t0 = time.perf_counter()
    f, target, embedded = problems(args.n)
    lam_rows, chosen = [], {}
    for label, p in PRIORS.items():
        for lam in GRID:
            g, _ = admm(LpEnergy(f, lam, p), f.b, eps=1e-5, max_iter=2000, **ADMM)
            e = float(error(g, target).mean())
            lam_rows.append({"prior": label, "lam": lam, "rel_error": e})
            print(f"{label:5s} lambda {lam:.0e}: mean rel. error {e:.4f}", flush=True)
        best = min((r for r in lam_rows if r["prior"] == label), key=lambda r: r["rel_error"])
        chosen[label] = best["lam"]
        print(f"{label:5s} -> lambda = {best['lam']:g}", flush=True)
    sched_rows = []
    for label, p in PRIORS.items():
        lam = chosen[label]
        for name, solver, kw in (("ADMM", admm, ADMM), ("HQS", hqs, HQS)):
            rows = per_item(solver, f, target, lam, p, eps=EPS, max_iter=MAX_ITER, **kw)
            row = {"method": name, "prior": label, "lam": lam,
                   "iterations": float(np.mean([r["iterations"] for r in rows])),
                   "converged": float(np.mean([r["converged"] for r in rows])),
                   "rel_error": float(np.mean([r["error"] for r in rows]))}
            sched_rows.append(row)
            print(f"{name:4s} {label:5s}: {row['iterations']:.1f} iterations, stopped by eps on "
                  f"{100 * row['converged']:.0f}%, rel. error {row['rel_error']:.4f}", flush=True)
    wall = time.perf_counter() - t0
    if args.out:
        out = Path(args.out)
        write_csv(lam_rows, out / "lambda.csv")
        write_csv(sched_rows, out / "schedules.csv")
        prov = provenance(f"python scripts/tune_table1.py --n {args.n} --out {args.out}", wall, ["train400"],
                          "cpu (1 thread)", {"lambda": chosen, "grid": list(GRID), "embedded": embedded})
        (out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    print(f"chosen: {chosen} ({wall:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
