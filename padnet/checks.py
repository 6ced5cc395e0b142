"""Input validation shared by every public entry point.

Each check raises :class:`InputError` (a ``ValueError``) whose message names the argument, what was
expected and what was given, so that callers (and the command line) can report it in one line.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

__all__ = ["InputError", "as_kernel", "check_image", "check_kernel", "resolve_device"]


class InputError(ValueError):
    """Bad user input: wrong shape, non-finite values, invalid kernel, unknown option."""


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` picks CUDA when available, else CPU; ``"cuda"`` without a GPU is an error."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as err:
        raise InputError(f"unknown device {device!r}; expected auto, cpu or cuda") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but no CUDA GPU is available")
    if dev.type not in ("cpu", "cuda"):
        raise InputError(f"unsupported device {device!r}; expected auto, cpu or cuda")
    return dev


def as_kernel(kernel: torch.Tensor | np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """Kernel as a ``(1|B, 1, h, w)`` tensor with ``like``'s dtype and device (no validation of values)."""
    k = torch.as_tensor(kernel, dtype=like.dtype, device=like.device)
    if k.dim() == 2:
        k = k.reshape(1, 1, *k.shape)
    if k.dim() != 4 or k.shape[1] != 1:
        raise InputError(f"kernel must be (h, w) or (B, 1, h, w), got shape {tuple(k.shape)}")
    return k


def check_image(x: torch.Tensor | np.ndarray, name: str = "image") -> None:
    """Reject empty or non-finite images (NaN, inf)."""
    arr = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if arr.numel() == 0:
        raise InputError(f"{name} is empty (shape {tuple(arr.shape)})")
    if arr.dim() < 2:
        raise InputError(f"{name} must be at least 2-D, got shape {tuple(arr.shape)}")
    if arr.is_floating_point() and not bool(torch.isfinite(arr).all()):
        n_bad = int((~torch.isfinite(arr)).sum())
        raise InputError(f"{name} has {n_bad} NaN or infinite pixel(s)")


def check_kernel(kernel: torch.Tensor | np.ndarray, image_shape: tuple[int, ...] | None = None,
                 name: str = "kernel", normalise: bool = True, atol: float = 1e-6) -> torch.Tensor:
    """Validate a blur kernel (PSF) and return it as a float64 ``(h, w)`` tensor summing to 1.

    Args:
        kernel: 2-D array (a ``(1, 1, h, w)`` tensor is accepted too).
        image_shape: if given, ``(..., H, W)`` of the image; the kernel may not be larger.
        normalise: rescale a kernel whose sum is not 1 (with a warning) instead of refusing it.

    Raises:
        InputError: empty, not 2-D, non-finite, negative, all-zero or too large a kernel, or a kernel
            not summing to 1 when ``normalise`` is false.
    """
    k = torch.as_tensor(np.asarray(kernel) if not isinstance(kernel, torch.Tensor) else kernel)
    if k.dim() == 4 and k.shape[0] == 1 and k.shape[1] == 1:
        k = k[0, 0]
    if k.numel() == 0:
        raise InputError(f"{name} is empty (shape {tuple(k.shape)})")
    if k.dim() != 2:
        raise InputError(f"{name} must be 2-D (h, w), got shape {tuple(k.shape)}")
    k = k.to(torch.float64)
    if not bool(torch.isfinite(k).all()):
        raise InputError(f"{name} has NaN or infinite entries")
    if bool((k < 0).any()):
        raise InputError(f"{name} has negative entries (min {float(k.min()):.3g}); a PSF must be non-negative")
    total = float(k.sum())
    if total <= 0:
        raise InputError(f"{name} is all zeros; a PSF must sum to 1")
    if image_shape is not None:
        H, W = image_shape[-2:]
        if k.shape[0] > H or k.shape[1] > W:
            raise InputError(f"{name} of size {k.shape[0]}x{k.shape[1]} is larger than the image {H}x{W}")
    if abs(total - 1.0) > atol:
        if not normalise:
            raise InputError(f"{name} sums to {total:.6g}, expected 1")
        warnings.warn(f"{name} sums to {total:.6g}; rescaled to sum 1", stacklevel=2)
        k = k / total
    return k
