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
