"""Benchmark data: one setting (``PADNET_DATA``), sha256 manifests, loaders, the embedded default set and
the random motion-blur kernels used for training.

Datasets live in ``$PADNET_DATA/<name>/`` laid out as in the project's shared data folders; each file is
checked against ``data/manifests/<name>.sha256`` before use.  Facts honoured here (from each data set's
SOURCE.md):

* **levin09**: ``f`` in each ``.mat`` is a *correlation* kernel (``y ~ correlate(x, f)``); the convolution
  PSF is ``rot180(f)``.  Each file's own ``x`` is its ground truth.  ``y`` is a real capture.
* **sun2013**: the 640 inputs are ``rgb2gray(GT)`` (MATLAB weights, uint8) correlated with Levin's 8
  kernels with replicate borders, plus N(0, 0.01^2) noise and 8-bit quantisation.  We synthesise them
  with a fixed seed; :func:`sun2013_official_residual` compares our synthesis with the 80 official files.
* **train400**: 400 grey 180x180 images (Chen and Pock 2017), the only training images for deblurring.

Without benchmark data everything runs on :func:`embedded_deblur_set`, built from images that ship inside
scikit-image with synthetic kernels and noise; every sample carries ``embedded=True`` and every table
made from it says so (:data:`EMBEDDED_NOTICE`).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "DataError",
    "Dataset",
    "DATASETS",
    "EMBEDDED_NOTICE",
    "DeblurSample",
    "data_root",
    "dataset_dir",
    "available",
    "verify",
    "fetch",
    "levin09",
    "sun2013",
    "sun2013_official",
    "sun2013_official_residual",
    "train400",
    "embedded_deblur_set",
    "deblur_benchmark",
    "random_motion_kernel",
    "rgb2gray_matlab",
]

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "data" / "manifests"

EMBEDDED_NOTICE = (
    "EMBEDDED DEFAULT DATA: benchmark data not found (set PADNET_DATA); these numbers come from "
    "scikit-image sample images with synthetic kernels and noise and are NOT comparable to the paper."
)


class DataError(RuntimeError):
    """Missing, corrupt or unreachable data; the message is one line naming the file or address."""


@dataclass(frozen=True)
class Dataset:
    """A registered benchmark: where it lives, how to check it and where it originally came from."""

    name: str
    description: str
    citation: str
    urls: tuple[str, ...]
    page: str
    notes: str = ""

    @property
    def manifest(self) -> Path:
        return MANIFEST_DIR / f"{self.name}.sha256"


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "levin09",
            "Levin et al. 2009: 4 images x 8 real camera-shake kernels, 32 .mat files (x, y, f), 255x255",
            "A. Levin, Y. Weiss, F. Durand, W. T. Freeman, Understanding and evaluating blind deconvolution "
            "algorithms, CVPR 2009",
            ("http://www.wisdom.weizmann.ac.il/~levina/papers/LevinEtalCVPR09Data.rar",
             "https://webee.technion.ac.il/people/anat.levin/papers/LevinEtalCVPR09Data.rar"),
            "https://webee.technion.ac.il/people/anat.levin/",
            "RAR archive: unpack Levin09blurdata/im0{5..8}_flit0{1..8}.mat into $PADNET_DATA/levin09/",
        ),
        Dataset(
            "sun2013",
            "Sun et al. 2013: 80 ground-truth images (Sun-Hays 80) x Levin's 8 kernels, 1% noise; "
            "we keep the GT plus 80 official blurred files",
            "L. Sun, S. Cho, J. Wang, J. Hays, Edge-based blur kernel estimation using patch priors, ICCP 2013",
            ("http://cs.brown.edu/~lbsun/deblur2013/input80imgs8kernels.zip",),
            "http://cs.brown.edu/~lbsun/deblur2013/deblur2013iccp.html",
            "GT: Sun-Hays 80 (http://cs.brown.edu/~lbsun/SRproj2012/SR_iccp2012.html) as "
            "gt_sunhays80_rgb/img_XXX_SRF_8_HR.png; official inputs as blurred_official_subset/{i}_{j}_blurred.png",
        ),
        Dataset(
            "train400",
            "Train400: 400 grey 180x180 training images (Chen and Pock 2017; DnCNN)",
            "Y. Chen, T. Pock, Trainable nonlinear reaction diffusion, IEEE TPAMI 2017",
            ("https://www.dropbox.com/s/8j6b880m6ddxtee/TNRD-Codes.zip",),
            "https://github.com/cszn/DnCNN (TrainingCodes/DnCNN_TrainingCodes_v1.0/data/Train400)",
            "unpack FoETrainingSets180 (or DnCNN's Train400) into $PADNET_DATA/train400/images/test_XXX.png",
        ),
        Dataset(
            "sots_indoor",
            "RESIDE SOTS-indoor: 50 clear scenes, 100 hazy images, derived depth and reliability masks",
            "B. Li et al., Benchmarking single-image dehazing and beyond, IEEE TIP 2019",
            (),
            "https://sites.google.com/view/reside-dehaze-datasets",
            "download SOTS from the RESIDE page; derived depth/mask are made as described in SOURCE.md",
        ),
        Dataset(
            "middlebury2005",
            "Middlebury 2005 stereo views with disparity; Fattal's hazy moebius input",
            "D. Scharstein, C. Pal, Learning conditional random fields for stereo, CVPR 2007; "
            "R. Fattal, Dehazing using color-lines, ACM TOG 2014",
            ("https://vision.middlebury.edu/stereo/data/scenes2005/HalfSize/zip-2views/ALL-2views.zip",),
            "https://vision.middlebury.edu/stereo/data/scenes2005/",
            "Fattal's inputs: http://www.cs.huji.ac.il/~raananf/projects/dehaze_cl/results/",
        ),
    ]
}

_VERIFIED: set[tuple[str, str]] = set()


def data_root() -> Path | None:
    """The benchmark data folder from ``PADNET_DATA`` (``None`` when unset)."""
    root = os.environ.get("PADNET_DATA")
    return Path(root).expanduser().resolve() if root else None


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def dataset_dir(name: str) -> Path:
    """``$PADNET_DATA/<name>``; :class:`DataError` when the setting or the folder is missing."""
    _dataset(name)
    root = data_root()
    if root is None:
        raise DataError(f"PADNET_DATA is not set; cannot find dataset {name!r} (see `padnet data list`)")
    folder = root / name
    if not folder.is_dir():
        raise DataError(f"dataset {name!r} not found: no folder {folder}")
    return folder


def read_manifest(name: str) -> dict[str, str]:
    """``{relative path: sha256}`` of a dataset's manifest."""
    entries = {}
    for line in _dataset(name).manifest.read_text().splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            entries[rel.strip().lstrip("*")] = digest
    return entries


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(name: str, files: list[str] | None = None) -> int:
    """Check files of a dataset against its sha256 manifest (once per process).

    Args:
        name: dataset name.
        files: relative paths to check (default: the whole manifest).

    Returns:
        The number of files checked.

    Raises:
        DataError: naming the first missing or corrupt file.
    """
    folder = dataset_dir(name)
    manifest = read_manifest(name)
    todo = list(manifest) if files is None else files
    n = 0
    for rel in todo:
        key = (str(folder), rel)
        if key in _VERIFIED:
            continue
        if rel not in manifest:
            raise DataError(f"{name}: {rel} is not in the manifest {_dataset(name).manifest.name}")
        path = folder / rel
        if not path.is_file():
            raise DataError(f"{name}: missing file {path}")
        if _sha256(path) != manifest[rel]:
            raise DataError(f"{name}: corrupt file {path} (sha256 does not match the manifest)")
        _VERIFIED.add(key)
        n += 1
    return n


