"""What a task is to PADNet: a fidelity ``f`` built from the data, the target the network restores, and how
training pairs are drawn (Alg. 2 trains on them).

A new task is one module in this folder defining a :class:`Task` (plus one recipe in
:mod:`padnet.learn.zoo`); Alg. 1 (:func:`padnet.optim.unrolled.padnet_solve`) and Alg. 2
(:func:`padnet.learn.alg2.train`) never branch on the task.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from padnet.optim.energy import QuadraticFidelity

__all__ = ["Task", "TrainingSet", "bounded_network"]


@dataclass
class TrainingSet:
    """Training (or held-out) pairs of a task.

    Attributes:
        y: data ``(N, C, H, W)`` (blurred patches, or the guidance ``t~`` for dehazing).
        x: ground truth ``(N, C, H, W)`` in the image domain (the task's :meth:`Task.target` maps it to
            what the network restores).
        kernels: PSFs ``(N, 1, h, w)`` (ignored by tasks without a blur).
        embedded: drawn from the embedded default images (no benchmark data).
        guide: fixed extra network input ``(N, G, H, W)`` (dehazing: the hazy image; noise-level-aware
            deblurring: the noise map), or ``None``.
        sigma: noise standard deviation of each pair ``(N,)`` where it varies per pair, or ``None``.
        lower: per-entry lower bound on what the network restores ``(N, C, H, W)`` (dehazing: the physical
            bound ``t >= 1 - min_c I_c / A_c``), enforced on every stage's output, or ``None``.
        aux: extra per-pair data of the task's loss (dehazing: the clean radiance over the airlight), or
            ``None``.
    """

    y: torch.Tensor
    x: torch.Tensor
    kernels: torch.Tensor
    embedded: bool
    guide: torch.Tensor | None = None
    sigma: torch.Tensor | None = None
    lower: torch.Tensor | None = None
    aux: torch.Tensor | None = None

    def network(self, net, idx=slice(None)):
        """``N_alpha`` as Alg. 1 calls it, ``(v, alpha) -> v'``, with this set's guidance and lower bound."""
        guide = None if self.guide is None else self.guide[idx]
        lower = None if self.lower is None else self.lower[idx]
        return bounded_network(net, guide, lower)


def bounded_network(net, guide: torch.Tensor | None = None, lower: torch.Tensor | None = None):
    """``(v, alpha) -> max(N_alpha(v; guide), lower)``: a stage with its fixed guidance and, where
    ``lower`` is given, projected onto the feasible set ``{v >= lower}`` (a convex set, so the projection
    is non-expansive)."""
    if lower is None:
        return lambda v, a: net(v, a, guide=guide)
    return lambda v, a: torch.maximum(net(v, a, guide=guide), lower.to(v.dtype))


class Task:
    """Base class: subclasses set :attr:`name` and implement :meth:`fidelity` and :meth:`training_set`."""

    #: the name recipes use (``TrainConfig.domain``)
    name: str = ""
    #: the benchmark set its training pairs come from (``padnet data list``), recorded in a model's provenance
    dataset: str = "train400"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        """The fidelity ``f`` of Alg. 1 for data ``y`` ``(B, C, H, W)`` and PSFs ``(B|1, 1, h, w)``."""
        raise NotImplementedError(f"{type(self).__name__} defines no fidelity")

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """What the network restores, from the image-domain ground truth (default: ``x`` itself)."""
        return x

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        """``n`` training pairs for the recipe ``cfg`` (seeded by ``cfg.seed`` and ``offset``)."""
        raise NotImplementedError(f"{type(self).__name__} draws no training pairs")

    def loss(self, out: torch.Tensor, target: torch.Tensor, data: TrainingSet, idx, cfg) -> torch.Tensor:
        """Alg. 2's training loss of the network output ``out`` for the items ``idx`` of ``data``
        (default: the mean squared error to the target)."""
        return F.mse_loss(out, target)

    def problem(self, data: TrainingSet, idx=slice(None)) -> tuple[QuadraticFidelity, torch.Tensor]:
        """The fidelity and the target of the items ``idx`` of ``data``."""
        return self.fidelity(data.y[idx], data.kernels[idx]), self.target(data.x[idx])
