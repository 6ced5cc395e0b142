"""PADNet inference (Alg. 1): explicit (with proximal error correction) and implicit (without).

For stage ``k = 0, 1, ...`` with ``rho_k = gamma^k rho_0`` and ``alpha_k = sqrt(1 / rho_k)`` (Alg. 2):

    u_{k+1} = argmin_u f^mu_{x_k}(u) + rho_k/2 ||u - (v_k - lambda_k)||^2       (step 2, Eq. 3, exact)
    v_{k+1} = N_{alpha_k}(u_{k+1} + lambda_k; W^k)                               (step 3, Eq. 6)
    x_{k+1} = prox_r(v_{k+1} - grad f^mu_{x_k}(v_{k+1}))   explicit; v_{k+1} implicit (step 4, Eq. 7)
    lambda_{k+1} = lambda_k + u_{k+1} - v_{k+1}                                   (step 5)

and stops when ``||x_{k+1} - x_k|| / ||x_k|| <= eps`` or after ``max_stages``.

This is the only implementation of Alg. 1: :func:`padnet_solve` runs it for inference (no autograd, a
per-stage :class:`~padnet.optim.trace.Trace`, the stopping rule) and, with ``differentiable=True``, for
training through the unrolled stages (Alg. 2's joint fine-tuning); :func:`padnet_stage` is one stage.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import torch

from padnet.checks import InputError
from padnet.optim.energy import (
    QuadraticFidelity,
    batch_norm2,
    condition1,
    error_Ek,
    grad_f_mu,
    u_step,
)
from padnet.optim.trace import Recorder, Trace, rec_error, relative_change

__all__ = ["PADNetConfig", "PADNetState", "Network", "padnet_stage", "padnet_solve"]

#: ``N_alpha`` as Alg. 1 calls it: ``network(v0, alpha) -> v``.
Network = Callable[[torch.Tensor, float], torch.Tensor]


@dataclass
class PADNetConfig:
    """Parameters of Alg. 1/2.

    Attributes:
        explicit: error correction (step 4) on (EPADNet) or off (IPADNet).
        mu: Moreau-Yosida weight, ``mu > 2 C_E`` (Theorem 1).
        C_E: constant of Condition 1.
        rho0, gamma: ``rho_k = gamma^k rho0``, ``gamma > 1``.
        eps: stopping tolerance on the relative change of x.
        max_stages: ``k_max``.
        corrections: explicit variant: where Condition 1 fails for the network's output, repeat the error
            correction (Eq. 7 applied to its own result, ``v <- x``, ``x <- prox_r(x - grad f^mu_{x_k}(x))``)
            at most this many times, until it holds.  Each repeat is a proximal-gradient step on the
            stage's subproblem (Eq. 2), so ``E_k`` (Eq. 12) shrinks towards 0 and Theorem 1 applies to the
            result; 0 (default) keeps Alg. 1 as printed.
    """

    explicit: bool = True
    mu: float = 0.5
    C_E: float = 0.2
    rho0: float = 1.0
    gamma: float = 1.5
    eps: float = 1e-3
    max_stages: int = 8
    corrections: int = 0

    def __post_init__(self) -> None:
        if self.explicit and not self.mu > 2 * self.C_E:
            raise InputError(f"Theorem 1 needs mu > 2 C_E, got mu={self.mu}, C_E={self.C_E}")
        if not self.gamma > 1 or not self.rho0 > 0:
            raise InputError(f"need rho0 > 0 and gamma > 1, got rho0={self.rho0}, gamma={self.gamma}")
        if self.max_stages < 1 or not self.eps > 0:
            raise InputError("need max_stages >= 1 and eps > 0")
        if self.corrections < 0:
            raise InputError(f"corrections must be >= 0, got {self.corrections}")

    def rho(self, k: int) -> float:
        return self.rho0 * self.gamma ** k

    def alpha(self, k: int) -> float:
        return math.sqrt(1.0 / self.rho(k))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PADNetState:
    """Iterates ``(x_k, u_k, v_k, lambda_k)``, each ``(B, C, H, W)``."""

    x: torch.Tensor
    u: torch.Tensor
    v: torch.Tensor
    lam: torch.Tensor

    @classmethod
    def init(cls, x0: torch.Tensor) -> "PADNetState":
        """``x_0 = u_0 = v_0`` = the given start, ``lambda_0 = 0``."""
        return cls(x=x0, u=x0, v=x0, lam=torch.zeros_like(x0))


def padnet_stage(f: QuadraticFidelity, state: PADNetState, network: Network, k: int, cfg: PADNetConfig,
                 prox_r: Callable[[torch.Tensor], torch.Tensor] | None = None, diagnostics: bool = True
                 ) -> tuple[PADNetState, dict[str, torch.Tensor]]:
    """One stage of Alg. 1; returns the new state and per-item diagnostics ``(B,)``.

    Diagnostics (empty with ``diagnostics=False``): ``err`` = ||E_k(x_{k+1})|| (Eq. 12), ``dx`` =
    ||x_{k+1} - x_k||, ``rel`` = the relative change, ``cond1`` = Condition 1 (bool), ``cond1_net`` =
    Condition 1 for the network's own output (before any repeated correction, ``cfg.corrections``),
    ``corrections`` = the repeats each item needed.

    Args:
        network: ``N_alpha``, called as ``network(v0, alpha)``.
        prox_r: ``prox_r`` for the explicit variant.
    """
    rho, alpha = cfg.rho(k), cfg.alpha(k)
    u = u_step(f, state.x, state.v - state.lam, cfg.mu, rho)  # Alg. 1, step 2 (Eq. 3)
    v = network(u + state.lam, alpha)  # Alg. 1, step 3 (Eq. 6)
    held_net = repeats = None
    if cfg.explicit:
        if prox_r is None:
            raise InputError("explicit PADNet needs prox_r")
        x = prox_r(v - grad_f_mu(f, v, state.x, cfg.mu))  # Alg. 1, step 4 (Eq. 7)
        if cfg.corrections:
            v, x, held_net, repeats = _correct_until_condition1(f, state.x, v, x, cfg, prox_r)
    else:
        x = v  # implicit: propagate the network output
    lam = state.lam + (u - v)  # Alg. 1, step 5
    diag: dict[str, torch.Tensor] = {}
    if diagnostics:
        with torch.no_grad():
            err = error_Ek(f, x, v, cfg.mu)
            held = condition1(err, x, state.x, cfg.C_E)
            diag = {"err": batch_norm2(err), "dx": batch_norm2(x - state.x), "rel": relative_change(x, state.x),
                    "cond1": held, "cond1_net": held if held_net is None else held_net,
                    "corrections": x.new_zeros(x.shape[0]) if repeats is None else repeats}
    return PADNetState(x=x, u=u, v=v, lam=lam), diag


def _correct_until_condition1(f: QuadraticFidelity, x_k: torch.Tensor, v: torch.Tensor, x: torch.Tensor,
                              cfg: PADNetConfig, prox_r) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                                                  torch.Tensor]:
    """Repeat the error correction (Eq. 7 with ``v <- x``) on the items where Condition 1 fails, at most
    ``cfg.corrections`` times.  Returns ``(v, x, held for the network's output (B,), repeats (B,))``."""
    with torch.no_grad():
        held = condition1(error_Ek(f, x, v, cfg.mu), x, x_k, cfg.C_E)
    held_net, repeats = held.clone(), x.new_zeros(x.shape[0])
    for _ in range(cfg.corrections):
        if bool(held.all()):
            break
        todo = (~held).view(-1, *([1] * (x.dim() - 1)))
        x_next = prox_r(x - grad_f_mu(f, x, x_k, cfg.mu))  # Eq. (7) with v = x: a proximal-gradient step on Eq. (2)
        v, x = torch.where(todo, x, v), torch.where(todo, x_next, x)
        repeats = repeats + (~held).to(repeats.dtype)
        with torch.no_grad():
            held = condition1(error_Ek(f, x, v, cfg.mu), x, x_k, cfg.C_E)
    return v, x, held_net, repeats


def padnet_solve(f: QuadraticFidelity, networks: Sequence[Network], cfg: PADNetConfig,
                 x0: torch.Tensor | None = None, prox_r: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 energy: Callable[[torch.Tensor], torch.Tensor] | None = None, x_gt=None,
                 differentiable: bool = False,
                 callback: Callable[[int, PADNetState, dict], None] | None = None) -> tuple[torch.Tensor, Trace]:
    """Alg. 1 with one trained network per stage (the last one reused past ``len(networks)``).

    Args:
        f: the fidelity (its ``b`` is the data).
        networks: ``N_{alpha_k}`` for k = 0, 1, ...; with an empty list the network is the identity,
            so the explicit variant reduces to a proximal ADMM-like scheme.
        cfg: parameters (``eps``, ``max_stages``, ...).
        x0: start (default: ``f.b``).
        prox_r: ``prox_r`` (explicit variant).
        energy: ``F`` for the trace (optional).
        x_gt: ground truth, or a callable ``x -> error``, for the reconstruction error (optional).
        differentiable: keep autograd through every stage and run exactly ``len(networks)`` stages
            (no stopping rule, no trace rows): the unrolled network Alg. 2 fine-tunes.
        callback: called as ``callback(k, state, diagnostics)`` after every stage (inference only), to
            observe the iterates ``u, v, x, lambda`` (the book's stage-by-stage pictures).

    Returns:
        ``x_K`` and a :class:`~padnet.optim.trace.Trace` with, per stage, ``energy``, ``rel_change``,
        ``rec_error``, ``seconds``, ``err_norm`` (||E_k(x_{k+1})||, Eq. 12), ``ce_bound``
        (C_E ||x_{k+1} - x_k||), ``condition1`` (1.0 when it holds for every batch item), ``condition1_net``
        (the same for the network's own output, before repeated corrections), ``corrections`` (mean number of
        repeated corrections, ``cfg.corrections``), ``u_rec_error``.
    """
    state = PADNetState.init(f.b if x0 is None else x0)

    def identity(v, alpha):
        return v

    if differentiable:
        for k, net in enumerate(networks):
            state, _ = padnet_stage(f, state, net, k, cfg, prox_r, diagnostics=False)
        return state.x, Trace()
    with torch.no_grad():
        rec = Recorder(energy, x_gt, "PADNet", x0=state.x)
        for k in range(cfg.max_stages):
            net = networks[min(k, len(networks) - 1)] if networks else identity
            x_old = state.x
            state, diag = padnet_stage(f, state, net, k, cfg, prox_r)
            if callback is not None:
                callback(k, state, diag)
            if rec.step(state.x, x_old, cfg.eps, u_rec_error=rec_error(state.u, x_gt),
                        err_norm=float(diag["err"].mean()), ce_bound=float((cfg.C_E * diag["dx"]).mean()),
                        condition1=float(bool(diag["cond1"].all())),
                        condition1_net=float(bool(diag["cond1_net"].all())),
                        corrections=float(diag["corrections"].mean())):
                break
    return state.x, rec.trace
