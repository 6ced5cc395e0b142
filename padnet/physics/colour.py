"""Colour for deblurring: the opponent colour transform of CBM3D (Dabov et al. 2007).

A blur acts on each RGB channel alike, so it commutes with any per-pixel linear mix of the channels.  The
opponent transform mixes RGB into a luma (their mean) and two chroma differences, which are far less
correlated than R, G and B: each is then deblurred as a grey image.  The luma carries most of the
structure and, for noise independent across channels, a third of the noise variance; the chroma
channels are smooth.  Rows of :data:`OPPONENT`::

    luma          = (R + G + B) / 3
    red-blue      = (R - B) / 2          + 1/2
    green-magenta = (R - 2 G + B) / 4    + 1/2

Each opponent channel of an RGB image in [0, 1] lies in [0, 1] (the offsets), the range the learned
methods were trained on.  Noise ``N(0, sigma^2)`` independent in each RGB channel becomes
``N(0, (c_i sigma)^2)`` in opponent channel ``i``, ``c_i = ||row i||_2`` (:data:`OPPONENT_NOISE`:
0.577, 0.707, 0.612).
"""

from __future__ import annotations

import numpy as np
import torch

from padnet.checks import InputError

__all__ = ["OPPONENT", "OPPONENT_OFFSET", "OPPONENT_NOISE", "OPPONENT_NAMES", "to_opponent", "from_opponent",
           "opponent_sigmas"]

#: rows: luma, red-blue, green-magenta (CBM3D's "opp" matrix)
OPPONENT = np.array([[1 / 3, 1 / 3, 1 / 3],
                     [1 / 2, 0.0, -1 / 2],
                     [1 / 4, -1 / 2, 1 / 4]])
#: added to each channel after the mix, so that every channel of an image in [0, 1] lies in [0, 1]
OPPONENT_OFFSET = np.array([0.0, 0.5, 0.5])
#: noise std of each opponent channel per unit of (independent) RGB noise std: the rows' Euclidean norms
OPPONENT_NOISE = tuple(float(c) for c in np.linalg.norm(OPPONENT, axis=1))
OPPONENT_NAMES = ("luma", "red-blue", "green-magenta")
_INVERSE = np.linalg.inv(OPPONENT)


def _mix(x: torch.Tensor, matrix: np.ndarray) -> torch.Tensor:
    if x.dim() != 4 or x.shape[1] != 3:
        raise InputError(f"expected RGB images (B, 3, H, W), got shape {tuple(x.shape)}")
    m = torch.as_tensor(matrix, dtype=x.dtype, device=x.device)
    return torch.einsum("oc,bchw->bohw", m, x)


def to_opponent(x: torch.Tensor) -> torch.Tensor:
    """RGB ``(B, 3, H, W)`` to opponent channels ``(B, 3, H, W)``: ``OPPONENT @ rgb + OPPONENT_OFFSET`` per pixel."""
    offset = torch.as_tensor(OPPONENT_OFFSET, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return _mix(x, OPPONENT) + offset


def from_opponent(o: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`to_opponent`: opponent channels ``(B, 3, H, W)`` to RGB."""
    offset = torch.as_tensor(OPPONENT_OFFSET, dtype=o.dtype, device=o.device).view(1, 3, 1, 1)
    return _mix(o - offset, _INVERSE)


def opponent_sigmas(sigma: float) -> tuple[float, float, float]:
    """Noise std of the three opponent channels for noise of std ``sigma`` independent in each RGB channel."""
    return tuple(c * float(sigma) for c in OPPONENT_NOISE)
