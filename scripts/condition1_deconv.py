"""The convergence conditions of Table 2's deconvolution PADNets, measured (:mod:`padnet.experiments.conditions`).

    python scripts/condition1_deconv.py

On eight 128x128 crops of Train400 images (training images, other crops and noise: a check, not a
benchmark) at 1% and 5% noise:

* for the explicit models ``deconv-explicit-sigma`` (Eq. 14's fidelity) and ``deconv-explicit-ex`` (Eq. 15's,
  the model behind ``epadnet``), Alg. 1 as committed (no repeated correction) and with the safeguard of
  Table 1's models (``corrections = 50``): the mean PSNR of the image of Eq. (16) and the share of stages
  where Condition 1 holds for the units' own output and after the safeguard;
* for the implicit model behind ``ipadnet`` (``deconv-implicit-sigma-w1-k8``), per stage: alpha_k, Condition
  2's ``||N(w_k) - w_k|| / alpha_k`` (largest over the crops), the mean relative change and the largest
  step over alpha_k (Theorem 2 bounds it), and the final PSNR.
"""

from __future__ import annotations

import sys

from padnet.experiments.conditions import condition_cases, explicit_condition1, implicit_condition2
from padnet.runtime import reproducible

EXPLICIT = ("deconv-explicit-sigma", "deconv-explicit-ex")
IMPLICIT = "deconv-implicit-sigma-w1-k8"


def main() -> int:
    reproducible(2)
    cases = condition_cases()
    for name in EXPLICIT:
        for corrections in (0, 50):
            for r in explicit_condition1(name, corrections, cases=cases):
                print(f"{name:22s} corrections {corrections:2d}  sigma {100 * r['sigma']:.0f}%: "
                      f"PSNR {r['psnr']:.2f} dB, "
                      f"Condition 1 at {r['held_net']:.2f} of the stages with the units alone, "
                      f"{r['held']:.2f} after the safeguard", flush=True)
    for r in implicit_condition2(IMPLICIT, cases=cases):
        print(f"{IMPLICIT} sigma {100 * r['sigma']:.0f}% stage {r['k'] + 1}: alpha {r['alpha']:6.3f}, "
              f"||N(w) - w|| / alpha {r['C_N']:.3f}, rel change {r['rel_change']:.4f}, "
              f"step / alpha {r['step_over_alpha']:.4f}, final PSNR {r['psnr']:.2f} dB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
