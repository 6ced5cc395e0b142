"""Fixtures shared by the optimisation tests."""

import pytest
import torch

from padnet.physics.operators import conv_fft


@pytest.fixture
def tiny(gen):
    x = torch.rand(1, 1, 5, 6, generator=gen, dtype=torch.float64)
    k = torch.tensor([[0.1, 0.2, 0.0], [0.05, 0.4, 0.1], [0.0, 0.1, 0.05]], dtype=torch.float64)
    y = conv_fft(x, k) + 0.01 * torch.randn(1, 1, 5, 6, generator=gen, dtype=torch.float64)
    return x, y, k
