"""ADMM, HQS, TV, HL and Wiener against scipy and closed forms."""


import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from padnet.optim.energy import LpEnergy, QuadraticFidelity
from padnet.optim.solvers import admm, hl_deconv, hqs, tv_deconv, wiener_deconv
from padnet.physics.operators import conv_direct, conv_fft, grad
from tests.conftest import dense


def scipy_l1(K, L, b, lam):
    """min 1/2 ||K x - b||^2 + lam ||L x||_1 as a smooth bound-constrained QP in (x, s):
    minimise 1/2 ||Kx-b||^2 + lam sum(s) subject to -s <= L x <= s (SLSQP)."""
    n, m = K.shape[1], L.shape[0]

    def fun(z):
        x, s = z[:n], z[n:]
        r = K @ x - b
        return 0.5 * r @ r + lam * s.sum()

    def jac(z):
        x = z[:n]
        return np.concatenate([K.T @ (K @ x - b), lam * np.ones(m)])

    cons = [{"type": "ineq", "fun": lambda z: z[n:] - L @ z[:n], "jac": lambda z: np.hstack([-L, np.eye(m)])},
            {"type": "ineq", "fun": lambda z: z[n:] + L @ z[:n], "jac": lambda z: np.hstack([L, np.eye(m)])}]
    x0 = np.linalg.lstsq(K, b, rcond=None)[0]
    z0 = np.concatenate([x0, np.abs(L @ x0) + 0.1])
    res = minimize(fun, z0, jac=jac, constraints=cons, method="SLSQP", options={"ftol": 1e-14, "maxiter": 2000})
    assert res.success, res.message
    return res.x[:n], res.fun


@pytest.mark.parametrize("analysis", ["identity", "grad"])
def test_admm_matches_scipy_on_convex_l1(tiny, analysis):
    _, y, k = tiny
    lam = 0.01
    K = dense(lambda e: conv_direct(e, k), (1, 5, 6))
    L = np.eye(30) if analysis == "identity" else dense(grad, (1, 5, 6))
    ref, fref = scipy_l1(K, L, y.flatten().numpy(), lam)
    energy = LpEnergy(QuadraticFidelity.deblur(y, k), lam, 1.0, analysis=analysis)
    x, trace = admm(energy, y, rho=0.05, eps=1e-10, max_iter=5000)
    if analysis == "identity":
        # the iterate is z (the prox output); at convergence z = x
        pass
    assert float(energy(x)) == pytest.approx(fref, rel=1e-5, abs=1e-9)
    assert np.allclose(x.flatten().numpy(), ref, atol=2e-4)
    assert trace.converged


def test_hqs_with_continuation_reaches_the_same_minimiser(tiny):
    _, y, k = tiny
    lam = 0.01
    energy = LpEnergy(QuadraticFidelity.deblur(y, k), lam, 1.0, analysis="identity")
    x_admm, _ = admm(energy, y, rho=0.05, eps=1e-10, max_iter=5000)
    x_hqs, trace = hqs(energy, y, beta0=0.01, beta_rate=1.5, beta_max=1e6, eps=1e-12, max_iter=60, inner=20)
    assert float(energy(x_hqs)) == pytest.approx(float(energy(x_admm)), rel=1e-3)
    betas = trace.column("beta")
    assert betas[0] == 0.01 and all(b2 >= b1 for b1, b2 in zip(betas, betas[1:]))


def test_wiener_inverts_a_noiseless_invertible_blur(gen):
    x = torch.rand(1, 1, 16, 16, generator=gen, dtype=torch.float64)
    k = torch.tensor([[0.0, 0.1, 0.0], [0.1, 0.6, 0.1], [0.0, 0.1, 0.0]], dtype=torch.float64)  # |K| >= 0.2
    y = conv_fft(x, k)
    assert torch.allclose(wiener_deconv(y, k, nsr=1e-12), x, atol=1e-8)


def test_baselines_improve_on_the_blurred_input(gen):
    from skimage.data import camera

    x = torch.from_numpy(camera()[200:264, 200:264] / 255.0)[None, None]
    k = torch.ones(1, 7, dtype=torch.float64) / 7
    y = conv_fft(x, k) + 0.005 * torch.randn(x.shape, generator=gen, dtype=torch.float64)
    err0 = float((y - x).norm())
    for out in (tv_deconv(y, k, lam=5e-4)[0], hl_deconv(y, k, lam=2e-4)[0], wiener_deconv(y, k, 1e-2)):
        assert float((out - x).norm()) < 0.8 * err0


def test_proximal_point_reaches_the_minimiser_of_a_convex_problem(tiny):
    """On a small l1 problem, the exact proximal-point method ends at the minimiser found by scipy, with
    F decreasing at every stage."""
    from padnet.optim.solvers import proximal_point

    _, y, k = tiny
    lam = 0.01
    K = dense(lambda e: conv_direct(e, k), (1, 5, 6))
    ref, fref = scipy_l1(K, np.eye(30), y.flatten().numpy(), lam)
    energy = LpEnergy(QuadraticFidelity.deblur(y, k), lam, 1.0)
    x, trace = proximal_point(energy, y, mu=0.05, eps=1e-9, max_iter=100, inner=100)
    assert float(energy(x)) == pytest.approx(fref, rel=1e-5, abs=1e-9)
    assert np.allclose(x.flatten().numpy(), ref, atol=5e-4)
    F = [trace.initial_energy] + trace.column("energy")
    assert all(a >= b - 1e-12 for a, b in zip(F, F[1:]))
