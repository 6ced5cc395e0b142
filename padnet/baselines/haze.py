"""Classical single-image dehazing baselines of Table 3: transmission estimates of He et al. (dark channel
prior), Meng et al. (boundary constraint + contextual regularisation) and Berman et al. (haze-lines).

* :func:`dcp_transmission`: He et al. 2011, dark channel prior, refined by the guided filter (He et al.
  2013) in place of soft matting.
* :func:`bccr_transmission`: Meng et al. 2013, the contextual regularisation of the boundary constraint.
* :func:`nonlocal_transmission`: Berman et al. 2016, haze-lines (1000 directions on the sphere, lower
  bound, weighted least-squares smoothing).
"""

from __future__ import annotations

import numpy as np

# SciPy's ndimage is imported in the functions that use it: loading it costs 0.2 s of every padnet command's start

from padnet.physics.haze import boundary_transmission, dark_channel, grey, guided_filter

__all__ = ["dcp_transmission", "bccr_transmission", "nonlocal_transmission"]


def dcp_transmission(I: np.ndarray, A: np.ndarray, patch: int = 15, omega: float = 0.95, r: int = 40,
                     eps: float = 1e-3) -> np.ndarray:
    """He et al. 2011: ``t = 1 - omega dark(I / A)``, refined by the guided filter on the grey image."""
    t = 1.0 - omega * dark_channel(I / np.maximum(A, 1e-3), patch)
    return np.clip(guided_filter(grey(I), t, r, eps), 0.05, 1.0)


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
    from scipy import ndimage
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
    g = grey(I)
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
