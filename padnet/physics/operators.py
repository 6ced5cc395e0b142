"""Linear operators of the paper: blur by a PSF and the finite differences D.

Conventions (used across the package):

* images are ``(B, C, H, W)`` float tensors, values in [0, 1];
* a kernel (PSF) is ``(h, w)``, ``(1, 1, h, w)`` or ``(B, 1, h, w)``, non-negative, summing to 1,
  and acts by **true convolution** ``y = k * x``: ``y[i, j] = sum_ab k[a, b] x[i - a + ca, j - b + cb]``
  with the kernel centre ``(ca, cb) = (h // 2, w // 2)`` (MATLAB's ``psf2otf`` convention);
* circular operators are diagonal in the 2-D DFT; their transfer functions ("OTFs") are ``(B|1, 1, H, W)``
  complex tensors that broadcast against images.

The boundary-aware variant for real photographs (:func:`pad_for_deconvolution`) extends the observed
image by replicate padding and blends the extension so that it wraps smoothly (edge tapering), so a
circular solver can be used on the extended domain and the result cropped back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from padnet.checks import as_kernel

__all__ = [
    "psf2otf",
    "half_otf",
    "apply_half_otf",
    "conv_fft",
    "conv_fft_adjoint",
    "conv_direct",
    "diff_otfs",
    "grad",
    "grad_adjoint",
    "pad_for_deconvolution",
    "crop_padding",
    "edgetaper",
]


def psf2otf(psf: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Transfer function of circular convolution with ``psf`` on an ``shape`` grid.

    The kernel is zero-padded to ``shape`` and circularly shifted so that its centre
    ``(h // 2, w // 2)`` sits at pixel (0, 0), then transformed with the 2-D FFT.

    Args:
        psf: kernel, ``(h, w)`` or ``(B, 1, h, w)``; ``h <= H`` and ``w <= W``.
        shape: ``(H, W)`` of the images it will act on.

    Returns:
        Complex tensor ``(B, 1, H, W)`` (``B = 1`` for a 2-D kernel).
    """
    return torch.fft.fft2(_psf_at_origin(psf, shape))


