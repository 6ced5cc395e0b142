"""Task: non-blind deblurring in the image domain (Table 2's implicit PADNet), ``f_im = 1/2 ||k * x - y||^2``.

Training pairs: Train400 patches (or the embedded images without data, labelled as such) blurred
circularly by generated motion kernels (never Levin's) with Gaussian noise (:func:`blurred_patches`).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from padnet.data.deblur import embedded_deblur_set, train400
from padnet.data.registry import EMBEDDED_NOTICE, available
from padnet.optim.energy import QuadraticFidelity
from padnet.physics.kernels import random_motion_kernel
from padnet.physics.operators import conv_fft
from padnet.tasks.base import Task, TrainingSet

__all__ = ["blurred_patches", "DeblurImageTask", "DEBLUR_IMAGE"]


def blurred_patches(cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
    """``n`` patches of ``cfg.patch`` pixels, seeded by ``cfg.seed`` and ``offset``: circular blur by a motion
    PSF of a size drawn from ``cfg.kernel_sizes`` (on a ``cfg.kernel_canvas`` canvas) + N(0, ``cfg.noise``^2)."""
    if available("train400"):
        images, embedded = train400(), False
    else:
        warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
        images, embedded = np.stack([s.sharp for s in embedded_deblur_set(n_kernels=1)]).astype(np.float32), True
    rng = np.random.default_rng([cfg.seed, offset, 400])
    P, C = cfg.patch, cfg.kernel_canvas
    xs, ks = [], []
    for _ in range(n):
        img = images[rng.integers(len(images))]
        r, c = rng.integers(0, img.shape[0] - P + 1), rng.integers(0, img.shape[1] - P + 1)
        patch = img[r:r + P, c:c + P]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        xs.append(np.ascontiguousarray(patch))
        size = int(rng.choice(cfg.kernel_sizes))
        k = np.zeros((C, C))
        o = (C - size) // 2
        k[o:o + size, o:o + size] = random_motion_kernel(size, rng)
        ks.append(k)
    x = torch.from_numpy(np.stack(xs)[:, None].astype(np.float32)).to(device)
    k = torch.from_numpy(np.stack(ks)[:, None].astype(np.float32)).to(device)
    noise = torch.from_numpy(rng.standard_normal(x.shape).astype(np.float32)).to(device)
    y = conv_fft(x, k) + cfg.noise * noise
    return TrainingSet(y=y, x=x, kernels=k, embedded=embedded)


class DeblurImageTask(Task):
    """Restore the image ``x`` from ``y = k * x + n`` (circular model)."""

    name = "image"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        return QuadraticFidelity.deblur(y, kernels)

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        return blurred_patches(cfg, n, offset, device)


DEBLUR_IMAGE = DeblurImageTask()
