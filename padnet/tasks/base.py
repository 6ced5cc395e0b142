"""What a task is to PADNet: a fidelity ``f`` built from the data, the target the network restores, and how
training pairs are drawn (Alg. 2 trains on them).

A new task is one module in this folder defining a :class:`Task` (plus one recipe in
:mod:`padnet.learn.zoo`); Alg. 1 (:func:`padnet.optim.unrolled.padnet_solve`) and Alg. 2
(:func:`padnet.learn.alg2.train`) never branch on the task.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from padnet.optim.energy import QuadraticFidelity

__all__ = ["Task", "TrainingSet"]


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
    """

    y: torch.Tensor
    x: torch.Tensor
    kernels: torch.Tensor
    embedded: bool
    guide: torch.Tensor | None = None
    sigma: torch.Tensor | None = None

    def network(self, net, idx=slice(None)):
        """``N_alpha`` as Alg. 1 calls it, ``(v, alpha) -> v'``, with this set's guidance bound."""
        guide = None if self.guide is None else self.guide[idx]
        return lambda v, a: net(v, a, guide=guide)


class Task:
    """Base class: subclasses set :attr:`name` and implement :meth:`fidelity` and :meth:`training_set`."""

    #: the name recipes use (``TrainConfig.domain``)
    name: str = ""

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        """The fidelity ``f`` of Alg. 1 for data ``y`` ``(B, C, H, W)`` and PSFs ``(B|1, 1, h, w)``."""
        raise NotImplementedError(f"{type(self).__name__} defines no fidelity")

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """What the network restores, from the image-domain ground truth (default: ``x`` itself)."""
        return x

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        """``n`` training pairs for the recipe ``cfg`` (seeded by ``cfg.seed`` and ``offset``)."""
        raise NotImplementedError(f"{type(self).__name__} draws no training pairs")

    def problem(self, data: TrainingSet, idx=slice(None)) -> tuple[QuadraticFidelity, torch.Tensor]:
        """The fidelity and the target of the items ``idx`` of ``data``."""
        return self.fidelity(data.y[idx], data.kernels[idx]), self.target(data.x[idx])
