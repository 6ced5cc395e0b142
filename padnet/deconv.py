"""Non-blind deconvolution pipeline: input checks, boundary handling, per-channel solving, device choice.

:func:`deblur` is what ``padnet deblur`` calls.  Real photographs (Levin's captures) and Sun's
replicate-border inputs are not periodic, so by default the blurred image is extended with
:func:`padnet.operators.pad_for_deconvolution` (replicate padding + edge tapering), deconvolved with the
circular solvers and cropped back (``boundary="taper"``); ``boundary="circular"`` skips this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from padnet.checks import InputError, check_image, check_kernel, resolve_device
from padnet.energy import LpEnergy, QuadraticFidelity
from padnet.operators import crop_padding, pad_for_deconvolution
from padnet.solvers import admm, hl_deconv, hqs, tv_deconv, wiener_deconv

__all__ = ["METHODS", "DEFAULTS", "deblur"]


@dataclass(frozen=True)
class MethodDefaults:
    lam: float | None
    p: float | None
    description: str


# Defaults: HL keeps Krishnan and Fergus's published lambda = 2000 (lam = 5e-4, alpha = 2/3), which is
# also the best of our grid on Train400; TV and Wiener weights are the best of a grid on Train400
# patches blurred by generated motion kernels with 1% noise (scripts/tune_baselines.py, never Levin or
# Sun).  The image-domain ADMM/HQS defaults use HL's weight with p = 0.8 (not tuned).
DEFAULTS: dict[str, MethodDefaults] = {
    "admm": MethodDefaults(5e-4, 0.8, "ADMM on 1/2||k*x-y||^2 + lam||Dx||_p^p (fixed rho = 100 lam)"),
    "hqs": MethodDefaults(5e-4, 0.8, "HQS with continuation on the same energy"),
    "tv": MethodDefaults(1e-3, 1.0, "anisotropic TV, ADMM (our approximation of the paper's TV row)"),
    "hl": MethodDefaults(5e-4, 2.0 / 3.0, "hyper-Laplacian, Krishnan and Fergus 2009 HQS schedule"),
    "wiener": MethodDefaults(3e-2, None, "Wiener filter, constant noise-to-signal ratio = lam"),
}
METHODS = tuple(DEFAULTS)


def _to_bchw(y) -> tuple[torch.Tensor, str]:
    """Accept (H, W), (H, W, C) arrays or (B, C, H, W) tensors; remember the layout."""
    if isinstance(y, torch.Tensor) and y.dim() == 4:
        return y, "bchw"
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.ndim == 2:
        return torch.from_numpy(np.ascontiguousarray(arr))[None, None], "hw"
    if arr.ndim == 3 and arr.shape[-1] in (1, 3, 4):
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))[None], "hwc"
    raise InputError(f"blurred image must be (H, W), (H, W, C) or (B, C, H, W), got shape {arr.shape}")


def _from_bchw(x: torch.Tensor, layout: str, like):
    if layout == "bchw":
        return x
    out = x[0, 0] if layout == "hw" else x[0].permute(1, 2, 0)
    out = out.detach().cpu().numpy()
    return torch.from_numpy(out) if isinstance(like, torch.Tensor) else out


def deblur(y, kernel, method: str = "hl", lam: float | None = None, p: float | None = None,
           boundary: str = "taper", device: str = "auto", dtype: torch.dtype = torch.float64):
    """Deblur ``y`` (blurred by true convolution with ``kernel``) with a classical method.

    Args:
        y: blurred image(s), ``(H, W)``, ``(H, W, C)`` (each channel separately) or ``(B, C, H, W)``;
            values in [0, 1].
        kernel: ``(h, w)`` convolution PSF; non-negative; rescaled to sum 1 with a warning otherwise.
        method: one of :data:`METHODS`.
        lam: regularisation weight (Wiener: the noise-to-signal ratio); default per method.
        p: exponent of the l_p prior on image gradients (admm / hqs / hl); default per method.
        boundary: ``"taper"`` (pad, edge-taper, crop; for real images) or ``"circular"``.
        device: ``auto``, ``cpu`` or ``cuda``.

    Returns:
        The restored image(s), same layout and type (numpy or torch) as ``y``, float, not clipped.

    Raises:
        InputError: bad image, kernel, method, boundary or parameter.
    """
    if method not in DEFAULTS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if boundary not in ("taper", "circular"):
        raise InputError(f"unknown boundary {boundary!r}; expected 'taper' or 'circular'")
    check_image(y, "blurred image")
    x_in, layout = _to_bchw(y)
    k = check_kernel(kernel, tuple(x_in.shape), normalise=True)
    dev = resolve_device(device)
    d = DEFAULTS[method]
    lam = d.lam if lam is None else float(lam)
    p = d.p if p is None else float(p)
    if not lam > 0:
        raise InputError(f"lam must be positive, got {lam}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"p must lie in [0, 1], got {p}")
    yt = x_in.to(device=dev, dtype=dtype)
    kt = k.to(device=dev, dtype=dtype)
    pad = (0, 0)
    if boundary == "taper":
        yt, pad = pad_for_deconvolution(yt, kt)
    if method == "wiener":
        x = wiener_deconv(yt, kt, nsr=lam)
    elif method == "tv":
        x, _ = tv_deconv(yt, kt, lam=lam)
    elif method == "hl":
        x, _ = hl_deconv(yt, kt, lam=lam, p=p)
    else:
        energy = LpEnergy(QuadraticFidelity.deblur(yt, kt), lam, p, analysis="grad")
        if method == "admm":
            x, _ = admm(energy, yt, rho=100.0 * lam, eps=1e-4, max_iter=300)
        else:
            x, _ = hqs(energy, yt, beta0=lam, beta_rate=2.0 * np.sqrt(2.0), beta_max=1e5 * lam, eps=1e-4, max_iter=100)
    x = crop_padding(x, pad)
    return _from_bchw(x.to(torch.float64).cpu(), layout, y)
