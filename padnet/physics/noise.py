"""The noise model ``y = k * x + n``, ``n ~ N(0, sigma^2)``: estimating sigma from a blurred image."""

from __future__ import annotations

import numpy as np
import pywt
import torch

from padnet.checks import InputError, check_image

__all__ = ["estimate_noise_sigma"]

#: Phi^-1(3/4), the median of |N(0, 1)|
_MAD_TO_SIGMA = 0.6744897501960817


def _sigma_dwt(channel: np.ndarray) -> float:
    """Donoho and Johnstone's robust estimator on one channel: the median absolute value of the finest
    diagonal Daubechies-2 wavelet coefficients (exact zeros, flat regions, left out) over Phi^-1(3/4)."""
    dd = pywt.dwtn(channel, wavelet="db2")["d" * channel.ndim]
    dd = dd[np.nonzero(dd)]
    return float(np.median(np.abs(dd)) / _MAD_TO_SIGMA) if dd.size else 0.0


def estimate_noise_sigma(y) -> float:
    """Standard deviation of additive white Gaussian noise in ``y``, in the image's units ([0, 1]).

    Donoho's wavelet estimator (median absolute deviation of the finest diagonal wavelet coefficients
    / 0.6745), computed as :func:`skimage.restoration.estimate_sigma` computes it (tested against it),
    with PyWavelets directly: ``skimage.restoration`` pulls in ``scipy.stats``, a second of the command
    line's start-up.  Averaged over channels.  Blur removes the fine detail that would otherwise inflate
    it, so on blurred images it tracks the added noise closely; for signal-dependent noise (real
    captures) it returns an average level.

    Args:
        y: ``(H, W)`` or ``(H, W, C)`` array or tensor, values in [0, 1], at least 8x8 pixels.
    """
    check_image(y, "blurred image")
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] > 4) or min(arr.shape[:2]) < 8:
        raise InputError(f"blurred image must be (H, W) or (H, W, C) with H, W >= 8 to estimate its noise, "
                         f"got shape {arr.shape}")
    if arr.ndim == 2:
        return _sigma_dwt(arr)
    return float(np.mean([_sigma_dwt(arr[..., c]) for c in range(arr.shape[2])]))