def available(name: str) -> bool:
    """True when the dataset folder exists under ``PADNET_DATA`` (contents are checked on load)."""
    try:
        dataset_dir(name)
    except DataError:
        return False
    return True


def fetch(name: str, dest: Path | None = None, timeout: float = 20.0) -> list[Path]:
    """Download a dataset's original archives (with pooch) into ``dest`` (default ``$PADNET_DATA/<name>/downloads``).

    The originals are packaged differently from the layout used here (RAR, zip, other names); the
    dataset's ``notes`` say how to unpack.  Offline, this fails at once with a :class:`DataError`.
    """
    import pooch
    import requests

    ds = _dataset(name)
    if not ds.urls:
        raise DataError(f"{name}: no direct download address; get it from {ds.page} ({ds.notes})")
    if dest is None:
        root = data_root()
        if root is None:
            raise DataError("PADNET_DATA is not set; set it to where datasets should be stored")
        dest = root / name / "downloads"
    dest.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(timeout=timeout, progressbar=True)
    errors = []
    for url in ds.urls:
        try:
            path = pooch.retrieve(url, known_hash=None, path=dest, fname=url.rsplit("/", 1)[-1], downloader=downloader)
            return [Path(path)]
        except (requests.exceptions.RequestException, OSError, ValueError) as err:
            errors.append(f"{url}: {type(err).__name__}")
    raise DataError(f"{name}: could not download (offline or address gone): {'; '.join(errors)}")


