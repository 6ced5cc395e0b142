"""The dehazing pipeline through `padnet dehaze`: improvement and one-line errors."""


import numpy as np
import pytest

from padnet.cli import main
from padnet.data import available
from padnet.data.haze import quantise, sots_scene
from padnet.io import read_image, write_image
from padnet.metrics import psnr
from padnet.physics.haze import render_haze


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


#: dB gained over the hazy input on the synthetic scene.  Every pixel of that scene has a zero channel, so He
#: et al.'s prior holds exactly and the classical estimates gain > 3 dB; PADNet, trained on SOTS-indoor
#: renders (pale rooms, far from that prior), leaves haze there (t about 0.3 too high at 1/5 of 96x128:
#: +0.9 dB measured), so its threshold only asks for an improvement.  Its accuracy where it was trained
#: is checked below on a held-out SOTS scene.
GAIN = {"padnet": 0.5, "dcp": 3.0, "bccr": 3.0, "nonlocal": 3.0}


@pytest.mark.parametrize("method", ["padnet", "dcp", "bccr", "nonlocal"])
def test_cli_dehaze_improves_a_hazy_image(tmp_path, capsys, scene, method):
    J, I, t, A = scene
    np.save(tmp_path / "hazy.npy", np.round(I * 255) / 255)
    code, _, err = run(["dehaze", str(tmp_path / "hazy.npy"), "-o", str(tmp_path / "J.npy"), "--method", method,
                        "--transmission", str(tmp_path / "t.npy"), "--device", "cpu"], capsys)
    assert code == 0, err
    out, tt = np.load(tmp_path / "J.npy"), np.load(tmp_path / "t.npy")
    assert out.shape == J.shape and tt.shape == t.shape
    assert psnr(out, J) > psnr(I, J) + GAIN[method]


@pytest.mark.skipif(not available("sots_indoor"), reason="needs SOTS-indoor under PADNET_DATA")
def test_cli_dehaze_padnet_on_a_held_out_sots_training_scene(tmp_path, capsys):
    """Scene 1434 (held out from training, not a test scene) at haze level 8, written as an 8-bit PNG:
    measured 22.6 dB for PADNet against 17.1 for He et al. and 10.7 for the input; the margins asked
    (10 dB over the input, 3 dB over He) leave room for other CPUs' rounding."""
    J, d, _ = sots_scene(1434)
    I = quantise(render_haze(J, d, 0.5 + 0.1 * 8, 1.0)[0])
    write_image(tmp_path / "hazy.png", I, bits=8)
    scores = {}
    for method in ("padnet", "dcp"):
        code, _, err = run(["dehaze", str(tmp_path / "hazy.png"), "-o", str(tmp_path / f"{method}.png"),
                            "--method", method, "--device", "cpu"], capsys)
        assert code == 0, err
        scores[method] = psnr(read_image(tmp_path / f"{method}.png")[0], J)
    assert scores["padnet"] > psnr(I, J) + 10.0
    assert scores["padnet"] > scores["dcp"] + 3.0


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


def test_padnet_transmission_meets_the_physical_bound_at_both_resolutions(scene):
    """Every stage is projected onto t >= 1 - min_c I_c / A_c at the working resolution (as in training),
    and the refined, full-resolution t meets the bound of the full-resolution image."""
    from padnet.learn.store import load_model
    from padnet.physics.haze import atmospheric_light, transmission_lower_bound
    from padnet.pipelines.dehaze import REFINEMENT, padnet_transmission, unrefined_transmission
    from padnet.tasks.dehaze import transmission_inputs

    J, I, t, A = scene
    A_est = atmospheric_light(I)
    model = load_model("dehaze")
    low = unrefined_transmission(I, A_est, "cpu", model)
    _, _, lb = transmission_inputs(I, A_est, model.config.scale)
    assert low.shape == lb.shape == (I.shape[0] // model.config.scale, I.shape[1] // model.config.scale)
    assert (low >= lb - 1e-6).all()
    full = padnet_transmission(I, A_est, "cpu", model)
    assert full.shape == I.shape[:2] and REFINEMENT.bound
    assert (full >= np.clip(transmission_lower_bound(I, A_est), 0.05, 1.0) - 1e-12).all()
