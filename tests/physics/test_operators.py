"""Operators against direct (loop) references and adjoint identities."""

import numpy as np
import pytest
import torch
from scipy.ndimage import correlate

from padnet.physics.operators import (
    conv_direct,
    conv_fft,
    conv_fft_adjoint,
    crop_padding,
    apply_half_otf,
    diff_otfs,
    edgetaper,
    grad,
    grad_adjoint,
    half_otf,
    pad_for_deconvolution,
    psf2otf,
)


def loop_conv_circular(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """y[i, j] = sum_ab k[a, b] x[(i - a + ca) % H, (j - b + cb) % W], written out."""
    H, W = x.shape
    h, w = k.shape
    ca, cb = h // 2, w // 2
    y = np.zeros_like(x)
    for i in range(H):
        for j in range(W):
            for a in range(h):
                for b in range(w):
                    y[i, j] += k[a, b] * x[(i - a + ca) % H, (j - b + cb) % W]
    return y


def inner(a, b):
    return float((a * b).sum())


def test_conv_fft_equals_loop_reference(rng):
    x = rng.random((9, 8))
    k = rng.random((3, 4))
    ref = loop_conv_circular(x, k)
    got = conv_fft(torch.from_numpy(x)[None, None], torch.from_numpy(k))[0, 0].numpy()
    assert np.allclose(got, ref, atol=1e-12)
    got_direct = conv_direct(torch.from_numpy(x)[None, None], torch.from_numpy(k))[0, 0].numpy()
    assert np.allclose(got_direct, ref, atol=1e-12)


@pytest.mark.parametrize("shape", [(9, 8), (8, 9)])  # even and odd width: the rfft2 half differs
def test_half_otf_path_equals_loop_reference(rng, shape):
    x = rng.random(shape)
    k = rng.random((3, 4))
    got = apply_half_otf(torch.from_numpy(x)[None, None], half_otf(torch.from_numpy(k), shape))[0, 0].numpy()
    assert np.allclose(got, loop_conv_circular(x, k), atol=1e-12)
    xt, kt = torch.from_numpy(x)[None, None], torch.from_numpy(k)
    got_adj = apply_half_otf(xt, half_otf(kt, shape).conj())[0, 0].numpy()
    assert np.allclose(got_adj, conv_fft_adjoint(xt, kt)[0, 0].numpy(), atol=1e-12)


def test_edgetaper_is_matlab_formula_written_out(rng):
    # MATLAB edgetaper: alpha = (1 - z_r / max z_r) (1 - z_c / max z_c)', z = circular autocorrelation of
    # the PSF's normalised projection zero-padded to n - 1 (then its first value repeated);
    # J = alpha .* I + (1 - alpha) .* circularly blurred I.  Autocorrelations summed by hand here.
    x = rng.random((13, 11))
    k = rng.random((4, 3))
    k /= k.sum()

    def alpha_1d(proj, n):
        p = np.zeros(n - 1)
        p[: proj.size] = proj / proj.sum()
        z = np.array([sum(p[i] * p[(i + s) % (n - 1)] for i in range(n - 1)) for s in range(n - 1)])
        z = np.append(z, z[0])
        return 1.0 - z / z.max()

    alpha = np.outer(alpha_1d(k.sum(axis=1), 13), alpha_1d(k.sum(axis=0), 11))
    ref = alpha * x + (1.0 - alpha) * loop_conv_circular(x, k)
    got = edgetaper(torch.from_numpy(x)[None, None], torch.from_numpy(k))[0, 0].numpy()
    assert np.allclose(got, ref, atol=1e-12)


def test_replicate_conv_is_matlab_imfilter_with_flipped_kernel(rng):
    # MATLAB imfilter(x, rot90(k, 2), 'replicate') == scipy correlate(x, k[::-1, ::-1], mode='nearest')
    x = rng.random((31, 37))
    k = rng.random((7, 5))
    ref = correlate(x, k[::-1, ::-1], mode="nearest")
    got = conv_direct(torch.from_numpy(x)[None, None], torch.from_numpy(k), "replicate")[0, 0].numpy()
    assert np.allclose(got, ref, atol=1e-12)


def test_batched_kernels_and_channels(device, gen):
    x = torch.rand(3, 2, 17, 19, generator=gen, dtype=torch.float64).to(device)
    k = torch.rand(3, 1, 5, 5, generator=gen, dtype=torch.float64).to(device)
    y = conv_fft(x, k)
    for b in range(3):
        for c in range(2):
            ref = conv_direct(x[b:b + 1, c:c + 1], k[b, 0])
            assert torch.allclose(y[b, c], ref[0, 0], atol=1e-12)
    assert torch.allclose(conv_direct(x, k), y, atol=1e-12)


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 1e-3)])
def test_adjoint_identities(device, gen, dtype, tol):
    x = torch.randn(2, 1, 31, 37, generator=gen, dtype=torch.float64).to(device, dtype)
    y = torch.randn(2, 1, 31, 37, generator=gen, dtype=torch.float64).to(device, dtype)
    k = torch.rand(7, 9, generator=gen, dtype=torch.float64).to(device, dtype)
    lhs, rhs = inner(conv_fft(x, k), y), inner(x, conv_fft_adjoint(y, k))
    assert abs(lhs - rhs) <= tol * max(1.0, abs(lhs))
    g = torch.randn(2, 2, 31, 37, generator=gen, dtype=torch.float64).to(device, dtype)
    lhs, rhs = inner(grad(x), g), inner(x, grad_adjoint(g))
    assert abs(lhs - rhs) <= tol * max(1.0, abs(lhs))
    assert conv_fft(x, k).dtype == dtype


