"""Random camera-shake kernels."""


import numpy as np
import pytest

from padnet.physics.kernels import random_motion_kernel


def test_random_motion_kernels_are_valid_and_seeded():
    for size in (13, 19, 27):
        k1 = random_motion_kernel(size, np.random.default_rng(5))
        k2 = random_motion_kernel(size, np.random.default_rng(5))
        assert np.array_equal(k1, k2)
        assert k1.shape == (size, size) and (k1 >= 0).all() and k1.sum() == pytest.approx(1.0)
        yy, xx = np.mgrid[0:size, 0:size]
        cy, cx = (k1 * yy).sum(), (k1 * xx).sum()
        assert abs(cy - size // 2) < 1.0 and abs(cx - size // 2) < 1.0
        assert (k1 > 1e-3).sum() >= 3  # a stroke, not a point
    with pytest.raises(ValueError):
        random_motion_kernel(8, np.random.default_rng(0))
