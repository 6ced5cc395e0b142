"""Networks: the RBF nonlinearity against numpy interpolation and gradcheck; N_alpha's recursion; unit layouts."""

import numpy as np
import pytest
import torch

from padnet.nets.units import (
    RBF,
    ConvUnit,
    RBFUnit,
    ResidualPropagation,
    _PiecewiseLinear,
    make_unit,
)


def test_rbf_is_the_linear_interpolant_of_its_weights(rng):
    r = RBF(channels=2, n_centers=9, span=1.0)
    with torch.no_grad():
        r.weight.copy_(torch.from_numpy(rng.standard_normal((2, 9))))
    z = torch.from_numpy(rng.uniform(-1.5, 1.5, size=(1, 2, 7, 5)))
    z[0, 0, 0, :3] = torch.tensor([-1.0, 1.0, 0.25])  # knots and ends exactly
    centers = np.linspace(-1, 1, 9)
    for grad_mode in (True, False):  # training path (autograd Function) and inference fast path
        with torch.set_grad_enabled(grad_mode):
            out = r(z).detach().numpy()
        for c in range(2):
            ref = np.interp(z[0, c].numpy(), centers, r.weight[c].detach().numpy())  # constant outside the span
            assert np.allclose(out[0, c], ref, atol=1e-12)


def test_rbf_gradients_by_gradcheck(rng):
    z = torch.from_numpy(rng.uniform(-0.9, 0.9, size=(2, 3, 4, 4))).requires_grad_()
    w = torch.from_numpy(rng.standard_normal((3, 11))).requires_grad_()
    assert torch.autograd.gradcheck(lambda z, w: _PiecewiseLinear.apply(z, w, 1.0, 0.2), (z, w))


def test_residual_propagation_is_eq6():
    torch.manual_seed(0)
    units = [RBFUnit(channels=2, width=4) for _ in range(3)]
    for u in units:
        torch.nn.init.normal_(u.conv2.weight, std=0.1)
    net = ResidualPropagation(units)
    v0 = torch.randn(2, 2, 12, 12)
    alpha = 0.7
    v, total = v0, torch.zeros_like(v0)
    for u in units:
        g = u(v)
        total = total + g
        v = v - alpha * g
    assert torch.allclose(net(v0, alpha), v0 - alpha * total, atol=1e-6)  # v_T = v_0 - alpha sum_t G(v_t)
    assert torch.allclose(net(v0, alpha, n_units=1), v0 - alpha * units[0](v0), atol=1e-6)
    assert net(v0.double(), alpha).dtype == torch.float64
    assert torch.equal(ResidualPropagation()(v0, alpha), v0)


