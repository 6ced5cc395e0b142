"""The dehazing pipeline behind ``padnet dehaze``: PADNet (Table 3) or a classical transmission estimate,
then ``J = (I - A) / max(t, 0.1) + A`` with He et al.'s ``A``.

PADNet estimates the transmission: an implicit PADNet on ``f(t) = 1/2 ||t - t~||^2``
(:mod:`padnet.tasks.dehaze`) with the guidance ``t~`` of Meng et al.'s boundary constraint and 17-layer
units that also read the hazy image (over ``A``).
"""

from __future__ import annotations

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
    recover,
)
from padnet.tasks.dehaze import DEHAZE, hazy_guide

__all__ = ["METHODS", "padnet_transmission", "dehaze"]


METHODS = {
    "padnet": "implicit PADNet on the transmission (17-layer guided units), guidance t~ of Meng et al.",
    "dcp": "He et al. 2011 dark channel prior, guided-filter refinement",
    "bccr": "Meng et al. 2013 boundary constraint + contextual regularisation",
    "nonlocal": "Berman et al. 2016 non-local haze-lines",
}


@lru_cache(maxsize=2)
def _model(device: str):
    return load_model("dehaze", device=device)


def padnet_transmission(I: np.ndarray, A: np.ndarray, device: str = "auto", model=None) -> np.ndarray:
    """Alg. 1 (implicit) on ``f(t) = 1/2 ||t - t~||^2``, guided by the hazy image; returns ``t`` ``(H, W)``."""
    dev = resolve_device(device)
    model = model or _model(str(dev))
    tt = boundary_transmission(I, A)
    y = torch.from_numpy(tt.astype(np.float32))[None, None].to(dev)
    guide = torch.from_numpy(hazy_guide(I, A).astype(np.float32))[None].to(dev)
    t, _ = padnet_solve(DEHAZE.fidelity(y), model.as_callables(guide=guide), model.config.padnet_config())
    return np.clip(t[0, 0].double().cpu().numpy(), 0.05, 1.0)


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
