"""Energy pieces: gradients vs finite differences, exact steps vs explicit matrices, Eq. (11)-(12)."""

import numpy as np
import pytest
import torch

from padnet.optim.energy import (
    CoupledFidelity,
    LpEnergy,
    QuadraticFidelity,
    condition1,
    error_Ek,
    grad_f_mu,
    image_from_gradients,
    u_step,
)
from padnet.optim.prox import prox_lp
from padnet.physics.operators import conv_direct, grad
from tests.conftest import dense


@pytest.fixture
def small(gen):
    y = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    k = torch.rand(3, 3, generator=gen, dtype=torch.float64)
    return y, k / k.sum()


def test_gradient_matches_finite_differences(small, gen):
    y, k = small
    f = QuadraticFidelity.deblur(y, k)
    x = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    d = torch.randn(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    h = 1e-6
    fd = (f(x + h * d) - f(x - h * d)) / (2 * h)
    assert float(fd) == pytest.approx(float((f.grad(x) * d).sum()), rel=1e-7)


def test_fidelity_value_by_direct_convolution(small, gen):
    y, k = small
    x = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    ref = 0.5 * float(((conv_direct(x, k) - y) ** 2).sum())
    assert float(QuadraticFidelity.deblur(y, k)(x)) == pytest.approx(ref, rel=1e-12)


def test_u_step_against_explicit_matrix_and_optimality(small, gen):
    y, k = small
    f = QuadraticFidelity.deblur(y, k)
    x_k = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    w = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    mu, rho = 0.3, 2.5
    u = u_step(f, x_k, w, mu, rho)
    K = dense(lambda e: conv_direct(e, k), (1, 6, 7))
    A = K.T @ K + (mu + rho) * np.eye(42)
    rhs = K.T @ y.flatten().numpy() + mu * x_k.flatten().numpy() + rho * w.flatten().numpy()
    assert np.allclose(u.flatten().numpy(), np.linalg.solve(A, rhs), atol=1e-10)
    # the subproblem's gradient vanishes at u (Eq. 3)
    sub_grad = f.grad(u) + mu * (u - x_k) + rho * (u - w)
    assert float(sub_grad.abs().max()) < 1e-10


def test_identity_fidelity_prox_closed_form(gen):
    t_tilde = torch.rand(2, 1, 5, 5, generator=gen, dtype=torch.float64)
    z = torch.rand(2, 1, 5, 5, generator=gen, dtype=torch.float64)
    f = QuadraticFidelity(b=t_tilde)
    assert torch.allclose(f.prox(z, 3.0), (t_tilde + 3.0 * z) / 4.0)


def test_image_from_gradients_against_explicit_matrix(small, gen):
    y, k = small
    g = torch.randn(1, 2, 6, 7, generator=gen, dtype=torch.float64)
    beta = 0.7
    x = image_from_gradients(g, QuadraticFidelity.deblur(y, k), beta)
    K = dense(lambda e: conv_direct(e, k), (1, 6, 7))
    D = dense(grad, (1, 6, 7))
    A = K.T @ K + beta * D.T @ D
    rhs = K.T @ y.flatten().numpy() + beta * D.T @ g.flatten().numpy()
    assert np.allclose(x.flatten().numpy(), np.linalg.solve(A, rhs), atol=1e-9)


def test_gradient_domain_fidelity_uses_D_of_y(small, gen):
    y, k = small
    f = QuadraticFidelity.gradient_domain(y, k)
    g = torch.randn(1, 2, 6, 7, generator=gen, dtype=torch.float64)
    ref = 0.5 * float(((conv_direct(g, k) - grad(y)) ** 2).sum())
    assert float(f(g)) == pytest.approx(ref, rel=1e-12)


def test_error_Ek_is_a_subgradient_certificate_for_l1(small, gen):
    """Eq. (10)-(12): with x = prox_r(v - grad f^mu(v)), E - grad f^mu(x) is in d r(x) (r = lam |.|_1)."""
    y, k = small
    f = QuadraticFidelity.deblur(y, k)
    lam, mu = 0.05, 0.4
    x_k = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    v = torch.randn(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    x = prox_lp(v - grad_f_mu(f, v, x_k, mu), lam, 1.0)
    E = error_Ek(f, x, v, mu)
    g = E - grad_f_mu(f, x, x_k, mu)
    nz = x != 0
    assert torch.allclose(g[nz], lam * torch.sign(x[nz]), atol=1e-10)
    assert float(g[~nz].abs().max()) <= lam + 1e-10
    # and E vanishes when the network output is already the corrected point's fixed point (v = x)
    assert float(error_Ek(f, x, x, mu).abs().max()) == 0.0
    assert float(error_Ek(f, x, x.clone(), mu).abs().max()) < 1e-12  # the formula, not the x-is-v shortcut


def test_condition1_per_item():
    err = torch.tensor([1.0, 3.0]).reshape(2, 1, 1, 1)
    dx = torch.tensor([1.0, 1.0]).reshape(2, 1, 1, 1)
    assert condition1(err, dx, torch.zeros_like(dx), C_E=2.0).tolist() == [True, False]


def test_lp_energy_value_by_hand(small, gen):
    y, k = small
    f = QuadraticFidelity.deblur(y, k)
    x = torch.rand(1, 1, 6, 7, generator=gen, dtype=torch.float64)
    e = LpEnergy(f, lam=0.2, p=0.5, analysis="grad")
    ref = float(f(x)) + 0.2 * float((grad(x).abs() ** 0.5).sum())
    assert float(e(x)) == pytest.approx(ref, rel=1e-12)
    with pytest.raises(ValueError):
        LpEnergy(f, 0.1, 0.5, analysis="laplace")


def test_weighted_fidelity_against_explicit_matrix_per_item(gen):
    """w/2 ||K x - b||^2 with a weight per batch item: value, gradient and the exact u-step of each item
    against the dense normal equations (w K^T K + (mu + rho) I) u = w K^T b + mu x_k + rho z."""
    y = torch.rand(2, 1, 6, 7, generator=gen, dtype=torch.float64)
    k = torch.rand(3, 3, generator=gen, dtype=torch.float64)
    k = k / k.sum()
    wts = torch.tensor([0.04, 16.0], dtype=torch.float64)
    f = QuadraticFidelity.deblur(y, k, weight=wts)
    x_k = torch.rand(2, 1, 6, 7, generator=gen, dtype=torch.float64)
    z = torch.rand(2, 1, 6, 7, generator=gen, dtype=torch.float64)
    mu, rho = 0.3, 2.5
    u = u_step(f, x_k, z, mu, rho)
    K = dense(lambda e: conv_direct(e, k), (1, 6, 7))
    for b in range(2):
        w = float(wts[b])
        A = w * K.T @ K + (mu + rho) * np.eye(42)
        rhs = w * K.T @ y[b].flatten().numpy() + mu * x_k[b].flatten().numpy() + rho * z[b].flatten().numpy()
        assert np.allclose(u[b].flatten().numpy(), np.linalg.solve(A, rhs), atol=1e-10)
        r = K @ x_k[b].flatten().numpy() - y[b].flatten().numpy()
        assert float(f(x_k)[b]) == pytest.approx(0.5 * w * float(r @ r), rel=1e-12)
        assert np.allclose(f.grad(x_k)[b].flatten().numpy(), w * K.T @ r, atol=1e-12)
    sel = f.select(torch.tensor([1]))
    assert torch.allclose(sel.prox(z[1:], 2.0), f.prox(z, 2.0)[1:])
    # the identity fidelity with a weight: (w b + c z) / (w + c)
    fi = QuadraticFidelity(b=y, weight=wts)
    assert torch.allclose(fi.prox(z, 3.0), (wts.view(-1, 1, 1, 1) * y + 3.0 * z) / (wts.view(-1, 1, 1, 1) + 3.0))


def test_weighted_fidelity_refuses_bad_weights(gen):
    y = torch.rand(2, 1, 4, 4, generator=gen, dtype=torch.float64)
    for bad in (torch.tensor([1.0, 0.0]), torch.tensor([1.0, 2.0, 3.0])):
        with pytest.raises(ValueError, match="weight"):
            QuadraticFidelity(b=y, weight=bad)


def test_coupled_fidelity_against_a_dense_joint_solve(gen):
    """Eq. (15)-(16)'s fidelity on g, f(g) = min_x [w/2 ||K x - y||^2 + beta/2 ||D x - g||^2] / beta, per item
    (a weight and a beta each): its value against the dense minimisation over x, its gradient against
    central differences, and its prox against the dense normal equations of the joint quadratic in (x, g):
    (w/beta) K^T (K x - y) + D^T (D x - g) = 0 and (g - D x) + c (g - z) = 0."""
    y = torch.rand(2, 1, 6, 7, generator=gen, dtype=torch.float64)
    k = torch.rand(3, 3, generator=gen, dtype=torch.float64)
    k = k / k.sum()
    wts, betas = torch.tensor([0.2, 4.0], dtype=torch.float64), torch.tensor([0.1, 0.7], dtype=torch.float64)
    f = CoupledFidelity(QuadraticFidelity.deblur(y, k, weight=wts), betas)
    g = torch.randn(2, 2, 6, 7, generator=gen, dtype=torch.float64)
    z = torch.randn(2, 2, 6, 7, generator=gen, dtype=torch.float64)
    c = 0.35
    K = dense(lambda e: conv_direct(e, k), (1, 6, 7))
    D = dense(grad, (1, 6, 7))
    n = 42
    value, prox = f(g), f.prox(z, c)
    for b in range(2):
        s = float(wts[b] / betas[b])
        yb, gb, zb = y[b].flatten().numpy(), g[b].flatten().numpy(), z[b].flatten().numpy()
        x = np.linalg.solve(s * K.T @ K + D.T @ D, s * K.T @ yb + D.T @ gb)  # the inner minimiser
        ref = 0.5 * s * np.sum((K @ x - yb) ** 2) + 0.5 * np.sum((D @ x - gb) ** 2)
        assert float(value[b]) == pytest.approx(ref, rel=1e-10)
        assert np.allclose(f.image(g)[b].flatten().numpy(), x, atol=1e-9)
        A = np.block([[s * K.T @ K + D.T @ D, -D.T], [-D, (1.0 + c) * np.eye(2 * n)]])
        sol = np.linalg.solve(A, np.concatenate([s * K.T @ yb, c * zb]))
        assert np.allclose(prox[b].flatten().numpy(), sol[n:], atol=1e-9)
    d = torch.randn(2, 2, 6, 7, generator=gen, dtype=torch.float64)
    h = 1e-6
    fd = (f(g + h * d) - f(g - h * d)) / (2 * h)
    assert torch.allclose(fd, (f.grad(g) * d).flatten(1).sum(1), rtol=1e-6)
    assert torch.allclose(f.select(torch.tensor([1])).prox(z[1:], c), prox[1:])
    assert torch.equal(f.b, grad(y))
    with pytest.raises(ValueError, match="beta"):
        CoupledFidelity(QuadraticFidelity.deblur(y, k), 0.0)
