"""What it takes for a trained EPADNet to meet Condition 1 (Table 1's gradient-domain problem, l1 prior).

    python scripts/condition1_study.py [--jobs 2] [--out data/results/condition1-study]

Trains small EPADNets with Alg. 2 (48 Train400 patches of 64x64, 60 Adam steps per unit, at most 2 units
per stage, 12 stages, lambda = 1e-3 as scripts/tune_table1.py chose for l1) under four settings of
(mu, C_E, gamma, weight of the Condition-1 loss) and records, per stage, the held-out share of samples
meeting Condition 1, the relative change and the reconstruction error.  The settings:

* ``committed``: mu = 0.2, C_E = 0.08, gamma = 2, no Condition-1 loss (the committed models' schedule);
* ``mu0.8``: mu = 0.8, C_E = 0.25 (mu > 2 C_E and mu/2 + (mu - 1)/2 - C_E > 0: a certified decrease),
  gamma = 2, Condition-1 loss;
* ``mu0.8-slow``: the same with gamma = 1.5 (the networks stay active longer);
* ``mu0.6``: mu = 0.6, C_E = 0.05 (the decrease bound's largest C_E at this mu is 0.1), gamma = 2,
  Condition-1 loss.

Writes ``stages.csv`` (one row per setting and stage) and ``provenance.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

from padnet.experiments.common import map_tasks, write_csv
from padnet.learn.alg2 import train
from padnet.learn.zoo import named_config
from padnet.provenance import provenance
from padnet.runtime import reproducible

SETTINGS = {
    "committed": {"mu": 0.2, "C_E": 0.08, "gamma": 2.0, "cond1_weight": 0.0},
    "mu0.8": {"mu": 0.8, "C_E": 0.25, "gamma": 2.0, "cond1_weight": 1.0},
    "mu0.8-slow": {"mu": 0.8, "C_E": 0.25, "gamma": 1.5, "cond1_weight": 1.0},
    "mu0.6": {"mu": 0.6, "C_E": 0.05, "gamma": 2.0, "cond1_weight": 1.0},
}


def run(label: str) -> list[dict]:
    reproducible(1)
    s = SETTINGS[label]
    base = named_config("grad-epadnet-l1")
    cfg = replace(base, name=f"study-{label}", lam=1e-3, n_train=48, n_val=8, steps_per_unit=60, t_max=2,
                  cond1_weight=s["cond1_weight"],
                  padnet={"explicit": True, "mu": s["mu"], "C_E": s["C_E"], "rho0": 0.03, "gamma": s["gamma"],
                          "eps": 1e-3, "max_stages": 12})
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        model = train(cfg, Path(tmp) / "c.pt", device="cpu", progress=False)
    wall = time.perf_counter() - t0
    return [{"setting": label, **{k: v for k, v in s.items()}, "stage": st["stage"], "units": st["units_used"],
             "cond1_share": st["units"][-1]["cond1_share"], "rel_change": st["val_rel_change"],
             "rec_error": st["units"][-1]["val_rec_error"], "train_seconds": wall} for st in model.log]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    results = map_tasks(run, list(SETTINGS), args.jobs, desc="settings")
    rows = [r for res in results for r in res]
    for label in SETTINGS:
        mine = [r for r in rows if r["setting"] == label]
        print(f"{label:11s} Condition 1 at {sum(r['cond1_share'] for r in mine) / len(mine):.2f} of stages; "
              f"stage 8: rel. change {mine[7]['rel_change']:.2e}, error {mine[7]['rec_error']:.3f}; "
              f"last: {mine[-1]['rel_change']:.2e}, {mine[-1]['rec_error']:.3f}")
    if args.out:
        out = Path(args.out)
        write_csv(rows, out / "stages.csv")
        prov = provenance(f"python scripts/condition1_study.py --jobs {args.jobs} --out {args.out}",
                          time.perf_counter() - t0, ["train400"], f"cpu ({args.jobs} workers, 1 thread each)",
                          {"settings": SETTINGS})
        (out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    torch.set_num_threads(1)
    sys.exit(main())
