"""Deblurring benchmarks: Levin et al. 2009, Sun et al. 2013 (synthesised with a fixed seed, and the
80 official inputs), Train400, and the embedded default set.

Facts honoured here (from each data set's SOURCE.md):

* **levin09**: ``f`` in each ``.mat`` is a *correlation* kernel (``y ~ correlate(x, f)``); the convolution
  PSF is ``rot180(f)``.  Each file's own ``x`` is its ground truth.  ``y`` is a real capture.
* **sun2013**: the 640 inputs are ``rgb2gray(GT)`` (MATLAB weights, uint8) correlated with Levin's 8
  kernels with replicate borders, plus N(0, 0.01^2) noise and 8-bit quantisation.  We synthesise them
  with a fixed seed; :func:`sun2013_official_residual` compares our synthesis with the 80 official files.
* **train400**: 400 grey 180x180 images (Chen and Pock 2017), the only training images for deblurring.

Without benchmark data everything runs on :func:`embedded_deblur_set`, built from images that ship inside
scikit-image with synthetic kernels and noise; every sample carries ``embedded=True`` and every table
made from it says so (:data:`~padnet.data.registry.EMBEDDED_NOTICE`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from padnet.data.registry import (
    EMBEDDED_NOTICE,
    DataError,
    available,
    dataset_dir,
    read_manifest,
    read_png,
    verify,
)
from padnet.physics.kernels import random_motion_kernel

__all__ = ["DeblurSample", "LEVIN_NAMES", "SUN_SEED", "rgb2gray_matlab", "levin_kernels", "levin09", "sun2013_sharp",
           "sun2013_synthesize", "sun2013", "sun2013_official", "sun2013_official_residual", "train400",
           "embedded_kernels", "embedded_deblur_set", "deblur_benchmark"]


def rgb2gray_matlab(rgb: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` on uint8 RGB: ``round(0.2989 R + 0.5870 G + 0.1140 B)`` as uint8."""
    w = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    return np.clip(np.round(rgb[..., :3].astype(np.float64) @ w), 0, 255).astype(np.uint8)


@dataclass
class DeblurSample:
    """One non-blind deblurring case.

    Attributes:
        name: identifier, e.g. ``im05_flit01`` or ``sun_001_k1``.
        blurred: ``(H, W)`` (or ``(H, W, 3)``: the colour check) float64 in [0, 1].
        sharp: ground truth, float64, the shape of ``blurred``.
        kernel: ``(h, w)`` convolution PSF (``y = k * x``), non-negative, sum 1.
        dataset: ``levin09``, ``sun2013`` (our synthesis), ``sun2013-official`` or ``embedded``.
        kernel_id: 1-based index of the kernel in its set.
        embedded: True for the embedded default set.
        sigma: the noise level (std, [0, 1] units) the methods are told: the added noise of synthetic
            inputs; 1% for Levin's captures (camera noise, the level every benchmark method is tuned for).
    """

    name: str
    blurred: np.ndarray
    sharp: np.ndarray
    kernel: np.ndarray
    dataset: str
    kernel_id: int
    embedded: bool = False
    meta: dict = field(default_factory=dict)
    sigma: float = 0.01


LEVIN_NAMES = [f"im0{i}_flit0{j}.mat" for i in range(5, 9) for j in range(1, 9)]


def _load_mat(path: Path) -> dict:
    from scipy.io import loadmat

    try:
        return loadmat(path)
    except Exception as err:  # scipy raises several types for bad files
        raise DataError(f"cannot read {path}: {err}") from err


def levin_kernels() -> list[np.ndarray]:
    """Levin's 8 kernels as convolution PSFs (``rot180`` of the stored correlation kernels ``f``)."""
    folder = dataset_dir("levin09")
    names = [f"im05_flit0{j}.mat" for j in range(1, 9)]
    verify("levin09", names)
    return [np.ascontiguousarray(_load_mat(folder / n)["f"][::-1, ::-1]).astype(np.float64) for n in names]


