"""Metrics against formulas written out (not the library metrics.py calls), closed forms, and the Levin
protocol on known shifts."""

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from padnet.checks import InputError
from padnet.metrics import align_upto_shift, levin_protocol, psnr, ssim, sun_protocol


def test_psnr_by_hand(rng):
    ref = np.zeros((10, 10))
    assert psnr(ref + 0.1, ref) == pytest.approx(20.0)  # MSE 0.01 -> 20 dB
    assert psnr(ref, ref) == float("inf")
    a, b = rng.random((32, 40)), rng.random((32, 40))
    assert psnr(a, b) == pytest.approx(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


def test_ssim_closed_form_for_constant_images():
    # constant images a, b: SSIM = (2ab + C1) / (a^2 + b^2 + C1) (the contrast term is C2/C2 = 1)
    a, b, C1 = 0.3, 0.5, 0.01 ** 2
    expected = (2 * a * b + C1) / (a * a + b * b + C1)
    assert ssim(np.full((32, 32), a), np.full((32, 32), b)) == pytest.approx(expected, rel=1e-9)


def ssim_by_loops(a, b, C1=0.01 ** 2, C2=0.03 ** 2, sigma=1.5, radius=5):
    """Wang et al. 2004 written out: for every pixel whose 11x11 window lies inside the image, Gaussian-
    weighted means, variances and covariance, then the SSIM map's mean (an independent reference)."""
    ax = np.arange(-radius, radius + 1)
    w = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2 * sigma ** 2))
    w /= w.sum()
    vals = []
    for i in range(radius, a.shape[0] - radius):
        for j in range(radius, a.shape[1] - radius):
            pa, pb = a[i - radius:i + radius + 1, j - radius:j + radius + 1], b[i - radius:i + radius + 1, j - radius:j + radius + 1]
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va, vb = (w * (pa - ma) ** 2).sum(), (w * (pb - mb) ** 2).sum()
            cov = (w * (pa - ma) * (pb - mb)).sum()
            vals.append((2 * ma * mb + C1) * (2 * cov + C2) / ((ma ** 2 + mb ** 2 + C1) * (va + vb + C2)))
    return float(np.mean(vals))


def test_ssim_equals_the_formula_written_out(rng):
    a = rng.random((28, 30))
    b = np.clip(a + 0.05 * rng.standard_normal((28, 30)), 0, 1)
    assert ssim(a, b) == pytest.approx(ssim_by_loops(a, b), rel=1e-6)


def test_psnr_of_a_noisy_copy_by_hand(rng):
    a = rng.random((48, 48))
    b = np.clip(a + 0.05 * rng.standard_normal((48, 48)), 0, 1)
    assert psnr(a, b) == pytest.approx(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


def smooth_image(rng, shape=(80, 90)):
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(rng.random(shape), 3.0)


@pytest.mark.parametrize("shift", [(2, -3), (0, 0), (-5, 4)])
def test_levin_protocol_recovers_integer_shift_exactly(rng, shift):
    gt = smooth_image(rng)
    est = np.roll(gt, shift, axis=(0, 1))  # est[i] = gt[i - shift]
    res = levin_protocol(est, gt)
    assert res["shift"] == (float(shift[0]), float(shift[1]))
    assert res["psnr"] == float("inf") and res["ssim"] == pytest.approx(1.0)


def test_levin_protocol_recovers_subpixel_shift_of_bilinear_image():
    # bilinear interpolation is exact on a bilinear function, so a 0.75 / -1.25 px shift is found exactly
    i, j = np.mgrid[0:60, 0:70].astype(float)

    def scene(r, c):
        return 0.2 + 0.004 * r + 0.003 * c + 0.0001 * r * c

    gt = scene(i, j)
    est = scene(i - 0.75, j + 1.25)
    res = levin_protocol(est, gt)
    assert res["shift"] == (0.75, -1.25)
    assert res["psnr"] > 200


def test_alignment_resampling_matches_scipy_map_coordinates(rng):
    gt, est = rng.random((50, 50)), rng.random((50, 50))
    al = align_upto_shift(est, gt, crop=15, shifts=(np.array([1.25]), np.array([-2.5])))
    rr, cc = np.mgrid[0:20, 0:20].astype(float)
    ref = map_coordinates(est, [rr + 15 + 1.25, cc + 15 - 2.5], order=1)
    assert np.allclose(al.aligned, ref, atol=1e-12)
    assert al.ssd == pytest.approx(float(((ref - gt[15:35, 15:35]) ** 2).sum()))


def test_sun_protocol_discards_50px_and_aligns(rng):
    gt = smooth_image(rng, (160, 170))
    est = np.roll(gt, (1, -2), axis=(0, 1))
    est[:40] = 0.0  # damage inside the discarded border only
    res = sun_protocol(est, gt)
    assert res["shift"] == (1.0, -2.0) and res["psnr"] == float("inf")


def test_bad_inputs():
    with pytest.raises(InputError, match="shape"):
        psnr(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(InputError, match="NaN"):
        psnr(np.full((4, 4), np.nan), np.zeros((4, 4)))
    with pytest.raises(InputError, match="too small"):
        levin_protocol(np.zeros((20, 20)), np.zeros((20, 20)))
