"""The noise sweep: its inputs by their forward model, the cached run, and part of it recomputed."""

import json
import os

import numpy as np
import pytest

from padnet.experiments.common import compare_with_cache, read_csv
from tests.conftest import REPO

FOLDER = REPO / "data" / "results" / "noise-sweep"
needs_sun = pytest.mark.skipif(not os.environ.get("PADNET_DATA"), reason="needs Sun's and Levin's data (PADNET_DATA)")


@needs_sun
def test_sweep_inputs_carry_the_noise_of_their_level():
    """y - correlate(g, f, replicate) is the added noise plus 8-bit rounding: std sqrt(sigma^2 + 1/(12 255^2))."""
    from scipy.ndimage import correlate

    from padnet.experiments.noise_sweep import SWEEP_CROP, SWEEP_SIGMAS, sweep_samples

    samples = sweep_samples(quick=True)
    assert len(samples) == 2 * len(SWEEP_SIGMAS) and all(s.sharp.shape == (SWEEP_CROP, SWEEP_CROP) for s in samples)
    for s in samples:
        noiseless = correlate(s.sharp, s.kernel[::-1, ::-1], mode="nearest")
        inside = (s.blurred - noiseless)[5:-5, 5:-5][(noiseless[5:-5, 5:-5] > 0.05) & (noiseless[5:-5, 5:-5] < 0.95)]
        expected = np.sqrt(s.sigma ** 2 + 1 / (12 * 255 ** 2))
        assert np.std(inside) == pytest.approx(expected, rel=0.05)


def test_cached_sweep_covers_every_input_with_clean_provenance():
    from padnet.experiments.noise_sweep import METHODS, SWEEP_IMAGES, SWEEP_SIGMAS

    prov = json.loads((FOLDER / "provenance.json").read_text())
    assert prov["uncommitted_changes"] is False and prov["mode"] == "full" and "noise-sweep" in prov["command"]
    per_image = read_csv(FOLDER / "noise_sweep_per_image.csv")
    expected = {f"sun_{i:03d}_k{j}_s{1000 * s:03.0f}" for i in SWEEP_IMAGES for j in range(1, 9) for s in SWEEP_SIGMAS}
    for m in METHODS:
        assert {r["image"] for r in per_image if r["method"] == m.label} == expected, m.label
    for r in read_csv(FOLDER / "noise_sweep.csv"):  # the summary is the mean of the per-image rows
        grp = [q["psnr"] for q in per_image if q["method"] == r["method"] and q["sigma"] == r["sigma"]]
        assert len(grp) == r["n"] and np.mean(grp) == pytest.approx(r["psnr"])


@needs_sun
def test_recompute_part_of_the_cached_sweep():
    """One input at 3% noise (image 1, kernel 5) with the implicit PADNet (sigma given and estimated) and TV."""
    from padnet.experiments.common import run_deblur_methods
    from padnet.experiments.noise_sweep import METHODS, sweep_samples

    sample = [s for s in sweep_samples(quick=True) if s.name == "sun_001_k5_s030"]
    specs = [m for m in METHODS if m.label in ("TV", "Ours (I)", "Ours (I), sigma estimated")]
    rows = run_deblur_methods(sample, specs, device="cpu", progress=False)
    cached = read_csv(FOLDER / "noise_sweep_per_image.csv")
    assert compare_with_cache(rows, cached, ("method", "image"), ("psnr", "ssim"), rtol=1e-3) == []


def test_margins_per_scene_against_a_hand_computed_case():
    """Two scenes x two kernels at one level: the per-scene best classical and margin, by hand."""
    from padnet.experiments.noise_sweep import margins_per_scene

    psnr = {("TV", "sun_001"): (30.0, 32.0), ("BM3D-DEB", "sun_001"): (31.5, 30.5),
            ("Ours (I)", "sun_001"): (33.0, 33.5), ("TV", "sun_021"): (25.0, 27.0),
            ("BM3D-DEB", "sun_021"): (24.0, 25.0), ("Ours (I)", "sun_021"): (26.5, 26.5)}
    rows = [{"method": m, "image": f"{scene}_k{j + 1}_s030", "sigma": 0.03, "psnr": p[j], "ssim": 0.5, "seconds": 1.0}
            for (m, scene), p in psnr.items() for j in range(2)]
    got = margins_per_scene(rows)
    assert [(r["scene"], r["best classical"]) for r in got] == [("sun_001", "TV"), ("sun_021", "TV")]
    # scene 1: TV 31.0 and BM3D-DEB 31.0 tie -> TV (first of CLASSICAL); ours 33.25; scene 21: TV 26.0, ours 26.5
    assert got[0]["margin of Ours (I)"] == pytest.approx(2.25) and got[1]["margin of Ours (I)"] == pytest.approx(0.5)
