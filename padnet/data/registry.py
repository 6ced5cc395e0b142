"""The data registry: one setting (``PADNET_DATA``), sha256 manifests shipped with the package, original
download addresses.  Loaders live in :mod:`padnet.data.deblur` and :mod:`padnet.data.haze`.

Datasets live in ``$PADNET_DATA/<name>/`` laid out as in the project's shared data folders; each file is
checked against ``padnet/data/manifests/<name>.sha256`` (shipped with the package) before use.  The
facts each data set's SOURCE.md records (kernel orientation, synthesis, protocols) are honoured by the
loaders in :mod:`padnet.data.deblur` and :mod:`padnet.data.haze`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DataError", "Dataset", "DATASETS", "EMBEDDED_NOTICE", "MANIFEST_DIR", "data_root", "dataset_dir",
           "available", "verify", "fetch", "read_manifest", "read_png"]

#: sha256 manifests ship inside the package (padnet/data/manifests/<name>.sha256)
MANIFEST_DIR = Path(__file__).resolve().parent / "manifests"

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


def read_png(path: Path) -> np.ndarray:
    """A PNG as stored (uint8/uint16, any channels); :class:`DataError` naming the file if it cannot be read."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.asarray(im)
    except Exception as err:
        raise DataError(f"cannot read {path}: {err}") from err
