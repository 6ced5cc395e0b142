"""Derive the tolerances of the tests that read weights trained elsewhere (tests/learn/test_committed_models.py).

    python scripts/cross_machine_tolerances.py [--retrain] [--retrain-model grad-epadnet-l1] [--out results/tolerances.json]

Run it once per CPU code path, e.g. natively and with
``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2`` (and ``default``), with
``PADNET_DATA`` set.  For every committed PADNet it recomputes the held-out reconstruction error that
training logged (same held-out set, regenerated from the recipe) and prints the relative deviation from
the logged value; with ``--retrain`` it also retrains stage 1 of ``--retrain-model`` (the model whose
first stage the test suite retrains) from its recipe (one thread), compares that stage's held-out error
with the committed log, and retrains it once with a changed recipe (another seed) to show the size of a
real change.  A test's tolerance must sit well above
the deviations between code paths and well below the effect of a changed recipe or a perturbed weight.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from padnet.learn.alg2 import held_out_error, logged_error, train
from padnet.learn.store import load_model
from padnet.learn.zoo import MODEL_CONFIGS, named_config
from padnet.runtime import reproducible, settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retrain", action="store_true", help="also retrain stage 1 of --retrain-model")
    parser.add_argument("--retrain-model", default="grad-epadnet-l1", help="the model retrained (default: %(default)s)")
    parser.add_argument("--out", default=None, help="write the measurements as JSON")
    args = parser.parse_args(argv)
    reproducible(1)
    out = {"settings": settings(), "models": {}, "retrain": {}, "retrain_model": args.retrain_model}
    print(f"settings: {out['settings']}")
    for name in MODEL_CONFIGS:
        model = load_model(name)
        err, logged = held_out_error(model), logged_error(model)
        out["models"][name] = {"recomputed": err, "logged": logged, "rel_dev": abs(err - logged) / logged}
        print(f"{name:20s} recomputed {err:.6f}  logged {logged:.6f}  rel. deviation {abs(err - logged) / logged:.2e}")
    if args.retrain:
        committed = load_model(args.retrain_model)
        logged1 = committed.log[0]["units"][-1]["val_rec_error"]
        for label, cfg in [("recipe", named_config(args.retrain_model)),
                           ("seed 1", replace(named_config(args.retrain_model), seed=1))]:
            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                part = train(cfg, Path(tmp) / "c.pt", device="cpu", progress=False, max_new_stages=1)
            e1 = part.log[0]["units"][-1]["val_rec_error"]
            out["retrain"][label] = {"stage1_val_rec_error": e1, "logged": logged1,
                                     "rel_dev": abs(e1 - logged1) / logged1, "seconds": time.perf_counter() - t0}
            print(f"retrained stage 1 ({label}): {e1:.6f}  committed log {logged1:.6f}  "
                  f"rel. deviation {abs(e1 - logged1) / logged1:.2e}  ({time.perf_counter() - t0:.0f} s)")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