def test_grad_by_hand():
    x = torch.tensor([[1.0, 2.0, 4.0], [0.0, 5.0, 5.0]])[None, None]
    g = grad(x)[0]
    assert g[0].tolist() == [[1.0, 2.0, -3.0], [5.0, 0.0, -5.0]]  # x[i, j+1] - x[i, j], periodic
    assert g[1].tolist() == [[-1.0, 3.0, 1.0], [1.0, -3.0, -1.0]]  # x[i+1, j] - x[i, j], periodic


def test_psf2otf_delta_and_diff_otfs_match_grad(gen):
    delta = torch.zeros(5, 5, dtype=torch.float64)
    delta[2, 2] = 1.0
    assert torch.allclose(psf2otf(delta, (8, 9)), torch.ones(1, 1, 8, 9, dtype=torch.complex128))
    x = torch.randn(1, 1, 12, 10, generator=gen, dtype=torch.float64)
    d = diff_otfs((12, 10))
    via_fft = torch.fft.ifft2(torch.fft.fft2(x) * d).real  # (2, 1, H, W)
    g = grad(x)[0]
    assert torch.allclose(via_fft[0, 0], g[0], atol=1e-12)
    assert torch.allclose(via_fft[1, 0], g[1], atol=1e-12)


def test_kernel_larger_than_image_is_refused():
    with pytest.raises(ValueError, match="larger than the image"):
        psf2otf(torch.ones(9, 9), (5, 20))


def test_padding_round_trip_and_taper_removes_wraparound(rng):
    x = torch.from_numpy(rng.random((40, 50)))[None, None]
    k = torch.ones(5, 7, dtype=torch.float64) / 35
    xp, pad = pad_for_deconvolution(x, k)
    assert xp.shape[-2:] == (40 + 2 * 5, 50 + 2 * 7)
    assert torch.allclose(crop_padding(xp, pad), x, atol=1e-12)  # tapering only touches the extension
    # the extended image is nearly periodic: its wrap-around jump is far smaller than the original's
    def wrap_jump(img):
        return float((img[..., 0, :] - img[..., -1, :]).abs().mean() + (img[..., :, 0] - img[..., :, -1]).abs().mean())
    assert wrap_jump(xp) < 0.25 * wrap_jump(x)
