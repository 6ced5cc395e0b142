"""Convergence conditions of the deconvolution PADNets: the measured quantities against a direct recomputation."""

import numpy as np
import pytest
import torch

from padnet.physics.kernels import random_motion_kernel


def _cases(n=2, size=48):
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        x = torch.from_numpy(rng.random((size, size))).float()[None, None]
        k = torch.from_numpy(random_motion_kernel(9, rng)).float()[None, None]
        out.append((x, k))
    return out


def test_implicit_condition2_matches_the_networks_displacement_stage_by_stage():
    """C_N at stage k is max over cases of ||N(w_k) - w_k|| / alpha_k with w_k = u_{k+1} + lambda_k, the network
    called here on that input directly; alpha_k = (gamma^k rho_0)^(-1/2); steps are ||x_{k+1} - x_k||."""
    from padnet.experiments.conditions import _blurred, implicit_condition2
    from padnet.learn.store import load_model
    from padnet.optim.energy import batch_norm2
    from padnet.optim.unrolled import PADNetState, padnet_stage
    from padnet.tasks.deblur_image import noise_map

    cases, sigma = _cases(), 0.03
    rows = implicit_condition2(sigmas=(sigma,), cases=cases)
    model = load_model("deconv-implicit-sigma-w1-k8")
    pcfg = model.config.padnet_config()
    assert [r["k"] for r in rows] == list(range(pcfg.max_stages))
    disp, steps = [], []
    for x, k, y in _blurred(cases, sigma):
        nets = model.as_callables(guide=noise_map(sigma, y))
        f, state, d, s = model.config.task.fidelity(y, k, torch.tensor([sigma])), PADNetState.init(y), [], []
        for kk in range(pcfg.max_stages):
            alpha = (pcfg.gamma ** kk * pcfg.rho0) ** -0.5
            lam_k, x_k = state.lam, state.x
            with torch.no_grad():  # inference, as in the measurement
                state, _ = padnet_stage(f, state, nets[kk], kk, pcfg)
                w = state.u + lam_k
                d.append(float(batch_norm2(nets[kk](w, alpha) - w)) / alpha)
            s.append(float(batch_norm2(state.x - x_k)) / alpha)
        disp.append(d)
        steps.append(s)
    for kk, r in enumerate(rows):
        assert r["alpha"] == pytest.approx((pcfg.gamma ** kk * pcfg.rho0) ** -0.5)
        assert r["C_N"] == pytest.approx(max(d[kk] for d in disp), rel=1e-4)
        assert r["step_over_alpha"] == pytest.approx(max(s[kk] for s in steps), rel=1e-4)


def test_each_condition_refuses_the_other_kind_of_model():
    from padnet.experiments.conditions import explicit_condition1, implicit_condition2

    with pytest.raises(ValueError, match="explicit model"):
        implicit_condition2("deconv-explicit-ex", cases=_cases(1))
    with pytest.raises(ValueError, match="implicit model"):
        explicit_condition1("deconv-implicit-sigma-w1-k8", 0, cases=_cases(1))
