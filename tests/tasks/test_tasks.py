"""Tasks: each fidelity and target against an independent reference, training pairs by their model."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from padnet.checks import InputError
from padnet.tasks import TASKS, get_task
from padnet.tasks.deblur_image import blurred_patches
from tests.conftest import dense


def test_every_recipe_domain_names_a_task():
    from padnet.learn.zoo import MODEL_CONFIGS

    assert {cfg.domain for cfg in MODEL_CONFIGS.values()} <= set(TASKS)
    with pytest.raises(InputError, match="unknown task"):
        get_task("denoise")


def test_dehaze_fidelity_is_the_identity_without_ffts(gen):
    y = torch.rand(2, 1, 9, 7, generator=gen, dtype=torch.float64)
    z = torch.rand(2, 1, 9, 7, generator=gen, dtype=torch.float64)
    f = get_task("transmission").fidelity(y)
    assert f.otf is None
    c = 0.3  # argmin_u 1/2||u - y||^2 + c/2 ||u - z||^2 = (y + c z) / (1 + c), by hand
    assert torch.allclose(f.prox(z, c), (y + c * z) / (1 + c))
    assert torch.allclose(f(z), 0.5 * ((z - y) ** 2).flatten(1).sum(1))


def test_gradient_task_targets_forward_differences(gen):
    x = torch.rand(1, 1, 6, 5, generator=gen, dtype=torch.float64)
    g = get_task("gradient").target(x)
    xn = x[0, 0].numpy()
    assert np.allclose(g[0, 0].numpy(), np.roll(xn, -1, axis=1) - xn)  # horizontal, circular
    assert np.allclose(g[0, 1].numpy(), np.roll(xn, -1, axis=0) - xn)  # vertical
    k = torch.zeros(3, 3, dtype=torch.float64)
    k[1, 1] = 1.0
    f = get_task("gradient").fidelity(x, k)
    assert torch.allclose(f.b, g)


def test_blurred_patches_follow_their_forward_model():
    """y - k * x (circular, by scipy) is the added noise, of the recipe's level; seeded and repeatable."""
    from scipy.ndimage import convolve

    cfg = SimpleNamespace(seed=3, patch=32, kernel_canvas=15, kernel_sizes=(9, 13), noise=0.02)
    a = blurred_patches(cfg, 6, 0, torch.device("cpu"))
    b = blurred_patches(cfg, 6, 0, torch.device("cpu"))
    assert torch.equal(a.y, b.y) and torch.equal(a.kernels, b.kernels)
    resid = []
    for i in range(6):
        k = a.kernels[i, 0].double().numpy()
        assert k.sum() == pytest.approx(1.0, abs=1e-5) and (k >= 0).all()
        blur = convolve(a.x[i, 0].double().numpy(), k, mode="wrap")
        resid.append(a.y[i, 0].double().numpy() - blur)
    assert np.std(resid) == pytest.approx(cfg.noise, rel=0.1)


def test_noise_aware_patches_carry_their_own_sigma_and_noise_map():
    """Each pair's residual y - k * x has the std of its own drawn sigma (pairs pooled by level), the noise map
    reads sigma / 1% everywhere, and the fixed-noise recipe's draws are unchanged by the option."""
    from scipy.ndimage import convolve

    base = dict(seed=3, patch=48, kernel_canvas=15, kernel_sizes=(9, 13), noise=0.01)
    a = blurred_patches(SimpleNamespace(**base, noise_range=(0.0, 0.05)), 24, 0, torch.device("cpu"))
    fixed = blurred_patches(SimpleNamespace(**base), 24, 0, torch.device("cpu"))
    assert torch.equal(a.x, fixed.x) and torch.equal(a.kernels, fixed.kernels) and fixed.sigma is None
    assert a.sigma.shape == (24,) and float(a.sigma.min()) >= 0.0 and float(a.sigma.max()) <= 0.05
    assert torch.allclose(a.guide, (a.sigma / 0.01).view(-1, 1, 1, 1).expand_as(a.guide))
    ratios = []
    for i in range(24):
        blur = convolve(a.x[i, 0].double().numpy(), a.kernels[i, 0].double().numpy(), mode="wrap")
        if float(a.sigma[i]) > 0.005:
            ratios.append(np.std(a.y[i, 0].double().numpy() - blur) / float(a.sigma[i]))
    assert len(ratios) > 10 and np.mean(ratios) == pytest.approx(1.0, abs=0.03)


