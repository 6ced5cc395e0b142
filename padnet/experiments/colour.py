"""The colour check: RGB photos deblurred in opponent colour (``padnet deblur``'s default) and channel by channel.

Inputs: centre :data:`COLOUR_CROP` x :data:`COLOUR_CROP` RGB crops of scikit-image's colour photos :data:`PHOTOS`
(shipped with scikit-image; none is in Train400, Levin's or Sun's sets), each channel blurred by the photo
check's camera-shake PSFs (:func:`padnet.experiments.photos.photo_kernels`) with Sun's synthesis (replicate
borders, N(0, sigma^2) independent in each channel, 8 bits) at :data:`COLOUR_SIGMAS`, scored by PSNR and SSIM
over all three channels with a :data:`~padnet.experiments.common.PHOTO_BORDER` px border
(:func:`padnet.metrics.crop_protocol`).

Methods (:data:`METHODS`): the implicit PADNet and HL, each in opponent colour and per RGB channel, told the
noise level of each channel, and the implicit PADNet in opponent colour with its levels estimated (the
default of ``padnet deblur``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from padnet.checks import InputError
from padnet.data import DeblurSample
from padnet.experiments.common import MethodSpec
from padnet.experiments.noise_sweep import SWEEP_SIGMAS, centre_crop, run_levels
from padnet.experiments.photos import photo_samples

__all__ = ["PHOTOS", "COLOUR_CROP", "COLOUR_SIGMAS", "SEED", "METHODS", "colour_photo", "colour_samples",
           "colour_check", "opponent_gains", "gains_per_input"]

#: scikit-image's bundled colour photos
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
COLOUR_CROP = 256
#: noise levels (std of each RGB channel, [0, 1] units): the sweep's and 0 (8-bit rounding only)
COLOUR_SIGMAS = (0.0,) + SWEEP_SIGMAS
#: seed of the noise; input (photo i, kernel j, level a) uses ``np.random.default_rng([SEED, i, j, a])``
SEED = 2028

METHODS = [
    MethodSpec("HL, RGB", "hl", colour="rgb"), MethodSpec("HL, opponent", "hl"),
    MethodSpec("Ours (I), RGB", "ipadnet", colour="rgb"), MethodSpec("Ours (I), opponent", "ipadnet"),
    MethodSpec("Ours (I), opponent, sigma estimated", "ipadnet", sigma="estimated"),
]


def colour_photo(name: str, size: int = COLOUR_CROP) -> np.ndarray:
    """Centre ``size`` x ``size`` RGB crop of scikit-image's photo ``name``, ``(size, size, 3)`` float64 in [0, 1]."""
    from skimage import data as skdata

    img = getattr(skdata, name)()
    if img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"scikit-image's {name!r} is not an RGB photo")
    return centre_crop(img.astype(np.float64), size) / 255.0


def colour_samples(quick: bool = False) -> list[DeblurSample]:
    """The check's inputs, ordered by photo, kernel and sigma (dataset ``colour``;
    :func:`padnet.experiments.photos.photo_samples` with this check's photos, levels and seed)."""
    return photo_samples(quick, PHOTOS, colour_photo, COLOUR_SIGMAS, SEED, "colour")


def colour_check(mode: str = "quick", out: str | Path | None = None, device: str = "auto", jobs: int = 1,
                 progress: bool = True, methods: list[str] | None = None) -> dict:
    """Run the check: ``mode`` ``quick`` (:data:`padnet.experiments.photos.QUICK`) or ``full``; the rest as
    :func:`padnet.experiments.photos.photo_check` (files ``colour_check.csv`` and ``colour_check_per_image.csv``).

    Returns:
        ``{"summary": rows, "per_image": rows, "wall_seconds": s}``.
    """
    if mode not in ("quick", "full"):
        raise InputError(f"mode must be 'quick' or 'full', got {mode!r}")
    return run_levels(colour_samples(mode == "quick"), METHODS, methods, "colour_check", out, device, jobs, progress,
                      f"colour check ({mode})")


def opponent_gains(summary: list[dict]) -> list[dict]:
    """Per sigma of a summary: the PSNR gain (dB) of each method in opponent colour over the same method per RGB
    channel, keys ``sigma`` and ``gain of <method>`` (``HL``, ``Ours (I)``) where both rows are there."""
    out = []
    for sigma in sorted({float(r["sigma"]) for r in summary}):
        at = {r["method"]: float(r["psnr"]) for r in summary if float(r["sigma"]) == sigma}
        row = {"sigma": sigma}
        for method in ("HL", "Ours (I)"):
            if f"{method}, opponent" in at and f"{method}, RGB" in at:
                row[f"gain of {method}"] = at[f"{method}, opponent"] - at[f"{method}, RGB"]
        out.append(row)
    return out


def gains_per_input(per_image: list[dict], method: str = "Ours (I)") -> list[dict]:
    """Per sigma: how the gain (dB) of ``method`` in opponent colour over RGB spreads over the inputs: keys
    ``sigma``, ``inputs``, ``inputs that gain`` (gain > 0), ``smallest`` and ``largest``."""
    psnr = {(r["method"], r["image"]): float(r["psnr"]) for r in per_image}
    out = []
    for sigma in sorted({float(r["sigma"]) for r in per_image}):
        images = sorted({r["image"] for r in per_image if float(r["sigma"]) == sigma})
        gains = [psnr[(f"{method}, opponent", i)] - psnr[(f"{method}, RGB", i)] for i in images
                 if (f"{method}, opponent", i) in psnr and (f"{method}, RGB", i) in psnr]
        if gains:
            out.append({"sigma": sigma, "inputs": len(gains), "inputs that gain": sum(g > 0 for g in gains),
                        "smallest": min(gains), "largest": max(gains)})
    return out
