"""Single-image dehazing: the haze model (Eq. 17), atmospheric light, recovery, and the baselines.

Images are numpy float arrays ``(H, W, 3)`` in [0, 1]; transmissions ``(H, W)`` in (0, 1].

* :func:`render_haze`: ``I = t J + (1 - t) A`` (Eq. 17) with ``t = exp(-beta d)``.
* :func:`atmospheric_light`: He et al.'s estimate (brightest 0.1% of the dark channel).
* :func:`recover`: ``J = (I - A) / max(t, t0) + A``.
* :func:`dcp_transmission`: He et al. 2011, dark channel prior, refined by the guided filter (He et al.
  2013) in place of soft matting.
* :func:`boundary_transmission` / :func:`bccr_transmission`: Meng et al. 2013, the boundary constraint
  (the guidance ``t~`` of PADNet's fidelity) and the contextual regularisation.
* :func:`nonlocal_transmission`: Berman et al. 2016, haze-lines (1000 directions on the sphere, lower
  bound, weighted least-squares smoothing).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["render_haze", "dark_channel", "atmospheric_light", "recover", "guided_filter", "dcp_transmission",
           "boundary_transmission", "bccr_transmission", "nonlocal_transmission", "check_hazy"]


def check_hazy(img, name: str = "hazy image") -> np.ndarray:
    """A finite ``(H, W, 3)`` float64 array in [0, 1], or :class:`~padnet.checks.InputError`."""
    from padnet.checks import InputError

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


def dark_channel(img: np.ndarray, patch: int = 15) -> np.ndarray:
    """``min_{y in Omega(x)} min_c img_c(y)`` over a ``patch`` x ``patch`` window."""
    return ndimage.minimum_filter(img.min(axis=2), size=patch, mode="nearest")


def atmospheric_light(I: np.ndarray, patch: int = 15, top: float = 0.001) -> np.ndarray:
    """He et al.: among the brightest ``top`` fraction of the dark channel, the pixel of highest intensity."""
    dark = dark_channel(I, patch).ravel()
    n = max(1, int(round(top * dark.size)))
    idx = np.argpartition(dark, -n)[-n:]
    flat = I.reshape(-1, 3)
    return flat[idx[np.argmax(flat[idx].sum(axis=1))]].copy()


def recover(I: np.ndarray, t: np.ndarray, A: np.ndarray, t0: float = 0.1) -> np.ndarray:
    """Scene radiance ``J = (I - A) / max(t, t0) + A`` (Eq. 17 solved for J), clipped to [0, 1]."""
    return np.clip((I - A) / np.maximum(t, t0)[..., None] + A, 0.0, 1.0)


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return ndimage.uniform_filter(x, size=2 * r + 1, mode="reflect")


def guided_filter(guide: np.ndarray, p: np.ndarray, r: int = 40, eps: float = 1e-3) -> np.ndarray:
    """Grey guided filter (He, Sun, Tang 2013): ``q = mean(a) guide + mean(b)``, window ``2r + 1``."""
    mean_i, mean_p = _box(guide, r), _box(p, r)
    cov = _box(guide * p, r) - mean_i * mean_p
    var = _box(guide * guide, r) - mean_i ** 2
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    return _box(a, r) * guide + _box(b, r)


def _grey(I: np.ndarray) -> np.ndarray:
    return I @ np.array([0.299, 0.587, 0.114])


def dcp_transmission(I: np.ndarray, A: np.ndarray, patch: int = 15, omega: float = 0.95, r: int = 40,
                     eps: float = 1e-3) -> np.ndarray:
    """He et al. 2011: ``t = 1 - omega dark(I / A)``, refined by the guided filter on the grey image."""
    t = 1.0 - omega * dark_channel(I / np.maximum(A, 1e-3), patch)
    return np.clip(guided_filter(_grey(I), t, r, eps), 0.05, 1.0)


def boundary_transmission(I: np.ndarray, A: np.ndarray, patch: int = 15, c0: float = 20 / 255,
                          c1: float = 300 / 255) -> np.ndarray:
    """Meng et al. 2013, Eq. (9)-(11): the radiance is bounded by ``[c0, c1]``, so
    ``t_b = max_c max((A_c - I_c) / (A_c - c0), (I_c - A_c) / (c1 - A_c))``, then the patch-wise
    ``max`` over ``patch`` and a morphological closing: the guidance ``t~`` of PADNet's fidelity."""
    lo = (A - I) / np.maximum(A - c0, 1e-3)
    hi = (I - A) / np.maximum(c1 - A, 1e-3)
    tb = np.clip(np.maximum(lo, hi).max(axis=2), 0.0, 1.0)
    t = ndimage.maximum_filter(tb, size=patch, mode="nearest")
    return np.clip(ndimage.grey_closing(t, size=patch, mode="nearest"), 0.05, 1.0)


def _kirsch_filters() -> list[np.ndarray]:
    """Meng et al.'s bank: 8 Kirsch compass masks and a Laplacian (each scaled to unit l1 norm)."""
    base = np.array([[5, 5, 5], [-3, 0, -3], [-3, -3, -3]], dtype=np.float64)
    ring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    out = []
    vals = [base[p] for p in ring]
    for s in range(8):
        k = np.zeros((3, 3))
        for i, p in enumerate(ring):
            k[p] = vals[(i - s) % 8]
        out.append(k / np.abs(k).sum())
    lap = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float64)
    out.append(lap / np.abs(lap).sum())
    return out


