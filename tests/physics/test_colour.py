"""The opponent colour transform: hand-computed colours, ranges, noise scaling, and that blur commutes with it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from padnet.checks import InputError
from padnet.physics.colour import OPPONENT_NOISE, from_opponent, opponent_sigmas, to_opponent


def _pixel(rgb) -> torch.Tensor:
    return torch.tensor(rgb, dtype=torch.float64).view(1, 3, 1, 1)


@pytest.mark.parametrize("rgb,opp", [
    ((1, 1, 1), (1, 0.5, 0.5)),          # white: full luma, no chroma
    ((0, 0, 0), (0, 0.5, 0.5)),
    ((1, 0, 0), (1 / 3, 1.0, 0.75)),     # red: (R - B)/2 + 1/2 = 1, (R - 2G + B)/4 + 1/2 = 3/4
    ((0, 1, 0), (1 / 3, 0.5, 0.0)),      # green: the green-magenta channel's minimum
    ((0, 0, 1), (1 / 3, 0.0, 0.75)),
    ((1, 0, 1), (2 / 3, 0.5, 1.0)),      # magenta: its maximum
])
def test_colours_worked_out_by_hand(rgb, opp):
    assert torch.allclose(to_opponent(_pixel(rgb)).flatten(), torch.tensor(opp, dtype=torch.float64), atol=1e-15)
    assert torch.allclose(from_opponent(_pixel(opp)).flatten(), torch.tensor(rgb, dtype=torch.float64), atol=1e-14)


def test_every_channel_of_an_image_in_the_unit_cube_lies_in_0_1():
    """The map is affine, so its range over the cube is that over the 8 corners."""
    corners = torch.tensor(list(itertools.product((0.0, 1.0), repeat=3)), dtype=torch.float64)
    o = to_opponent(corners.T.reshape(1, 3, 8, 1))
    assert float(o.min()) == 0.0 and float(o.max()) == 1.0


def test_independent_rgb_noise_has_the_predicted_std_in_every_channel():
    """Monte Carlo: 10^6 pixels of N(0, 0.02^2) noise per RGB channel; std of a sample of 10^6 is within 0.3%."""
    n = 0.02 * torch.randn(1, 3, 1000, 1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    measured = (to_opponent(n) - to_opponent(torch.zeros_like(n))).std(dim=(0, 2, 3))
    assert np.allclose(measured.numpy(), opponent_sigmas(0.02), rtol=3e-3)
    assert np.allclose(OPPONENT_NOISE, (np.sqrt(1 / 3), np.sqrt(1 / 2), np.sqrt(3 / 8)), rtol=1e-12)


def test_a_blur_commutes_with_the_transform():
    """Sun's forward model (replicate borders) per RGB channel, then the transform == the transform, then the
    blur per opponent channel: a kernel summing to 1 keeps the offsets."""
    from padnet.data.deblur import sun2013_synthesize
    from padnet.physics.kernels import random_motion_kernel

    rng = np.random.default_rng(3)
    x = rng.random((40, 50, 3))
    k = random_motion_kernel(9, rng)

    def blur(img: np.ndarray) -> np.ndarray:
        return np.stack([sun2013_synthesize(img[..., c], k, None) for c in range(3)], -1)

    def opp(img: np.ndarray) -> np.ndarray:
        return to_opponent(torch.from_numpy(img.transpose(2, 0, 1))[None])[0].numpy().transpose(1, 2, 0)

    assert np.allclose(opp(blur(x)), blur(opp(x)), atol=1e-13)


def test_other_shapes_are_refused():
    with pytest.raises(InputError, match=r"RGB images \(B, 3, H, W\)"):
        to_opponent(torch.zeros(1, 4, 5, 5))
