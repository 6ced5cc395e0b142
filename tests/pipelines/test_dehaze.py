"""The dehazing pipeline through `padnet dehaze`: improvement and one-line errors."""


import numpy as np
import pytest

from padnet.cli import main
from padnet.metrics import psnr


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
