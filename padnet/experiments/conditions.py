"""The convergence conditions of Table 2's deconvolution PADNets, measured along Alg. 1.

The cases are eight 128x128 crops of Train400 images 350-392 (the models' training images, other crops and
noise: a check of the conditions and of relative PSNR, not a benchmark; the embedded photos without
Train400), each blurred circularly by a generated motion kernel, with Gaussian noise of each level drawn
from one seeded generator per level.

* :func:`explicit_condition1`: the explicit models (Eq. 12's error ``E_k`` against ``C_E ||x_{k+1} - x_k||``),
  run as committed and with Table 1's safeguard (the error correction repeated until Condition 1 holds).
* :func:`implicit_condition2`: the implicit model (Condition 2, ``||N_alpha_k(w_k) - w_k|| <= C_N alpha_k``,
  and Theorem 2's steps, which it bounds by a constant times ``alpha_k``): its units are not saturated
  (no ``unit_bound``), so Condition 2 is not given by construction as for Table 1's IPADNet and is measured.

``python scripts/condition1_deconv.py`` prints both; the Table 2 chapter shows the implicit one.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from padnet.checks import InputError
from padnet.data.deblur import embedded_deblur_set, train400
from padnet.data.registry import EMBEDDED_NOTICE, available
from padnet.learn.alg2 import stage_condition2
from padnet.learn.store import load_model
from padnet.metrics import psnr
from padnet.optim.unrolled import PADNetConfig, padnet_solve
from padnet.physics.kernels import random_motion_kernel
from padnet.physics.operators import conv_fft
from padnet.tasks.deblur_image import noise_map

__all__ = ["condition_cases", "explicit_condition1", "implicit_condition2"]


def condition_cases(n: int = 8, size: int = 128) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``n`` (sharp crop ``(1, 1, size, size)``, kernel ``(1, 1, h, h)``) pairs, fixed by seed 123: crops of
    Train400 images 350, 356, ..., or, without Train400, of the embedded photos in turn (with a warning
    carrying :data:`~padnet.data.registry.EMBEDDED_NOTICE`)."""
    if available("train400"):
        images = train400()[350::6]
    else:
        warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
        images = [s.sharp for s in embedded_deblur_set(n_kernels=1)]
    rng, out = np.random.default_rng(123), []
    for i in range(n):
        img = images[i % len(images)]
        r, c = rng.integers(0, img.shape[0] - size + 1), rng.integers(0, img.shape[1] - size + 1)
        k = random_motion_kernel(int(rng.choice([13, 17, 21, 25])), rng)
        out.append((torch.from_numpy(np.ascontiguousarray(img[r:r + size, c:c + size]))[None, None].float(),
                    torch.from_numpy(k)[None, None].float()))
    return out


def _blurred(cases, sigma: float):
    """The cases' blurred, noisy inputs at ``sigma`` (one generator per level, seed 7)."""
    noise = torch.Generator().manual_seed(7)
    return [(x, k, conv_fft(x, k) + sigma * torch.randn(x.shape, generator=noise)) for x, k in cases]


def implicit_condition2(name: str = "deconv-implicit-sigma-w1-k8", sigmas: tuple[float, ...] = (0.01, 0.05),
                        cases: list | None = None) -> list[dict]:
    """Condition 2 and the step sizes of the implicit model ``name`` along Alg. 1, per noise level and stage.

    Returns:
        One row per sigma and stage ``k``: ``alpha`` (``alpha_k = (gamma^k rho_0)^{-1/2}``), ``C_N`` (the largest
        over the cases of ``||N(w_k) - w_k|| / alpha_k``, :func:`padnet.learn.alg2.stage_condition2`),
        ``rel_change`` (mean ``||x_{k+1} - x_k|| / ||x_k||``), ``step_over_alpha`` (the largest
        ``||x_{k+1} - x_k|| / alpha_k``, which Theorem 2 bounds) and ``psnr`` (mean PSNR of the final ``x_K``, dB,
        the same on every row of a level).
    """
    model = load_model(name)
    if model.config.explicit:
        raise InputError(f"{name} is an explicit model; Condition 2 is the implicit PADNet's")
    pcfg = model.config.padnet_config()
    cases = condition_cases() if cases is None else cases
    rows = []
    for sigma in sigmas:
        cn, rel, step, psnrs = [], [], [], []
        for x, k, y in _blurred(cases, sigma):
            s = torch.tensor([sigma])
            f, guide = model.config.task.fidelity(y, k, s), noise_map(sigma, y)
            dx, rc, last = [], [], {}

            def observe(kk: int, state, diag: dict) -> None:  # the steps, in the same run as Condition 2
                dx.append(float(diag["dx"].max()))
                rc.append(float(diag["rel"].mean()))
                last["x"] = state.x

            cn.append(stage_condition2(model, f, guide=guide, callback=observe))
            rel.append(rc)
            step.append(dx)
            psnrs.append(psnr(last["x"].clamp(0, 1), x))
        for kk in range(len(cn[0])):
            a = pcfg.alpha(kk)
            rows.append({"sigma": sigma, "k": kk, "alpha": a, "C_N": max(c[kk] for c in cn),
                         "rel_change": float(np.mean([r[kk] for r in rel])),
                         "step_over_alpha": max(s_[kk] for s_ in step) / a, "psnr": float(np.mean(psnrs))})
    return rows


def explicit_condition1(name: str, corrections: int, sigmas: tuple[float, ...] = (0.01, 0.05),
                        cases: list | None = None) -> list[dict]:
    """Condition 1 of the explicit model ``name`` with ``corrections`` repeated corrections at most
    (``0``: Alg. 1 as printed), per noise level: ``psnr`` (mean, of the image of Eq. 16, dB), ``held_net`` (the
    share of stages where it holds for the units' own output) and ``held`` (after the repeats)."""
    model = load_model(name)
    if not model.config.explicit:
        raise InputError(f"{name} is an implicit model; Condition 1 is the explicit PADNet's")
    task = model.config.task
    cfg = PADNetConfig(**{**model.config.padnet_config().to_dict(), "corrections": corrections})
    cases = condition_cases() if cases is None else cases
    rows = []
    for sigma in sigmas:
        psnrs, held_net, held = [], [], []
        for x, k, y in _blurred(cases, sigma):
            s = torch.tensor([sigma])
            g, trace = padnet_solve(task.fidelity(y, k, s), model.as_callables(guide=noise_map(sigma, y)), cfg,
                                    prox_r=model.config.prox_r())
            image = task.image(g, y, k, model.config.beta, s)  # Eq. (16)
            psnrs.append(psnr(image.clamp(0, 1), x))
            held_net.append(np.mean(trace.column("condition1_net")))
            held.append(np.mean(trace.column("condition1")))
        rows.append({"model": name, "corrections": corrections, "sigma": sigma, "psnr": float(np.mean(psnrs)),
                     "held_net": float(np.mean(held_net)), "held": float(np.mean(held))})
    return rows
