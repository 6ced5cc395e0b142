"""Experiment helpers: summaries, CSV round trip, cache comparison, per-benchmark protocols."""

import math

import pytest

from padnet.experiments.common import compare_with_cache, read_csv, summarise, write_csv


def test_summarise_means_per_group():
    rows = [{"method": "A", "dataset": "d", "psnr": 30.0, "ssim": 0.9, "seconds": 1.0},
            {"method": "A", "dataset": "d", "psnr": 32.0, "ssim": 0.8, "seconds": 3.0},
            {"method": "B", "dataset": "d", "psnr": 20.0, "ssim": 0.5, "seconds": 2.0}]
    out = summarise(rows)
    assert [(r["method"], r["n"]) for r in out] == [("A", 2), ("B", 1)]
    assert out[0]["psnr"] == 31.0 and out[0]["ssim"] == pytest.approx(0.85) and out[0]["seconds"] == 2.0


def test_compare_with_cache_flags_differences_and_missing_rows():
    cached = [{"m": "A", "img": "x", "K": 5, "err": 0.5}, {"m": "B", "img": "x", "K": 9, "err": 0.7}]
    same = [{"m": "A", "img": "x", "K": 5, "err": 0.50000001}]
    assert compare_with_cache(same, cached, ("m", "img"), ("K", "err")) == []
    off = [{"m": "A", "img": "x", "K": 6, "err": 0.5}, {"m": "C", "img": "x", "K": 1, "err": 0.1}]
    problems = compare_with_cache(off, cached, ("m", "img"), ("K", "err"))
    assert len(problems) == 2 and "K 6 != cached 5" in problems[0] and "not in the cache" in problems[1]


def test_csv_round_trip_with_ragged_rows(tmp_path):
    rows = [{"method": "ADMM", "prior": "l0.8", "iterations": 28, "rel_error": 1.2069, "flag": True},
            {"method": "HQS", "prior": "l0", "iterations": 3, "rel_error": 0.5, "flag": False, "beta": 2.0}]
    back = read_csv(write_csv(rows, tmp_path / "a" / "t.csv"))
    assert back[0] == {**rows[0], "beta": back[0]["beta"]} and math.isnan(back[0]["beta"])
    assert back[1] == rows[1]


def test_each_benchmark_is_scored_by_its_own_protocol():
    """Sun's inputs (synthesised or official) lose a 50 px border; Levin's only 15 px: an estimate that
    is wrong only in a 20 px frame is perfect under Sun's protocol and not under Levin's."""
    import numpy as np

    from padnet.data import DeblurSample
    from padnet.experiments.common import MethodSpec, protocol_for, run_deblur_methods
    from padnet.metrics import levin_protocol, sun_protocol

    assert protocol_for("sun2013") is sun_protocol and protocol_for("sun2013-official") is sun_protocol
    assert protocol_for("levin09") is levin_protocol and protocol_for("embedded") is levin_protocol
    rng = np.random.default_rng(0)
    sharp = rng.random((160, 170))
    blurred = sharp.copy()
    blurred[:20] = blurred[-20:] = 0.0
    blurred[:, :20] = blurred[:, -20:] = 0.0
    k = np.zeros((3, 3))
    k[1, 1] = 1.0
    spec = [MethodSpec("Wiener", "wiener", boundary="circular", lam=1e-12)]  # identity kernel: x = y
    psnrs = {}
    for ds in ("sun2013-official", "sun2013", "levin09"):
        s = DeblurSample(name="frame", blurred=blurred, sharp=sharp, kernel=k, dataset=ds, kernel_id=1)
        psnrs[ds] = run_deblur_methods([s], spec, device="cpu", progress=False)[0]["psnr"]
    assert psnrs["sun2013-official"] > 100 and psnrs["sun2013"] > 100 and psnrs["levin09"] < 30
