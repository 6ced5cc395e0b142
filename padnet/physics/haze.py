"""The haze model (Eq. 17) and the estimates every dehazing method here shares: atmospheric light,
recovery, the guided filter and Meng et al.'s boundary constraint (the guidance of PADNet's fidelity).
The classical transmission estimators (He, Meng, Berman) are in :mod:`padnet.baselines.haze`.

Images are numpy float arrays ``(H, W, 3)`` in [0, 1]; transmissions ``(H, W)`` in (0, 1].

* :func:`render_haze`: ``I = t J + (1 - t) A`` (Eq. 17) with ``t = exp(-beta d)``.
* :func:`atmospheric_light`: He et al.'s estimate (brightest 0.1% of the dark channel).
* :func:`recover`: ``J = (I - A) / max(t, t0) + A``.
* :func:`guided_filter`: He, Sun and Tang 2013 (grey guide).
* :func:`boundary_transmission`: Meng et al. 2013's boundary constraint, the guidance ``t~`` of PADNet's
  fidelity.
"""

from __future__ import annotations

import numpy as np

# SciPy's ndimage is imported in the functions that use it: loading it costs 0.2 s of every padnet command's start

from padnet.checks import InputError

__all__ = ["render_haze", "dark_channel", "atmospheric_light", "recover", "guided_filter", "grey",
           "transmission_lower_bound", "channel_min", "downscale", "upscale", "guided_upsample",
           "boundary_transmission", "check_hazy"]


