"""The dehazing pipeline behind ``padnet dehaze``: PADNet (Table 3) or a classical transmission estimate,
then ``J = (I - A) / max(t, 0.1) + A`` with He et al.'s ``A``.

PADNet estimates the transmission: an implicit PADNet on ``f(t) = 1/2 ||t - t~||^2``
(:mod:`padnet.tasks.dehaze`) with the guidance ``t~`` of Meng et al.'s boundary constraint and 9-layer
units (the paper's have 17) that also read the hazy image (over ``A``), run at a fifth of the resolution
with every stage bounded below by ``1 - min_c I_c / A_c``; its output is brought back by guided upsampling and bounded
again at full resolution (:data:`REFINEMENT`, chosen on held-out SOTS training scenes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from padnet.baselines.haze import (
    bccr_transmission,
    dcp_transmission,
    nonlocal_transmission,
)
from padnet.checks import InputError, resolve_device
from padnet.learn.store import load_model
from padnet.optim.unrolled import padnet_solve
from padnet.physics.haze import (
    atmospheric_light,
    check_hazy,
    grey,
    guided_upsample,
    recover,
    transmission_lower_bound,
    upscale,
)
from padnet.tasks.dehaze import DEHAZE, T0, transmission_inputs

__all__ = ["METHODS", "Refinement", "REFINEMENT", "padnet_transmission", "unrefined_transmission",
           "refine_transmission", "dehaze"]


METHODS = {
    "padnet": "implicit PADNet on the transmission (9-layer guided units at 1/5 resolution), guidance t~ "
              "of Meng et al., physical bound on t, guided upsampling",
    "dcp": "He et al. 2011 dark channel prior, guided-filter refinement",
    "bccr": "Meng et al. 2013 boundary constraint + contextual regularisation",
    "nonlocal": "Berman et al. 2016 non-local haze-lines",
}


@lru_cache(maxsize=2)
def _model(device: str):
    return load_model("dehaze", device=device)


@dataclass(frozen=True)
class Refinement:
    """How PADNet's transmission, estimated at ``1 / scale`` of the resolution (the model's
    ``TrainConfig.scale``), is brought back to the image.

    Attributes:
        radius, eps: guided upsampling (:func:`~padnet.physics.haze.guided_upsample`, guide: the hazy
            image's luminance), window ``2 radius + 1`` at the working resolution: restores the image's
            edges in ``t`` and removes what is left of the guidance's blocks; ``radius = 0``: bilinear
            upsampling only.
        bound: enforce the physical bound ``t >= 1 - min_c I_c / A_c`` at full resolution (the network's
            output already meets it at the working resolution).
    """

    radius: int = 0
    eps: float = 1e-3
    bound: bool = False


#: The committed pipeline's settings, chosen on the held-out SOTS training scenes (``scripts/tune_dehaze.py``,
#: cached in ``data/results/dehaze-tuning``), never on the test scenes or Middlebury.
REFINEMENT = Refinement(radius=2, eps=1e-3, bound=True)


def padnet_transmission(I: np.ndarray, A: np.ndarray, device: str = "auto", model=None,
                        refinement: Refinement = REFINEMENT) -> np.ndarray:
    """Alg. 1 (implicit) on ``f(t) = 1/2 ||t - t~||^2``, guided by the hazy image, at the model's working
    resolution, then upsampled, refined and bounded; returns ``t`` ``(H, W)``."""
    model = model or _model(str(resolve_device(device)))
    t = unrefined_transmission(I, A, device, model)
    return refine_transmission(t, I, A, refinement, model.config.scale)


def unrefined_transmission(I: np.ndarray, A: np.ndarray, device: str = "auto", model=None) -> np.ndarray:
    """PADNet's transmission ``(H // s, W // s)`` at the model's working resolution ``1 / s``, every stage
    projected onto the physical bound (as in training)."""
    dev = resolve_device(device)
    model = model or _model(str(dev))
    tt, g, lb = transmission_inputs(I, A, model.config.scale)

    def tensor(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None].to(dev)

    with torch.no_grad():
        t, _ = padnet_solve(DEHAZE.fidelity(tensor(tt[None])), model.as_callables(guide=tensor(g), lower=tensor(lb[None])),
                            model.config.padnet_config())
    return t[0, 0].double().cpu().numpy()


def refine_transmission(t: np.ndarray, I: np.ndarray, A: np.ndarray, refinement: Refinement,
                        scale: int = 1) -> np.ndarray:
    """``t`` ``(H // scale, W // scale)`` brought to ``I``'s ``(H, W)`` by guided upsampling (grey hazy image
    as guide; bilinear where ``radius = 0``), bounded below by the physical bound; clipped to [0.05, 1]."""
    if refinement.radius > 0:
        t = guided_upsample(grey(I), t, scale, refinement.radius, refinement.eps)
    else:
        t = upscale(t, scale, I.shape[:2])
    if refinement.bound:
        t = np.maximum(t, transmission_lower_bound(I, A))
    return np.clip(t, 0.05, 1.0)


def dehaze(I, method: str = "padnet", device: str = "auto", t0: float = T0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dehaze ``I`` ``(H, W, 3)`` in [0, 1] with ``method`` (one of :data:`METHODS`).

    Returns:
        ``(J, t, A)``: the recovered radiance ``(H, W, 3)`` in [0, 1], the transmission ``(H, W)`` and the
        atmospheric light ``(3,)`` (He et al.'s estimate, shared by all methods).
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    I = check_hazy(I)
    A = atmospheric_light(I)
    if method == "padnet":
        t = padnet_transmission(I, A, device)
    elif method == "dcp":
        t = dcp_transmission(I, A)
    elif method == "bccr":
        t = bccr_transmission(I, A)
    else:
        t = nonlocal_transmission(I, A)
    return recover(I, t, A, t0), t, A
