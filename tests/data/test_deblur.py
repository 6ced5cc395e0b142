"""Deblurring benchmarks: Levin's kernel orientation, Sun's synthesis, Train400, the embedded set."""


import numpy as np
import pytest
from scipy.signal import correlate2d

from padnet import data
from tests.conftest import needs_data


@needs_data("levin09")
def test_levin_all_checksums_and_kernel_orientation():
    assert data.verify("levin09") in (0, 32)
    samples = data.levin09()
    assert len(samples) == 32
    for s in samples[:8]:
        assert s.kernel.sum() == pytest.approx(1.0) and (s.kernel >= 0).all()
        # y is x correlated with f = rot180(kernel), i.e. convolved with kernel: best integer shift RMSE
        def best_rmse(blur):
            return min(np.sqrt(np.mean((np.roll(blur, (a, b), (0, 1)) - s.blurred)[20:-20, 20:-20] ** 2))
                       for a in range(-5, 6) for b in range(-5, 6))
        conv = best_rmse(correlate2d(s.sharp, s.kernel[::-1, ::-1], mode="same", boundary="symm"))
        wrong = best_rmse(correlate2d(s.sharp, s.kernel, mode="same", boundary="symm"))
        assert conv < 0.0135 and conv < wrong
    assert [s.kernel.shape[0] for s in samples[:8]] == [19, 17, 15, 27, 13, 21, 23, 23]


@needs_data("sun2013")
def test_sun_synthesis_matches_official_files_statistically():
    rows = data.sun2013_official_residual(images=[1, 2, 40])
    for r in rows:
        # the official residual against our noiseless model is exactly the 1% noise (+ quantisation)
        assert r["rmse_official"] == pytest.approx(0.01, abs=0.0006)
        assert r["rmse_ours"] == pytest.approx(r["rmse_official"], abs=0.0006)
        assert abs(r["mean_official"]) < 5e-4 and abs(r["mean_ours"]) < 5e-4
    first = next(data.sun2013(images=[3], kernels=[5]))
    again = next(data.sun2013(images=[3], kernels=[5]))
    assert np.array_equal(first.blurred, again.blurred)  # fixed seed
    assert first.blurred.shape == first.sharp.shape == (680, 1024)
    assert np.allclose(first.blurred * 255, np.round(first.blurred * 255))  # 8-bit quantised


@needs_data("train400")
def test_train400_loads():
    imgs = data.train400()
    assert imgs.shape == (400, 180, 180) and imgs.dtype == np.float32
    assert 0.0 <= imgs.min() and imgs.max() <= 1.0


def test_embedded_set_is_labelled_and_deterministic():
    s = data.embedded_deblur_set(n_images=2, n_kernels=3)
    assert len(s) == 6 and all(x.embedded and x.dataset == "embedded" for x in s)
    assert s[0].blurred.shape == (255, 255)
    assert np.array_equal(s[0].blurred, data.embedded_deblur_set(n_images=1, n_kernels=1)[0].blurred)
    assert "EMBEDDED" in data.EMBEDDED_NOTICE


def test_deblur_benchmark_falls_back_loudly(monkeypatch):
    monkeypatch.delenv("PADNET_DATA", raising=False)
    with pytest.warns(UserWarning, match="EMBEDDED DEFAULT"):
        samples, embedded = data.deblur_benchmark("levin09")
    assert embedded and len(samples) == 32
    with pytest.raises(data.DataError):
        data.deblur_benchmark("levin09", allow_embedded=False)


def test_rgb2gray_matches_matlab_weights():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], dtype=np.uint8)
    assert data.rgb2gray_matlab(rgb).tolist() == [[76, 150, 29, 18]]
