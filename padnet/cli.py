"""``padnet`` command line: thin wrappers over the package.

Every error a user can cause (bad files, bad kernels, unknown options) is reported in one line on
stderr with exit code 2 and no output file.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from padnet import data
from padnet.baselines.csf import CSF_CONFIG, save_csf, train_csf
from padnet.baselines.epll import GMM_CONFIG, fit_gmm, save_gmm
from padnet.checks import InputError, resolve_device
from padnet.data import DataError
from padnet.io import read_image, read_kernel, write_image
from padnet.learn.alg2 import train
from padnet.learn.store import MODEL_DIR, file_sha256, model_path, save_model
from padnet.learn.zoo import BASELINE_MODELS, MODEL_CONFIGS, named_config
from padnet.physics.colour import OPPONENT_NAMES, OPPONENT_NOISE
from padnet.pipelines.deblur import (
    COLOURS,
    DEFAULTS,
    SIGMA_DEFAULT_FLOOR,
    auto_method,
    deblur,
    noise_advice,
    noise_levels,
)
from padnet.pipelines.dehaze import dehaze
from padnet.provenance import provenance
from padnet.runtime import apply_env_settings

__all__ = ["main"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line (no usage dump) and exit 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def _one_line_warnings(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(f"padnet: warning: {message}\n")


def _build_parser() -> argparse.ArgumentParser:

    parser = _Parser(prog="padnet", description="PADNet (Liu et al., AAAI 2018): deblurring, data and experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    methods = ", ".join(f"{m} ({d.description})" for m, d in DEFAULTS.items())
    p = sub.add_parser("deblur", help="non-blind deconvolution of one image",
                       description="Deblur BLURRED (y = k * x + noise) with the known convolution PSF KERNEL. "
                                   f"Methods: {methods}.")
    p.add_argument("blurred", metavar="BLURRED", help="PNG or TIFF (8/16 bit) or .npy float in [0, 1]; grey or RGB")
    p.add_argument("kernel", metavar="KERNEL", help="convolution PSF as PNG or .npy (rescaled to sum 1 with a warning)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help=".png, .tif or .npy (float32 in [0, 1])")
    p.add_argument("--method", default="auto", choices=["auto", *DEFAULTS], metavar="METHOD",
                   help=f"auto or one of {', '.join(DEFAULTS)} (default: auto = ipadnet, which takes the noise sigma, "
                        "where sigma is at most 5%%, the range it was trained for, else bm3d given sigma)")
    p.add_argument("--lam", type=float, default=None, help="regularisation weight (default: from the sigma below "
                   "for tv, hl, wiener, csf; bm3d and epll: sigma itself; epadnet: beta of Eq. 16 at 1%%, which the model "
                   "weighs by sigma; admm, hqs: fixed)")
    p.add_argument("--p", type=float, default=None, help="l_p exponent on image gradients, 0 <= p <= 1")
    p.add_argument("--sigma", type=float, default=None, metavar="S",
                   help="noise standard deviation in [0, 1] units, 0 <= S <= 0.2 (default: estimated from BLURRED "
                        "by the wavelet median absolute deviation, at least 0.5%%; for RGB, that of each channel); "
                        "printed; an input of ipadnet and epadnet, lam of bm3d and epll, the weight of tv, hl, wiener, "
                        "csf; checked against the noise csf was trained at (1%%)")
    p.add_argument("--colour", default="opponent", choices=list(COLOURS),
                   help="RGB images: opponent (default) deblurs the luma (mean of R, G, B) and two chroma "
                        "differences, each as a grey image with its own noise level (estimated per channel, or "
                        "the given sigma scaled), then maps back; rgb deblurs R, G and B separately")
    p.add_argument("--boundary", default="taper", choices=["taper", "circular"],
                   help="taper: replicate-pad and edge-taper (real photos, default); circular: periodic model")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="compute device (default: auto)")

    h = sub.add_parser("dehaze", help="single-image dehazing",
                       description="Dehaze HAZY (I = t J + (1 - t) A): estimate A and the transmission t, "
                                   "recover J = (I - A) / max(t, 0.1) + A.")
    h.add_argument("hazy", metavar="HAZY", help="RGB PNG or TIFF (8/16 bit) or .npy float (H, W, 3) in [0, 1]")
    h.add_argument("-o", "--output", required=True, metavar="OUT", help="dehazed image: .png, .tif or .npy")
    h.add_argument("--method", default="padnet", choices=["padnet", "dcp", "bccr", "nonlocal"],
                   help="padnet (default), dcp (He et al.), bccr (Meng et al.), nonlocal (Berman et al.)")
    h.add_argument("--transmission", metavar="T_OUT", default=None, help="also write the transmission (grey)")
    h.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="compute device (default: auto)")

    d = sub.add_parser("data", help="list, verify or fetch benchmark data (found through PADNET_DATA)",
                       description="Benchmark data live in $PADNET_DATA/<name>/ and are checked against sha256 manifests.")
    dsub = d.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    dsub.required = True
    dsub.add_parser("list", help="registered datasets, where they are expected and whether present",
                    description="List registered datasets, their sources and whether they are present.")
    v = dsub.add_parser("verify", help="check every file's sha256", description="Check files against the manifests.")
    v.add_argument("names", nargs="*", metavar="NAME", help="datasets to verify (default: all present)")
    f = dsub.add_parser("fetch", help="download a dataset's original archive",
                        description="Download the original archive from its original address (needs network).")
    f.add_argument("name", metavar="NAME")
    f.add_argument("--timeout", type=float, default=20.0, help="seconds per connection attempt (default 20)")

    t = sub.add_parser("train", help="train a named model with Alg. 2 (writes padnet/models/NAME.pt + .json)",
                       description="Train a named PADNet model with Alg. 2; checkpoints after every stage, resumes "
                                   "a killed run.")
    t.add_argument("name", metavar="NAME", nargs="?", help="model name (see --list)")
    t.add_argument("--list", action="store_true", help="list the named models")
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    t.add_argument("--out-dir", default=None, help="where to write NAME.pt/.json (default: padnet/models)")
    t.add_argument("--checkpoint-dir", default="results/checkpoints", help="per-stage checkpoints (default: %(default)s)")

    r = sub.add_parser("reproduce", help="recompute a table of the paper",
                       description="Recompute a table; --quick runs a fixed subset and checks it against the cache.")
    r.add_argument("table", choices=["table1", "table2", "table3", "baselines", "noise-sweep", "noise-photos",
                                     "colour-check"],
                   metavar="TABLE",
                   help="table1 (Table 1 / Fig. 1), table2 (Table 2, Levin + Sun), table3 (dehazing, SOTS + "
                        "Middlebury), baselines (classical rows of Table 2 on Levin, both border treatments), "
                        "noise-sweep (deblurring at 0.5-5%% noise, Sun crops x Levin kernels), noise-photos "
                        "(the same on scikit-image photos, classical weights also tuned on each image) or "
                        "colour-check (RGB photos deblurred in opponent colour and per channel)")
    r.add_argument("--sun", default="official", choices=["official", "all"],
                   help="table2: Sun's 80 official inputs (default, cached) or all 640 synthesised")
    r.add_argument("--methods", nargs="+", metavar="METHOD", default=None,
                   help="table2, noise-sweep, noise-photos, colour-check: run only the rows of these deblur methods "
                        "(e.g. epadnet ipadnet csf; default: every row)")
    r.add_argument("--quick", action="store_true", help="fixed subset (checked against the cached full run)")
    r.add_argument("--out", required=True, metavar="DIR", help="output folder for the CSVs")
    r.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes on CPU, one thread each (default: all cores); results do not depend on it")
    return parser


def _device_label(dev) -> str:
    """How provenance names the device: the GPU's name, or the CPU with its thread count."""
    import torch

    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    return f"{dev} ({torch.get_num_threads()} threads)"


