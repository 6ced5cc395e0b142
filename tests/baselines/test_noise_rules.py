"""The sigma-to-weight rules of the classical methods: the exponents the fitting script chose, and one
cell of its cached grid recomputed."""

import os

import numpy as np
import pytest

from padnet.experiments.common import read_csv
from tests.conftest import REPO

CACHE = REPO / "data" / "results" / "baselines-noise" / "rule.csv"


def test_rule_exponents_are_the_ones_the_fitting_script_chose():
    """NOISE_RULE's b is, method by method, the grid value with the best mean PSNR over the noise levels."""
    from padnet.pipelines.deblur import NOISE_RULE

    rows = read_csv(CACHE)
    assert {r["source"] for r in rows} == {"train400"}
    for method, (b, _) in NOISE_RULE.items():
        mine = [r for r in rows if r["method"] == method]
        means = {e: np.mean([r["psnr"] for r in mine if r["b"] == e]) for e in {r["b"] for r in mine}}
        assert len(means) >= 5 and max(means, key=means.get) == b, method


@pytest.mark.skipif(not os.environ.get("PADNET_DATA"), reason="needs Train400 (PADNET_DATA)")
def test_recompute_one_cell_of_the_cached_rule_fit():
    """HL with b = 1.5 at 3% noise on the script's 12 cases (6 Train400 images x 2 kernels, seed 0)."""
    from padnet import data
    from padnet.data.deblur import sun2013_synthesize
    from padnet.metrics import psnr
    from padnet.physics.kernels import random_motion_kernel
    from padnet.pipelines.deblur import DEFAULTS, deblur

    imgs = data.train400().astype(np.float64)
    rng = np.random.default_rng(0)
    idx = rng.choice(len(imgs), size=6, replace=False)
    clean = [(imgs[i], random_motion_kernel(int(rng.choice([13, 17, 21, 25])), rng)) for i in idx for _ in range(2)]
    sigma, a, b = 0.03, 3, 1.5  # a: the level's index in the script's RULE_SIGMAS
    lam = DEFAULTS["hl"].lam * (sigma / 0.01) ** b
    scores = []
    for c, (x, k) in enumerate(clean):
        y = sun2013_synthesize(x, k[::-1, ::-1], np.random.default_rng([0, a, c]), sigma=sigma)
        out = np.clip(deblur(y, k, method="hl", lam=lam, device="cpu", sigma=sigma), 0, 1)
        scores.append(psnr(out[15:-15, 15:-15], x[15:-15, 15:-15]))
    cached = [r for r in read_csv(CACHE) if r["method"] == "hl" and r["b"] == b and r["sigma"] == sigma]
    assert len(cached) == 1 and cached[0]["cases"] == 12
    assert np.mean(scores) == pytest.approx(cached[0]["psnr"], rel=1e-4)
