"""Alg. 1 against an independent loop, Theorem 1's energy decrease, Alg. 2's resumable training."""

import numpy as np
import pytest
import torch

from padnet.checks import InputError
from padnet.energy import LpEnergy, QuadraticFidelity
from padnet.operators import conv_direct, conv_fft
from padnet.padnet import PADNetConfig, padnet_inference
from padnet.prox import prox_lp
from tests.conftest import dense




@pytest.fixture
def problem(gen):
    x = torch.rand(1, 1, 6, 5, generator=gen, dtype=torch.float64)
    k = torch.tensor([[0.1, 0.3, 0.0], [0.0, 0.4, 0.2]], dtype=torch.float64)
    y = conv_fft(x, k) + 0.02 * torch.randn(1, 1, 6, 5, generator=gen, dtype=torch.float64)
    return y, k


def soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def test_alg1_with_G_zero_is_a_proximal_admm_checked_by_an_independent_loop(problem):
    y, k = problem
    lam, cfg = 0.01, PADNetConfig(explicit=True, mu=0.5, C_E=0.2, rho0=0.3, gamma=1.5, eps=1e-12, max_stages=6)
    x_pad, trace = padnet_inference(QuadraticFidelity.deblur(y, k), [], cfg, prox_r=lambda z: prox_lp(z, lam, 1.0))
    # independent: explicit matrices, numpy, Alg. 1 with N = identity
    K = dense(lambda e: conv_direct(e, k), (1, 6, 5))
    b = y.flatten().numpy()
    x = u = v = b.copy()
    lm = np.zeros_like(b)
    for kk in range(6):
        rho = 0.3 * 1.5 ** kk
        u = np.linalg.solve(K.T @ K + (0.5 + rho) * np.eye(30), K.T @ b + 0.5 * x + rho * (v - lm))
        v = u + lm
        x = soft(v - (K.T @ (K @ v - b) + 0.5 * (v - x)), lam)
        lm = lm + u - v
    assert trace.iterations == 6
    assert np.allclose(x_pad.flatten().numpy(), x, atol=1e-10)


def test_energy_decreases_whenever_condition1_holds(problem):
    """Theorem 1, Eq. (21): F(x_k) - F(x_{k+1}) >= (mu/4 - C_E^2/mu) ||x_{k+1} - x_k||^2 when Condition 1
    holds (exact for convex r = lam |.|_1).  Networks: fixed random residual maps of several strengths."""
    y, k = problem
    f = QuadraticFidelity.deblur(y, k)
    lam, mu, C_E = 0.001, 1.0, 0.49
    energy = LpEnergy(f, lam, 1.0)
    held_any = 0
    for strength in (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0):
        g = torch.Generator().manual_seed(int(strength * 100))
        W = strength * torch.randn(1, 1, 3, 3, generator=g, dtype=torch.float64)

        def net(v, alpha, W=W):
            return v - alpha * torch.nn.functional.conv2d(v, W, padding=1)

        cfg = PADNetConfig(explicit=True, mu=mu, C_E=C_E, rho0=0.1, gamma=2.0, eps=1e-14, max_stages=12)
        _, trace = padnet_inference(f, [net], cfg, prox_r=lambda z: prox_lp(z, lam, 1.0), energy=energy)
        F = [float(energy(y))] + trace.column("energy")
        dx = [r["ce_bound"] / C_E for r in trace.rows]
        for i, row in enumerate(trace.rows):
            if row["condition1"]:
                held_any += 1
                assert F[i] - F[i + 1] >= (mu / 4 - C_E ** 2 / mu) * dx[i] ** 2 - 1e-12
    assert held_any >= 15, held_any  # the check is not vacuous


def test_config_enforces_theorem_assumptions():
    with pytest.raises(InputError, match="mu > 2 C_E"):
        PADNetConfig(explicit=True, mu=0.3, C_E=0.2)
    with pytest.raises(InputError):
        PADNetConfig(gamma=1.0)
    PADNetConfig(explicit=False, mu=0.1, C_E=0.2)  # implicit: Condition 1 is not used


