"""Experiment plumbing: summaries, cache comparison, CSV round trip, committed models and cached tables."""

import json
import math

import pytest

from padnet.experiments import compare_with_cache, read_csv, summarise, write_csv
from tests.conftest import REPO


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


@pytest.mark.parametrize("name", ["grad-epadnet-l1", "grad-epadnet-l0.8", "grad-epadnet-l0", "grad-ipadnet"])
def test_committed_models_have_provenance_and_match_their_config(name):
    from padnet.training import MODEL_DIR, load_model
    from padnet.zoo import named_config

    prov = json.loads((MODEL_DIR / f"{name}.json").read_text())
    for key in ("command", "commit", "uncommitted_changes", "device", "wall_seconds", "seed", "data",
                "final_train_loss"):
        assert key in prov, key
    assert prov["command"].startswith(f"padnet train {name}")
    assert prov["uncommitted_changes"] is False and prov["data"]["train400"]["present"]
    model = load_model(name)
    assert model.config == named_config(name)  # `padnet train NAME` reproduces this model's recipe
    assert len(model.networks) == prov["stages"] and [len(n.units) for n in model.networks] == prov["units_per_stage"]


def test_cached_table1_has_provenance_and_the_issue_columns():
    folder = REPO / "data" / "results" / "table1"
    rows = read_csv(folder / "table1.csv")
    assert list(rows[0]) == ["method", "prior", "iterations", "rel_error"]
    assert {r["method"] for r in rows} == {"ADMM", "HQS", "EPADNet", "IPADNet"}
    assert {r["prior"] for r in rows} == {"l1", "l0.8", "l0", "-"}
    prov = json.loads((folder / "provenance.json").read_text())
    assert prov["images"] == 32 and not prov["embedded"] and prov["commit"] != "unknown"
    assert all(math.isfinite(r["rel_error"]) for r in rows)


@pytest.mark.skipif(not (REPO / "data" / "results" / "table1" / "table1_per_image.csv").exists(), reason="no cache")
def test_recompute_part_of_the_cached_table1():
    """Recompute three cached rows of Table 1 (one capture) with the committed models."""
    import os

    if not os.environ.get("PADNET_DATA"):
        pytest.skip("needs Levin's data (PADNET_DATA)")
    import torch

    from padnet import data
    from padnet.table1 import MODEL_NAMES, solve_sample
    from padnet.training import load_model

    s = data.levin09(["im05_flit01.mat"])[0]
    models = {("EPADNet", "l0.8"): load_model(MODEL_NAMES["EPADNet"]["l0.8"]),
              ("IPADNet", "-"): load_model(MODEL_NAMES["IPADNet"])}
    rows = []
    for method, prior in [("ADMM", "l1"), ("EPADNet", "l0.8"), ("IPADNet", "-")]:
        err, trace = solve_sample(s, method, prior, torch.device("cpu"), models)
        rows.append({"method": method, "prior": prior, "image": s.name, "iterations": trace.iterations,
                     "rel_error": err})
    cached = read_csv(REPO / "data" / "results" / "table1" / "table1_per_image.csv")
    assert compare_with_cache(rows, cached, ("method", "prior", "image"), ("iterations", "rel_error")) == []


def test_load_model_by_name_with_a_dot_and_by_path(tmp_path):
    from padnet.checks import InputError
    from padnet.training import MODEL_DIR, load_model

    assert load_model("grad-epadnet-l0.8").config.p == 0.8  # the ".8" is part of the name, not a suffix
    assert load_model(MODEL_DIR / "grad-ipadnet.pt").config.p is None
    with pytest.raises(InputError, match="no trained model"):
        load_model("grad-epadnet-l0.5")