def _cmd_train(args) -> int:

    if args.list or not args.name:
        for name, cfg in MODEL_CONFIGS.items():
            kind = "implicit" if cfg.p is None else f"explicit, p = {cfg.p:g}"
            print(f"{name:20s} {cfg.domain} domain, {kind}, {cfg.unit} units")
        for name, what in BASELINE_MODELS.items():
            print(f"{name:20s} {what}")
        return 0
    if args.name in BASELINE_MODELS:
        return _train_baseline(args)
    cfg = named_config(args.name)
    dev = resolve_device(args.device)
    ckpt_dir = Path(args.checkpoint_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    model = train(cfg, ckpt_dir / f"{cfg.name}.pt", device=str(dev))

    dataset = cfg.task.dataset
    extra = {"embedded_fallback": not data.available(dataset)}
    if cfg.init_from:  # the warm start's weights are part of what the model was made from
        extra["init_from"] = {"model": cfg.init_from, "weights_sha256": file_sha256(model_path(cfg.init_from))}
    prov = provenance(f"padnet train {args.name} --device {args.device}", model.wall_seconds, [dataset],
                      _device_label(dev), extra)
    path = save_model(model, prov, Path(args.out_dir) if args.out_dir else MODEL_DIR)
    wall = model.wall_seconds
    print(f"wrote {path} and {path.with_suffix('.json')} ({wall:.0f} s of training)")
    return 0


def _train_baseline(args) -> int:
    import torch


    dev = resolve_device(args.device)
    out_dir = Path(args.out_dir) if args.out_dir else MODEL_DIR
    if args.name == "csf":

        model, log = train_csf(CSF_CONFIG, device=str(dev))
        prov = provenance(f"padnet train csf --device {args.device}", log["wall_seconds"], ["train400"],
                          _device_label(dev),
                          {"embedded_fallback": not data.available("train400")})
        path = save_csf(model, log, prov, out_dir)
    else:  # epll-gmm

        gmm, log = fit_gmm(GMM_CONFIG)
        prov = provenance("padnet train epll-gmm", log["wall_seconds"], ["train400"],
                          _device_label(torch.device("cpu")),
                          {"embedded_fallback": not data.available("train400")})
        path = save_gmm(gmm, GMM_CONFIG, log, prov, out_dir)
    print(f"wrote {path} and {path.with_suffix('.json')} ({log['wall_seconds']:.0f} s of training)")
    return 0


def _cmd_reproduce(args) -> int:
    # deferred: the experiments bring scikit-image's metrics and SciPy's ndimage (0.2 s of every command's start)
    from padnet.experiments.reproduce import reproduce

    if args.jobs < 1:
        raise InputError(f"--jobs must be >= 1, got {args.jobs}")
    if args.methods and args.table not in ("table2", "noise-sweep", "noise-photos", "colour-check"):
        raise InputError("--methods applies to table2, noise-sweep, noise-photos and colour-check only")
    return reproduce(args.table, quick=args.quick, out=Path(args.out), device=args.device, jobs=args.jobs, sun=args.sun,
                     methods=args.methods)


def _cmd_deblur(args) -> int:

    out = _output_path(args.output)
    if args.sigma is not None and not 0.0 <= args.sigma <= 0.2:
        raise InputError(f"--sigma must lie in [0, 0.2] (image range [0, 1]), got {args.sigma}")
    y, bits = read_image(args.blurred)
    k = read_kernel(args.kernel)
    levels, est = noise_levels(y, args.sigma, args.colour)
    print(_describe_noise(levels, est, args.sigma))
    sigma = max(levels)  # the largest level any channel gets: what the choice and the advice must cover
    method = args.method
    if method == "auto":
        if args.lam is not None or args.p is not None:
            raise InputError("--lam and --p belong to a chosen method: give --method as well")
        method, why = auto_method(sigma)
        print(f"method = {method} (auto: {why})")
    advice = noise_advice(method, sigma)
    if advice:
        print(f"warning: {advice}", file=sys.stderr)
    x = deblur(y, k, method=method, lam=args.lam, p=args.p, boundary=args.boundary, device=args.device,
               sigma=levels if len(levels) > 1 else levels[0], colour=args.colour)
    write_image(out, x, bits=bits)
    return 0


def _describe_noise(levels: tuple[float, ...], est: tuple[float, ...] | None, given: float | None) -> str:
    """The line ``padnet deblur`` prints about the noise level(s) it uses."""
    floored = est is not None and any(used > raw for used, raw in zip(levels, est))
    if len(levels) == 1:
        line = f"noise sigma = {levels[0]:.4f} ({100 * levels[0]:.2f}% of the range), "
    else:
        per = ", ".join(f"{name} {100 * s:.2f}%" for name, s in zip(OPPONENT_NAMES, levels))
        line = f"noise sigma in the opponent colour channels: {per}, "
    if given is not None:
        line += "given" + (f" ({100 * given:.2f}% per RGB channel, taken as independent)" if len(levels) > 1 else "")
        return line
    line += "estimated from the blurred image (wavelet MAD)"
    if len(levels) > 1:
        line += f"; about {100 * est[0] / OPPONENT_NOISE[0]:.2f}% per RGB channel if independent"  # the luma's
    if floored:
        raw = ", ".join(f"{100 * e:.2f}%" for e in est)
        line += (f"; the estimate ({raw}) is below the default's floor ({100 * SIGMA_DEFAULT_FLOOR:.1f}%), which "
                 "real captures need; for a synthetic blur with its exact kernel, give --sigma")
    return line


def _output_path(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() not in (".png", ".tif", ".tiff", ".npy"):
        raise InputError(f"{out}: unsupported output type {out.suffix!r}; expected .png, .tif or .npy")
    if not out.parent.exists():
        raise InputError(f"{out}: output folder {out.parent} does not exist")
    return out


def _cmd_dehaze(args) -> int:

    out = _output_path(args.output)
    t_out = _output_path(args.transmission) if args.transmission else None
    img, bits = read_image(args.hazy)
    if img.ndim != 3:
        raise InputError(f"{args.hazy}: dehazing needs an RGB image (H, W, 3), got a grey one {img.shape}")
    J, t, _ = dehaze(img, method=args.method, device=args.device)
    write_image(out, J, bits=bits)
    if t_out is not None:
        write_image(t_out, t, bits=bits)
    return 0


def _cmd_data(args) -> int:

    if args.action == "list":
        root = data.data_root()
        print(f"PADNET_DATA = {root if root else '(unset)'}")
        for ds in data.DATASETS.values():
            state = "present" if data.available(ds.name) else "absent"
            print(f"{ds.name:15s} {state:8s} {ds.description}")
            print(f"{'':15s} {'':8s} source: {ds.urls[0] if ds.urls else ds.page}")
        return 0
    if args.action == "verify":
        names = args.names or [n for n in data.DATASETS if data.available(n)]
        if not names:
            raise data.DataError("no dataset present under PADNET_DATA; nothing to verify")
        for name in names:
            n = data.verify(name)
            print(f"{name}: {n} files OK")
        return 0
    paths = data.fetch(args.name, timeout=args.timeout)
    for path in paths:
        print(path)
    print(f"unpack as described: {data.DATASETS[args.name].notes}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``padnet`` console script; returns the exit code.

    With ``PADNET_THREADS`` set, the determinism policy of :mod:`padnet.runtime` applies (the book's
    chapters set it for every command they run); otherwise torch uses all cores.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    previous = warnings.showwarning
    warnings.showwarning = _one_line_warnings
    try:
        apply_env_settings()
        if args.command == "deblur":
            return _cmd_deblur(args)
        if args.command == "dehaze":
            return _cmd_dehaze(args)
        if args.command == "data":
            return _cmd_data(args)
        if args.command == "train":
            return _cmd_train(args)
        if args.command == "reproduce":
            return _cmd_reproduce(args)
    except (InputError, DataError) as err:
        sys.stderr.write(f"padnet {args.command}: error: {err}\n")
        return EXIT_USAGE
    except OSError as err:  # unreadable/unwritable files the checks above did not foresee
        where = f" {err.filename}" if getattr(err, "filename", None) else ""
        sys.stderr.write(f"padnet {args.command}: error:{where} {err.strerror or err}\n")
        return EXIT_USAGE
    finally:
        warnings.showwarning = previous
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
