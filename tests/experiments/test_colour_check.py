"""The colour check: its inputs by their forward model, the gains, the cached run and part of it recomputed
(scikit-image's photos: no benchmark data needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from padnet.experiments.common import compare_with_cache, read_csv

FOLDER = Path(__file__).resolve().parents[2] / "data" / "results" / "colour-check"


def test_colour_inputs_carry_independent_noise_of_their_level_in_each_channel():
    """Each input minus the noiseless blur of its photo is the added noise and 8-bit rounding: per channel its std
    is sigma (rounding adds 1/255/sqrt(12) = 0.11% in quadrature), and the channels' noises are uncorrelated."""
    from padnet.data.deblur import sun2013_synthesize
    from padnet.experiments.colour import COLOUR_CROP, COLOUR_SIGMAS, colour_samples

    samples = colour_samples(quick=True)
    assert [s.sigma for s in samples] == list(COLOUR_SIGMAS)
    for s in samples:
        assert s.sharp.shape == s.blurred.shape == (COLOUR_CROP, COLOUR_CROP, 3) and s.dataset == "colour"
        clean = sun2013_synthesize(s.sharp, s.kernel[::-1, ::-1], None)
        n = (s.blurred - clean)[20:-20, 20:-20].reshape(-1, 3)  # away from clipping at the borders
        assert np.allclose(n.std(axis=0), np.hypot(s.sigma, 1 / 255 / np.sqrt(12)), rtol=0.05)
        if s.sigma >= 0.01:
            assert np.abs(np.corrcoef(n.T)[np.triu_indices(3, 1)]).max() < 0.02


def test_opponent_gains_on_a_summary_worked_out_by_hand():
    from padnet.experiments.colour import opponent_gains

    summary = [{"method": "HL, RGB", "sigma": 0.01, "psnr": 30.0}, {"method": "HL, opponent", "sigma": 0.01, "psnr": 30.5},
               {"method": "Ours (I), RGB", "sigma": 0.01, "psnr": 32.0},
               {"method": "Ours (I), opponent", "sigma": 0.01, "psnr": 31.75},
               {"method": "HL, RGB", "sigma": 0.03, "psnr": 27.0}]
    assert opponent_gains(summary) == [{"sigma": 0.01, "gain of HL": 0.5, "gain of Ours (I)": -0.25}, {"sigma": 0.03}]


def test_gains_per_input_worked_out_by_hand():
    from padnet.experiments.colour import gains_per_input

    rows = [{"method": m, "image": i, "sigma": 0.01, "psnr": v} for m, i, v in
            [("Ours (I), RGB", "a", 30.0), ("Ours (I), opponent", "a", 31.0), ("Ours (I), RGB", "b", 28.0),
             ("Ours (I), opponent", "b", 27.5), ("HL, RGB", "a", 20.0)]]
    assert gains_per_input(rows) == [{"sigma": 0.01, "inputs": 2, "inputs that gain": 1, "smallest": -0.5,
                                      "largest": 1.0}]


def test_cached_colour_check_covers_every_input_with_clean_provenance():
    from padnet.experiments.colour import COLOUR_SIGMAS, METHODS, PHOTOS
    from padnet.experiments.photos import KERNEL_SIZES

    prov = json.loads((FOLDER / "provenance.json").read_text())
    assert prov["uncommitted_changes"] is False and prov["mode"] == "full" and "colour-check" in prov["command"]
    per_image = read_csv(FOLDER / "colour_check_per_image.csv")
    expected = {f"{p}_k{j}_s{1000 * s:03.0f}" for p in PHOTOS for j in range(1, len(KERNEL_SIZES) + 1)
                for s in COLOUR_SIGMAS}
    for m in METHODS:
        assert {r["image"] for r in per_image if r["method"] == m.label} == expected, m.label
    for r in read_csv(FOLDER / "colour_check.csv"):  # the summary is the mean of the per-image rows
        grp = [q["psnr"] for q in per_image if q["method"] == r["method"] and q["sigma"] == r["sigma"]]
        assert len(grp) == r["n"] and np.mean(grp) == pytest.approx(r["psnr"])


def test_recompute_part_of_the_cached_colour_check():
    """One input at 3% noise: the implicit PADNet in opponent colour and per RGB channel, and HL in opponent colour,
    match the cached rows; opponent colour leads RGB there (by 1.2 dB in the cache, asserted with room)."""
    from padnet.experiments.colour import METHODS, PHOTOS, colour_samples
    from padnet.experiments.common import run_deblur_methods

    sample = [s for s in colour_samples(quick=True) if s.name == f"{PHOTOS[0]}_k1_s030"]
    specs = [m for m in METHODS if m.label in ("HL, opponent", "Ours (I), RGB", "Ours (I), opponent")]
    rows = run_deblur_methods(sample, specs, device="cpu", progress=False)
    assert compare_with_cache(rows, read_csv(FOLDER / "colour_check_per_image.csv"), ("method", "image"),
                              ("psnr", "ssim"), rtol=1e-3) == []
    psnr = {r["method"]: r["psnr"] for r in rows}
    assert psnr["Ours (I), opponent"] > psnr["Ours (I), RGB"] + 0.5
