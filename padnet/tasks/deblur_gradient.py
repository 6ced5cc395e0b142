"""Task: non-blind deblurring in the gradient domain (Table 1, and the explicit PADNet of Table 2):
Eq. (14)'s fidelity ``1/2 ||g * k - D(y)||^2`` on the gradient field ``g`` ``(B, 2C, H, W)``, whose target
is ``D(x)``.  Training pairs are the image task's blurred patches.

With ``aux_loss > 0`` the loss also scores the image that the linear layer of Eq. (16) makes from the
restored gradients (weight ``beta`` of the recipe), so that Alg. 2 and the joint fine-tuning train through
that layer: ``||g - D(x*)||^2 + aux_loss ||x(g) - x*||^2`` (means).

The noise-level-aware variant (``gradient-sigma-w1``, :data:`DEBLUR_GRADIENT_SIGMA_W1`) is built like the
image-domain one (:mod:`padnet.tasks.deblur_image`): the fidelity of Eq. (14) and the data term of Eq. (16)
weighted by ``w = 1% / sigma`` (:func:`~padnet.tasks.deblur_image.noise_weight`, exponent 1), so that the
linear layer's effective penalty is ``beta / w = beta sigma / 1%``, and every unit reads the noise map.

``gradient-ex-sigma-w1`` (:data:`DEBLUR_GRADIENT_EX_SIGMA_W1`) is that task with Eq. (15)'s fidelity instead of
Eq. (14)'s: ``f_ex`` minimised over the image (:class:`~padnet.optim.energy.CoupledFidelity`, ``beta`` =
:data:`BETA_EX`), so that every stage's u-step, not only the final linear layer, keeps the gradients coupled
to an image consistent with the blurred data.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from padnet.optim.energy import CoupledFidelity, QuadraticFidelity, image_from_gradients
from padnet.physics.operators import grad
from padnet.tasks.base import Task, TrainingSet
from padnet.tasks.deblur_image import NoiseLevelAware, blurred_patches

__all__ = ["BETA_EX", "DeblurGradientTask", "DeblurGradientSigmaTask", "DeblurCoupledSigmaTask", "DEBLUR_GRADIENT",
           "DEBLUR_GRADIENT_SIGMA_W1", "DEBLUR_GRADIENT_EX_SIGMA_W1"]

#: ``beta`` of Eq. (16) inside the fidelity of the ``gradient-ex-sigma-w1`` task (the value the Eq. (14) models'
#: final layer uses at 1%; a recipe of that task must train with the same ``beta``)
BETA_EX = 0.1


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
            sigma = None if data.sigma is None else data.sigma[idx]
            image = self.image(out, data.y[idx], data.kernels[idx], cfg.beta, sigma)  # linear layer, Eq. (16)
            loss = loss + cfg.aux_loss * F.mse_loss(image, data.x[idx])
        return loss

    def data_term(self, y: torch.Tensor, kernels: torch.Tensor, sigma=None) -> QuadraticFidelity:
        """The data term ``1/2 ||k * x - y||^2`` of Eq. (16) on images ``y`` ``(B, C, H, W)``, PSFs ``kernels``
        (``sigma`` is not used by this task: its data term has no noise weight)."""
        return QuadraticFidelity.deblur(y, kernels)

    def image(self, g: torch.Tensor, y: torch.Tensor, kernels: torch.Tensor, beta: float | None, sigma=None
              ) -> torch.Tensor:
        """The linear layer of Eq. (16): the image ``(B, C, H, W)`` whose gradients best match the restored
        ``g`` ``(B, 2C, H, W)`` under this task's data term, ``argmin_x f_data(x) + beta/2 ||D(x) - g||^2``.

        Args:
            beta: penalty of Eq. (16), a float or one per item ``(B,)``.
            sigma: noise levels, float or ``(B,)`` (used by the noise-level-aware tasks' data term).

        Raises:
            ValueError: ``beta`` missing or not positive.
        """
        if beta is None or not bool((torch.as_tensor(beta) > 0).all()):
            raise ValueError(f"the {self.name} task's Eq. (16) needs a positive beta, got {beta!r}")
        return image_from_gradients(g, self.data_term(y, kernels, sigma), beta)


class DeblurGradientSigmaTask(NoiseLevelAware, DeblurGradientTask):
    """Noise-level-aware :class:`DeblurGradientTask`: Eq. (14)'s fidelity and Eq. (16)'s data term weighted by
    ``(1% / sigma)^exponent``; the units read the noise map (:class:`NoiseLevelAware`)."""

    def __init__(self, name: str = "gradient-sigma-w1", exponent: float = 1.0):
        super().__init__(name, exponent)

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None, sigma=None) -> QuadraticFidelity:
        return QuadraticFidelity.gradient_domain(y, kernels, weight=self.weight(sigma, y))

    def data_term(self, y: torch.Tensor, kernels: torch.Tensor, sigma=None) -> QuadraticFidelity:
        """The data term ``w/2 ||k * x - y||^2`` of Eq. (16), ``w = (1% / sigma)^exponent``; ``sigma`` a float or
        ``(B,)``, required."""
        return QuadraticFidelity.deblur(y, kernels, weight=self.weight(sigma, y))


class DeblurCoupledSigmaTask(DeblurGradientSigmaTask):
    """:class:`DeblurGradientSigmaTask` with Eq. (15)'s fidelity: ``f(g) = min_x [w/2 ||k * x - y||^2 +
    beta/2 ||D(x) - g||^2] / beta`` (:class:`~padnet.optim.energy.CoupledFidelity`), ``w = 1% / sigma``;
    the image of a restored ``g`` is that fidelity's minimiser (Eq. 16 with the same ``beta``)."""

    def __init__(self, name: str = "gradient-ex-sigma-w1", exponent: float = 1.0, beta: float = BETA_EX):
        super().__init__(name, exponent)
        self.beta = beta

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None, sigma=None,
                 beta: float | None = None) -> CoupledFidelity:
        """Eq. (15)'s fidelity with this task's ``beta`` (another one only where a caller overrides it)."""
        return CoupledFidelity(self.data_term(y, kernels, sigma), self.beta if beta is None else beta)

    def image(self, g: torch.Tensor, y: torch.Tensor, kernels: torch.Tensor, beta: float | None = None, sigma=None
              ) -> torch.Tensor:
        """Eq. (16) with this task's ``beta`` by default: the minimiser of :meth:`fidelity`'s inner problem."""
        return super().image(g, y, kernels, self.beta if beta is None else beta, sigma)

    def loss(self, out: torch.Tensor, target: torch.Tensor, data: TrainingSet, idx, cfg) -> torch.Tensor:
        if cfg.aux_loss > 0 and cfg.beta != self.beta:
            raise ValueError(f"recipe {cfg.name!r}: the {self.name} task's fidelity has beta = {self.beta}, "
                             f"the recipe's loss beta = {cfg.beta}; they must agree")
        return super().loss(out, target, data, idx, cfg)


DEBLUR_GRADIENT = DeblurGradientTask()
DEBLUR_GRADIENT_SIGMA_W1 = DeblurGradientSigmaTask("gradient-sigma-w1", 1.0)
DEBLUR_GRADIENT_EX_SIGMA_W1 = DeblurCoupledSigmaTask("gradient-ex-sigma-w1", 1.0, BETA_EX)