def test_noise_aware_fidelity_weight_is_inverse_variance_above_the_floor():
    from padnet.tasks.deblur_image import SIGMA_FLOOR, noise_weight

    like = torch.zeros(4, 1, 3, 3, dtype=torch.float64)
    w = noise_weight(torch.tensor([0.0, 0.001, 0.01, 0.05], dtype=torch.float64), like)
    assert torch.allclose(w, torch.tensor([(0.01 / SIGMA_FLOOR) ** 2, (0.01 / SIGMA_FLOOR) ** 2, 1.0, 0.04],
                                          dtype=torch.float64))
    task = get_task("image-sigma")
    cfg = SimpleNamespace(seed=0, patch=16, kernel_canvas=9, kernel_sizes=(5,), noise=0.01, noise_range=None, name="x")
    with pytest.raises(ValueError, match="noise_range"):
        task.training_set(cfg, 2, 0, torch.device("cpu"))


def test_w1_task_weights_the_fidelity_by_one_over_sigma():
    """``image-sigma-w1``: ``f = (1%/sigma)/2 ||k * x - y||^2``, checked against a dense blur matrix."""
    from padnet.physics.operators import conv_direct

    task = get_task("image-sigma-w1")
    gen = torch.Generator().manual_seed(4)
    y = torch.rand(2, 1, 6, 5, generator=gen, dtype=torch.float64)
    x = torch.rand(2, 1, 6, 5, generator=gen, dtype=torch.float64)
    k = torch.zeros(3, 3, dtype=torch.float64)
    k[1, :] = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
    sigma = torch.tensor([0.02, 0.04], dtype=torch.float64)
    f = task.fidelity(y, k.expand(2, 1, 3, 3), sigma)
    K = dense(lambda e: conv_direct(e, k), (1, 6, 5))
    for b, w in enumerate((0.5, 0.25)):
        r = K @ x[b].flatten().numpy() - y[b].flatten().numpy()
        assert float(f(x)[b]) == pytest.approx(0.5 * w * r @ r, rel=1e-10)


def test_bounded_network_projects_onto_the_lower_bound(gen):
    from padnet.tasks.base import bounded_network

    class Shift(torch.nn.Module):
        def forward(self, v, a, guide=None):
            return v - a + (0 if guide is None else guide.sum(1, keepdim=True))

    v = torch.rand(2, 1, 5, 6, generator=gen)
    lower = torch.rand(2, 1, 5, 6, generator=gen)
    guide = torch.rand(2, 3, 5, 6, generator=gen)
    out = bounded_network(Shift(), guide, lower)(v, 0.7)
    raw = v - 0.7 + guide.sum(1, keepdim=True)
    assert torch.equal(out, torch.where(raw >= lower, raw, lower))
    assert torch.equal(bounded_network(Shift(), guide, None)(v, 0.7), raw)


def test_dehaze_loss_scores_the_radiance_recovered_by_eq17(rng):
    """Rendered exactly (no quantisation, A known), the true t recovers J: the J term vanishes at the
    target; away from it, it is the mean squared error of (I - A) / max(t, 0.1) + A over A, by hand."""
    from padnet.tasks.base import TrainingSet

    J = rng.uniform(0.05, 0.95, size=(3, 6, 7))
    t = rng.uniform(0.2, 1.0, size=(1, 6, 7))
    A = np.array([0.9, 0.8, 0.95])[:, None, None]
    I = t * J + (1 - t) * A
    as_t = lambda a: torch.from_numpy(a[None])  # noqa: E731
    data = TrainingSet(y=as_t(t), x=as_t(t), kernels=torch.ones(1, 1, 1, 1), embedded=False, guide=as_t(I / A),
                       aux=as_t(J / A))
    cfg = SimpleNamespace(aux_loss=2.0)
    task = get_task("transmission")
    assert task.loss(as_t(t), as_t(t), data, slice(None), cfg).item() == pytest.approx(0.0, abs=1e-24)
    wrong = np.clip(t - 0.15, 0.0, 1.0)
    J_wrong = (I - A) / np.maximum(wrong, 0.1) + A
    by_hand = np.mean((wrong - t) ** 2) + 2.0 * np.mean(((J_wrong - J) / A) ** 2)
    assert task.loss(as_t(wrong), as_t(t), data, slice(None), cfg).item() == pytest.approx(by_hand, rel=1e-12)


