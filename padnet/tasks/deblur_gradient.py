"""Task: non-blind deblurring in the gradient domain (Table 1, and the explicit PADNet of Table 2):
Eq. (14)'s fidelity ``1/2 ||g * k - D(y)||^2`` on the gradient field ``g`` ``(B, 2C, H, W)``, whose target
is ``D(x)``.  Training pairs are the image task's blurred patches.

The noise-level-aware variant (``gradient-sigma``, :data:`DEBLUR_GRADIENT_SIGMA`) takes sigma as the
image-domain one does (:mod:`padnet.tasks.deblur_image`): the fidelity weighted by ``w(sigma)`` and a noise
map read by every unit.  Its loss also scores the image that the linear layer of Eq. (16) makes from the
restored gradients (``aux_loss``), so that Alg. 2 and the joint fine-tuning train through that layer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from padnet.optim.energy import QuadraticFidelity, image_from_gradients
from padnet.physics.operators import grad
from padnet.tasks.base import Task, TrainingSet
from padnet.tasks.deblur_image import blurred_patches, noise_weight

__all__ = ["DeblurGradientTask", "DeblurGradientSigmaTask", "DEBLUR_GRADIENT", "DEBLUR_GRADIENT_SIGMA",
           "eq16_image"]


def eq16_image(g: torch.Tensor, y: torch.Tensor, kernels: torch.Tensor, beta: float,
               sigma: torch.Tensor | float | None = None) -> torch.Tensor:
    """The linear layer of Eq. (16) with the fidelity of the model: ``x = argmin w/2 ||k * x - y||^2 +
    beta/2 ||D(x) - g||^2``, with ``w = w(sigma)`` (:func:`~padnet.tasks.deblur_image.noise_weight`) for a
    noise-level-aware model and ``w = 1`` without ``sigma``.  With the weight, ``beta`` relative to the data
    grows like ``sigma^2``, as a MAP estimate's prior weight does.

    Shapes: ``g`` ``(B, 2C, H, W)``, ``y`` ``(B, C, H, W)``, ``kernels`` ``(B|1, 1, h, w)``; returns ``(B, C, H, W)``.
    """
    weight = None if sigma is None else noise_weight(sigma, y)
    return image_from_gradients(g, QuadraticFidelity.deblur(y, kernels, weight=weight), beta)  # Eq. (16)


class DeblurGradientTask(Task):
    """Restore the gradients ``g = D(x)`` from ``D(y)`` (Eq. 14)."""

    name = "gradient"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        return QuadraticFidelity.gradient_domain(y, kernels)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        return grad(x)

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        return blurred_patches(cfg, n, offset, device)


class DeblurGradientSigmaTask(DeblurGradientTask):
    """Noise-level-aware :class:`DeblurGradientTask` (recipes with a ``noise_range``): Eq. (14)'s fidelity
    weighted by ``w(sigma)``, the units given the noise map, and the loss

        ``||g - D(x*)||^2 + aux_loss ||x(g) - x*||^2`` (means), ``x(g)`` by Eq. (16) (:func:`eq16_image`)."""

    name = "gradient-sigma"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None, sigma=None) -> QuadraticFidelity:
        if sigma is None:
            raise ValueError("the noise-level-aware fidelity needs sigma")
        return QuadraticFidelity.gradient_domain(y, kernels, weight=noise_weight(sigma, y))

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        if cfg.noise_range is None:
            raise ValueError(f"recipe {cfg.name!r}: the {self.name} task needs a noise_range")
        return blurred_patches(cfg, n, offset, device)

    def problem(self, data: TrainingSet, idx=slice(None)) -> tuple[QuadraticFidelity, torch.Tensor]:
        return self.fidelity(data.y[idx], data.kernels[idx], data.sigma[idx]), self.target(data.x[idx])

    def loss(self, out: torch.Tensor, target: torch.Tensor, data: TrainingSet, idx, cfg) -> torch.Tensor:
        loss = F.mse_loss(out, target)
        if cfg.aux_loss > 0:
            x = eq16_image(out, data.y[idx], data.kernels[idx], cfg.beta, data.sigma[idx])
            loss = loss + cfg.aux_loss * F.mse_loss(x, data.x[idx])
        return loss


DEBLUR_GRADIENT = DeblurGradientTask()
DEBLUR_GRADIENT_SIGMA = DeblurGradientSigmaTask()
