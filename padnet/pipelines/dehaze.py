"""The dehazing pipeline behind ``padnet dehaze``: PADNet (Table 3) or a classical transmission estimate,
then ``J = (I - A) / max(t, 0.1) + A`` with He et al.'s ``A``.

PADNet estimates the transmission: an implicit PADNet on ``f(t) = 1/2 ||t - t~||^2``
(:mod:`padnet.tasks.dehaze`) with the guidance ``t~`` of Meng et al.'s boundary constraint and 17-layer
units that also read the hazy image (over ``A``); its output is refined by the grey guided filter and
bounded below by ``1 - min_c I_c / A_c`` (:data:`REFINEMENT`, chosen on the SOTS training scenes).
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
    boundary_transmission,
    check_hazy,
    grey,
    guided_filter,
    recover,
    transmission_lower_bound,
)
from padnet.tasks.dehaze import DEHAZE, hazy_guide

__all__ = ["METHODS", "Refinement", "REFINEMENT", "padnet_transmission", "unrefined_transmission",
           "refine_transmission", "dehaze"]


METHODS = {
    "padnet": "implicit PADNet on the transmission (17-layer guided units), guidance t~ of Meng et al., "
              "guided-filter refinement and the physical bound on t",
    "dcp": "He et al. 2011 dark channel prior, guided-filter refinement",
    "bccr": "Meng et al. 2013 boundary constraint + contextual regularisation",
    "nonlocal": "Berman et al. 2016 non-local haze-lines",
}


@lru_cache(maxsize=2)
def _model(device: str):
    return load_model("dehaze", device=device)


@dataclass(frozen=True)
class Refinement:
    """How PADNet's transmission is computed and brought back to the image.

    Attributes:
        scale: PADNet (and its guidance) run on the image downscaled by this factor (t is smooth), then
            ``t`` is upsampled bilinearly.
        radius, eps: grey guided filter (guide: the hazy image's luminance at full resolution) applied to
            the upsampled ``t``: it removes the blocks of the boundary-constraint guidance and restores
            edges lost to the downscaling; ``radius = 0`` skips it.
        bound: enforce the physical bound ``t >= 1 - min_c I_c / A_c`` (no negative radiance).
    """

    scale: int = 1
    radius: int = 0
    eps: float = 1e-3
    bound: bool = False


#: The committed pipeline's settings, chosen on the SOTS training scenes (``scripts/tune_dehaze.py``,
#: cached in ``data/results/dehaze-tuning``), never on the test scenes or Middlebury.
REFINEMENT = Refinement(scale=1, radius=16, eps=1e-3, bound=True)


def _downscale(img: np.ndarray, s: int) -> np.ndarray:
    """Mean over ``s x s`` blocks (the image cropped to a multiple of ``s``)."""
    if s == 1:
        return img
    H, W = (img.shape[0] // s) * s, (img.shape[1] // s) * s
    x = img[:H, :W]
    return x.reshape(H // s, s, W // s, s, *x.shape[2:]).mean(axis=(1, 3))


def _upscale(t: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if t.shape == shape:
        return t
    ten = torch.from_numpy(np.ascontiguousarray(t))[None, None]
    return torch.nn.functional.interpolate(ten, size=shape, mode="bilinear", align_corners=False)[0, 0].numpy()


def padnet_transmission(I: np.ndarray, A: np.ndarray, device: str = "auto", model=None,
                        refinement: Refinement = REFINEMENT) -> np.ndarray:
    """Alg. 1 (implicit) on ``f(t) = 1/2 ||t - t~||^2``, guided by the hazy image, at the working
    resolution of ``refinement``, then upsampled, refined and bounded; returns ``t`` ``(H, W)``."""
    t = unrefined_transmission(I, A, device, model, refinement.scale)
    return refine_transmission(t, I, A, refinement)


def unrefined_transmission(I: np.ndarray, A: np.ndarray, device: str = "auto", model=None,
                           scale: int = 1) -> np.ndarray:
    """PADNet's transmission at ``1 / scale`` of the resolution, upsampled bilinearly to ``I``'s size."""
    dev = resolve_device(device)
    model = model or _model(str(dev))
    I_s = _downscale(I, scale)
    patch = max(3, (15 // scale) | 1)  # the boundary constraint's 15 px window, at the working resolution
    tt = boundary_transmission(I_s, A, patch=patch)
    y = torch.from_numpy(tt.astype(np.float32))[None, None].to(dev)
    guide = torch.from_numpy(hazy_guide(I_s, A).astype(np.float32))[None].to(dev)
    t, _ = padnet_solve(DEHAZE.fidelity(y), model.as_callables(guide=guide), model.config.padnet_config())
    return _upscale(t[0, 0].double().cpu().numpy(), I.shape[:2])


def refine_transmission(t: np.ndarray, I: np.ndarray, A: np.ndarray, refinement: Refinement) -> np.ndarray:
    """Guided filter (grey hazy image as guide) and the physical bound of ``refinement``; clipped to
    [0.05, 1]."""
    if refinement.radius > 0:
        t = guided_filter(grey(I), t, refinement.radius, refinement.eps)
    if refinement.bound:
        t = np.maximum(t, transmission_lower_bound(I, A))
    return np.clip(t, 0.05, 1.0)


def dehaze(I, method: str = "padnet", device: str = "auto", t0: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
