"""The photo check: the noise sweep on photos that are in none of the project's sets, against classical methods
whose weight is tuned on each test image (an oracle no user has).

The noise sweep (:mod:`padnet.experiments.noise_sweep`) scores Sun's ground truths; a user deblurs her own
photos.  Here the inputs are centre :data:`PHOTO_CROP` x :data:`PHOTO_CROP` grey crops of scikit-image's
:data:`PHOTOS` (shipped with scikit-image; none is in Train400, Levin's or Sun's sets or the embedded default),
blurred by :data:`KERNEL_SIZES` generated camera-shake PSFs (:func:`~padnet.physics.kernels.random_motion_kernel`,
seed :data:`KERNEL_SEED`) by the code that makes Sun's inputs (:func:`padnet.data.deblur.sun2013_synthesize`:
replicate borders, N(0, sigma^2), 8-bit rounding) at every sigma of the sweep and at the nearly noise-free
levels 0 and 0.1% (:data:`PHOTO_SIGMAS`), and scored by Sun's protocol with a :data:`PHOTO_BORDER` px border
(the crops are small).

Methods: as in the sweep (TV and HL with the weight of their Train400 rule, BM3D-DEB told sigma, both PADNets
told sigma, the implicit one also with sigma estimated as ``padnet deblur`` does by default), plus TV and HL with
the best of :data:`ORACLE_SCALES` times that weight *on the test image itself*.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from padnet.checks import InputError
from padnet.data import DeblurSample
from padnet.data.deblur import rgb2gray_matlab
from padnet.experiments.common import PHOTO_BORDER, MethodSpec
from padnet.experiments.noise_sweep import SWEEP_SIGMAS, centre_crop, inputs_at_levels, run_levels
from padnet.physics.kernels import random_motion_kernel

__all__ = ["PHOTOS", "PHOTO_CROP", "PHOTO_BORDER", "PHOTO_SIGMAS", "KERNEL_SIZES", "KERNEL_SEED", "ORACLE_SCALES",
           "QUICK", "METHODS", "CLASSICAL", "photo", "photo_kernels", "photo_samples", "photo_check"]

#: scikit-image photos (bundled with the package, no download)
PHOTOS = ("rocket", "cat", "clock", "coins")
#: side of the centre crop (the smallest photo is 300 px high)
PHOTO_CROP = 256
#: sizes of the generated camera-shake PSFs
KERNEL_SIZES = (17, 23)
KERNEL_SEED = 7
#: noise levels (std, [0, 1] units): the sweep's and two below them, where the default's floor on the estimated
#: sigma (:data:`padnet.pipelines.deblur.SIGMA_DEFAULT_FLOOR`) is what matters
PHOTO_SIGMAS = (0.0, 0.001) + SWEEP_SIGMAS
#: seed of the noise; input (photo i, kernel j, level a) uses ``np.random.default_rng([SEED, i, j, a])``
SEED = 2026
#: multiples of a method's rule weight tried on each test image by the oracle rows
ORACLE_SCALES = (0.25, 0.5, 1.0, 2.0, 4.0)
#: the quick subset: the first photo (this many) with the first kernel, every sigma; the colour check's too
QUICK = {"photos": 1, "kernels": (1,)}

METHODS = [
    MethodSpec("TV", "tv"), MethodSpec("HL", "hl"),
    MethodSpec("TV (oracle weight)", "tv", oracle=ORACLE_SCALES),
    MethodSpec("HL (oracle weight)", "hl", oracle=ORACLE_SCALES),
    MethodSpec("BM3D-DEB", "bm3d"),
    MethodSpec("Ours (E)", "epadnet"), MethodSpec("Ours (I)", "ipadnet"),
    MethodSpec("Ours (I), sigma estimated", "ipadnet", sigma="estimated"),
]
#: the classical methods the margins are taken against (:func:`padnet.experiments.noise_sweep.margins`)
CLASSICAL = ("TV", "HL", "TV (oracle weight)", "HL (oracle weight)", "BM3D-DEB")


def photo(name: str, size: int = PHOTO_CROP) -> np.ndarray:
    """Centre ``size`` x ``size`` crop of scikit-image's photo ``name``, grey (MATLAB's weights), [0, 1] float64."""
    from skimage import data as skdata

    img = getattr(skdata, name)()
    img = rgb2gray_matlab(img) if img.ndim == 3 else img.astype(np.float64)
    return centre_crop(img, size) / 255.0


def photo_kernels() -> list[np.ndarray]:
    """The :data:`KERNEL_SIZES` convolution PSFs of the check (fixed seed)."""
    rng = np.random.default_rng(KERNEL_SEED)
    return [random_motion_kernel(s, rng) for s in KERNEL_SIZES]


def photo_samples(quick: bool = False, photos: tuple[str, ...] = PHOTOS, load=photo,
                  sigmas: tuple[float, ...] = PHOTO_SIGMAS, seed: int = SEED, dataset: str = "photos"
                  ) -> list[DeblurSample]:
    """The check's inputs, ordered by photo, kernel and sigma (dataset ``photos``): each of ``photos`` (quick: the
    first) as ``load(name)`` returns it, blurred by every one of :func:`photo_kernels` (quick: the first) at every
    one of ``sigmas``, the noise of (photo i, kernel j, level a) from ``np.random.default_rng([seed, i, j, a])``.
    The colour check (:mod:`padnet.experiments.colour`) makes its inputs by this with its own photos."""
    kernels = photo_kernels()
    ids = QUICK["kernels"] if quick else tuple(range(1, len(kernels) + 1))
    out = []
    for i, name in enumerate(photos[:QUICK["photos"]] if quick else photos):
        g = load(name)
        for j in ids:
            out += inputs_at_levels(g, kernels[j - 1], sigmas, (seed, i, j), f"{name}_k{j}", dataset, j)
    return out


def photo_check(mode: str = "quick", out: str | Path | None = None, device: str = "auto", jobs: int = 1,
                progress: bool = True, methods: list[str] | None = None) -> dict:
    """Run the check.

    Args:
        mode: ``quick`` (:data:`QUICK`) or ``full`` (every photo and kernel), every sigma.
        out: folder for ``noise_photos.csv`` (mean per method and sigma) and ``noise_photos_per_image.csv``.
        device, jobs: as :func:`padnet.experiments.table2.table2`.
        methods: labels of :data:`METHODS` to run (default: all).

    Returns:
        ``{"summary": rows, "per_image": rows, "wall_seconds": s}``.
    """
    if mode not in ("quick", "full"):
        raise InputError(f"mode must be 'quick' or 'full', got {mode!r}")
    return run_levels(photo_samples(mode == "quick"), METHODS, methods, "noise_photos", out, device, jobs, progress,
                      f"photo check ({mode})")
