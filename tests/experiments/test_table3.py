"""Table 3: the cached full run has provenance and part of it is recomputed."""

import json
import os

import pytest

from tests.conftest import REPO


def needs_haze_data():
    from padnet import data

    if not (os.environ.get("PADNET_DATA") and data.available("sots_indoor") and data.available("middlebury2005")):
        pytest.skip("needs SOTS-indoor and Middlebury (PADNET_DATA)")


def test_cached_table3_and_recompute_part_of_it():
    needs_haze_data()
    from padnet.data.haze import middlebury_cases
    from padnet.experiments.common import compare_with_cache, read_csv
    from padnet.experiments.table3 import run_dehaze_methods

    folder = REPO / "data" / "results" / "table3"
    prov = json.loads((folder / "provenance.json").read_text())
    assert not prov["embedded"] and prov["uncommitted_changes"] is False
    rows = read_csv(folder / "table3.csv")
    assert list(rows[0])[:5] == ["method", "dataset", "psnr", "ssim", "seconds"]
    now = run_dehaze_methods(middlebury_cases(["Moebius"])[:1], device="cpu", progress=False)
    assert compare_with_cache(now, read_csv(folder / "table3_per_image.csv"), ("method", "image"),
                              ("psnr", "ssim", "t_rmse"), rtol=1e-3) == []


def test_cached_stress_renders_and_recompute_one():
    """The stress renders beyond Table 3 (scripts/stress_dehaze.py): the cache has provenance from a clean
    checkout, its renders follow Eq. (17) with the requested beta and airlight, and one case is recomputed."""
    needs_haze_data()
    import numpy as np

    from padnet.data.haze import middlebury_cases
    from padnet.experiments.common import compare_with_cache, read_csv
    from padnet.experiments.table3 import STRESS_RENDERS, run_dehaze_methods

    folder = REPO / "data" / "results" / "dehaze-stress"
    prov = json.loads((folder / "provenance.json").read_text())
    assert prov["uncommitted_changes"] is False and prov["cases"] == 6 * len(STRESS_RENDERS)
    label, beta, A = STRESS_RENDERS[-1]
    (case,) = middlebury_cases(["Moebius"], betas=(beta,), A=A)
    assert case.name == f"moebius_b{beta:g}_A" + "-".join(f"{a:g}" for a in A)
    lin = case.t[..., None] * case.clean + (1 - case.t[..., None]) * np.asarray(A)  # Eq. (17)
    assert np.abs(case.hazy - lin).max() <= 0.5 / 255 + 1e-12  # 8-bit rounding only
    assert np.isclose(case.t.min(), np.exp(-beta), rtol=1e-6)  # the farthest point: z = 1
    now = run_dehaze_methods([case], ["padnet", "dcp"], device="cpu", progress=False)
    assert compare_with_cache(now, read_csv(folder / "stress_per_image.csv"), ("method", "image"),
                              ("psnr", "ssim", "t_rmse"), rtol=1e-3) == []


def test_cases_ahead_counts_wins_per_group_against_the_rival():
    from padnet.experiments.table3 import cases_ahead

    rows = [{"method": m, "image": img, "render": g, "psnr": p, "ssim": q}
            for m, img, g, p, q in [("Ours", "a", "x", 20.0, 0.9), ("He et al.", "a", "x", 19.0, 0.95),
                                    ("He et al.", "b", "x", 21.0, 0.80), ("Ours", "b", "x", 20.5, 0.85),
                                    ("Ours", "a", "y", 18.0, 0.7), ("He et al.", "a", "y", 18.0, 0.6),
                                    ("Meng et al.", "a", "y", 30.0, 0.99)]]
    assert cases_ahead(rows, by="render") == [{"render": "x", "n": 2, "psnr": 1, "ssim": 1},
                                              {"render": "y", "n": 1, "psnr": 0, "ssim": 1}]
