"""prox_lp against brute-force minimisation on a fine grid (an independent reference)."""

import numpy as np
import pytest
import torch

from padnet.checks import InputError
from padnet.optim.prox import gisa_threshold, lp_penalty, prox_l0, prox_l1, prox_lp


def objective(x, v, lam, p):
    pen = (np.abs(x) > 0).astype(float) if p == 0 else np.abs(x) ** p
    return 0.5 * (x - v) ** 2 + lam * pen


def brute_force(v, lam, p):
    """Global minimiser of 1/2 (x - v)^2 + lam |x|^p: dense grid on [min(0,v)-1e-3, max(0,v)+1e-3], then
    golden refinement around the best grid point, always comparing with x = 0."""
    lo, hi = min(0.0, v) - 1e-3, max(0.0, v) + 1e-3
    grid = np.linspace(lo, hi, 200001)
    f = objective(grid, v, lam, p)
    i = int(np.argmin(f))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    for _ in range(100):
        m1, m2 = a + (b - a) / 3, b - (b - a) / 3
        if objective(m1, v, lam, p) < objective(m2, v, lam, p):
            b = m2
        else:
            a = m1
    cand = np.array([0.0, (a + b) / 2])
    return cand[np.argmin(objective(cand, v, lam, p))]


@pytest.mark.parametrize("p", [0.0, 0.5, 0.8, 1.0, 0.01, 0.99])
@pytest.mark.parametrize("lam", [0.05, 0.3, 1.0])
def test_prox_lp_matches_brute_force(p, lam):
    vs = np.concatenate([np.linspace(-3, 3, 61), [1e-6, -2.5e-3]])
    got = prox_lp(torch.tensor(vs, dtype=torch.float64), lam, p).numpy()
    for v, x in zip(vs, got):
        ref = brute_force(v, lam, p)
        f_got, f_ref = objective(x, v, lam, p), objective(ref, v, lam, p)
        # the prox attains the global minimum (up to the grid's resolution) ...
        assert f_got <= f_ref + 1e-9, (v, x, ref)
        # ... and is the brute-force point itself unless 0 and a non-zero point tie
        tie = ref != 0 and abs(objective(0.0, v, lam, p) - f_ref) < 1e-7
        if not tie:
            assert abs(x - ref) < 1e-4, (v, x, ref)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.8])
def test_tie_at_threshold_returns_zero_with_equal_energy(p):
    lam = 0.7
    tau = np.sqrt(2 * lam) if p == 0 else gisa_threshold(lam, p)
    v = torch.tensor([tau, -tau], dtype=torch.float64)
    x = prox_lp(v, lam, p)
    assert torch.all(x == 0)
    # just above the threshold the non-zero branch wins and has (nearly) the energy of 0
    above = prox_lp(v * (1 + 1e-9), lam, p).numpy()
    assert np.all(above != 0)
    for vi, xi in zip((v * (1 + 1e-9)).numpy(), above):
        assert objective(xi, vi, lam, p) <= objective(0.0, vi, lam, p) + 1e-9
        assert objective(xi, vi, lam, p) == pytest.approx(objective(0.0, vi, lam, p), abs=1e-6)


def test_threshold_limits_and_stability():
    lam = 0.4
    assert gisa_threshold(lam, 1e-6) == pytest.approx(np.sqrt(2 * lam), rel=1e-4)
    assert gisa_threshold(lam, 1 - 1e-9) == pytest.approx(lam, rel=1e-5)
    v = torch.linspace(-2, 2, 401, dtype=torch.float64)
    near0 = prox_lp(v, lam, 1e-6)
    hard = prox_l0(v, lam)
    far = (v.abs() - np.sqrt(2 * lam)).abs() > 1e-3
    assert torch.allclose(near0[far], hard[far], atol=1e-5)
    near1 = prox_lp(v, lam, 1 - 1e-9)
    assert torch.allclose(near1, prox_l1(v, lam), atol=1e-6)
    assert torch.isfinite(prox_lp(v, lam, 1 - 1e-12)).all()


def test_closed_forms_by_hand():
    v = torch.tensor([-2.0, -0.5, 0.0, 0.3, 1.5], dtype=torch.float64)
    assert prox_l1(v, 0.5).tolist() == [-1.5, 0.0, 0.0, 0.0, 1.0]
    # hard threshold sqrt(2 * 0.5) = 1
    assert prox_l0(v, 0.5).tolist() == [-2.0, 0.0, 0.0, 0.0, 1.5]


def test_lam_zero_is_identity_and_tensor_lam_broadcasts():
    v = torch.randn(4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(prox_lp(v, 0.0, 0.5), v)
    lam = torch.tensor([[0.0], [0.1], [0.5], [2.0]], dtype=torch.float64)
    out = prox_lp(v, lam, 0.5)
    for r in range(4):
        assert torch.allclose(out[r], prox_lp(v[r], float(lam[r]), 0.5))


def test_bad_arguments():
    v = torch.zeros(3)
    with pytest.raises(InputError, match="p must lie"):
        prox_lp(v, 0.1, 1.5)
    with pytest.raises(InputError, match="lam"):
        prox_lp(v, -0.1, 0.5)


def test_lp_penalty_counts_and_sums():
    x = torch.tensor([[0.0, 2.0, -3.0], [0.0, 0.0, 1.0]])
    assert lp_penalty(x, 0).tolist() == [2.0, 1.0]
    assert lp_penalty(x, 1).tolist() == [5.0, 1.0]
    assert lp_penalty(x, 0.5)[0].item() == pytest.approx(2 ** 0.5 + 3 ** 0.5)
