"""Classical iterative solvers: ADMM and HQS for ``F(x) = f(x) + lam ||L x||_p^p``, plus the TV,
hyper-Laplacian and Wiener deconvolution baselines built on them.

All iterative solvers share one stopping rule, ``||x_{k+1} - x_k|| / ||x_k|| <= eps`` (largest over the
batch), and one :class:`Trace` format (one row per iteration: energy, relative change, reconstruction
error when ground truth is given, cumulative seconds).

The *iterate* ``x_k`` is the variable the energy is defined on: for ``L = I`` (Eq. 14) it is the prox
output ``z`` (like PADNet's ``x_{k+1} = prox_r(.)``), for ``L = D`` (image-domain energies) the image.
"""

from __future__ import annotations

import math

import torch

from padnet.checks import InputError, as_kernel
from padnet.optim.energy import LpEnergy, MoreauYosidaFidelity, QuadraticFidelity
from padnet.optim.prox import prox_lp
from padnet.optim.trace import Recorder, Trace

__all__ = ["proximal_point", "admm", "hqs", "tv_deconv", "hl_deconv", "wiener_deconv"]


def _check_solver_args(eps: float, max_iter: int, **positive: float) -> None:
    if not eps > 0:
        raise InputError(f"eps must be positive, got {eps}")
    if max_iter < 1:
        raise InputError(f"max_iter must be >= 1, got {max_iter}")
    for name, val in positive.items():
        if not val > 0:
            raise InputError(f"{name} must be positive, got {val}")


def admm(energy: LpEnergy, x0: torch.Tensor, rho: float, eps: float = 1e-3, max_iter: int = 200,
         x_gt: torch.Tensor | None = None, rho_rate: float = 1.0, rho_max: float | None = None
         ) -> tuple[torch.Tensor, Trace]:
    """ADMM (scaled form) on ``min_x f(x) + lam ||z||_p^p`` s.t. ``z = L x``, penalty ``rho`` (fixed, or
    increased geometrically: ``rho_{k+1} = min(rho_rate rho_k, rho_max)``, the continuation that nonconvex
    ADMM needs to settle).

    Updates per iteration (the p-prox by GISA for 0 < p < 1)::

        x <- argmin_x f(x) + rho/2 ||L x - (z - w)||^2     (exact, FFT)
        z <- prox_lp(L x + w, lam / rho, p)
        w <- w + L x - z
        w <- w rho_k / rho_{k+1}                             (scaled dual, when rho grows)

    Args:
        energy: the energy (fidelity, lam, p, analysis operator L).
        x0: initial image / gradient field, shape of the fidelity's unknown.
        rho: ADMM penalty.
        eps: stopping tolerance on the relative change of the iterate.
        max_iter: iteration cap (the trace's ``stop_reason`` says whether it ended the run).
        x_gt: optional ground truth (or a callable ``x -> error``) for the reconstruction error in the trace.
        rho_rate, rho_max: continuation (``rho_rate = 1``: fixed penalty).

    Returns:
        The final iterate and its :class:`Trace` (``rho`` per iteration).
    """
    _check_solver_args(eps, max_iter, rho=rho, rho_rate=rho_rate)
    if rho_rate < 1:
        raise InputError(f"rho_rate must be >= 1, got {rho_rate}")
    rho_max = rho if rho_max is None else rho_max
    rec = Recorder(energy, x_gt, "ADMM")
    identity = energy.analysis == "identity"
    x = x0
    z = energy.L(x0)
    w = torch.zeros_like(z)
    it = z if identity else x
    for _ in range(max_iter):
        x = energy.solve_split(z - w, rho)
        Lx = energy.L(x)
        z = prox_lp(Lx + w, energy.lam / rho, energy.p)
        w = w + Lx - z
        new = z if identity else x
        done = rec.step(new, it, eps, rho=rho)
        it = new
        if done:
            break
        if rho_rate > 1 and rho < rho_max:
            new_rho = min(rho * rho_rate, rho_max)
            w = w * (rho / new_rho)  # the scaled dual is y / rho
            rho = new_rho
    return it, rec.trace


def hqs(energy: LpEnergy, x0: torch.Tensor, beta0: float, beta_rate: float = 2.0, beta_max: float = 1e8,
        eps: float = 1e-3, max_iter: int = 200, x_gt: torch.Tensor | None = None,
        inner: int = 1) -> tuple[torch.Tensor, Trace]:
    """Half-quadratic splitting with continuation (Zuo et al. 2013; Krishnan and Fergus 2009).

    Per outer iteration, with ``beta`` growing geometrically (``beta <- min(beta_rate beta, beta_max)``)::

        z <- prox_lp(L x, lam / beta, p)
        x <- argmin_x f(x) + beta/2 ||L x - z||^2          (exact, FFT)

    repeated ``inner`` times at each ``beta``.  Arguments as in :func:`admm`.
    """
    _check_solver_args(eps, max_iter, beta0=beta0, beta_rate=beta_rate, inner=inner)
    rec = Recorder(energy, x_gt, "HQS")
    identity = energy.analysis == "identity"
    x = x0
    beta = beta0
    it = x0
    for _ in range(max_iter):
        for _ in range(inner):
            z = prox_lp(energy.L(x), energy.lam / beta, energy.p)
            x = energy.solve_split(z, beta)
        new = z if identity else x
        done = rec.step(new, it, eps, beta=beta)
        it = new
        beta = min(beta * beta_rate, beta_max)
        if done:
            break
    return it, rec.trace


