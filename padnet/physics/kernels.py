"""Blur-kernel generators: random camera-shake PSFs for training data (never Levin's kernels)."""

from __future__ import annotations

import numpy as np

__all__ = ["random_motion_kernel"]


def random_motion_kernel(size: int, rng: np.random.Generator, n_steps: int = 96,
                         min_length: float = 0.3, inertia: float = 0.85) -> np.ndarray:
    """Random camera-shake PSF: a random walk with inertia, rasterised bilinearly, centred, sum 1.

    The trajectory's extent is scaled to a random fraction in ``[min_length, 1]`` of ``size - 3`` pixels;
    the PSF is centred on its centre of mass.  Used for training data only (never Levin's kernels).

    Args:
        size: odd side of the square kernel, >= 5.
        rng: numpy generator (seeded by the caller).

    Returns:
        ``(size, size)`` float64 convolution PSF.
    """
    if size < 5 or size % 2 == 0:
        raise ValueError(f"kernel size must be odd and >= 5, got {size}")
    vel = rng.standard_normal(2)
    pos = np.zeros((n_steps, 2))
    for t in range(1, n_steps):
        vel = inertia * vel + (1.0 - inertia) * 2.0 * rng.standard_normal(2)
        # occasional jerk, as in camera shake
        if rng.random() < 0.05:
            vel += 1.5 * rng.standard_normal(2)
        pos[t] = pos[t - 1] + vel
    pos -= pos.mean(axis=0)
    extent = np.abs(pos).max()
    target = rng.uniform(min_length, 1.0) * (size - 3) / 2.0
    pos *= target / max(extent, 1e-9)
    k = np.zeros((size, size))
    c = size // 2
    for py, px in pos + c:
        y0, x0 = int(np.floor(py)), int(np.floor(px))
        fy, fx = py - y0, px - x0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                if 0 <= y0 + dy < size and 0 <= x0 + dx < size:
                    k[y0 + dy, x0 + dx] += wy * wx
    return k / k.sum()
