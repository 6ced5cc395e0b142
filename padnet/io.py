"""Reading and writing images and kernels for the command line.

Images: PNG (8 or 16 bit, grey or RGB), TIFF (8 or 16 bit, or float in [0, 1]) and ``.npy`` (float in
[0, 1]).  Everything is returned as float64 in [0, 1], ``(H, W)`` or ``(H, W, C)``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from padnet.checks import InputError

__all__ = ["read_image", "read_kernel", "write_image"]

IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".npy")


def _scale(arr: np.ndarray, path: Path) -> tuple[np.ndarray, int]:
    if arr.dtype == np.uint8:
        return arr.astype(np.float64) / 255.0, 8
    if arr.dtype == np.uint16 or (arr.dtype.kind in "iu" and arr.max(initial=0) > 255):
        return arr.astype(np.float64) / 65535.0, 16
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64) / 255.0, 8
    if arr.dtype.kind == "f":
        return arr.astype(np.float64), 32
    raise InputError(f"{path}: unsupported pixel type {arr.dtype}")


def _read_raw(path: Path) -> np.ndarray:
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix!r}; expected PNG, TIFF or .npy")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if suffix in (".tif", ".tiff"):
            import tifffile

            return tifffile.imread(path)
        from PIL import Image

        with Image.open(path) as im:
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                return np.asarray(im).astype(np.uint16)
            if im.mode not in ("L", "RGB", "RGBA", "LA"):
                im = im.convert("RGB")
            return np.asarray(im)
    except InputError:
        raise
    except Exception as err:  # PIL, tifffile and numpy raise many kinds for unreadable files
        raise InputError(f"{path}: cannot read image ({type(err).__name__}: {err})") from err


def read_image(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an image as float64 in [0, 1].

    Returns:
        ``(image, bits)``: ``(H, W)`` or ``(H, W, 3)`` array (alpha dropped) and the input bit depth
        (8, 16, or 32 for float input).

    Raises:
        InputError: missing, unreadable, empty, non-finite, out-of-range or wrongly shaped input.
    """
    path = Path(path)
    arr = _read_raw(path)
    if arr.size == 0:
        raise InputError(f"{path}: image is empty")
    if arr.ndim == 3 and arr.shape[-1] in (2, 4):
        arr = arr[..., :-1]
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] != 3):
        raise InputError(f"{path}: expected a grey (H, W) or RGB (H, W, 3) image, got shape {arr.shape}")
    img, bits = _scale(arr, path)
    if not np.isfinite(img).all():
        raise InputError(f"{path}: image has {int((~np.isfinite(img)).sum())} NaN or infinite pixel(s)")
    if bits == 32 and (img.min() < -1e-6 or img.max() > 1 + 1e-6):
        raise InputError(f"{path}: float image values must lie in [0, 1], got [{img.min():.3g}, {img.max():.3g}]")
    return img, bits


def read_kernel(path: str | Path) -> np.ndarray:
    """Read a blur kernel (convolution PSF) from PNG, TIFF or ``.npy`` as a float64 ``(h, w)`` array.

    Values are not normalised here (see :func:`padnet.checks.check_kernel`); an RGB PNG kernel is
    refused (a PSF is 2-D).
    """
    path = Path(path)
    arr = _read_raw(path)
    if arr.ndim != 2:
        raise InputError(f"{path}: kernel must be 2-D (h, w), got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{path}: kernel is empty")
    return arr.astype(np.float64)


def write_image(path: str | Path, img: np.ndarray, bits: int = 8) -> None:
    """Write ``img`` (float, clipped to [0, 1]) as PNG/TIFF (8 or 16 bit) or ``.npy`` (float32).

    The file is written to a temporary name and renamed, so a failure leaves no partial output.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(f"{path}: unsupported output type {suffix!r}; expected .png, .tif or .npy")
    if not path.parent.exists():
        raise InputError(f"{path}: output folder {path.parent} does not exist")
    img = np.clip(np.asarray(img, dtype=np.float64), 0.0, 1.0)
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".npy":
            np.save(tmp, img.astype(np.float32))
        else:
            depth = 16 if bits == 16 else 8
            scale = 65535.0 if depth == 16 else 255.0
            data = np.round(img * scale).astype(np.uint16 if depth == 16 else np.uint8)
            if suffix == ".png":
                from PIL import Image

                if depth == 16 and data.ndim == 3:
                    raise InputError(f"{path}: 16-bit RGB PNG is not supported; write .tif or .npy")
                Image.fromarray(data).save(tmp, format="PNG")
            else:
                import tifffile

                tifffile.imwrite(tmp, data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