def test_conv_units_follow_the_paper_layout():
    for depth in (7, 17):
        unit = make_unit(f"conv{depth}", channels=1, width=8)
        convs = [m for m in unit.modules() if isinstance(m, torch.nn.Conv2d)]
        bns = [m for m in unit.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        relus = [m for m in unit.modules() if isinstance(m, torch.nn.ReLU)]
        assert len(convs) == depth and len(bns) == depth - 2 and len(relus) == depth - 1
        assert unit(torch.randn(2, 1, 16, 16)).shape == (2, 1, 16, 16)
    with pytest.raises(ValueError):
        make_unit("mlp")
    with pytest.raises(ValueError):
        ConvUnit(depth=2)


def test_guided_units_read_the_guide_but_propagate_only_v():
    torch.manual_seed(0)
    units = [ConvUnit(channels=1, width=4, depth=3, guide_channels=3) for _ in range(2)]
    for u in units:
        torch.nn.init.normal_(u.body[-1].weight, std=0.1)
        u.eval()
    net = ResidualPropagation(units)
    v0, guide = torch.rand(2, 1, 8, 9), torch.rand(2, 3, 8, 9)
    with torch.no_grad():
        out = net(v0, 0.5, guide=guide)
        v = v0
        for u in units:  # Eq. (6) by hand, the guide concatenated to every unit's input
            v = v - 0.5 * u(torch.cat([v, guide], dim=1))
    assert out.shape == v0.shape and torch.allclose(out, v)
    with pytest.raises(RuntimeError):  # a guided unit without its guide is a shape error, not silent
        net(v0, 0.5)


def _unit_in_eval_mode(seed: int, width: int, guide_channels: int) -> ConvUnit:
    """A float64 7-layer :class:`ConvUnit` in eval mode with non-trivial batch-norm statistics and affine terms
    and a non-zero last layer (a fresh unit's is zero)."""
    torch.manual_seed(seed)
    unit = ConvUnit(channels=1, width=width, depth=7, guide_channels=guide_channels).double()
    with torch.no_grad():
        for m in unit.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        torch.nn.init.normal_(unit.body[-1].weight, std=0.1)
    return unit.eval()


@pytest.mark.parametrize("guide_channels", [0, 3])
def test_conv_unit_inference_path_equals_its_layers(guide_channels):
    """Eval mode without autograd folds batch norm into the convolutions and runs channels-last: it must
    compute what torch's own Conv2d / BatchNorm2d / ReLU layers compute (run with autograd on)."""
    unit = _unit_in_eval_mode(0, width=8, guide_channels=guide_channels)
    v = torch.randn(2, 1 + guide_channels, 13, 11, dtype=torch.float64)
    reference = unit.body(v.clone().requires_grad_()).detach()  # autograd on: the layers themselves
    with torch.no_grad():
        fast = unit(v)
    assert fast.is_contiguous() and fast.shape == (2, 1, 13, 11)
    assert torch.allclose(fast, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("tile", [4, 5, 9])
def test_conv_unit_tiled_inference_equals_its_layers(monkeypatch, tile):
    """Large images run through the layers block by block with a halo, zeroing what lies outside the image
    after every layer: with small blocks (border blocks, partial blocks, blocks narrower than the halo) it
    must still compute the layers' zero-padded function, in float64 and in float32."""
    import padnet.nets.units as units

    monkeypatch.setattr(units, "INFERENCE_TILE", tile)
    unit = _unit_in_eval_mode(5, width=8, guide_channels=1)
    v = torch.randn(2, 2, 29, 23, dtype=torch.float64)  # 29 x 23 > (2 tile)^2: the tiled path
    reference = unit.body(v.clone().requires_grad_()).detach()
    with torch.no_grad():
        tiled = unit(v)
        tiled32 = unit.float()(v.float())
    assert tiled.is_contiguous() and tiled.shape == (2, 1, 29, 23)
    assert reference.abs().max() > 0.1
    assert torch.allclose(tiled, reference, rtol=1e-12, atol=1e-12)
    assert torch.allclose(tiled32.double(), reference, rtol=0, atol=1e-5)


def test_conv_unit_float32_inference_matches_the_float64_layers():
    """The float32 CPU inference path (fused convolution + ReLU where torch has oneDNN) computes the layers'
    function: against the float64 layers, to float32 rounding of a 7-layer network (1e-5 on outputs of size
    about 1)."""
    unit = _unit_in_eval_mode(3, width=16, guide_channels=1)
    v = torch.randn(2, 2, 40, 33, dtype=torch.float64)
    reference = unit.body(v.clone().requires_grad_()).detach()
    unit32 = unit.float()
    with torch.no_grad():
        fast = unit32(v.float())
    assert fast.dtype == torch.float32 and fast.shape == (2, 1, 40, 33)
    assert reference.abs().max() > 0.1  # a non-trivial output
    assert torch.allclose(fast.double(), reference, rtol=0, atol=1e-5)


def test_conv_unit_inference_refolds_after_its_weights_change():
    """The folded weights are cached between eval calls; an in-place change of a weight or a running
    statistic (an optimiser step, ``load_state_dict``) must be seen by the next eval call."""
    torch.manual_seed(1)
    unit = ConvUnit(channels=1, width=4, depth=4).double().eval()
    torch.nn.init.normal_(unit.body[-1].weight, std=0.1)
    v = torch.randn(1, 1, 9, 8, dtype=torch.float64)
    with torch.no_grad():
        first = unit(v)
        assert torch.equal(unit(v), first)  # cached: the same numbers
        unit.body[2].weight.mul_(2.0)  # the second convolution, in place
        unit.body[3].running_var.fill_(9.0)  # its batch norm's statistics (net: 2/3 of the weight)
        changed = unit(v)
    reference = unit.body(v.clone().requires_grad_()).detach()
    assert not torch.allclose(changed, first)
    assert torch.allclose(changed, reference, rtol=1e-12, atol=1e-12)
    state = {k: t.clone() for k, t in ConvUnit(channels=1, width=4, depth=4).double().state_dict().items()}
    unit.load_state_dict(state)
    with torch.no_grad():
        assert torch.allclose(unit(v), unit.body(v.clone().requires_grad_()).detach(), rtol=1e-12, atol=1e-12)
