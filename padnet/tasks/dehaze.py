"""Task: the transmission of a hazy image (Table 3), for an implicit PADNet on ``f(t) = 1/2 ||t - t~||^2``.

The fidelity is the identity one (no blur, no FFT); the data ``t~`` is Meng et al.'s boundary constraint
(:func:`padnet.physics.haze.boundary_transmission`), the target the true transmission.  The units also
read the hazy image over the airlight (:func:`hazy_guide`), every stage's output is projected onto the
physical bound ``t >= 1 - min_c I_c / A_c`` (``TrainingSet.lower``), and the loss adds the error of the
radiance recovered with Eq. (17) (:meth:`DehazeTask.loss`), which weighs a transmission error by
``|I - A| / t^2``: most where the haze is dense.  Everything runs at ``1 / TrainConfig.scale`` of the
image's resolution (:func:`transmission_inputs`): the transmission is smooth, and the pipeline brings it
back with guided upsampling.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F

from padnet.data.haze import (
    MIDDLEBURY_RENDER,
    SOTS_FIT,
    SOTS_VAL,
    disparity_to_depth,
    motorcycle,
    quantise,
    sots_scene,
)
from padnet.data.registry import EMBEDDED_NOTICE, available
from padnet.optim.energy import QuadraticFidelity
from padnet.physics.haze import (
    atmospheric_light,
    boundary_transmission,
    downscale,
    render_haze,
    transmission_lower_bound,
)
from padnet.tasks.base import Task, TrainingSet

__all__ = ["T0", "hazy_guide", "transmission_inputs", "radiance_over_airlight", "make_dehaze_training_set",
           "DEHAZE"]

#: The floor of ``t`` in the recovery ``J = (I - A) / max(t, T0) + A`` (He et al.'s 0.1).
T0 = 0.1


def hazy_guide(I: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The units' guidance: the hazy image in units of the airlight, ``I / A`` ``(3, H, W)``: Eq. (17)
    divided by ``A`` reads ``I / A = t J / A + 1 - t``, free of the airlight's tint."""
    return np.ascontiguousarray((I / np.maximum(A, 1e-3)).transpose(2, 0, 1))


def transmission_inputs(I: np.ndarray, A: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the PADNet reads, at ``1 / scale`` of the resolution of ``I`` ``(H, W, 3)`` (block means):
    the guidance ``t~`` ``(h, w)`` (the boundary constraint, its 15 px window scaled down), the hazy
    guide ``I / A`` ``(3, h, w)`` and the physical lower bound on ``t`` ``(h, w)``."""
    I_s = downscale(I, scale)
    patch = max(3, (15 // scale) | 1)
    return boundary_transmission(I_s, A, patch=patch), hazy_guide(I_s, A), transmission_lower_bound(I_s, A)


def radiance_over_airlight(guide: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Eq. (17) solved for the radiance, in units of the airlight: ``J / A = (I / A - 1) / max(t, T0) + 1``
    for the guide ``I / A`` ``(B, 3, H, W)`` and ``t`` ``(B, 1, H, W)``."""
    return (guide - 1.0) / t.clamp_min(T0) + 1.0


def make_dehaze_training_set(cfg, n: int, offset: int, device: torch.device):
    """``n`` training patches of ``cfg.patch`` pixels at ``1 / cfg.scale`` of the resolution, from SOTS
    training scenes rendered on the fly: scenes :data:`~padnet.data.haze.SOTS_FIT` for training
    (``offset`` 0), :data:`~padnet.data.haze.SOTS_VAL` for the held-out set; each render with its own
    ``beta ~ U[0.5, 1.8]`` and ``A = a (1 + delta_c)``, ``a ~ U[0.7, 1.0]``, ``delta_c ~ U[-0.1, 0.1]``
    (grey to slightly tinted), 8 bits, two patches per render.  ``y`` = guidance ``t~``, ``x`` = true
    ``t``, ``guide`` = ``I / A``, ``lower`` = the physical bound, ``aux`` = the clean ``J / A`` (``A``:
    He's estimate from the hazy image, as at inference)."""
    rng = np.random.default_rng([cfg.seed, offset, 17])
    P, s = cfg.patch, cfg.scale
    scenes = SOTS_FIT if offset == 0 else SOTS_VAL
    embedded = not available("sots_indoor")
    if embedded:
        warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
    fields: dict[str, list] = {k: [] for k in ("y", "x", "guide", "lower", "aux")}
    per_render = 2
    while len(fields["x"]) < n:
        if embedded:
            J, disp = motorcycle()
            d = disparity_to_depth(disp, MIDDLEBURY_RENDER["dmin"])
        else:
            J, d, _ = sots_scene(int(rng.choice(scenes)))
        A_true = rng.uniform(0.7, 1.0) * (1.0 + rng.uniform(-0.1, 0.1, size=3))  # grey to slightly tinted
        I, t = render_haze(J, d, rng.uniform(0.5, 1.8), np.clip(A_true, 0.0, 1.0))
        I = quantise(I)
        A = atmospheric_light(I)
        tt, g, lb = transmission_inputs(I, A, s)
        maps = {"y": tt[None], "x": downscale(t, s)[None], "guide": g, "lower": lb[None],
                "aux": (downscale(J, s) / np.maximum(A, 1e-3)).transpose(2, 0, 1)}
        h, w = tt.shape
        if min(h, w) < P:
            raise ValueError(f"patch {P} is larger than the working image {h}x{w} (scale {s})")
        for _ in range(per_render):
            r, c = rng.integers(0, h - P + 1), rng.integers(0, w - P + 1)
            for k, m in maps.items():
                fields[k].append(m[:, r:r + P, c:c + P])

    def tensor(a):
        return torch.from_numpy(np.ascontiguousarray(np.stack(a[:n]), dtype=np.float32)).to(device)

    delta = torch.ones((n, 1, 1, 1), dtype=torch.float32, device=device)  # f(t) = 1/2 ||t - t~||^2
    return TrainingSet(y=tensor(fields["y"]), x=tensor(fields["x"]), kernels=delta, embedded=embedded,
                       guide=tensor(fields["guide"]), lower=tensor(fields["lower"]), aux=tensor(fields["aux"]))


class DehazeTask(Task):
    """Restore the transmission ``t`` from Meng's guidance ``t~`` with the identity fidelity."""

    name = "transmission"
    dataset = "sots_indoor"

    def fidelity(self, y: torch.Tensor, kernels: torch.Tensor | None = None) -> QuadraticFidelity:
        return QuadraticFidelity(b=y)  # K = I: 1/2 ||t - t~||^2, no FFT

    def training_set(self, cfg, n: int, offset: int, device: torch.device) -> TrainingSet:
        return make_dehaze_training_set(cfg, n, offset, device)

    def loss(self, out: torch.Tensor, target: torch.Tensor, data: TrainingSet, idx, cfg) -> torch.Tensor:
        """``||t - t*||^2 + aux_loss ||J(t) / A - J / A||^2`` (means), ``J(t)`` by Eq. (17)
        (:func:`radiance_over_airlight`)."""
        loss = F.mse_loss(out, target)
        if cfg.aux_loss > 0 and data.aux is not None:
            J = radiance_over_airlight(data.guide[idx], out)
            loss = loss + cfg.aux_loss * F.mse_loss(J, data.aux[idx])
        return loss


DEHAZE = DehazeTask()
