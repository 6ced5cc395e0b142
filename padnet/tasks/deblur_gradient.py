"""Task: non-blind deblurring in the gradient domain (Table 1, and the explicit PADNet of Table 2):
Eq. (14)'s fidelity ``1/2 ||g * k - D(y)||^2`` on the gradient field ``g`` ``(B, 2C, H, W)``, whose target
is ``D(x)``.  Training pairs are the image task's blurred patches.
"""

from __future__ import annotations

import torch

from padnet.optim.energy import QuadraticFidelity
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


DEBLUR_GRADIENT = DeblurGradientTask()
