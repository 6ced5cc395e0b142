"""Dehazing: the haze model and the baselines against closed forms and brute force; the CLI; Table 3's cache."""

import json
import os

import numpy as np
import pytest
from scipy import ndimage

from padnet import haze
from padnet.cli import main
from padnet.metrics import psnr
from tests.conftest import REPO


@pytest.fixture
def scene(rng):
    """A piecewise-constant scene whose every pixel has a zero channel (dark channel exactly 0), with
    smooth depth, a nearly opaque far region on the right (where A can be read) and known A."""
    H, W = 96, 128
    colors = rng.uniform(0.2, 0.9, size=(12, 3))
    colors[np.arange(12), rng.integers(0, 3, 12)] = 0.0
    labels = np.kron(rng.integers(0, 12, size=(H // 8, W // 8)), np.ones((8, 8), dtype=int))
    J = colors[labels]
    yy, xx = np.mgrid[0:H, 0:W]
    depth = 0.2 + 0.8 * (xx / W)
    depth[:, -16:] = 8.0
    A = np.array([0.8, 0.85, 0.9])
    I, t = haze.render_haze(J, depth, 1.0, A)
    return J, I, t, A


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


def test_dcp_recovers_transmission_where_the_prior_holds(scene):
    J, I, t, A = scene
    t_raw = 1.0 - 0.95 * haze.dark_channel(I / A, 15)
    inner = (slice(8, -8), slice(8, -64))  # away from the image border and the opaque far region
    # min_c J_c = 0 everywhere makes min_c I_c / A_c = 1 - t, so dark(I/A) = 1 - (patch max of t)
    t_max = ndimage.maximum_filter(t, size=15, mode="nearest")
    assert np.allclose(t_raw, 1 - 0.95 * (1 - t_max), atol=1e-12)
    assert np.abs(haze.dcp_transmission(I, A) - t)[inner].mean() < 0.06


def test_boundary_constraint_is_a_lower_bound(scene):
    J, I, t, A = scene
    tb = haze.boundary_transmission(I, A, patch=1, c0=0.0, c1=1.0)
    assert (tb <= t + 1e-9)[:, :-16].all()  # (the far region has t < 0.05, the clip of t_b)


def test_atmospheric_light_finds_the_haziest_region(scene):
    J, I, t, A = scene
    assert np.allclose(haze.atmospheric_light(I), A, atol=2e-3)  # the far region has t = exp(-8)


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
    te = haze.nonlocal_transmission(I, A, n_lines=2000)
    assert np.sqrt(np.mean((te - t) ** 2)) < 0.08


def test_bccr_lowers_meng_energy_from_its_guidance(scene):
    """Meng et al.'s Eq. (20), evaluated independently (scipy correlation, circular): the contextual
    regularisation must end below its starting point t_b."""
    J, I, t, A = scene
    lam, sigma = 2.0, 0.5
    tb = haze.boundary_transmission(I, A)
    tr = haze.bccr_transmission(I, A, lam=lam, sigma=sigma)

    def energy(x):
        e = lam / 2 * np.sum((x - tb) ** 2)
        for k in haze._kirsch_filters():
            w = np.exp(-sum(ndimage.correlate(I[..., c], k, mode="wrap") for c in range(3)) ** 2 / (2 * sigma ** 2))
            e += np.sum(w * np.abs(ndimage.correlate(x, k, mode="wrap")))
        return e

    assert 0.05 <= tr.min() and tr.max() <= 1.0
    assert energy(tr) < energy(tb)


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("method", ["padnet", "dcp", "bccr", "nonlocal"])
def test_cli_dehaze_improves_a_hazy_image(tmp_path, capsys, scene, method):
    J, I, t, A = scene
    np.save(tmp_path / "hazy.npy", np.round(I * 255) / 255)
    code, _, err = run(["dehaze", str(tmp_path / "hazy.npy"), "-o", str(tmp_path / "J.npy"), "--method", method,
                        "--transmission", str(tmp_path / "t.npy"), "--device", "cpu"], capsys)
    assert code == 0, err
    out, tt = np.load(tmp_path / "J.npy"), np.load(tmp_path / "t.npy")
    assert out.shape == J.shape and tt.shape == t.shape
    assert psnr(out, J) > psnr(I, J) + 3.0


@pytest.mark.parametrize("bad,msg", [("grey", "RGB"), ("nan", "NaN"), ("range", "[0, 1]")])
def test_cli_dehaze_rejects_bad_input_in_one_line(tmp_path, capsys, bad, msg):
    img = {"grey": np.full((32, 32), 0.5), "nan": np.full((32, 32, 3), np.nan),
           "range": np.full((32, 32, 3), 2.0)}[bad]
    np.save(tmp_path / "in.npy", img)
    code, _, err = run(["dehaze", str(tmp_path / "in.npy"), "-o", str(tmp_path / "out.png")], capsys)
    assert code == 2 and msg in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists()


def test_cli_dehaze_unknown_method(tmp_path, capsys):
    code, _, err = run(["dehaze", "x.npy", "-o", str(tmp_path / "o.png"), "--method", "magic"], capsys)
    assert code == 2 and "magic" in err


def needs_haze_data():
    from padnet import data

    if not (os.environ.get("PADNET_DATA") and data.available("sots_indoor") and data.available("middlebury2005")):
        pytest.skip("needs SOTS-indoor and Middlebury (PADNET_DATA)")


def test_sots_rendering_matches_the_stored_originals():
    needs_haze_data()
    from padnet.dehaze import sots_rendering_residual

    rows = sots_rendering_residual([1400, 1437, 1449])
    assert len(rows) == 6 and all(r["max_abs_lsb"] <= 2.0 and r["rmse_lsb"] < 0.5 for r in rows)


def test_cached_table3_and_recompute_part_of_it():
    needs_haze_data()
    from padnet.dehaze import middlebury_cases
    from padnet.experiments import compare_with_cache, read_csv
    from padnet.table3 import run_dehaze_methods

    folder = REPO / "data" / "results" / "table3"
    prov = json.loads((folder / "provenance.json").read_text())
    assert not prov["embedded"] and prov["uncommitted_changes"] is False
    rows = read_csv(folder / "table3.csv")
    assert list(rows[0])[:5] == ["method", "dataset", "psnr", "ssim", "seconds"]
    now = run_dehaze_methods(middlebury_cases(["Moebius"])[:1], device="cpu", progress=False)
    assert compare_with_cache(now, read_csv(folder / "table3_per_image.csv"), ("method", "image"),
                              ("psnr", "ssim", "t_rmse"), rtol=1e-3) == []
