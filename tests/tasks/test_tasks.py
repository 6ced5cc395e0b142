"""Tasks: each fidelity and target against an independent reference, training pairs by their model."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from padnet.checks import InputError
from padnet.tasks import TASKS, get_task
from padnet.tasks.deblur_image import blurred_patches


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