def rgb2gray_matlab(rgb: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` on uint8 RGB: ``round(0.2989 R + 0.5870 G + 0.1140 B)`` as uint8."""
    w = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    return np.clip(np.round(rgb[..., :3].astype(np.float64) @ w), 0, 255).astype(np.uint8)


@dataclass
class DeblurSample:
    """One non-blind deblurring case.

    Attributes:
        name: identifier, e.g. ``im05_flit01`` or ``sun_001_k1``.
        blurred: ``(H, W)`` float64 in [0, 1].
        sharp: ``(H, W)`` float64 ground truth.
        kernel: ``(h, w)`` convolution PSF (``y = k * x``), non-negative, sum 1.
        dataset: ``levin09``, ``sun2013`` (our synthesis), ``sun2013-official`` or ``embedded``.
        kernel_id: 1-based index of the kernel in its set.
        embedded: True for the embedded default set.
    """

    name: str
    blurred: np.ndarray
    sharp: np.ndarray
    kernel: np.ndarray
    dataset: str
    kernel_id: int
    embedded: bool = False
    meta: dict = field(default_factory=dict)


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


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.asarray(im)
    except Exception as err:
        raise DataError(f"cannot read {path}: {err}") from err


def sun_gt_name(i: int) -> str:
    return f"gt_sunhays80_rgb/img_{i:03d}_SRF_8_HR.png"


def sun2013_sharp(i: int) -> np.ndarray:
    """Sun image ``i`` (1..80) as MATLAB ``rgb2gray`` of the RGB ground truth, float64 in [0, 1]."""
    if not 1 <= i <= 80:
        raise DataError(f"sun2013 image index must be in 1..80, got {i}")
    rel = sun_gt_name(i)
    verify("sun2013", [rel])
    return rgb2gray_matlab(_read_png(dataset_dir("sun2013") / rel)).astype(np.float64) / 255.0


def sun2013_synthesize(sharp: np.ndarray, corr_kernel: np.ndarray, rng: np.random.Generator | None,
                       sigma: float = 0.01) -> np.ndarray:
    """Sun's forward model: ``imfilter(g, f, 'replicate')`` + N(0, sigma^2), quantised to 8 bits.

    ``corr_kernel`` is Levin's stored ``f`` (a correlation kernel).  ``rng=None`` returns the noiseless,
    unquantised blur.
    """
    from scipy.ndimage import correlate

    blurred = correlate(sharp, corr_kernel, mode="nearest")
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
    return _read_png(dataset_dir("sun2013") / rel).astype(np.float64) / 255.0, j


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
    return np.stack([_read_png(folder / n) for n in names]).astype(np.float32) / 255.0


def random_motion_kernel(size: int, rng: np.random.Generator, n_steps: int = 96,
                         min_length: float = 0.3, inertia: float = 0.85) -> np.ndarray:
    """Random camera-shake PSF: a random walk with inertia, rasterised bilinearly, centred, sum 1.

    The trajectory's extent is scaled to a random fraction in ``[min_length, 1]`` of ``size - 3`` pixels;
    the PSF is centred on its centre of mass.  Used for training data only (never Levin's kernels).

    Args:
        size: odd side of the square kernel, >= 5.
        rng: numpy generator (seeded by the caller).

    Returns:
        ``(size, size)`` float64 convolution PSF.
    """
    if size < 5 or size % 2 == 0:
        raise ValueError(f"kernel size must be odd and >= 5, got {size}")
    vel = rng.standard_normal(2)
    pos = np.zeros((n_steps, 2))
    for t in range(1, n_steps):
        vel = inertia * vel + (1.0 - inertia) * 2.0 * rng.standard_normal(2)
        # occasional jerk, as in camera shake
        if rng.random() < 0.05:
            vel += 1.5 * rng.standard_normal(2)
        pos[t] = pos[t - 1] + vel
    pos -= pos.mean(axis=0)
    extent = np.abs(pos).max()
    target = rng.uniform(min_length, 1.0) * (size - 3) / 2.0
    pos *= target / max(extent, 1e-9)
    k = np.zeros((size, size))
    c = size // 2
    for py, px in pos + c:
        y0, x0 = int(np.floor(py)), int(np.floor(px))
        fy, fx = py - y0, px - x0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                if 0 <= y0 + dy < size and 0 <= x0 + dx < size:
                    k[y0 + dy, x0 + dx] += wy * wx
    return k / k.sum()


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
                                    kernel_id=j, embedded=True))
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
