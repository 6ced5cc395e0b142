"""One per-iteration record for every iterative method (ADMM, HQS, PADNet's Alg. 1) and the common
stopping rule ``||x_{k+1} - x_k|| / ||x_k|| <= eps`` (largest over the batch)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from padnet.optim.energy import batch_norm2

__all__ = ["Trace", "Recorder", "relative_change", "rec_error"]


def _sync(x: torch.Tensor) -> None:
    if x.is_cuda:
        torch.cuda.synchronize(x.device)


@dataclass
class Trace:
    """Per-iteration record shared by every solver (ADMM, HQS, PADNet).

    ``rows[k]`` describes iteration ``k + 1`` with keys ``iteration``, ``energy``, ``rel_change``,
    ``rec_error`` (NaN without ground truth) and ``seconds`` (cumulative wall time), plus any extra keys
    a solver adds (PADNet: ``err_norm`` = ||E_k||, ``ce_bound`` = C_E ||x_{k+1} - x_k||, ...).
    Values are batch means except ``rel_change`` (batch maximum, the quantity the stopping rule tests).
    ``initial_energy`` is ``F(x_0)`` where the solver was given an energy (PADNet), for Theorem 1's check.
    """

    rows: list[dict] = field(default_factory=list)
    converged: bool = False
    initial_energy: float = math.nan

    @property
    def stop_reason(self) -> str:
        """``"eps"`` when the stopping rule held, ``"cap"`` when the iteration cap (``max_iter``, ``k_max``)
        ended the run first."""
        return "eps" if self.converged else "cap"

    @property
    def iterations(self) -> int:
        return len(self.rows)

    def column(self, key: str) -> list[float]:
        return [row[key] for row in self.rows]


def relative_change(x_new: torch.Tensor, x_old: torch.Tensor) -> torch.Tensor:
    """``||x_new - x_old|| / ||x_old||`` per batch item, ``inf`` when ``x_old`` is all zero: the ratio is
    undefined there, and an all-zero iterate (e.g. everything below a hard threshold early in HQS's
    continuation) is no evidence of convergence."""
    num, den = batch_norm2(x_new - x_old), batch_norm2(x_old)
    return torch.where(den > 0, num / den.clamp_min(1e-300), torch.inf)


def rec_error(x: torch.Tensor, x_gt) -> float:
    """``||x - x_gt|| / ||x_gt||`` (batch mean); ``x_gt`` may be a callable ``x -> float`` (e.g. one that
    crops a padded domain first) or ``None`` (NaN)."""
    if x_gt is None:
        return math.nan
    if callable(x_gt):
        return float(x_gt(x))
    return float((batch_norm2(x - x_gt) / batch_norm2(x_gt)).mean())


class Recorder:
    """Builds :class:`Trace` rows and applies the common stopping rule."""

    def __init__(self, energy, x_gt: torch.Tensor | None, name: str, x0: torch.Tensor | None = None):
        initial = float(energy(x0).mean()) if energy is not None and x0 is not None else math.nan
        self.trace = Trace(initial_energy=initial)
        self.energy = energy
        self.x_gt = x_gt
        self.name = name
        self.t0 = time.perf_counter()

    def step(self, x_new: torch.Tensor, x_old: torch.Tensor, eps: float, **extra: float) -> bool:
        """Record iteration; return True when the stopping rule holds."""
        k = self.trace.iterations + 1
        if not bool(torch.isfinite(x_new).all()):
            raise FloatingPointError(f"{self.name}: non-finite iterate at iteration {k}")
        _sync(x_new)
        rel = float(relative_change(x_new, x_old).max())
        row = {
            "iteration": k,
            "energy": float(self.energy(x_new).mean()) if self.energy is not None else math.nan,
            "rel_change": rel,
            "rec_error": rec_error(x_new, self.x_gt),
            "seconds": time.perf_counter() - self.t0,
        }
        row.update({key: float(val) for key, val in extra.items()})
        self.trace.rows.append(row)
        done = rel <= eps
        self.trace.converged = done
        return done
