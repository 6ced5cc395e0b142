"""Task: the transmission of a hazy image (Table 3), for an implicit PADNet on ``f(t) = 1/2 ||t - t~||^2``.

The fidelity is the identity one (no blur, no FFT); the data ``t~`` is Meng et al.'s boundary constraint
(:func:`padnet.physics.haze.boundary_transmission`), the target the true transmission, and the units also
read the hazy image over the airlight (:func:`hazy_guide`).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from padnet.data.haze import (
    MIDDLEBURY_RENDER,
    SOTS_TRAIN,
    disparity_to_depth,
    motorcycle,
    quantise,
    sots_scene,
)
from padnet.data.registry import EMBEDDED_NOTICE, available
from padnet.optim.energy import QuadraticFidelity
from padnet.physics.haze import atmospheric_light, boundary_transmission, render_haze
from padnet.tasks.base import Task, TrainingSet

__all__ = ["hazy_guide", "make_dehaze_training_set", "DEHAZE"]


def hazy_guide(I: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The units' guidance: the hazy image in units of the airlight, ``I / A`` ``(3, H, W)``: Eq. (17)
    divided by ``A`` reads ``I / A = t J / A + 1 - t``, free of the airlight's tint."""
    return np.ascontiguousarray((I / np.maximum(A, 1e-3)).transpose(2, 0, 1))


def make_dehaze_training_set(cfg, n: int, offset: int, device: torch.device):
    """``n`` training patches from the SOTS training scenes, rendered on the fly: random scene,
    ``beta ~ U[0.5, 1.8]``, ``A = a (1 + delta_c)`` with ``a ~ U[0.7, 1.0]``, ``delta_c ~ U[-0.1, 0.1]``
    (grey to slightly tinted), 8 bits.  ``y`` = guidance ``t~`` (boundary constraint with He's estimated
    ``A``), ``x`` = true ``t``, ``guide`` = the hazy patch over the estimated ``A`` (:func:`hazy_guide`)."""
    rng = np.random.default_rng([cfg.seed, offset, 17])
    P = cfg.patch
    embedded = not available("sots_indoor")
    if embedded:
        warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
    ys, xs, gs = [], [], []
    per_render = 4
    while len(xs) < n:
        if embedded:
            J, disp = motorcycle()
            d = disparity_to_depth(disp, MIDDLEBURY_RENDER["dmin"])
        else:
            J, d, _ = sots_scene(int(rng.choice(SOTS_TRAIN)))
        A_true = rng.uniform(0.7, 1.0) * (1.0 + rng.uniform(-0.1, 0.1, size=3))  # grey to slightly tinted
        I, t = render_haze(J, d, rng.uniform(0.5, 1.8), np.clip(A_true, 0.0, 1.0))
        I = quantise(I)
        A = atmospheric_light(I)
        tt = boundary_transmission(I, A)
        g = hazy_guide(I, A)
        for _ in range(per_render):
            r, c = rng.integers(0, I.shape[0] - P + 1), rng.integers(0, I.shape[1] - P + 1)
            ys.append(tt[r:r + P, c:c + P])
            xs.append(t[r:r + P, c:c + P])
            gs.append(g[:, r:r + P, c:c + P])
    ys, xs, gs = ys[:n], xs[:n], gs[:n]

    def tensor(a):
        return torch.from_numpy(np.ascontiguousarray(np.stack(a), dtype=np.float32)).to(device)

    y, x = tensor(ys)[:, None], tensor(xs)[:, None]
    delta = torch.ones((n, 1, 1, 1), dtype=torch.float32, device=device)  # f(t) = 1/2 ||t - t~||^2
    return TrainingSet(y=y, x=x, kernels=delta, embedded=embedded, guide=tensor(gs))


class DehazeTask(Task):
    """Restore the transmission ``t`` from Meng's guidance ``t~`` with the identity fidelity."""

    name = "transmission"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        return QuadraticFidelity(b=y)  # K = I: 1/2 ||t - t~||^2, no FFT

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        return make_dehaze_training_set(cfg, n, offset, device)


DEHAZE = DehazeTask()
