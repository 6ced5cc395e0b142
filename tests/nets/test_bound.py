"""Condition 2 by construction: saturated units keep every step within alpha * T * bound."""

import pytest
import torch
from torch import nn

from padnet.nets.units import ResidualPropagation


class _Wild(nn.Module):
    """A unit whose output is huge (a 1x1 convolution with weight 1e3)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1, bias=False)
        nn.init.constant_(self.conv.weight, 1e3)

    def forward(self, v):
        return self.conv(v)


@pytest.mark.parametrize("alpha", [2.0, 0.3, 0.01])
def test_saturated_units_meet_condition2_elementwise(alpha):
    torch.manual_seed(0)
    v = torch.randn(2, 1, 16, 16, dtype=torch.float64)
    bound, T = 0.05, 3
    net = ResidualPropagation([_Wild().double() for _ in range(T)], bound=bound)
    with torch.no_grad():
        out = net(v, alpha)
    step = (out - v).abs()
    assert float(step.max()) <= alpha * T * bound * (1 + 1e-9)
    assert float(step.max()) > 0.9 * alpha * bound  # the bound is reached, not an empty network
    # the l2 form of Condition 2: ||N(v) - v|| <= C_N alpha with C_N = T bound sqrt(n)
    assert float((out - v).norm()) <= alpha * T * bound * v[0].numel() ** 0.5 * 2 ** 0.5 * (1 + 1e-9)


def test_saturation_is_nearly_the_identity_on_small_outputs():
    """tanh(z / c) c = z - z^3 / (3 c^2) + ...: a unit whose output is 100x below the bound is changed by
    about 1e-4 relatively (closed form of the cubic term)."""
    unit = nn.Conv2d(1, 1, 1, bias=False)
    nn.init.constant_(unit.weight, 5e-4)
    v = torch.full((1, 1, 4, 4), 1.0, dtype=torch.float64)
    unit = unit.double()
    free = ResidualPropagation([unit])(v, 1.0)
    sat = ResidualPropagation([unit], bound=0.05)(v, 1.0)
    z = 5e-4
    assert float((sat - free).abs().max()) == pytest.approx(z ** 3 / (3 * 0.05 ** 2), rel=1e-3)


def test_bound_must_be_positive():
    with pytest.raises(ValueError, match="bound"):
        ResidualPropagation([], bound=0.0)