def test_transmission_inputs_at_the_working_resolution(rng):
    from padnet.physics.haze import downscale
    from padnet.tasks.dehaze import transmission_inputs

    I = rng.uniform(0.1, 0.9, size=(50, 66, 3))
    A = np.array([0.95, 0.9, 1.0])
    tt, g, lb = transmission_inputs(I, A, 4)
    assert tt.shape == lb.shape == (12, 16) and g.shape == (3, 12, 16)
    assert np.allclose(g, (downscale(I, 4) / A).transpose(2, 0, 1))
    assert np.allclose(lb, np.clip(1 - (downscale(I, 4) / A).min(axis=2), 0, 1))


def test_gradient_loss_scores_the_image_of_eq16_against_a_dense_solve(gen):
    """With ``aux_loss`` the gradient task's loss adds the error of the image Eq. (16) makes from the restored
    gradients: zero at the target for noise-free data; away from it, the image by a dense solve of the normal
    equations ``(K^T K + beta D^T D) x = K^T y + beta D^T g`` (circular matrices built entry by entry)."""
    from padnet.physics.operators import conv_fft
    from padnet.tasks.base import TrainingSet

    H, W, beta = 6, 5, 0.3
    x = torch.rand(1, 1, H, W, generator=gen, dtype=torch.float64)
    k = torch.rand(1, 1, 3, 3, generator=gen, dtype=torch.float64)
    k = k / k.sum()
    y = conv_fft(x, k)
    data = TrainingSet(y=y, x=x, kernels=k, embedded=False)
    task, cfg = get_task("gradient"), SimpleNamespace(aux_loss=2.0, beta=beta)
    target = task.target(x)
    assert task.loss(target, target, data, slice(None), cfg).item() == pytest.approx(0.0, abs=1e-20)
    K, D = dense(lambda e: conv_fft(e, k), (1, H, W)), dense(task.target, (1, H, W))
    g = target + 0.05 * torch.randn(target.shape, generator=gen, dtype=torch.float64)
    rhs = K.T @ y.reshape(-1).numpy() + beta * D.T @ g.reshape(-1).numpy()
    x_g = np.linalg.solve(K.T @ K + beta * D.T @ D, rhs)
    by_hand = np.mean((g - target).numpy() ** 2) + 2.0 * np.mean((x_g - x.reshape(-1).numpy()) ** 2)
    assert task.loss(g, target, data, slice(None), cfg).item() == pytest.approx(by_hand, rel=1e-9)
    assert task.loss(g, target, data, slice(None), SimpleNamespace(aux_loss=0.0, beta=beta)).item() == \
        pytest.approx(np.mean((g - target).numpy() ** 2), rel=1e-12)
    assert np.allclose(task.image(g, y, k, beta).reshape(-1).numpy(), x_g, atol=1e-9)
    for bad in (None, 0.0, torch.tensor([0.3, -1.0])):
        with pytest.raises(ValueError, match="positive beta"):
            task.image(g, y, k, bad)


def _two_noise_levels(gen, task, H: int = 6, W: int = 5):
    """Two 6x5 images blurred by one 3x3 kernel with noise levels 2% and 0.5% (fidelity weights 0.5 and 2), the
    dense blur and gradient matrices, and gradients near the targets: the gradient tasks' dense checks."""
    from padnet.physics.operators import conv_fft

    x = torch.rand(2, 1, H, W, generator=gen, dtype=torch.float64)
    k = torch.rand(1, 1, 3, 3, generator=gen, dtype=torch.float64)
    k = (k / k.sum()).expand(2, 1, 3, 3)
    y = conv_fft(x, k) + 0.02 * torch.randn(x.shape, generator=gen, dtype=torch.float64)
    sigma = torch.tensor([0.02, 0.005], dtype=torch.float64)
    K, D = dense(lambda e: conv_fft(e, k[:1]), (1, H, W)), dense(task.target, (1, H, W))
    g = task.target(x) + 0.05 * torch.randn(2, 2, H, W, generator=gen, dtype=torch.float64)
    return x, k, y, sigma, K, D, g


