"""Classical dehazing baselines (He, Meng, Berman) against the transmissions that rendered their inputs."""


import numpy as np
from scipy import ndimage

from padnet.baselines import haze as classical
from padnet.physics import haze


def test_dcp_recovers_transmission_where_the_prior_holds(scene):
    J, I, t, A = scene
    t_raw = 1.0 - 0.95 * haze.dark_channel(I / A, 15)
    inner = (slice(8, -8), slice(8, -64))  # away from the image border and the opaque far region
    # min_c J_c = 0 everywhere makes min_c I_c / A_c = 1 - t, so dark(I/A) = 1 - (patch max of t)
    t_max = ndimage.maximum_filter(t, size=15, mode="nearest")
    assert np.allclose(t_raw, 1 - 0.95 * (1 - t_max), atol=1e-12)
    assert np.abs(classical.dcp_transmission(I, A) - t)[inner].mean() < 0.06


def test_haze_lines_recover_transmission(rng):
    """Few colours, each seen also haze-free (t = 1): r / r_max is t exactly; the WLS keeps it close."""
    H, W = 64, 64
    colors = rng.uniform(0.05, 0.7, size=(4, 3))
    labels = np.kron(rng.integers(0, 4, size=(8, 8)), np.ones((8, 8), dtype=int))
    J = colors[labels]
    t = np.clip(0.4 + 0.6 * np.linspace(0, 1, W)[None, :] * np.ones((H, 1)), 0.1, 1.0)
    t[:, -8:] = 1.0
    A = np.array([0.9, 0.9, 0.95])
    I, _ = haze.render_haze(J, -np.log(t), 1.0, A)
    te = classical.nonlocal_transmission(I, A, n_lines=2000)
    assert np.sqrt(np.mean((te - t) ** 2)) < 0.08


def test_bccr_lowers_meng_energy_from_its_guidance(scene):
    """Meng et al.'s Eq. (20), evaluated independently (scipy correlation, circular): the contextual
    regularisation must end below its starting point t_b."""
    J, I, t, A = scene
    lam, sigma = 2.0, 0.5
    tb = haze.boundary_transmission(I, A)
    tr = classical.bccr_transmission(I, A, lam=lam, sigma=sigma)

    def energy(x):
        e = lam / 2 * np.sum((x - tb) ** 2)
        for k in classical._kirsch_filters():
            w = np.exp(-sum(ndimage.correlate(I[..., c], k, mode="wrap") for c in range(3)) ** 2 / (2 * sigma ** 2))
            e += np.sum(w * np.abs(ndimage.correlate(x, k, mode="wrap")))
        return e

    assert 0.05 <= tr.min() and tr.max() <= 1.0
    assert energy(tr) < energy(tb)