def test_implicit_variant_propagates_the_network_output(problem):
    y, k = problem
    f = QuadraticFidelity.deblur(y, k)
    cfg = PADNetConfig(explicit=False, mu=0.5, C_E=0.2, rho0=0.3, gamma=1.5, eps=1e-12, max_stages=3)
    x, trace = padnet_inference(f, [lambda v, a: 0.9 * v], cfg)
    assert trace.iterations == 3 and torch.isfinite(x).all()
    assert set(trace.rows[0]) >= {"err_norm", "ce_bound", "condition1", "u_rec_error", "energy"}


def test_resumed_training_gives_the_same_weights(tmp_path, monkeypatch):
    from padnet.training import TrainConfig, train

    monkeypatch.delenv("PADNET_DATA", raising=False)  # embedded images: small and always present
    cfg = TrainConfig(name="tiny", p=0.8, lam=3e-3, steps_per_unit=4, t_max=2, n_train=6, n_val=3, patch=24,
                      batch_size=2, kernel_canvas=13, kernel_sizes=(9, 13), cond1_share=2.0,
                      padnet={"explicit": True, "mu": 0.2, "C_E": 0.08, "rho0": 0.03, "gamma": 2.0, "eps": 1e-9,
                              "max_stages": 3},
                      unit_kwargs={"channels": 2, "width": 3, "kernel_size": 3})
    with pytest.warns(UserWarning, match="EMBEDDED"):
        full = train(cfg, tmp_path / "a.pt", device="cpu", progress=False)
        part = train(cfg, tmp_path / "b.pt", device="cpu", progress=False, max_new_stages=1)
        assert len(part.networks) == 1
        resumed = train(cfg, tmp_path / "b.pt", device="cpu", progress=False)
    assert len(full.networks) == len(resumed.networks) == 3
    for n1, n2 in zip(full.networks, resumed.networks):
        s1, s2 = n1.state_dict(), n2.state_dict()
        assert s1.keys() == s2.keys()
        for key in s1:
            assert torch.equal(s1[key], s2[key]), key
    assert [s["units_used"] for s in full.log] == [2, 2, 2]  # cond1_share > 1 forces t_max units


def test_joint_finetuning_runs_after_alg2_and_resumes_identically(tmp_path, monkeypatch):
    """Implicit image-domain PADNet: Alg. 2, then joint fine-tuning; a run stopped inside Alg. 2 and
    resumed ends with the same weights and fine-tuning record."""
    from padnet.training import TrainConfig, load_model, save_model, train

    monkeypatch.delenv("PADNET_DATA", raising=False)
    cfg = TrainConfig(name="tiny-ft", domain="image", p=None, lam=0.0, unit="conv7",
                      unit_kwargs={"channels": 1, "width": 4}, steps_per_unit=3, t_max=1, n_train=6, n_val=3,
                      patch=24, batch_size=2, kernel_canvas=13, kernel_sizes=(9, 13), finetune_steps=3,
                      padnet={"explicit": False, "mu": 1e-3, "C_E": 0.0, "rho0": 3e-3, "gamma": 2.5, "eps": 1e-9,
                              "max_stages": 2})
    with pytest.warns(UserWarning, match="EMBEDDED"):
        full = train(cfg, tmp_path / "a.pt", device="cpu", progress=False)
        part = train(cfg, tmp_path / "b.pt", device="cpu", progress=False, max_new_stages=1)
        assert part.finetune is None and len(part.networks) == 1  # stopped inside Alg. 2
        resumed = train(cfg, tmp_path / "b.pt", device="cpu", progress=False)
    assert full.finetune["steps"] == 3 and resumed.finetune == full.finetune
    for n1, n2 in zip(full.networks, resumed.networks):
        for (k, a), b in zip(n1.state_dict().items(), n2.state_dict().values()):
            assert torch.equal(a, b), k
    path = save_model(full, {"command": "test"}, tmp_path)
    assert load_model(path).finetune == full.finetune