def test_noise_aware_gradient_task_weights_eq14_and_eq16_by_one_over_sigma(gen):
    """``gradient-sigma-w1``: Eq. (14)'s energy is ``(1%/sigma)/2 ||k * g - D(y)||^2`` (dense matrices), and the
    image of its loss solves ``(w K^T K + beta D^T D) x = w K^T y + beta D^T g`` with ``w = 1%/sigma`` (so the
    effective penalty is ``beta sigma / 1%``); the weighted problem differs from the unweighted one."""
    from padnet.tasks.base import TrainingSet

    beta = 0.3
    task = get_task("gradient-sigma-w1")
    x, k, y, sigma, K, D, g = _two_noise_levels(gen, task)
    f = task.fidelity(y, k, sigma)
    data = TrainingSet(y=y, x=x, kernels=k, embedded=False, sigma=sigma)
    cfg = SimpleNamespace(aux_loss=1.0, beta=beta)
    x_g = []
    for b, w in enumerate((0.5, 2.0)):
        Kg = np.concatenate([K @ g[b, c].reshape(-1).numpy() for c in range(2)])
        DY = D @ y[b].reshape(-1).numpy()
        assert float(f(g)[b]) == pytest.approx(0.5 * w * np.sum((Kg - DY) ** 2), rel=1e-10)
        rhs = w * K.T @ y[b].reshape(-1).numpy() + beta * D.T @ g[b].reshape(-1).numpy()
        x_g.append(np.linalg.solve(w * K.T @ K + beta * D.T @ D, rhs))
    assert np.allclose(task.image(g, y, k, beta, sigma).reshape(2, -1).numpy(), np.stack(x_g), atol=1e-9)
    by_hand = np.mean((g - task.target(x)).numpy() ** 2) + np.mean((np.stack(x_g) - x.reshape(2, -1).numpy()) ** 2)
    assert task.loss(g, task.target(x), data, slice(None), cfg).item() == pytest.approx(by_hand, rel=1e-9)
    unweighted = get_task("gradient").loss(g, task.target(x), data, slice(None), cfg).item()
    assert abs(unweighted - by_hand) > 1e-3 * by_hand
    with pytest.raises(ValueError, match="needs sigma"):
        task.fidelity(y, k)


def test_coupled_gradient_task_uses_eq15_with_its_own_beta(gen):
    """``gradient-ex-sigma-w1``: the fidelity is Eq. (15)'s ``min_x [w/2 ||k * x - y||^2 + beta/2 ||D x - g||^2] / beta``
    with ``w = 1%/sigma`` and the task's beta (dense minimisation over x), its start is ``D(y)``, its image the
    inner minimiser; a recipe whose loss beta differs from the fidelity's is refused."""
    from padnet.tasks.base import TrainingSet

    task = get_task("gradient-ex-sigma-w1")
    beta = task.beta
    x, k, y, sigma, K, D, g = _two_noise_levels(gen, task)
    f = task.fidelity(y, k, sigma)
    assert torch.equal(f.b, task.target(y))
    for b, w in enumerate((0.5, 2.0)):
        yb, gb = y[b].reshape(-1).numpy(), g[b].reshape(-1).numpy()
        xb = np.linalg.solve(w * K.T @ K + beta * D.T @ D, w * K.T @ yb + beta * D.T @ gb)
        ref = (0.5 * w * np.sum((K @ xb - yb) ** 2) + 0.5 * beta * np.sum((D @ xb - gb) ** 2)) / beta
        assert float(f(g)[b]) == pytest.approx(ref, rel=1e-10)
        assert np.allclose(f.image(g)[b].reshape(-1).numpy(), xb, atol=1e-9)
        assert np.allclose(task.image(g, y, k, sigma=sigma)[b].reshape(-1).numpy(), xb, atol=1e-9)
    data = TrainingSet(y=y, x=x, kernels=k, embedded=False, sigma=sigma)
    target = task.target(x)
    same = task.loss(g, target, data, slice(None), SimpleNamespace(name="r", aux_loss=1.0, beta=beta)).item()
    by_hand = np.mean((g - target).numpy() ** 2) + np.mean((f.image(g) - x).numpy() ** 2)
    assert same == pytest.approx(by_hand, rel=1e-9)
    with pytest.raises(ValueError, match="must agree"):
        task.loss(g, target, data, slice(None), SimpleNamespace(name="r", aux_loss=1.0, beta=0.3))