def levin09(names: list[str] | None = None) -> list[DeblurSample]:
    """Levin et al. 2009's 32 real captures (checksums verified).

    Each sample's ``kernel`` is ``rot180(f)`` (a convolution PSF) and ``sharp`` is the file's own ``x``.
    """
    folder = dataset_dir("levin09")
    names = names or LEVIN_NAMES
    verify("levin09", names)
    out = []
    for n in names:
        m = _load_mat(folder / n)
        k = np.ascontiguousarray(m["f"][::-1, ::-1]).astype(np.float64)
        out.append(DeblurSample(name=n[:-4], blurred=m["y"].astype(np.float64), sharp=m["x"].astype(np.float64),
                                kernel=k / k.sum(), dataset="levin09", kernel_id=int(n[9:11])))
    return out



def sun_gt_name(i: int) -> str:
    return f"gt_sunhays80_rgb/img_{i:03d}_SRF_8_HR.png"


def sun2013_sharp(i: int) -> np.ndarray:
    """Sun image ``i`` (1..80) as MATLAB ``rgb2gray`` of the RGB ground truth, float64 in [0, 1]."""
    if not 1 <= i <= 80:
        raise DataError(f"sun2013 image index must be in 1..80, got {i}")
    rel = sun_gt_name(i)
    verify("sun2013", [rel])
    return rgb2gray_matlab(read_png(dataset_dir("sun2013") / rel)).astype(np.float64) / 255.0


def sun2013_synthesize(sharp: np.ndarray, corr_kernel: np.ndarray, rng: np.random.Generator | None,
                       sigma: float = 0.01) -> np.ndarray:
    """Sun's forward model: ``imfilter(g, f, 'replicate')`` + N(0, sigma^2), quantised to 8 bits.

    ``sharp`` is ``(H, W)`` or ``(H, W, C)`` (every channel blurred alike, independent noise in each).
    ``corr_kernel`` is Levin's stored ``f`` (a correlation kernel).  ``rng=None`` returns the noiseless,
    unquantised blur.
    """
    from scipy.ndimage import correlate

    blurred = correlate(sharp, corr_kernel[..., None] if sharp.ndim == 3 else corr_kernel, mode="nearest")
    if rng is None:
        return blurred
    noisy = blurred + sigma * rng.standard_normal(blurred.shape)
    return np.clip(np.round(noisy * 255.0), 0, 255) / 255.0


SUN_SEED = 2013


def sun2013(images: list[int] | None = None, kernels: list[int] | None = None,
            seed: int = SUN_SEED) -> Iterator[DeblurSample]:
    """Sun et al.'s 640 inputs, synthesised from the ground truth with a fixed seed (lazily, one at a time).

    Args:
        images: 1-based image indices (default 1..80).
        kernels: 1-based Levin kernel indices (default 1..8).
        seed: noise seed; sample ``(i, j)`` uses ``np.random.default_rng([seed, i, j])``.
    """
    images = images or list(range(1, 81))
    kernels = kernels or list(range(1, 9))
    corr = [np.ascontiguousarray(k[::-1, ::-1]) for k in levin_kernels()]  # back to Levin's f
    for i in images:
        g = sun2013_sharp(i)
        for j in kernels:
            f = corr[j - 1]
            y = sun2013_synthesize(g, f, np.random.default_rng([seed, i, j]))
            yield DeblurSample(name=f"sun_{i:03d}_k{j}", blurred=y, sharp=g, kernel=f[::-1, ::-1].copy(),
                               dataset="sun2013", kernel_id=j)


def sun2013_official(i: int) -> tuple[np.ndarray, int]:
    """Official blurred input ``{i}_{j}_blurred.png`` (``j = (i - 1) % 8 + 1``) in [0, 1], and ``j``."""
    j = (i - 1) % 8 + 1
    rel = f"blurred_official_subset/{i}_{j}_blurred.png"
    verify("sun2013", [rel])
    return read_png(dataset_dir("sun2013") / rel).astype(np.float64) / 255.0, j


