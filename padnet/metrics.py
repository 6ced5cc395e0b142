"""Image quality metrics and the benchmarks' own evaluation protocols.

* :func:`psnr` in dB for images in [0, 1] (peak 1).
* :func:`ssim`: Gaussian-window SSIM of Wang et al. 2004 (sigma 1.5, K1 0.01, K2 0.03, population
  covariance) through scikit-image.
* :func:`align_upto_shift`: Levin et al.'s ``comp_upto_shift.m``: crop a border of the ground truth,
  search sub-pixel translations of the estimate in ``[-maxshift, maxshift]`` (step 0.25 px, bilinear
  interpolation), keep the least-SSD one.
* :func:`levin_protocol`: crop 15 px, shifts within +-5 px, PSNR and SSIM of the aligned pair.
* :func:`sun_protocol`: discard 50 px on each border, align, PSNR and SSIM.

All functions take 2-D grey images (``numpy`` arrays or tensors, values in [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.metrics import structural_similarity

from padnet.checks import InputError

__all__ = ["psnr", "ssim", "Alignment", "align_upto_shift", "levin_protocol", "sun_protocol", "crop_protocol"]


def _as2d(img, name: str, rgb: bool = False) -> np.ndarray:
    arr = img.detach().cpu().numpy() if hasattr(img, "detach") else np.asarray(img)
    arr = np.squeeze(arr).astype(np.float64)
    if not (arr.ndim == 2 or (rgb and arr.ndim == 3 and arr.shape[2] == 3)):
        raise InputError(f"{name} must be a 2-D grey{' or (H, W, 3) RGB' if rgb else ''} image, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} has NaN or infinite pixels")
    return arr


def psnr(x, ref, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio ``10 log10(peak^2 / MSE)`` in dB (``inf`` for identical images); grey
    ``(H, W)`` or RGB ``(H, W, 3)`` (MSE over all channels)."""
    a, b = _as2d(x, "x", rgb=True), _as2d(ref, "ref", rgb=True)
    if a.shape != b.shape:
        raise InputError(f"x and ref differ in shape: {a.shape} vs {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(data_range ** 2 / mse)


def ssim(x, ref, data_range: float = 1.0) -> float:
    """SSIM (Wang et al. 2004): 11x11 Gaussian window of sigma 1.5, K1 = 0.01, K2 = 0.03; for RGB
    ``(H, W, 3)`` the mean of the per-channel SSIMs."""
    a, b = _as2d(x, "x", rgb=True), _as2d(ref, "ref", rgb=True)
    if a.shape != b.shape:
        raise InputError(f"x and ref differ in shape: {a.shape} vs {b.shape}")
    return float(structural_similarity(a, b, data_range=data_range, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, channel_axis=2 if a.ndim == 3 else None))


@dataclass
class Alignment:
    """Result of :func:`align_upto_shift`.

    Attributes:
        aligned: the estimate resampled at the best shift, cropped like ``reference``.
        reference: the cropped ground truth.
        shift: ``(dy, dx)`` in pixels: ``aligned[r, c] = est[r + crop + dy, c + crop + dx]``.
        ssd: sum of squared differences at that shift.
    """

    aligned: np.ndarray
    reference: np.ndarray
    shift: tuple[float, float]
    ssd: float


def _bilinear_cols(img: np.ndarray, start: int, n: int, shifts: np.ndarray) -> np.ndarray:
    """``out[s, :, c] = img[:, start + c + shifts[s]]`` sampled bilinearly: ``(len(shifts), H, n)``."""
    fl = np.floor(shifts).astype(int)
    fr = (shifts - fl)[:, None, None]
    idx = start + np.arange(n)[None, :] + fl[:, None]  # (S, n)
    left = img[:, idx].transpose(1, 0, 2)
    right = img[:, idx + 1].transpose(1, 0, 2)
    return (1.0 - fr) * left + fr * right


def align_upto_shift(est, gt, crop: int = 15, maxshift: float = 5.0, step: float = 0.25,
                     shifts: tuple[np.ndarray, np.ndarray] | None = None) -> Alignment:
    """Levin et al.'s ``comp_upto_shift``: best sub-pixel translation of ``est`` against ``gt``.

    The ground truth loses ``crop`` pixels on each side; the estimate is sampled (bilinearly) at every
    shift ``(dy, dx)`` on the grid ``-maxshift:step:maxshift`` (or the given ``shifts`` grids), and the
    shift with the smallest SSD wins (exhaustive search, as the original).

    Args:
        est: estimate ``(H, W)``; gt: ground truth ``(H, W)``, same shape.
        crop: border removed from the ground truth, pixels (> maxshift).
    """
    e, g = _as2d(est, "estimate"), _as2d(gt, "ground truth")
    if e.shape != g.shape:
        raise InputError(f"estimate and ground truth differ in shape: {e.shape} vs {g.shape}")
    if shifts is None:
        grid = np.arange(-maxshift, maxshift + step / 2, step)
        shifts = (grid, grid)
    sy, sx = (np.asarray(s, dtype=np.float64) for s in shifts)
    largest = float(max(np.abs(sy).max(), np.abs(sx).max()))
    if crop < np.floor(largest) + 1:
        raise InputError(f"crop ({crop}) must exceed the largest shift ({largest}) by at least 1 pixel")
    H, W = g.shape
    nr, nc = H - 2 * crop, W - 2 * crop
    if nr < 1 or nc < 1:
        raise InputError(f"image {H}x{W} is too small for a {crop}-pixel crop")
    ref = g[crop:H - crop, crop:W - crop]
    cols = _bilinear_cols(e, crop, nc, sx)  # (Sx, H, nc)
    best = (np.inf, 0.0, 0.0)
    for dy in sy:
        n = int(np.floor(dy))
        f = dy - n
        rows = (1.0 - f) * cols[:, crop + n: crop + n + nr, :] + f * cols[:, crop + n + 1: crop + n + 1 + nr, :]
        ssd = ((rows - ref[None]) ** 2).sum(axis=(1, 2))
        j = int(np.argmin(ssd))
        if ssd[j] < best[0]:
            best = (float(ssd[j]), float(dy), float(sx[j]))
    _, dy, dx = best
    cols = _bilinear_cols(e, crop, nc, np.array([dx]))[0]
    n = int(np.floor(dy))
    f = dy - n
    aligned = (1.0 - f) * cols[crop + n: crop + n + nr] + f * cols[crop + n + 1: crop + n + 1 + nr]
    return Alignment(aligned=aligned, reference=ref, shift=(dy, dx), ssd=best[0])


def levin_protocol(est, gt, crop: int = 15, maxshift: float = 5.0) -> dict:
    """Levin et al. 2009 protocol: crop 15 px of the ground truth, exhaustive sub-pixel alignment within
    +-5 px (0.25 px steps), then PSNR (dB) and SSIM of the aligned pair.

    Returns:
        ``{"psnr", "ssim", "shift", "ssd"}``.
    """
    al = align_upto_shift(est, gt, crop=crop, maxshift=maxshift)
    return {"psnr": psnr(al.aligned, al.reference), "ssim": ssim(al.aligned, al.reference),
            "shift": al.shift, "ssd": al.ssd}


def sun_protocol(est, gt, border: int = 50, maxshift: float = 5.0) -> dict:
    """Sun et al. 2013 protocol: discard ``border`` = 50 px on each side, align, PSNR (dB) and SSIM.

    On these ~0.8 MP images the 41 x 41 exhaustive grid is costly, so the search is coarse-to-fine:
    integer shifts within +-maxshift, then 0.25 px steps within +-1 px of the best integer shift.  (Sun et
    al. only state "best alignment"; on a unimodal SSD both searches agree.)
    """
    ints = np.arange(-int(maxshift), int(maxshift) + 1, dtype=np.float64)
    coarse = align_upto_shift(est, gt, crop=border, shifts=(ints, ints))
    fine = np.arange(-1.0, 1.0 + 1e-9, 0.25)
    dy0, dx0 = coarse.shift
    sy = np.clip(dy0 + fine, -maxshift, maxshift)
    sx = np.clip(dx0 + fine, -maxshift, maxshift)
    al = align_upto_shift(est, gt, crop=border, shifts=(np.unique(sy), np.unique(sx)))
    return {"psnr": psnr(al.aligned, al.reference), "ssim": ssim(al.aligned, al.reference),
            "shift": al.shift, "ssd": al.ssd}


def crop_protocol(est, gt, border: int) -> dict:
    """PSNR (dB) and SSIM of grey or RGB ``est`` against ``gt`` with ``border`` pixels discarded on each side and
    no alignment: for synthetic inputs deblurred with their exact kernel, where no shift is ambiguous."""
    e, g = _as2d(est, "estimate", rgb=True), _as2d(gt, "ground truth", rgb=True)
    if e.shape != g.shape:
        raise InputError(f"estimate and ground truth differ in shape: {e.shape} vs {g.shape}")
    if min(g.shape[:2]) <= 2 * border:
        raise InputError(f"image {g.shape[0]}x{g.shape[1]} is too small for a {border}-pixel border")
    H, W = g.shape[:2]
    e, g = e[border:H - border, border:W - border], g[border:H - border, border:W - border]
    return {"psnr": psnr(e, g), "ssim": ssim(e, g)}
