"""One trace format and stopping rule for every iterative method."""

import math

import pytest
import torch

from padnet.checks import InputError
from padnet.optim.energy import LpEnergy, QuadraticFidelity
from padnet.optim.solvers import admm


def test_trace_format_and_stopping_rule(tiny):
    x_gt, y, k = tiny
    energy = LpEnergy(QuadraticFidelity.deblur(y, k), 0.01, 0.8, analysis="grad")
    x, trace = admm(energy, y, rho=0.1, eps=1e-3, max_iter=500, x_gt=x_gt)
    assert trace.converged and trace.iterations >= 2
    rows = trace.rows
    assert set(rows[0]) >= {"iteration", "energy", "rel_change", "rec_error", "seconds"}
    assert [r["iteration"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[-1]["rel_change"] <= 1e-3 < max(r["rel_change"] for r in rows[:-1])
    assert all(b["seconds"] >= a["seconds"] for a, b in zip(rows, rows[1:]))
    ref_err = float((x - x_gt).norm() / x_gt.norm())
    assert rows[-1]["rec_error"] == pytest.approx(ref_err, rel=1e-9)
    _, t2 = admm(energy, y, rho=0.1, eps=1e-3, max_iter=3)
    assert t2.iterations == 3 and math.isnan(t2.rows[0]["rec_error"])


def test_solver_stops_on_nan_naming_the_iteration(tiny):
    _, y, k = tiny
    energy = LpEnergy(QuadraticFidelity.deblur(y, k), 0.01, 1.0)
    bad = y.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="iteration 1"):
        admm(energy, bad, rho=0.1)
    with pytest.raises(InputError):
        admm(energy, y, rho=-1.0)


def test_relative_change_from_a_zero_iterate_is_not_convergence():
    from padnet.optim.trace import relative_change

    z = torch.zeros(2, 1, 3, 3)
    x = torch.ones(2, 1, 3, 3)
    assert torch.isinf(relative_change(z, z)).all() and torch.isinf(relative_change(x, z)).all()
    assert relative_change(2 * x, x).tolist() == [1.0, 1.0]