def sun2013_official_residual(images: list[int] | None = None, border: int = 50,
                              seed: int = SUN_SEED) -> list[dict]:
    """Compare our Sun synthesis with the official blurred files (interior, ``border`` px dropped).

    For each image: ``rmse_official`` = RMSE(official - noiseless model), ``rmse_ours`` = RMSE(our
    synthesis - noiseless model); both should be ~0.0100 (1% noise plus quantisation), and
    ``rmse_diff_mean`` = |mean(official - ours)| should be ~0 (no bias).
    """
    images = images or list(range(1, 81))
    corr = [np.ascontiguousarray(k[::-1, ::-1]) for k in levin_kernels()]
    rows = []
    for i in images:
        official, j = sun2013_official(i)
        g = sun2013_sharp(i)
        clean = sun2013_synthesize(g, corr[j - 1], None)
        ours = sun2013_synthesize(g, corr[j - 1], np.random.default_rng([seed, i, j]))
        h, w = g.shape
        sl = (slice(border, h - border), slice(border, w - border))
        r_off = official[:h, :w][sl] - clean[sl]
        r_ours = ours[sl] - clean[sl]
        rows.append({"image": i, "kernel": j, "rmse_official": float(np.sqrt(np.mean(r_off ** 2))),
                     "rmse_ours": float(np.sqrt(np.mean(r_ours ** 2))),
                     "mean_official": float(r_off.mean()), "mean_ours": float(r_ours.mean())})
    return rows


def train400() -> np.ndarray:
    """Train400 images, ``(400, 180, 180)`` float32 in [0, 1] (checksums verified)."""
    folder = dataset_dir("train400")
    names = sorted(read_manifest("train400"))
    verify("train400", names)
    return np.stack([read_png(folder / n) for n in names]).astype(np.float32) / 255.0


EMBEDDED_IMAGES = ("camera", "astronaut", "coffee", "chelsea")
EMBEDDED_KERNEL_SIZES = (19, 17, 15, 27, 13, 21, 23, 23)  # Levin's sizes, synthetic shapes


def _embedded_sharp(name: str, size: int) -> np.ndarray:
    from skimage import data as skdata

    img = getattr(skdata, name)()
    if img.ndim == 3:
        img = rgb2gray_matlab(img)
    H, W = img.shape
    top, left = (H - size) // 2, (W - size) // 2
    return img[top:top + size, left:left + size].astype(np.float64) / 255.0


def embedded_kernels(seed: int = 0) -> list[np.ndarray]:
    """Eight synthetic motion PSFs with Levin's kernel sizes (fixed seed)."""
    rng = np.random.default_rng([seed, 8])
    return [random_motion_kernel(s, rng) for s in EMBEDDED_KERNEL_SIZES]


def embedded_deblur_set(n_images: int = 4, n_kernels: int = 8, size: int = 255, sigma: float = 0.01,
                        seed: int = 0) -> list[DeblurSample]:
    """The embedded default: scikit-image's camera, astronaut, coffee and chelsea (grey, centre 255x255
    crops) blurred by synthetic motion PSFs with replicate borders, N(0, sigma^2) noise, 8-bit quantised.

    Every sample has ``embedded=True`` and ``dataset="embedded"``.
    """
    kernels = embedded_kernels(seed)[:n_kernels]
    out = []
    for a, name in enumerate(EMBEDDED_IMAGES[:n_images]):
        x = _embedded_sharp(name, size)
        for j, k in enumerate(kernels, start=1):
            y = sun2013_synthesize(x, k[::-1, ::-1], np.random.default_rng([seed, a, j]), sigma=sigma)
            out.append(DeblurSample(name=f"{name}_k{j}", blurred=y, sharp=x, kernel=k, dataset="embedded",
                                    kernel_id=j, embedded=True, sigma=sigma))
    return out


def deblur_benchmark(name: str = "levin09", allow_embedded: bool = True) -> tuple[list[DeblurSample], bool]:
    """Samples of a deblurring benchmark, or the embedded default set when the data are absent.

    Returns:
        ``(samples, embedded)``; a warning carrying :data:`EMBEDDED_NOTICE` is emitted on fallback.
    """
    if available(name):
        if name == "levin09":
            return levin09(), False
        if name == "sun2013":
            return list(sun2013()), False
        raise DataError(f"{name} is not a deblurring benchmark")
    if not allow_embedded:
        dataset_dir(name)  # raises the precise error
    warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
    return embedded_deblur_set(), True
