"""Task: non-blind deblurring in the image domain (Table 2's implicit PADNet), ``f_im = 1/2 ||k * x - y||^2``.

Training pairs: Train400 patches (or the embedded images without data, labelled as such) blurred
circularly by generated motion kernels (never Levin's) with Gaussian noise (:func:`blurred_patches`).

The noise-level-aware variant (``image-sigma``, :data:`DEBLUR_IMAGE_SIGMA`) takes the noise level sigma as
an input, in two places, as plug-and-play methods with a denoiser schedule (DPIR) and FFDNet do:

* the fidelity is weighted, ``f = w(sigma)/2 ||k * x - y||^2`` with ``w = (sigma_ref / sigma)^a``
  (:func:`noise_weight`): with ``a = 2`` (``image-sigma``) the u-step's penalties ``mu`` and ``rho_k`` grow
  like ``sigma^2`` relative to the data, so the u-step amplifies noise about equally at every level; with
  ``a = 1`` (``image-sigma-w1``, :data:`DEBLUR_IMAGE_SIGMA_W1`) they grow like ``sigma``, so at high noise
  the u-steps keep more of the data and at low noise less (at ``sigma_ref`` = 1% both are the 1%-trained
  model's u-step exactly); ``a = 1`` is the task of ``deconv-implicit-sigma-w1`` and of its 8-stage
  extension ``deconv-implicit-sigma-w1-k8``, the model behind ``ipadnet``;
* every unit reads a noise map, ``sigma / sigma_ref`` in every pixel (:func:`noise_map`), as an extra
  input channel (the units' ``guide``).
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

__all__ = ["SIGMA_REF", "SIGMA_FLOOR", "noise_map", "noise_weight", "blurred_patches", "DeblurImageTask",
           "NoiseLevelAware", "DeblurImageSigmaTask", "DEBLUR_IMAGE", "DEBLUR_IMAGE_SIGMA", "DEBLUR_IMAGE_SIGMA_W1"]

#: noise level (std, [0, 1] units) at which the noise-aware fidelity weight is 1 and the noise map reads 1
SIGMA_REF = 0.01
#: the weight stops growing below this level (sigma = 0 would make the u-step an unregularised inverse filter)
SIGMA_FLOOR = 0.0025


def _sigma_tensor(sigma, like: torch.Tensor) -> torch.Tensor:
    s = torch.as_tensor(sigma, dtype=like.dtype, device=like.device).reshape(-1)
    return s.expand(like.shape[0]) if s.numel() == 1 else s


def noise_map(sigma, like: torch.Tensor) -> torch.Tensor:
    """The units' noise-map input: ``sigma / SIGMA_REF`` in every pixel, ``(B, 1, H, W)`` for ``like``
    ``(B, C, H, W)``; ``sigma`` a float or ``(B,)``."""
    s = _sigma_tensor(sigma, like) / SIGMA_REF
    return s.reshape(-1, 1, 1, 1).expand(like.shape[0], 1, *like.shape[-2:]).contiguous()


def noise_weight(sigma, like: torch.Tensor, exponent: float = 2.0) -> torch.Tensor:
    """Fidelity weight ``w = (SIGMA_REF / max(sigma, SIGMA_FLOOR))^exponent`` per item ``(B,)``."""
    return (SIGMA_REF / _sigma_tensor(sigma, like).clamp_min(SIGMA_FLOOR)) ** exponent


def blurred_patches(cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
    """``n`` patches of ``cfg.patch`` pixels, seeded by ``cfg.seed`` and ``offset``: circular blur by a motion
    PSF of a size drawn from ``cfg.kernel_sizes`` (on a ``cfg.kernel_canvas`` canvas) + N(0, sigma^2), with
    sigma = ``cfg.noise``, or drawn per patch uniformly from ``cfg.noise_range`` (then also returned as
    ``sigma`` and as the noise map ``guide``)."""
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
    noise_range = getattr(cfg, "noise_range", None)
    if noise_range is None:
        return TrainingSet(y=conv_fft(x, k) + cfg.noise * noise, x=x, kernels=k, embedded=embedded)
    sigma = torch.from_numpy(rng.uniform(*noise_range, size=n).astype(np.float32)).to(device)
    y = conv_fft(x, k) + sigma.view(-1, 1, 1, 1) * noise
    return TrainingSet(y=y, x=x, kernels=k, embedded=embedded, guide=noise_map(sigma, y), sigma=sigma)


class DeblurImageTask(Task):
    """Restore the image ``x`` from ``y = k * x + n`` (circular model)."""

    name = "image"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        return QuadraticFidelity.deblur(y, kernels)

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        return blurred_patches(cfg, n, offset, device)


class NoiseLevelAware:
    """Mixin of the noise-level-aware deblurring tasks (image and gradient domain): training pairs with a
    noise level drawn per pair (recipes with a ``noise_range``), a fidelity weighted by :func:`noise_weight`
    with this task's ``exponent``, and the units given :func:`noise_map` (the pairs' ``guide``)."""

    def __init__(self, name: str, exponent: float):
        self.name, self.exponent = name, exponent

    def weight(self, sigma, like: torch.Tensor) -> torch.Tensor:
        """``(1% / sigma)^exponent`` per item ``(B,)`` (:func:`noise_weight`)."""
        if sigma is None:
            raise ValueError("the noise-level-aware fidelity needs sigma")
        return noise_weight(sigma, like, self.exponent)

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        if cfg.noise_range is None:
            raise ValueError(f"recipe {cfg.name!r}: the {self.name} task needs a noise_range")
        return blurred_patches(cfg, n, offset, device)

    def problem(self, data: TrainingSet, idx=slice(None)) -> tuple[QuadraticFidelity, torch.Tensor]:
        return self.fidelity(data.y[idx], data.kernels[idx], data.sigma[idx]), self.target(data.x[idx])


class DeblurImageSigmaTask(NoiseLevelAware, DeblurImageTask):
    """Noise-level-aware :class:`DeblurImageTask`: ``f = w(sigma)/2 ||k * x - y||^2`` (:class:`NoiseLevelAware`)."""

    def __init__(self, name: str = "image-sigma", exponent: float = 2.0):
        super().__init__(name, exponent)

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None, sigma=None) -> QuadraticFidelity:
        return QuadraticFidelity.deblur(y, kernels, weight=self.weight(sigma, y))


DEBLUR_IMAGE = DeblurImageTask()
DEBLUR_IMAGE_SIGMA = DeblurImageSigmaTask("image-sigma", 2.0)
DEBLUR_IMAGE_SIGMA_W1 = DeblurImageSigmaTask("image-sigma-w1", 1.0)
