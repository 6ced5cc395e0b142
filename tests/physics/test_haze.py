"""The haze model (Eq. 17) and the shared estimates: render/recover, dark channel, guided filter, boundary constraint, airlight."""


import numpy as np
from scipy import ndimage

from padnet.physics import haze


def test_render_and_recover_are_inverse(scene):
    J, I, t, A = scene
    assert np.allclose(I, t[..., None] * J + (1 - t[..., None]) * A)  # Eq. (17)
    assert np.allclose(haze.recover(I, t, A, t0=0.0), J, atol=1e-12)


def test_dark_channel_against_brute_force(rng):
    img = rng.uniform(size=(9, 11, 3))
    dc = haze.dark_channel(img, patch=3)
    pad = np.pad(img.min(axis=2), 1, mode="edge")
    ref = np.array([[pad[i:i + 3, j:j + 3].min() for j in range(11)] for i in range(9)])
    assert np.array_equal(dc, ref)


def test_guided_filter_limits(rng):
    guide = rng.uniform(size=(40, 50))
    const = np.full((40, 50), 0.3)
    assert np.allclose(haze.guided_filter(guide, const, r=4, eps=1e-3), 0.3)
    p = rng.uniform(size=(40, 50))
    # eps -> infinity: a = 0, b = mean(p), q = mean(mean(p))
    box = lambda x: ndimage.uniform_filter(x, size=9, mode="reflect")  # noqa: E731
    assert np.allclose(haze.guided_filter(guide, p, r=4, eps=1e12), box(box(p)), atol=1e-9)
    # linear p in the guide with eps -> 0: reproduced exactly
    assert np.allclose(haze.guided_filter(guide, 2 * guide + 0.1, r=4, eps=1e-12), 2 * guide + 0.1, atol=1e-5)


def test_boundary_constraint_is_a_lower_bound(scene):
    J, I, t, A = scene
    tb = haze.boundary_transmission(I, A, patch=1, c0=0.0, c1=1.0)
    assert (tb <= t + 1e-9)[:, :-16].all()  # (the far region has t < 0.05, the clip of t_b)


def test_atmospheric_light_finds_the_haziest_region(scene):
    J, I, t, A = scene
    assert np.allclose(haze.atmospheric_light(I), A, atol=2e-3)  # the far region has t = exp(-8)


def test_transmission_lower_bound_is_where_the_radiance_turns_negative(rng):
    """At t = the bound, the darkest channel of (I - A) / t + A is exactly 0; above it none is negative."""
    from padnet.physics.haze import transmission_lower_bound

    I = rng.uniform(0.05, 0.95, size=(8, 9, 3))
    A = np.array([0.9, 0.95, 0.85])
    tb = transmission_lower_bound(I, A)
    J = (I - A) / np.maximum(tb, 1e-12)[..., None] + A
    inside = tb > 1e-6
    assert np.allclose(J.min(axis=2)[inside], 0.0, atol=1e-9)
    J_above = (I - A) / np.minimum(tb + 0.05, 1.0)[..., None] + A
    assert (J_above >= -1e-12).all()


def test_refinement_keeps_a_constant_transmission_and_enforces_the_bound(rng):
    from padnet.physics.haze import transmission_lower_bound
    from padnet.pipelines.dehaze import Refinement, refine_transmission

    I = rng.uniform(0.1, 0.9, size=(40, 50, 3))
    A = np.array([0.95, 0.95, 0.95])
    t = np.full((40, 50), 0.6)
    assert np.allclose(refine_transmission(t, I, A, Refinement(radius=8, bound=False)), 0.6)
    low = np.full((40, 50), 0.01)
    refined = refine_transmission(low, I, A, Refinement(radius=0, bound=True))
    assert (refined >= np.clip(transmission_lower_bound(I, A), 0.05, 1.0) - 1e-12).all()


def test_channel_min_equals_the_reduction(rng):
    img = rng.uniform(size=(7, 9, 3))
    scale = np.array([0.9, 0.8, 1.1])
    assert np.array_equal(haze.channel_min(img), img.min(axis=2))
    assert np.allclose(haze.channel_min(img, scale), (img / scale).min(axis=2), rtol=0, atol=1e-15)


def test_downscale_is_the_block_mean_and_upscale_reproduces_a_plane(rng):
    img = rng.uniform(size=(13, 18, 3))
    small = haze.downscale(img, 4)
    ref = np.array([[img[4 * i:4 * i + 4, 4 * j:4 * j + 4].mean(axis=(0, 1)) for j in range(4)] for i in range(3)])
    assert small.shape == (3, 4, 3) and np.allclose(small, ref, atol=1e-15)
    # a plane's block means are its values at the block centres; bilinear upsampling by s puts them back
    # where they belong, so the plane is reproduced exactly away from the clamped border
    yy, xx = np.mgrid[0:40, 0:56].astype(np.float64)
    plane = 0.3 + 0.01 * yy - 0.004 * xx
    up = haze.upscale(haze.downscale(plane, 4), 4, (42, 57))
    assert up.shape == (42, 57)
    assert np.allclose(up[2:38, 2:54], plane[2:38, 2:54], atol=1e-12)
    assert np.array_equal(up[40:, :], np.repeat(up[39:40, :], 2, axis=0))  # cropped rows: nearest values
    assert np.array_equal(up[:, 56:], up[:, 55:56])  # cropped column
    # a stack (c, h, w) is upsampled map by map
    stack = haze.upscale(np.stack([haze.downscale(plane, 4), haze.downscale(1 - plane, 4)]), 4, (42, 57))
    assert stack.shape == (2, 42, 57) and np.array_equal(stack[0], up)
    assert np.allclose(stack[1][2:38, 2:54], 1 - plane[2:38, 2:54], atol=1e-12)


def test_guided_upsample_reproduces_linear_maps_of_the_guide(rng):
    guide = rng.uniform(size=(48, 64))
    p = 2 * guide + 0.1
    # s = 1 is the guided filter itself
    assert np.allclose(haze.guided_upsample(guide, p, 1, r=4, eps=1e-3), haze.guided_filter(guide, p, r=4, eps=1e-3))
    # a map linear in the guide, known only at 1/4 resolution, comes back at full resolution with the
    # guide's own detail (the coefficients are constant, so their upsampling is exact)
    low = haze.downscale(p, 4)
    assert np.allclose(haze.guided_upsample(guide, low, 4, r=2, eps=1e-12), p, atol=1e-5)
    assert not np.allclose(haze.upscale(low, 4, guide.shape), p, atol=1e-2)  # bilinear alone cannot
