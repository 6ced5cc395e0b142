"""The noise estimate against the noise we add (independent reference), and its input checks."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage import data as skdata

from padnet.checks import InputError
from padnet.physics.noise import estimate_noise_sigma


@pytest.mark.parametrize("sigma", [0.005, 0.01, 0.02, 0.05])
def test_estimate_tracks_the_added_noise_on_a_blurred_photo(sigma):
    x = skdata.camera().astype(np.float64) / 255
    y = gaussian_filter(x, 2.0) + sigma * np.random.default_rng(1).standard_normal(x.shape)
    est = estimate_noise_sigma(y)
    # blur leaves little fine detail: the wavelet MAD is within 10% (+ 0.5e-3 of residual texture)
    assert abs(est - sigma) <= 0.1 * sigma + 5e-4


def test_colour_images_average_their_channels():
    rng = np.random.default_rng(2)
    base = gaussian_filter(skdata.astronaut().astype(np.float64) / 255, (2, 2, 0))
    y = base + np.array([0.01, 0.02, 0.03]) * rng.standard_normal(base.shape)
    assert estimate_noise_sigma(y) == pytest.approx(0.02, rel=0.1)


@pytest.mark.parametrize("bad", [np.zeros((4, 40)), np.zeros((20, 20, 7)), np.full((20, 20), np.nan)])
def test_bad_images_are_refused(bad):
    with pytest.raises(InputError):
        estimate_noise_sigma(bad)


@pytest.mark.parametrize("shape", [(64, 64), (37, 50), (40, 40, 3)])
def test_estimate_equals_scikit_images_estimate_sigma(shape):
    """Our PyWavelets computation is scikit-image's estimator (its reference implementation), to rounding."""
    from skimage.restoration import estimate_sigma

    rng = np.random.default_rng(3)
    y = gaussian_filter(rng.random(shape), 1.5) + 0.02 * rng.standard_normal(shape)
    ref = estimate_sigma(y) if len(shape) == 2 else float(np.mean(estimate_sigma(y, channel_axis=-1)))
    assert estimate_noise_sigma(y) == pytest.approx(ref, rel=1e-12)
