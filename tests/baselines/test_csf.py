"""CSF: DCT basis, the stage's normal equations, the committed cascade."""

from __future__ import annotations

import json

import numpy as np
import torch

from padnet.baselines.csf import CSF_CONFIG, CSFStage, dct_basis, load_csf
from padnet.learn.store import MODEL_DIR
from padnet.tasks.deblur_image import blurred_patches
from tests.conftest import dense, needs_data


def test_dct_basis_is_orthonormal_and_zero_mean():
    b = dct_basis(5).double().reshape(24, 25).numpy()
    assert np.allclose(b @ b.T, np.eye(24), atol=1e-6)
    assert np.allclose(b.sum(1), 0.0, atol=1e-6)


def _circ(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Brute-force circular convolution of (1, 1, H, W) x with a centred odd filter f (h, w)."""
    out = torch.zeros_like(x)
    h, w = f.shape
    for a in range(h):
        for b in range(w):
            out += f[a, b] * torch.roll(x, shifts=(a - h // 2, b - w // 2), dims=(-2, -1))
    return out


def test_csf_stage_solves_its_normal_equations(rng):
    """x_t = (lam K^T K + sum F_i^T F_i)^-1 (lam K^T y + sum F_i^T psi_i(F_i x_{t-1})), dense matrices."""
    torch.manual_seed(0)
    stage = CSFStage(filter_size=3, n_centers=9, span=1.0, lam=7.0).double()
    with torch.no_grad():
        stage.coeff.add_(0.3 * torch.randn_like(stage.coeff))
        stage.shrink.weight.copy_(torch.from_numpy(rng.standard_normal(stage.shrink.weight.shape)))
    H, W = 7, 6
    k = torch.from_numpy(rng.random((3, 3)))
    k /= k.sum()
    x_prev = torch.from_numpy(rng.random((1, 1, H, W)))
    y = torch.from_numpy(rng.random((1, 1, H, W)))
    from padnet.physics.operators import psf2otf

    with torch.no_grad():
        out = stage(x_prev, y, psf2otf(k, (H, W))).numpy().ravel()
        filters = stage.filters()[:, 0]
        Kmat = dense(lambda v: _circ(v, k), (1, H, W))
        Fm = [dense(lambda v, f=f: _circ(v, f), (1, H, W)) for f in filters]
        resp = [torch.from_numpy(Fi @ x_prev.numpy().ravel()).reshape(1, 1, H, W) for Fi in Fm]
        psi = [stage.shrink(r.expand(1, len(Fm), H, W).contiguous())[0, i].numpy().ravel() for i, r in enumerate(resp)]
    lam = float(stage.log_lam.detach().exp())
    A = lam * Kmat.T @ Kmat + sum(Fi.T @ Fi for Fi in Fm)
    b = lam * Kmat.T @ y.numpy().ravel() + sum(Fi.T @ p for Fi, p in zip(Fm, psi))
    assert np.allclose(out, np.linalg.solve(A, b), atol=1e-9)


@needs_data("train400")
def test_committed_csf_recomputes_its_validation_psnr():
    """The validation PSNR logged after training, recomputed from the committed weights and regenerated data."""

    model = load_csf(MODEL_DIR / "csf.pt")
    logged = json.loads((MODEL_DIR / "csf.json").read_text())["log"]["joint"]["val_psnr_after"]
    va = blurred_patches(CSF_CONFIG.data_config(), CSF_CONFIG.n_val, 1, torch.device("cpu"))
    with torch.no_grad():
        mse = ((model(va.y, va.kernels).clamp(0, 1) - va.x) ** 2).mean(dim=(1, 2, 3))
    assert abs(float((-10 * torch.log10(mse)).mean()) - logged) < 0.02


def test_csf_data_scale_multiplies_the_learned_data_weight(rng):
    """A stage run with data_scale s is the stage whose lam_t is s lam_t (the noise rule's knob)."""
    from padnet.physics.operators import psf2otf

    stage = CSFStage(filter_size=3, n_centers=9, span=1.0, lam=7.0).double()
    scaled = CSFStage(filter_size=3, n_centers=9, span=1.0, lam=7.0 * 0.25).double()
    scaled.load_state_dict({**stage.state_dict(), "log_lam": stage.log_lam.detach() + np.log(0.25)})
    x_prev = torch.from_numpy(rng.random((1, 1, 8, 8)))
    y = torch.from_numpy(rng.random((1, 1, 8, 8)))
    k = torch.from_numpy(rng.random((3, 3)))
    otf = psf2otf(k / k.sum(), (8, 8))
    with torch.no_grad():
        assert torch.allclose(stage(x_prev, y, otf, data_scale=0.25), scaled(x_prev, y, otf), atol=1e-12)
        assert not torch.allclose(stage(x_prev, y, otf), scaled(x_prev, y, otf), atol=1e-6)