def proximal_point(energy: LpEnergy, x0: torch.Tensor, mu: float, eps: float = 1e-3, max_iter: int = 40,
                   inner: int = 400, x_gt=None) -> tuple[torch.Tensor, Trace]:
    """Exact proximal-point method on ``F = f + lam ||.||_p^p``: ``x_{k+1} = argmin_x f^mu_{x_k}(x) + r(x)``
    (Eq. 2 solved to convergence by ADMM with a fixed penalty 1, ``inner`` iterations).

    Condition 1 is the relative-error criterion of an *inexact* version of this scheme (``E_k`` is the
    optimality residual of Eq. 2), so its stage count shows what EPADNet can reach while meeting the
    condition.  ``analysis="identity"`` only (Eq. 14).
    """
    _check_solver_args(eps, max_iter, mu=mu, inner=inner)
    if energy.analysis != "identity":
        raise InputError("proximal_point needs analysis='identity' (Eq. 14)")
    rec = Recorder(energy, x_gt, "proximal point", x0=x0)
    x = x0
    for _ in range(max_iter):
        sub = LpEnergy(MoreauYosidaFidelity(energy.fidelity, x, mu), energy.lam, energy.p)
        new, _ = admm(sub, x, rho=1.0, eps=1e-9, max_iter=inner)
        done = rec.step(new, x, eps)
        x = new
        if done:
            break
    return x, rec.trace


def tv_deconv(y: torch.Tensor, kernel: torch.Tensor, lam: float = 2e-3, rho: float | None = None,
              eps: float = 1e-4, max_iter: int = 300, x_gt: torch.Tensor | None = None) -> tuple[torch.Tensor, Trace]:
    """Anisotropic TV deconvolution ``min_x 1/2 ||k * x - y||^2 + lam ||D x||_1`` by ADMM.

    Our stand-in for the paper's TV row (Li et al. 2013 solve a TV model with an augmented Lagrangian;
    this is the same energy family, not their code).  Circular boundary: pad real images first.
    ``rho`` defaults to ``10 lam``.
    """
    energy = LpEnergy(QuadraticFidelity.deblur(y, kernel), lam, 1.0, analysis="grad")
    return admm(energy, y, rho if rho is not None else 10.0 * lam, eps=eps, max_iter=max_iter, x_gt=x_gt)


def hl_deconv(y: torch.Tensor, kernel: torch.Tensor, lam: float = 1.0 / 2000.0, p: float = 2.0 / 3.0,
              beta0: float = 1.0, beta_rate: float = 2.0 * math.sqrt(2.0), beta_max: float = 256.0,
              inner: int = 1, x_gt: torch.Tensor | None = None) -> tuple[torch.Tensor, Trace]:
    """Hyper-Laplacian deconvolution (Krishnan and Fergus 2009) by HQS with their continuation.

    Krishnan and Fergus minimise ``lambda_KF/2 ||k * x - y||^2 + sum |D x|^alpha``; dividing by
    ``lambda_KF`` gives our ``1/2 ||k * x - y||^2 + lam ||D x||_p^p`` with ``lam = 1 / lambda_KF`` and HQS
    penalty ``rho = beta * lam`` for their ``beta`` schedule (1 to 256 by factors of 2 sqrt 2, one inner
    iteration).  Their w-subproblem is solved by a lookup table / root finding; we use GISA, which gives
    the exact minimiser.  Circular boundary: pad real images first.
    """
    energy = LpEnergy(QuadraticFidelity.deblur(y, kernel), lam, p, analysis="grad")
    n = int(math.floor(math.log(beta_max / beta0) / math.log(beta_rate))) + 1
    # continuation ends at beta_max; eps is set below any reachable change so the schedule runs fully
    return hqs(energy, y, beta0 * lam, beta_rate=beta_rate, beta_max=beta_max * lam, eps=1e-12,
               max_iter=n, x_gt=x_gt, inner=inner)


def wiener_deconv(y: torch.Tensor, kernel: torch.Tensor, nsr: float = 1e-3) -> torch.Tensor:
    """Wiener deconvolution with a constant noise-to-signal ratio: ``X = conj(K) Y / (|K|^2 + nsr)``.

    Args:
        y: ``(B, C, H, W)`` blurred images (circular model; pad real images first).
        kernel: PSF.
        nsr: noise-to-signal power ratio (flat spectrum); 1e-3 suits ~1% noise on natural images.
    """
    if not nsr > 0:
        raise InputError(f"nsr must be positive, got {nsr}")
    fid = QuadraticFidelity.deblur(y, as_kernel(kernel, y))
    Y = torch.fft.fft2(y)
    return torch.fft.ifft2(fid.otf.conj() * Y / (fid.otf.abs() ** 2 + nsr)).real.to(y.dtype)