def check_hazy(img, name: str = "hazy image") -> np.ndarray:
    """A finite ``(H, W, 3)`` float64 array in [0, 1], or :class:`~padnet.checks.InputError`."""
    arr = np.asarray(img, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise InputError(f"{name} must be an RGB image (H, W, 3), got shape {arr.shape}")
    if min(arr.shape[:2]) < 16:
        raise InputError(f"{name} is too small ({arr.shape[0]}x{arr.shape[1]}); need at least 16x16")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite values")
    if arr.min() < -1e-6 or arr.max() > 1 + 1e-6:
        raise InputError(f"{name} must have values in [0, 1], got [{arr.min():.3g}, {arr.max():.3g}]")
    return np.clip(arr, 0.0, 1.0)


def render_haze(J: np.ndarray, depth: np.ndarray, beta: float, A) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (17): ``I = t J + (1 - t) A`` with ``t = exp(-beta depth)``; returns ``(I, t)`` (not quantised)."""
    t = np.exp(-beta * np.asarray(depth, dtype=np.float64))
    A = np.broadcast_to(np.asarray(A, dtype=np.float64), (3,))
    return t[..., None] * J + (1.0 - t[..., None]) * A, t


def channel_min(img: np.ndarray, scale=None) -> np.ndarray:
    """``min_c img_c / scale_c`` ``(H, W)`` (``scale``: one divisor per channel, or ``None``), written as
    two elementwise minima: numpy's ``min(axis=2)`` over a 3-long last axis is ~10x slower."""
    ch = [img[..., c] if scale is None else img[..., c] / scale[c] for c in range(img.shape[2])]
    out = ch[0]
    for c in ch[1:]:
        out = np.minimum(out, c)
    return out


def dark_channel(img: np.ndarray, patch: int = 15) -> np.ndarray:
    """``min_{y in Omega(x)} min_c img_c(y)`` over a ``patch`` x ``patch`` window."""
    from scipy import ndimage
    return ndimage.minimum_filter(channel_min(img), size=patch, mode="nearest")


def atmospheric_light(I: np.ndarray, patch: int = 15, top: float = 0.001) -> np.ndarray:
    """He et al.: among the brightest ``top`` fraction of the dark channel, the pixel of highest intensity."""
    dark = dark_channel(I, patch).ravel()
    n = max(1, int(round(top * dark.size)))
    idx = np.argpartition(dark, -n)[-n:]
    flat = I.reshape(-1, 3)
    return flat[idx[np.argmax(flat[idx].sum(axis=1))]].copy()


def recover(I: np.ndarray, t: np.ndarray, A: np.ndarray, t0: float = 0.1) -> np.ndarray:
    """Scene radiance ``J = (I - A) / max(t, t0) + A`` (Eq. 17 solved for J), clipped to [0, 1]."""
    import torch  # elementwise on 2 threads: about twice numpy's speed, the same float64 values

    It, At = torch.from_numpy(np.ascontiguousarray(I, dtype=np.float64)), torch.as_tensor(A, dtype=torch.float64)
    tt = torch.from_numpy(np.ascontiguousarray(t, dtype=np.float64)).clamp_min(t0)[..., None]
    return ((It - At) / tt + At).clamp_(0.0, 1.0).numpy()


def transmission_lower_bound(I: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The physical bound ``t >= 1 - min_c I_c / A_c``: Eq. (17) with ``J >= 0`` gives
    ``I_c >= (1 - t) A_c`` for every channel.  A smaller ``t`` makes the recovered radiance negative
    (black pixels after clipping)."""
    return np.clip(1.0 - channel_min(I, np.maximum(A, 1e-3)), 0.0, 1.0)


def _box(x: np.ndarray, r: int) -> np.ndarray:
    from scipy import ndimage
    return ndimage.uniform_filter(x, size=2 * r + 1, mode="reflect")


def _guided_coefficients(guide: np.ndarray, p: np.ndarray, r: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's window-averaged linear coefficients ``(mean(a), mean(b))``."""
    mean_i, mean_p = _box(guide, r), _box(p, r)
    cov = _box(guide * p, r) - mean_i * mean_p
    var = _box(guide * guide, r) - mean_i ** 2
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    return _box(a, r), _box(b, r)


def guided_filter(guide: np.ndarray, p: np.ndarray, r: int = 40, eps: float = 1e-3) -> np.ndarray:
    """Grey guided filter (He, Sun, Tang 2013): ``q = mean(a) guide + mean(b)``, window ``2r + 1``."""
    a, b = _guided_coefficients(guide, p, r, eps)
    return a * guide + b


def downscale(img: np.ndarray, s: int) -> np.ndarray:
    """Mean over ``s x s`` blocks ``(H // s, W // s, ...)`` (the image cropped to a multiple of ``s``)."""
    if s == 1:
        return img
    H, W = (img.shape[0] // s) * s, (img.shape[1] // s) * s
    x = img[:H, :W]
    rows = sum(x[i::s] for i in range(s))  # strided sums: ~8x faster than a mean over reshaped axes
    return sum(rows[:, j::s] for j in range(s)) / (s * s)


def upscale(x: np.ndarray, s: int, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`downscale` for a smooth map ``(h, w)`` or a stack of them ``(c, h, w)``: bilinear
    upsampling by ``s`` (block centres at the right places), the cropped border filled with the nearest
    values, ``shape`` ``(H, W)``."""
    if s == 1:
        return x
    import torch
    import torch.nn.functional as F

    ten = torch.from_numpy(np.ascontiguousarray(x))
    ten = ten[None, None] if ten.dim() == 2 else ten[None]
    up = F.interpolate(ten, scale_factor=s, mode="bilinear", align_corners=False)
    up = F.pad(up, (0, shape[1] - up.shape[-1], 0, shape[0] - up.shape[-2]), mode="replicate")
    return up[0, 0].numpy() if x.ndim == 2 else up[0].numpy()


def guided_upsample(guide: np.ndarray, p: np.ndarray, s: int, r: int, eps: float = 1e-3) -> np.ndarray:
    """Fast guided filter (He and Sun 2015): the coefficients of :func:`guided_filter` computed at
    ``1 / s`` of the resolution (``p`` ``(H // s, W // s)``, window ``2r + 1`` there) against the
    downscaled ``guide``, upsampled, and applied to the full-resolution ``guide`` ``(H, W)``: edges of the
    guide come back into a map estimated at low resolution.  ``s = 1`` is :func:`guided_filter`."""
    a, b = upscale(np.stack(_guided_coefficients(downscale(guide, s), p, r, eps)), s, guide.shape)
    return a * guide + b


def grey(I: np.ndarray) -> np.ndarray:
    return I @ np.array([0.299, 0.587, 0.114])


def boundary_transmission(I: np.ndarray, A: np.ndarray, patch: int = 15, c0: float = 20 / 255,
                          c1: float = 300 / 255) -> np.ndarray:
    """Meng et al. 2013, Eq. (9)-(11): the radiance is bounded by ``[c0, c1]``, so
    ``t_b = max_c max((A_c - I_c) / (A_c - c0), (I_c - A_c) / (c1 - A_c))``, then the patch-wise
    ``max`` over ``patch`` and a morphological closing: the guidance ``t~`` of PADNet's fidelity."""
    from scipy import ndimage
    lo = (A - I) / np.maximum(A - c0, 1e-3)
    hi = (I - A) / np.maximum(c1 - A, 1e-3)
    m = np.maximum(lo, hi)
    tb = np.clip(np.maximum(np.maximum(m[..., 0], m[..., 1]), m[..., 2]), 0.0, 1.0)
    t = ndimage.maximum_filter(tb, size=patch, mode="nearest")
    return np.clip(ndimage.grey_closing(t, size=patch, mode="nearest"), 0.05, 1.0)
