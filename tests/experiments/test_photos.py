"""The photo check: its inputs by their forward model, the oracle rows, the margins, the cached run and part of
it recomputed (scikit-image's photos: no benchmark data needed)."""

import json

import numpy as np
import pytest

from padnet.experiments.common import compare_with_cache, read_csv
from tests.conftest import REPO

FOLDER = REPO / "data" / "results" / "noise-photos"


def test_photo_inputs_carry_the_noise_of_their_level_and_are_in_no_project_set():
    """y - convolve(g, k, replicate) is the added noise plus 8-bit rounding: std sqrt(sigma^2 + 1/(12 255^2));
    the photos are not the embedded default's."""
    from scipy.ndimage import convolve

    from padnet.data.deblur import EMBEDDED_IMAGES
    from padnet.experiments.photos import PHOTO_CROP, PHOTO_SIGMAS, PHOTOS, photo_samples

    assert not set(PHOTOS) & set(EMBEDDED_IMAGES)
    samples = photo_samples(quick=True)
    assert [s.sigma for s in samples] == list(PHOTO_SIGMAS) and PHOTO_SIGMAS[0] == 0.0
    for s in samples:
        assert s.sharp.shape == (PHOTO_CROP, PHOTO_CROP) and s.kernel.sum() == pytest.approx(1.0)
        noiseless = convolve(s.sharp, s.kernel, mode="nearest")
        inner = noiseless[5:-5, 5:-5]
        inside = (s.blurred - noiseless)[5:-5, 5:-5][(inner > 0.05) & (inner < 0.95)]
        assert np.std(inside) == pytest.approx(np.sqrt(s.sigma ** 2 + 1 / (12 * 255 ** 2)), rel=0.05)


def test_oracle_row_keeps_the_best_weight_on_the_test_image():
    """An oracle spec scores the best of its weights: the same as running each weight and taking the maximum."""
    from padnet.data import DeblurSample
    from padnet.experiments.common import MethodSpec, protocol_for, run_deblur_methods
    from padnet.experiments.photos import photo, photo_kernels
    from padnet.pipelines.deblur import deblur, weight_for_noise

    from padnet.data.deblur import sun2013_synthesize

    g, k = photo("coins", 96), photo_kernels()[0]
    y = sun2013_synthesize(g, k[::-1, ::-1].copy(), np.random.default_rng(0), sigma=0.02)
    sample = DeblurSample(name="coins96", blurred=y, sharp=g, kernel=k, dataset="photos", kernel_id=1, sigma=0.02)
    scales = (0.1, 1.0, 10.0)
    row = run_deblur_methods([sample], [MethodSpec("W*", "wiener", oracle=scales)], device="cpu", progress=False)[0]
    scores = [protocol_for("photos")(np.clip(deblur(y, k, method="wiener", lam=c * weight_for_noise("wiener", 0.02)),
                                             0, 1), g)["psnr"] for c in scales]
    assert row["psnr"] == pytest.approx(max(scores), rel=1e-12)
    assert max(scores) - min(scores) > 0.5  # the weights differ enough for the choice to matter


def test_margins_take_the_best_classical_row_oracles_included():
    from padnet.experiments.noise_sweep import margins
    from padnet.experiments.photos import CLASSICAL

    summary = [{"method": "TV", "sigma": 0.01, "psnr": 30.0}, {"method": "TV (oracle weight)", "sigma": 0.01, "psnr": 30.5},
               {"method": "BM3D-DEB", "sigma": 0.01, "psnr": 30.2}, {"method": "Ours (I)", "sigma": 0.01, "psnr": 31.0},
               {"method": "BM3D-DEB", "sigma": 0.05, "psnr": 25.0}, {"method": "Ours (I)", "sigma": 0.05, "psnr": 24.5}]
    out = margins(summary, CLASSICAL, ("Ours (I)", "Ours (I), sigma estimated"))
    assert [(r["best classical"], r["margin of Ours (I)"]) for r in out] == [("TV (oracle weight)", 0.5),
                                                                            ("BM3D-DEB", -0.5)]


def test_cached_photo_check_covers_every_input_with_clean_provenance():
    from padnet.experiments.photos import KERNEL_SIZES, METHODS, PHOTO_SIGMAS, PHOTOS

    prov = json.loads((FOLDER / "provenance.json").read_text())
    assert prov["uncommitted_changes"] is False and prov["mode"] == "full" and "noise-photos" in prov["command"]
    per_image = read_csv(FOLDER / "noise_photos_per_image.csv")
    expected = {f"{p}_k{j}_s{1000 * s:03.0f}" for p in PHOTOS for j in range(1, len(KERNEL_SIZES) + 1)
                for s in PHOTO_SIGMAS}
    for m in METHODS:
        assert {r["image"] for r in per_image if r["method"] == m.label} == expected, m.label
    for r in read_csv(FOLDER / "noise_photos.csv"):  # the summary is the mean of the per-image rows
        grp = [q["psnr"] for q in per_image if q["method"] == r["method"] and q["sigma"] == r["sigma"]]
        assert len(grp) == r["n"] and np.mean(grp) == pytest.approx(r["psnr"])
    for m in ("TV", "HL"):  # an oracle row is never below its rule's row
        rule = {r["image"]: r["psnr"] for r in per_image if r["method"] == m}
        assert all(r["psnr"] >= rule[r["image"]] - 1e-9 for r in per_image if r["method"] == f"{m} (oracle weight)")


def test_recompute_part_of_the_cached_photo_check():
    """One input at 3% noise with the implicit PADNet (sigma given and estimated) and the oracle-tuned TV."""
    from padnet.experiments.common import run_deblur_methods
    from padnet.experiments.photos import METHODS, PHOTOS, photo_samples

    sample = [s for s in photo_samples(quick=True) if s.name == f"{PHOTOS[0]}_k1_s030"]
    specs = [m for m in METHODS if m.label in ("TV (oracle weight)", "Ours (I)", "Ours (I), sigma estimated")]
    rows = run_deblur_methods(sample, specs, device="cpu", progress=False)
    cached = read_csv(FOLDER / "noise_photos_per_image.csv")
    assert compare_with_cache(rows, cached, ("method", "image"), ("psnr", "ssim"), rtol=1e-3) == []
