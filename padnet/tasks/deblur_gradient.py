"""Task: non-blind deblurring in the gradient domain (Table 1, and the explicit PADNet of Table 2):
Eq. (14)'s fidelity ``1/2 ||g * k - D(y)||^2`` on the gradient field ``g`` ``(B, 2C, H, W)``, whose target
is ``D(x)``.  Training pairs are the image task's blurred patches.

With ``aux_loss > 0`` the loss also scores the image that the linear layer of Eq. (16) makes from the
restored gradients (weight ``beta`` of the recipe), so that Alg. 2 and the joint fine-tuning train through
that layer: ``||g - D(x*)||^2 + aux_loss ||x(g) - x*||^2`` (means).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from padnet.optim.energy import QuadraticFidelity, image_from_gradients
from padnet.physics.operators import grad
from padnet.tasks.base import Task, TrainingSet
from padnet.tasks.deblur_image import blurred_patches

__all__ = ["DeblurGradientTask", "DEBLUR_GRADIENT"]


class DeblurGradientTask(Task):
    """Restore the gradients ``g = D(x)`` from ``D(y)`` (Eq. 14)."""

    name = "gradient"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        return QuadraticFidelity.gradient_domain(y, kernels)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        return grad(x)

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        return blurred_patches(cfg, n, offset, device)

    def loss(self, out: torch.Tensor, target: torch.Tensor, data: TrainingSet, idx, cfg) -> torch.Tensor:
        loss = F.mse_loss(out, target)
        if cfg.aux_loss > 0:
            fidelity = QuadraticFidelity.deblur(data.y[idx], data.kernels[idx])
            image = image_from_gradients(out, fidelity, cfg.beta)  # the linear layer of Eq. (16)
            loss = loss + cfg.aux_loss * F.mse_loss(image, data.x[idx])
        return loss


DEBLUR_GRADIENT = DeblurGradientTask()
