"""Dehazing benchmarks: our SOTS rendering against the stored originals."""

import os

import pytest


def needs_haze_data():
    from padnet import data

    if not (os.environ.get("PADNET_DATA") and data.available("sots_indoor") and data.available("middlebury2005")):
        pytest.skip("needs SOTS-indoor and Middlebury (PADNET_DATA)")


def test_sots_rendering_matches_the_stored_originals():
    needs_haze_data()
    from padnet.data.haze import sots_rendering_residual

    rows = sots_rendering_residual([1400, 1437, 1449])
    assert len(rows) == 6 and all(r["max_abs_lsb"] <= 2.0 and r["rmse_lsb"] < 0.5 for r in rows)