def _psf_at_origin(psf: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """The kernel zero-padded to ``shape`` ``(B|1, 1, H, W)``, its centre circularly shifted to pixel (0, 0)."""
    k = psf if psf.dim() == 4 else psf.reshape(1, 1, *psf.shape[-2:])
    h, w = k.shape[-2:]
    H, W = shape
    if h > H or w > W:
        raise ValueError(f"kernel of size {h}x{w} is larger than the image {H}x{W}")
    return torch.roll(F.pad(k, (0, W - w, 0, H - h)), shifts=(-(h // 2), -(w // 2)), dims=(-2, -1))


def _apply_otf(x: torch.Tensor, otf: torch.Tensor) -> torch.Tensor:
    out = torch.fft.ifft2(torch.fft.fft2(x) * otf).real
    return out.to(x.dtype)


def half_otf(psf: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """The non-redundant half ``psf2otf(psf, shape)[..., :W // 2 + 1]`` of a real kernel's OTF, by ``rfft2``."""
    return torch.fft.rfft2(_psf_at_origin(psf, shape))


def apply_half_otf(x: torch.Tensor, half: torch.Tensor) -> torch.Tensor:
    """Circular operator of a real kernel on real images ``(B, C, H, W)`` from its half OTF (rfft2 path)."""
    return torch.fft.irfft2(torch.fft.rfft2(x) * half, s=x.shape[-2:]).to(x.dtype)


def conv_fft(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Circular convolution ``k * x`` through the FFT.

    Args:
        x: images ``(B, C, H, W)``.
        kernel: PSF ``(h, w)``, ``(1, 1, h, w)`` or ``(B, 1, h, w)``; the same kernel acts on every channel.

    Returns:
        ``(B, C, H, W)`` blurred images (periodic boundary).
    """
    k = as_kernel(kernel, x)
    return _apply_otf(x, psf2otf(k, x.shape[-2:]))


def conv_fft_adjoint(y: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Adjoint of :func:`conv_fft`: circular correlation with the kernel, ``k^T y``."""
    k = as_kernel(kernel, y)
    return _apply_otf(y, psf2otf(k, y.shape[-2:]).conj())


def conv_direct(x: torch.Tensor, kernel: torch.Tensor, boundary: str = "circular") -> torch.Tensor:
    """Spatial-domain convolution ``k * x`` with an explicit boundary rule (same size output).

    This is the slow, direct reference for :func:`conv_fft` (``boundary="circular"``) and the forward
    model of benchmarks synthesised with other boundaries (``"replicate"``: MATLAB's
    ``imfilter(..., 'replicate')`` after flipping the kernel; ``"zeros"``; ``"reflect"``).

    Args:
        x: images ``(B, C, H, W)``.
        kernel: PSF ``(h, w)`` or ``(1|B, 1, h, w)``.
        boundary: ``"circular"``, ``"replicate"``, ``"reflect"`` or ``"zeros"``.
    """
    modes = {"circular": "circular", "replicate": "replicate", "reflect": "reflect", "zeros": "constant"}
    if boundary not in modes:
        raise ValueError(f"unknown boundary {boundary!r}; expected one of {sorted(modes)}")
    k = as_kernel(kernel, x)
    h, w = k.shape[-2:]
    ca, cb = h // 2, w // 2
    # output[i] = sum_a k[a] x[i - a + ca]  ->  correlation with the flipped kernel, padded
    # by (h - 1 - ca) before and ca after along rows (likewise columns).
    pad = (w - 1 - cb, cb, h - 1 - ca, ca)
    B, C, H, W = x.shape
    xp = F.pad(x.reshape(B * C, 1, H, W), pad, mode=modes[boundary]).reshape(B, C, H + h - 1, W + w - 1)
    flipped = torch.flip(k, dims=(-2, -1))
    if flipped.shape[0] == 1:
        out = F.conv2d(xp.reshape(B * C, 1, *xp.shape[-2:]), flipped)
        return out.reshape(B, C, H, W)
    # one kernel per batch item: grouped convolution over the batch
    out = F.conv2d(xp.reshape(1, B * C, *xp.shape[-2:]), flipped.repeat_interleave(C, dim=0), groups=B * C)
    return out.reshape(B, C, H, W)


def diff_otfs(shape: tuple[int, int], dtype: torch.dtype = torch.float64,
              device: torch.device | str = "cpu") -> torch.Tensor:
    """Transfer functions of the horizontal and vertical forward differences D (periodic).

    Returns:
        Complex tensor ``(2, 1, H, W)``: ``[F(D_h), F(D_v)]``.
    """
    H, W = shape
    dh = torch.zeros(H, W, dtype=dtype, device=device)
    dv = torch.zeros(H, W, dtype=dtype, device=device)
    # (D_h x)[i, j] = x[i, j + 1] - x[i, j]: a correlation with [-1, 1]
    dh[0, 0], dh[0, -1] = -1.0, 1.0
    dv[0, 0], dv[-1, 0] = -1.0, 1.0
    return torch.fft.fft2(torch.stack([dh, dv])).unsqueeze(1)


def grad(x: torch.Tensor) -> torch.Tensor:
    """Finite differences ``D(x)`` with periodic boundary.

    Args:
        x: ``(B, C, H, W)``.

    Returns:
        ``(B, 2C, H, W)``: horizontal differences ``x[:, :, i, j+1] - x[:, :, i, j]`` in the first ``C``
        channels, vertical ``x[:, :, i+1, j] - x[:, :, i, j]`` in the last ``C``.
    """
    dh = torch.roll(x, shifts=-1, dims=-1) - x
    dv = torch.roll(x, shifts=-1, dims=-2) - x
    return torch.cat([dh, dv], dim=1)


def grad_adjoint(g: torch.Tensor) -> torch.Tensor:
    """Adjoint ``D^T(g)`` of :func:`grad` (a negative divergence).

    Args:
        g: ``(B, 2C, H, W)`` as returned by :func:`grad`.

    Returns:
        ``(B, C, H, W)``.
    """
    if g.shape[1] % 2:
        raise ValueError(f"gradient field needs an even channel count (h then v), got {g.shape[1]}")
    gh, gv = g.chunk(2, dim=1)
    return (torch.roll(gh, shifts=1, dims=-1) - gh) + (torch.roll(gv, shifts=1, dims=-2) - gv)


def edgetaper(y: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Blend the image borders with a circularly blurred copy (MATLAB ``edgetaper``).

    The weight is built from the normalised autocorrelation of the PSF's row and column projections,
    so that the tapered image is close to periodic where the blur reaches across the border.

    Args:
        y: ``(B, C, H, W)``.
        kernel: PSF ``(h, w)`` or ``(1|B, 1, h, w)``.
    """
    k = as_kernel(kernel, y)
    H, W = y.shape[-2:]

    def weight_1d(proj: torch.Tensor, n: int) -> torch.Tensor:
        proj = proj / proj.sum()
        # MATLAB: z = real(ifft(abs(fft(proj, n - 1)).^2)); z = z([1:end 1]); alpha = 1 - z / max(z)
        padded = F.pad(proj, (0, n - 1 - proj.shape[-1]))
        ac = torch.fft.ifft(torch.abs(torch.fft.fft(padded)) ** 2).real
        ac = torch.cat([ac, ac[..., :1]], dim=-1)
        return 1.0 - ac / ac.amax(dim=-1, keepdim=True)

    alpha_r = weight_1d(k.sum(dim=-1).squeeze(1), H)  # (B|1, H)
    alpha_c = weight_1d(k.sum(dim=-2).squeeze(1), W)  # (B|1, W)
    alpha = (alpha_r.unsqueeze(-1) * alpha_c.unsqueeze(-2)).unsqueeze(1)  # (B|1, 1, H, W)
    blurred = apply_half_otf(y, half_otf(k, (H, W)))  # = conv_fft(y, k), on the real-FFT path (half the work)
    return alpha * y + (1.0 - alpha) * blurred


def pad_for_deconvolution(y: torch.Tensor, kernel: torch.Tensor, taper_passes: int = 3) -> tuple[torch.Tensor, tuple[int, int]]:
    """Extend a real (non-periodic) blurred photograph so circular deconvolution does not ring.

    The image is replicate-padded by the kernel size on every side and the extension is edge-tapered
    ``taper_passes`` times, which makes the extended image nearly periodic.  Deconvolve the result
    with a circular solver and undo with :func:`crop_padding`.

    Args:
        y: blurred images ``(B, C, H, W)``.
        kernel: PSF ``(h, w)`` or ``(1|B, 1, h, w)``.

    Returns:
        The extended images ``(B, C, H + 2 ph, W + 2 pw)`` and the padding ``(ph, pw)``.
    """
    k = as_kernel(kernel, y)
    ph, pw = k.shape[-2:]
    yp = F.pad(y, (pw, pw, ph, ph), mode="replicate")
    for _ in range(taper_passes):
        yp = edgetaper(yp, k)
    return yp, (ph, pw)


def crop_padding(x: torch.Tensor, pad: tuple[int, int]) -> torch.Tensor:
    """Undo :func:`pad_for_deconvolution`'s extension: keep the central ``(H, W)``."""
    ph, pw = pad
    return x[..., ph: x.shape[-2] - ph, pw: x.shape[-1] - pw]