def bccr_transmission(I: np.ndarray, A: np.ndarray, lam: float = 2.0, sigma: float = 0.5, iters: int = 8,
                      patch: int = 15) -> np.ndarray:
    """Meng et al. 2013: ``min_t lam/2 ||t - t_b||^2 + sum_j ||W_j o (D_j * t)||_1`` (their Eq. 20) by
    their variable splitting: ``u_j = soft(D_j * t, W_j / beta)`` and an FFT solve for ``t``, with
    ``beta`` doubled each of ``iters`` rounds; ``W_j = exp(-|sum_c D_j * I_c|^2 / (2 sigma^2))``."""
    from numpy.fft import fft2, ifft2

    tb = boundary_transmission(I, A, patch)
    H, W = tb.shape
    filters = _kirsch_filters()
    weights, otfs = [], []
    for k in filters:
        resp = sum(ndimage.correlate(I[..., c], k, mode="wrap") for c in range(3))
        weights.append(np.exp(-(resp ** 2) / (2 * sigma ** 2)))
        big = np.zeros((H, W))
        big[:3, :3] = k
        otfs.append(fft2(np.roll(big, (-1, -1), axis=(0, 1))))
    den_d = sum(np.abs(o) ** 2 for o in otfs)
    t = tb.copy()
    beta = 1.0
    for _ in range(iters):
        num = lam / beta * fft2(tb)
        for k_otf, w in zip(otfs, weights):
            d = np.real(ifft2(k_otf * fft2(t)))
            u = np.sign(d) * np.maximum(np.abs(d) - w / beta, 0.0)
            num = num + np.conj(k_otf) * fft2(u)
        t = np.real(ifft2(num / (lam / beta + den_d)))
        beta *= 2.0
    return np.clip(t, 0.05, 1.0)


def _sphere_points(n: int = 1000) -> np.ndarray:
    """``n`` nearly uniform unit vectors (Fibonacci lattice), Berman et al.'s tessellation stand-in."""
    i = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * i / n)
    theta = np.pi * (1 + 5 ** 0.5) * i
    return np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], axis=1)


def nonlocal_transmission(I: np.ndarray, A: np.ndarray, n_lines: int = 1000, lam: float = 0.1,
                          t_min: float = 0.1) -> np.ndarray:
    """Berman et al. 2016 (non-local dehazing): pixels of one haze-line share a direction of ``I - A``;
    ``t~ = r / r_max`` per line, bounded below by ``1 - min_c I_c / A_c``, then smoothed by weighted
    least squares, ``min_t sum_x (t - t~)^2 / sigma_x^2 + lam sum_{x, y in N_x} (t_x - t_y)^2 / |I_x - I_y|^2``
    with the per-line standard deviation ``sigma``."""
    from scipy import sparse
    from scipy.sparse.linalg import spsolve
    from scipy.spatial import cKDTree

    H, W, _ = I.shape
    d = (I - A).reshape(-1, 3)
    r = np.linalg.norm(d, axis=1)
    lines = cKDTree(_sphere_points(n_lines)).query(d / np.maximum(r, 1e-9)[:, None])[1]
    r_max = np.zeros(n_lines)
    np.maximum.at(r_max, lines, r)
    t = r / np.maximum(r_max[lines], 1e-9)
    lb = 1.0 - (I / np.maximum(A, 1e-3)).min(axis=2).ravel()
    t = np.clip(np.maximum(t, lb), t_min, 1.0)
    count = np.bincount(lines, minlength=n_lines)
    mean = np.bincount(lines, weights=t, minlength=n_lines) / np.maximum(count, 1)
    var = np.bincount(lines, weights=t ** 2, minlength=n_lines) / np.maximum(count, 1) - mean ** 2
    sd = np.sqrt(np.maximum(var, 0))[lines]
    data_w = np.where(count[lines] > 50, 1.0 / np.maximum(sd, 0.02) ** 2, 0.0)  # unreliable short lines: no data
    data_w = data_w / max(data_w.max(), 1e-12)
    g = _grey(I)
    idx = np.arange(H * W).reshape(H, W)
    rows, cols, vals = [], [], []
    for a, b, diff in ((idx[:, :-1], idx[:, 1:], g[:, :-1] - g[:, 1:]), (idx[:-1], idx[1:], g[:-1] - g[1:])):
        w = lam / (diff.ravel() ** 2 + 1e-3)
        rows += [a.ravel(), b.ravel()]
        cols += [b.ravel(), a.ravel()]
        vals += [-w, -w]
    off = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(H * W, H * W))
    lap = sparse.diags(-np.asarray(off.sum(axis=1)).ravel()) + off
    system = (sparse.diags(data_w + 1e-6) + lap).tocsc()
    t_s = spsolve(system, (data_w + 1e-6) * t)
    return np.clip(t_s.reshape(H, W), t_min, 1.0)