def test_cached_table2_has_provenance_and_the_issue_columns():
    folder = REPO / "data" / "results" / "table2"
    rows = read_csv(folder / "table2.csv")
    assert list(rows[0])[:5] == ["method", "dataset", "psnr", "ssim", "seconds"]
    assert {r["dataset"] for r in rows} == {"levin09", "sun2013-official"}
    assert {"Ours (E)", "Ours (I)", "TV", "HL", "EPLL", "CSF"} <= {r["method"] for r in rows}
    prov = json.loads((folder / "provenance.json").read_text())
    assert not prov["embedded"] and prov["commit"] != "unknown" and prov["uncommitted_changes"] is False
    per_image = read_csv(folder / "table2_per_image.csv")
    for r in rows:  # the summary is the mean of the per-image rows
        grp = [q["psnr"] for q in per_image if q["method"] == r["method"] and q["dataset"] == r["dataset"]]
        assert len(grp) == r["n"] and sum(grp) / len(grp) == pytest.approx(r["psnr"])


def test_recompute_part_of_the_cached_table2():
    """Deblur one Levin capture with both PADNets, HL, EPLL and CSF and score it: the cached rows must match."""
    import os

    if not os.environ.get("PADNET_DATA"):
        pytest.skip("needs Levin's data (PADNET_DATA)")
    from padnet import data
    from padnet.experiments import run_deblur_methods
    from padnet.table2 import METHODS

    specs = [m for m in METHODS if m.label in ("HL", "EPLL", "CSF", "Ours (E)", "Ours (I)")]
    rows = run_deblur_methods(data.levin09(["im06_flit02.mat"]), specs, device="cpu", progress=False)
    cached = read_csv(REPO / "data" / "results" / "table2" / "table2_per_image.csv")
    assert compare_with_cache(rows, cached, ("method", "image"), ("psnr", "ssim"), rtol=1e-3) == []


def test_cached_sun640_run_covers_every_synthesised_input():
    """The --sun all cache: all 80 images x 8 kernels for each method it ran, clean provenance, and a
    summary that is the mean of its per-image rows."""
    folder = REPO / "data" / "results" / "table2-sun640"
    prov = json.loads((folder / "provenance.json").read_text())
    assert "--sun all" in prov["command"] and not prov["embedded"] and prov["uncommitted_changes"] is False
    all_rows = read_csv(folder / "table2_per_image.csv")
    per_image = [r for r in all_rows if r["dataset"] == "sun2013"]
    methods = {r["method"] for r in per_image}
    assert "Ours (I)" in methods
    for m in methods:
        names = {r["image"] for r in per_image if r["method"] == m}
        assert names == {f"sun_{i:03d}_k{j}" for i in range(1, 81) for j in range(1, 9)}
    for r in read_csv(folder / "table2.csv"):
        grp = [q["psnr"] for q in all_rows if q["method"] == r["method"] and q["dataset"] == r["dataset"]]
        assert len(grp) == r["n"] and sum(grp) / len(grp) == pytest.approx(r["psnr"])


def test_recompute_part_of_the_cached_sun640_run():
    """Synthesise one of the 640 Sun inputs again (seeded), deblur it with the implicit PADNet and score it
    with Sun's protocol: the cached row must match."""
    import os

    if not os.environ.get("PADNET_DATA"):
        pytest.skip("needs Sun's and Levin's data (PADNET_DATA)")
    from padnet import data
    from padnet.experiments import run_deblur_methods
    from padnet.table2 import METHODS

    sample = list(data.sun2013(images=[23], kernels=[4]))  # the smallest image (424 x 1024)
    specs = [m for m in METHODS if m.label == "Ours (I)"]
    rows = run_deblur_methods(sample, specs, device="cpu", progress=False)
    cached = read_csv(REPO / "data" / "results" / "table2-sun640" / "table2_per_image.csv")
    assert compare_with_cache(rows, cached, ("method", "image"), ("psnr", "ssim"), rtol=1e-3) == []


def test_each_benchmark_is_scored_by_its_own_protocol():
    """Sun's inputs (synthesised or official) lose a 50 px border; Levin's only 15 px: an estimate that
    is wrong only in a 20 px frame is perfect under Sun's protocol and not under Levin's."""
    import numpy as np

    from padnet.data import DeblurSample
    from padnet.experiments import MethodSpec, protocol_for, run_deblur_methods
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
