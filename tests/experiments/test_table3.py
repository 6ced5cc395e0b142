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
