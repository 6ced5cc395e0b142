"""Alg. 1 (padnet_solve / padnet_stage) against an independent loop, Theorem 1 where Condition 1 holds, the config's assumptions."""

import numpy as np
import pytest
import torch

from padnet.checks import InputError
from padnet.optim.energy import LpEnergy, QuadraticFidelity
from padnet.optim.prox import prox_lp
from padnet.optim.unrolled import PADNetConfig, padnet_solve
from padnet.physics.operators import conv_direct, conv_fft
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
    x_pad, trace = padnet_solve(QuadraticFidelity.deblur(y, k), [], cfg, prox_r=lambda z: prox_lp(z, lam, 1.0))
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
        _, trace = padnet_solve(f, [net], cfg, prox_r=lambda z: prox_lp(z, lam, 1.0), energy=energy)
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
    x, trace = padnet_solve(f, [lambda v, a: 0.9 * v], cfg)
    assert trace.iterations == 3 and torch.isfinite(x).all()
    assert set(trace.rows[0]) >= {"err_norm", "ce_bound", "condition1", "u_rec_error", "energy"}


def test_repeated_correction_makes_condition1_hold_and_the_energy_fall(problem):
    """A network that ignores the data (adds a large fixed perturbation) misses Condition 1; with
    ``corrections`` the stage repeats Eq. (7) on its own result until it holds, and then the energy
    decrease bound (mu/2 + min(0, mu - 1)/2 - C_E) ||dx||^2 holds at every stage, for l1 and l0.
    Independent check of one repeat: x_new = prox(x - grad f^mu_{x_k}(x)) by explicit matrices."""
    y, k = problem
    f = QuadraticFidelity.deblur(y, k)
    mu, C_E = 0.8, 0.25
    g = torch.Generator().manual_seed(3)
    bump = 0.3 * torch.randn(y.shape, generator=g, dtype=torch.float64)

    def net(v, alpha):
        return v + bump / (1 + alpha)

    for p, lam in ((1.0, 0.01), (0.0, 0.002)):
        energy = LpEnergy(f, lam, p)
        prox = (lambda z, lam=lam, p=p: prox_lp(z, lam, p))
        plain = PADNetConfig(explicit=True, mu=mu, C_E=C_E, rho0=0.1, gamma=1.5, eps=1e-14, max_stages=8)
        _, t0 = padnet_solve(f, [net], plain, prox_r=prox, energy=energy)
        assert not all(r["condition1"] for r in t0.rows)  # the network alone misses it
        safe = PADNetConfig(explicit=True, mu=mu, C_E=C_E, rho0=0.1, gamma=1.5, eps=1e-14, max_stages=8,
                            corrections=200)
        _, t1 = padnet_solve(f, [net], safe, prox_r=prox, energy=energy)
        assert all(r["condition1"] for r in t1.rows) and any(r["corrections"] > 0 for r in t1.rows)
        assert all(r["condition1_net"] == t0r["condition1"] for r, t0r in zip(t1.rows[:1], t0.rows[:1]))
        F = [float(energy(y))] + t1.column("energy")
        factor = mu / 2 + min(0.0, mu - 1) / 2 - C_E
        for i, r in enumerate(t1.rows):
            assert F[i] - F[i + 1] >= factor * (r["ce_bound"] / C_E) ** 2 - 1e-12


def test_one_repeated_correction_is_a_proximal_gradient_step_on_eq2(problem):
    from padnet.optim.unrolled import PADNetState, padnet_stage

    y, k = problem
    f = QuadraticFidelity.deblur(y, k)
    lam, mu = 0.01, 0.8
    K = dense(lambda e: conv_direct(e, k), (1, 6, 5))
    b = y.flatten().numpy()
    state = PADNetState.init(y)
    v_net = y + 0.5  # far off: Condition 1 fails, exactly one repeat allowed
    cfg = PADNetConfig(explicit=True, mu=mu, C_E=0.25, rho0=0.1, gamma=1.5, corrections=1)
    new, diag = padnet_stage(f, state, lambda v, a: v_net, 0, cfg, lambda z: prox_lp(z, lam, 1.0))
    xk = b
    v = v_net.flatten().numpy()
    x1 = soft(v - (K.T @ (K @ v - b) + mu * (v - xk)), lam)
    x2 = soft(x1 - (K.T @ (K @ x1 - b) + mu * (x1 - xk)), lam)
    assert float(diag["corrections"][0]) == 1 and not bool(diag["cond1_net"][0])
    assert np.allclose(new.x.flatten().numpy(), x2, atol=1e-12) and np.allclose(new.v.flatten().numpy(), x1)
