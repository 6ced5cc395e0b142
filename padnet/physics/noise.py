"""The noise model ``y = k * x + n``, ``n ~ N(0, sigma^2)``: estimating sigma from a blurred image."""

from __future__ import annotations

import numpy as np
import torch
from skimage.restoration import estimate_sigma

from padnet.checks import InputError, check_image

__all__ = ["estimate_noise_sigma"]


def estimate_noise_sigma(y) -> float:
    """Standard deviation of additive white Gaussian noise in ``y``, in the image's units ([0, 1]).

    Donoho's wavelet estimator (median absolute deviation of the finest diagonal wavelet coefficients
    / 0.6745), as :func:`skimage.restoration.estimate_sigma` implements it, averaged over channels.  Blur
    removes the fine detail that would otherwise inflate it, so on blurred images it tracks the added
    noise closely; for signal-dependent noise (real captures) it returns an average level.

    Args:
        y: ``(H, W)`` or ``(H, W, C)`` array or tensor, values in [0, 1], at least 16x16 pixels.
    """
    check_image(y, "blurred image")
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] > 4) or min(arr.shape[:2]) < 8:
        raise InputError(f"blurred image must be (H, W) or (H, W, C) with H, W >= 8 to estimate its noise, "
                         f"got shape {arr.shape}")
    if arr.ndim == 2:
        return float(estimate_sigma(arr))
    return float(np.mean(estimate_sigma(arr, channel_axis=-1)))
