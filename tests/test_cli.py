"""The `padnet` command line: good runs and every bad input (one-line error, exit 2, no output file)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from padnet.cli import main
from padnet.metrics import psnr
from padnet.physics.operators import conv_direct


@pytest.fixture
def case(tmp_path):
    """A blurred camera crop (replicate borders, 0.5% noise) with its kernel, as PNG and .npy files."""
    import torch
    from skimage.data import camera

    x = camera()[150:246, 180:276] / 255.0
    k = np.zeros((9, 9))
    k[4, 1:8] = 1.0
    k[3, 6] = 1.0
    k /= k.sum()
    y = conv_direct(torch.from_numpy(x)[None, None], torch.from_numpy(k), "replicate")[0, 0].numpy()
    y = np.clip(y + 0.005 * np.random.default_rng(0).standard_normal(y.shape), 0, 1)
    Image.fromarray(np.round(y * 255).astype(np.uint8)).save(tmp_path / "blurred.png")
    np.save(tmp_path / "blurred.npy", y)
    np.save(tmp_path / "kernel.npy", k)
    Image.fromarray(np.round(k / k.max() * 255).astype(np.uint8)).save(tmp_path / "kernel.png")
    return tmp_path, x, y


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("method", ["hl", "tv", "wiener", "admm", "hqs", "bm3d", "epll", "csf", "epadnet", "ipadnet"])
def test_deblur_improves_the_image(case, capsys, method):
    d, x, y = case
    code, _, err = run(["deblur", str(d / "blurred.npy"), str(d / "kernel.npy"), "-o", str(d / "out.npy"),
                        "--method", method, "--device", "cpu"], capsys)
    assert code == 0, err
    out = np.load(d / "out.npy")
    assert out.dtype == np.float32 and out.shape == x.shape and 0 <= out.min() and out.max() <= 1
    assert psnr(out[8:-8, 8:-8], x[8:-8, 8:-8]) > psnr(y[8:-8, 8:-8], x[8:-8, 8:-8]) + 2.0


def test_png_kernel_is_rescaled_with_a_warning_and_16bit_round_trip(case, capsys):
    d, x, _ = case
    y16 = np.round(np.asarray(Image.open(d / "blurred.png"), dtype=np.float64) / 255 * 65535).astype(np.uint16)
    Image.fromarray(y16).save(d / "blurred16.png")
    code, _, err = run(["deblur", str(d / "blurred16.png"), str(d / "kernel.png"), "-o", str(d / "out.png")], capsys)
    assert code == 0
    assert "warning" in err and "rescaled" in err and len(err.strip().splitlines()) == 1
    with Image.open(d / "out.png") as im:
        assert np.asarray(im).dtype == np.uint16 or im.mode.startswith("I")


def write_npy(path, arr):
    np.save(path, arr)
    return str(path)


BAD_CASES = {
    "nan_pixels": lambda d: (write_npy(d / "nan.npy", np.full((40, 40), np.nan)), str(d / "kernel.npy"), "NaN"),
    "inf_pixels": lambda d: (write_npy(d / "inf.npy", np.where(np.eye(40) > 0, np.inf, 0.5)), str(d / "kernel.npy"), "infinite"),
    "empty_kernel": lambda d: (str(d / "blurred.npy"), write_npy(d / "k0.npy", np.zeros((0, 0))), "empty"),
    "zero_kernel": lambda d: (str(d / "blurred.npy"), write_npy(d / "kz.npy", np.zeros((5, 5))), "all zeros"),
    "negative_kernel": lambda d: (str(d / "blurred.npy"), write_npy(d / "kn.npy", np.array([[0.5, -0.1], [0.3, 0.3]])), "negative"),
    "nan_kernel": lambda d: (str(d / "blurred.npy"), write_npy(d / "knan.npy", np.array([[np.nan, 1.0]])), "NaN"),
    "kernel_3d": lambda d: (str(d / "blurred.npy"), write_npy(d / "k3.npy", np.ones((3, 3, 3)) / 27), "2-D"),
    "kernel_too_large": lambda d: (str(d / "blurred.npy"), write_npy(d / "kbig.npy", np.ones((101, 101))), "larger than the image"),
    "missing_image": lambda d: (str(d / "nope.png"), str(d / "kernel.npy"), "no such file"),
    "missing_kernel": lambda d: (str(d / "blurred.npy"), str(d / "nope.npy"), "no such file"),
    "unreadable_png": lambda d: ((d / "junk.png").write_bytes(b"not a png at all") and str(d / "junk.png"), str(d / "kernel.npy"), "cannot read"),
    "unreadable_npy": lambda d: ((d / "junk.npy").write_bytes(b"\x93NUMPY garbage") and str(d / "junk.npy"), str(d / "kernel.npy"), "cannot read"),
    "float_out_of_range": lambda d: (write_npy(d / "big.npy", np.full((40, 40), 3.0)), str(d / "kernel.npy"), "[0, 1]"),
    "bad_type": lambda d: ((d / "img.gif").write_bytes(b"GIF89a") and str(d / "img.gif"), str(d / "kernel.npy"), "unsupported"),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_gives_one_line_error_exit_2_and_no_output(case, capsys, name):
    d, _, _ = case
    blurred, kernel, needle = BAD_CASES[name](d)
    out = d / "never.png"
    code, _, err = run(["deblur", blurred, kernel, "-o", str(out)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and needle in lines[0], err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("extra,needle", [
    (["--method", "magic"], "invalid choice"),
    (["--frobnicate"], "unrecognized arguments"),
    (["--lam", "abc"], "invalid float"),
    (["--method", "hl", "--lam", "-1"], "lam must be positive"),
    (["--method", "hl", "--p", "2"], "p must lie in [0, 1]"),
    (["--lam", "1e-3"], "give --method as well"),
    (["--device", "tpu"], "invalid choice"),
])
def test_bad_options(case, capsys, extra, needle):
    d, _, _ = case
    out = d / "never.npy"
    code, _, err = run(["deblur", str(d / "blurred.npy"), str(d / "kernel.npy"), "-o", str(out), *extra], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err, err
    assert not out.exists()


def test_bad_output_path(case, capsys):
    d, _, _ = case
    code, _, err = run(["deblur", str(d / "blurred.npy"), str(d / "kernel.npy"), "-o", str(d / "x.jpg")], capsys)
    assert code == 2 and "unsupported output" in err
    code, _, err = run(["deblur", str(d / "blurred.npy"), str(d / "kernel.npy"), "-o", str(d / "no" / "x.png")], capsys)
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("argv", [["--help"], ["deblur", "--help"], ["data", "--help"], ["data", "list", "--help"],
                                  ["data", "verify", "--help"], ["data", "fetch", "--help"]])
def test_every_command_has_help(argv, capsys):
    code, out, _ = run(argv, capsys)
    assert code == 0 and "usage:" in out


def test_data_commands(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PADNET_DATA", str(tmp_path))
    code, out, _ = run(["data", "list"], capsys)
    assert code == 0 and "levin09" in out and "absent" in out
    code, _, err = run(["data", "verify"], capsys)
    assert code == 2 and "nothing to verify" in err
    code, _, err = run(["data", "verify", "levin09"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run(["data", "fetch", "sots_indoor"], capsys)
    assert code == 2 and "no direct download" in err


def test_console_script_fetch_offline_does_not_hang(tmp_path):
    """The installed entry point: offline fetch fails fast with one line (no network on CI machines)."""
    import socket

    try:
        socket.getaddrinfo("www.wisdom.weizmann.ac.il", 80)
        pytest.skip("this machine resolves the data host; not downloading a 100 MB archive in a test")
    except OSError:
        pass
    exe = Path(sys.executable).parent / "padnet"
    proc = subprocess.run([str(exe), "data", "fetch", "levin09", "--timeout", "5"], capture_output=True, text=True,
                          timeout=120, env={"PADNET_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("padnet data: error: levin09: could not download")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("argv", [["train", "--help"], ["reproduce", "--help"]])
def test_train_and_reproduce_have_help(argv, capsys):
    code, out, _ = run(argv, capsys)
    assert code == 0 and "usage:" in out


def test_train_lists_named_models_and_rejects_unknown(capsys):
    code, out, _ = run(["train", "--list"], capsys)
    assert code == 0 and "grad-epadnet-l0.8" in out and "grad-ipadnet" in out
    code, _, err = run(["train", "no-such-model"], capsys)
    assert code == 2 and "unknown model" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["reproduce", "table9", "--out", "x"], capsys)
    assert code == 2 and "invalid choice" in err


@pytest.mark.parametrize("method,flag", [("ipadnet", "--lam"), ("ipadnet", "--p"), ("epadnet", "--p")])
def test_learned_methods_refuse_parameters_their_model_fixes(case, capsys, method, flag):
    d, _, _ = case
    code, _, err = run(["deblur", str(d / "blurred.npy"), str(d / "kernel.npy"), "-o", str(d / "x.npy"),
                        "--method", method, flag, "0.5"], capsys)
    assert code == 2 and "takes no" in err and len(err.strip().splitlines()) == 1
    assert not (d / "x.npy").exists()


def test_train_list_names_the_deconvolution_models(capsys):
    code, out, _ = run(["train", "--list"], capsys)
    assert code == 0 and "deconv-implicit" in out and "deconv-explicit" in out and "grad-epadnet-l0.8" in out


def test_reproduce_table2_methods_option(capsys, monkeypatch, tmp_path):
    """--methods runs only the named rows (embedded default: no benchmark data needed); bad names and
    other tables get one line and exit 2."""
    monkeypatch.delenv("PADNET_DATA", raising=False)
    code, out, err = run(["reproduce", "table2", "--quick", "--methods", "wiener", "--jobs", "1",
                          "--out", str(tmp_path)], capsys)
    assert code == 0, err
    rows = (tmp_path / "table2_per_image.csv").read_text().splitlines()
    assert len(rows) > 1 and all(r.startswith("Wiener,") for r in rows[1:])
    code, _, err = run(["reproduce", "table2", "--quick", "--methods", "nope", "--out", str(tmp_path)], capsys)
    assert code == 2 and "unknown Table 2 method" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["reproduce", "table1", "--quick", "--methods", "hl", "--out", str(tmp_path)], capsys)
    assert code == 2 and "table2, noise-sweep, noise-photos and colour-check only" in err
    code, _, err = run(["reproduce", "noise-photos", "--quick", "--methods", "csf", "--out", str(tmp_path)], capsys)
    assert code == 2 and "noise-photos has no rows of method(s) ['csf']" in err and len(err.strip().splitlines()) == 1


def _blurred_photo(tmp_path, sigma):
    """A grey test photo (skimage's camera) blurred by a 9 px box kernel with noise ``sigma``, written as .npy."""
    import numpy as np
    from scipy.ndimage import convolve
    from skimage import data as skdata

    x = skdata.camera()[::2, ::2].astype(np.float64) / 255
    k = np.zeros((9, 9))
    k[4, :] = 1 / 9
    y = convolve(x, k, mode="nearest") + sigma * np.random.default_rng(0).standard_normal(x.shape)
    np.save(tmp_path / "y.npy", np.clip(y, 0, 1))
    np.save(tmp_path / "k.npy", k)
    return tmp_path / "y.npy", tmp_path / "k.npy"


def test_deblur_prints_the_noise_it_used_and_warns_far_from_the_training_noise(tmp_path, capsys):
    y, k = _blurred_photo(tmp_path, 0.03)
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--method", "wiener"])
    out = capsys.readouterr()
    assert code == 0
    sigma = float(out.out.split("noise sigma = ")[1].split()[0])
    assert abs(sigma - 0.03) < 0.003 and "estimated" in out.out  # the estimator, against the noise we added
    assert "warning" not in out.err  # wiener was not trained
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--method", "csf", "--sigma", "0.03"])
    out = capsys.readouterr()
    assert code == 0 and "0.0300" in out.out and "given" in out.out
    assert "warning: csf was trained at 1.0% noise" in out.err


def test_deblur_says_when_the_noise_floor_overrides_the_estimate(tmp_path, capsys):
    """A noise-free synthetic blur: the estimate is far below 0.5%, the default uses the floor and says why and
    what to do; told --sigma, it says nothing of the floor."""
    y, k = _blurred_photo(tmp_path, 0.0)
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--method", "wiener"])
    out = capsys.readouterr().out
    assert code == 0 and float(out.split("noise sigma = ")[1].split()[0]) == 0.005
    assert "below the default's floor (0.5%)" in out and "give --sigma" in out
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--method", "wiener", "--sigma", "0"])
    out = capsys.readouterr().out
    assert code == 0 and "floor" not in out and "given" in out


@pytest.mark.parametrize("bad", ["-0.01", "0.5", "nan"])
def test_deblur_refuses_a_sigma_outside_the_range_in_one_line(tmp_path, capsys, bad):
    y, k = _blurred_photo(tmp_path, 0.01)
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--sigma", bad])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "--sigma must lie in [0, 0.2]" in err and len(err.splitlines()) == 1


def test_deblur_auto_picks_the_padnet_in_its_noise_range_and_bm3d_above(tmp_path, capsys):
    from padnet.pipelines.deblur import auto_method

    assert all(auto_method(s)[0] == "ipadnet" for s in (0.0, 0.004, 0.01, 0.03, 0.05))
    assert auto_method(0.08)[0] in ("bm3d", "tv")  # tv only where the bm3d package is missing
    y, k = _blurred_photo(tmp_path, 0.03)
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--sigma", "0.03"])
    out = capsys.readouterr()
    assert code == 0 and "method = " in out.out and "auto:" in out.out and "warning" not in out.err
    code = main(["deblur", str(y), str(k), "-o", str(tmp_path / "x.npy"), "--lam", "1e-3"])
    assert code != 0 and "give --method" in capsys.readouterr().err


def test_deblur_a_colour_photo_in_opponent_colour_by_default(tmp_path, capsys):
    """An RGB photo (skimage's astronaut crop) with 2% noise in each channel: by default the command prints a level
    per opponent channel, near 2% x (0.577, 0.707, 0.612), and the RGB equivalent; ``--colour rgb`` prints one
    level; both outputs improve on the input; ``--sigma`` is scaled per channel."""
    from scipy.ndimage import convolve
    from skimage import data as skdata

    x = skdata.astronaut()[150:278, 150:278].astype(np.float64) / 255
    k = np.zeros((9, 9))
    k[4, :] = 1 / 9
    rng = np.random.default_rng(0)
    y = np.clip(np.stack([convolve(x[..., c], k, mode="nearest") for c in range(3)], -1)
                + 0.02 * rng.standard_normal(x.shape), 0, 1)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "k.npy", k)
    base = ["deblur", str(tmp_path / "y.npy"), str(tmp_path / "k.npy"), "--method", "hl", "--device", "cpu"]
    code = main([*base, "-o", str(tmp_path / "opp.npy")])
    out = capsys.readouterr().out
    assert code == 0 and "opponent colour channels: luma" in out and "per RGB channel if independent" in out
    levels = [float(part.split()[-1].rstrip("%")) for part in out.split("channels: ")[1].split(", estimated")[0].split(", ")]
    assert np.allclose(levels, [2 * 0.577, 2 * 0.707, 2 * 0.612], rtol=0.15), out
    code = main([*base, "-o", str(tmp_path / "rgb.npy"), "--colour", "rgb"])
    out = capsys.readouterr().out
    assert code == 0 and "noise sigma = 0.0" in out and "opponent" not in out
    code = main([*base, "-o", str(tmp_path / "given.npy"), "--sigma", "0.02"])
    out = capsys.readouterr().out
    assert code == 0 and "luma 1.15%, red-blue 1.41%, green-magenta 1.22%, given (2.00% per RGB channel" in out
    before = psnr(y[10:-10, 10:-10], x[10:-10, 10:-10])
    for name in ("opp", "rgb", "given"):
        restored = np.load(tmp_path / f"{name}.npy")
        assert restored.shape == x.shape and psnr(restored[10:-10, 10:-10], x[10:-10, 10:-10]) > before + 1.0
    code, _, err = run([*base, "-o", str(tmp_path / "never.npy"), "--colour", "lab"], capsys)
    assert code == 2 and "invalid choice" in err and not (tmp_path / "never.npy").exists()
