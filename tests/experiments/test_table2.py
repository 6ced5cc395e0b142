"""Table 2: the cached runs (Levin + Sun 80, and the 640 Sun inputs) and part of each recomputed."""

import json

import pytest

from padnet.experiments.common import compare_with_cache, read_csv
from tests.conftest import REPO


def test_cached_table2_has_provenance_and_the_issue_columns():
    folder = REPO / "data" / "results" / "table2"
    rows = read_csv(folder / "table2.csv")
    assert list(rows[0])[:5] == ["method", "dataset", "psnr", "ssim", "seconds"]
    assert {r["dataset"] for r in rows} == {"levin09", "sun2013-official"}
    assert {"Ours (E)", "Ours (I)", "TV", "HL", "EPLL", "CSF"} <= {r["method"] for r in rows}
    prov = json.loads((folder / "provenance.json").read_text())
    assert not prov["embedded"] and prov["commit"] != "unknown" and prov["uncommitted_changes"] is False
    for u in prov.get("updates", []):  # rows replaced by a later full run (scripts/update_cache.py)
        assert u["uncommitted_changes"] is False and u["mode"] == "full" and set(u["rows"]) <= {r["method"] for r in rows}
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
    from padnet.experiments.common import run_deblur_methods
    from padnet.experiments.table2 import METHODS

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
    """Synthesise one of the 640 Sun inputs again (seeded), deblur it with both PADNets and score it with Sun's
    protocol: the cached rows must match."""
    import os

    if not os.environ.get("PADNET_DATA"):
        pytest.skip("needs Sun's and Levin's data (PADNET_DATA)")
    from padnet import data
    from padnet.experiments.common import run_deblur_methods
    from padnet.experiments.table2 import METHODS

    sample = list(data.sun2013(images=[23], kernels=[4]))  # the smallest image (424 x 1024)
    specs = [m for m in METHODS if m.label in ("Ours (I)", "Ours (E)")]
    assert len(specs) == 2
    rows = run_deblur_methods(sample, specs, device="cpu", progress=False)
    cached = read_csv(REPO / "data" / "results" / "table2-sun640" / "table2_per_image.csv")
    assert compare_with_cache(rows, cached, ("method", "image"), ("psnr", "ssim"), rtol=1e-3) == []
