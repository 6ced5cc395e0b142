"""Non-blind deconvolution pipeline: input checks, boundary handling, per-channel solving, device choice.

:func:`deblur` is what ``padnet deblur`` calls.  Real photographs (Levin's captures) and Sun's
replicate-border inputs are not periodic, so by default the blurred image is extended with
:func:`padnet.physics.operators.pad_for_deconvolution` (replicate padding + edge tapering), deconvolved with the
circular solvers and cropped back (``boundary="taper"``); ``boundary="circular"`` skips this.

Learned methods (committed weights in ``padnet/models``, computed in float32):

* ``epadnet``: noise-level-aware explicit PADNet of Eq. (15)-(16): an EPADNet with the l0.8 prior restores
  ``g ~ D(x)`` from ``D(y)`` with Eq. (15)'s ``f_ex`` (data term weighted by ``w = 1%/sigma``, minimised over
  the image) as the fidelity of every stage (:class:`~padnet.optim.energy.CoupledFidelity`), with 7-layer
  units that also read a noise map; the linear layer from ``grad_x f_ex = 0`` maps the last ``g`` back to the
  image.  ``lam`` is ``beta`` (0.1, the value the model was trained with; model ``deconv-explicit-ex``,
  trained over sigma in [0, 5]% from ``deconv-explicit-sigma``, its Eq. (14) predecessor;
  :mod:`padnet.tasks.deblur_gradient`).
* ``ipadnet``: noise-level-aware implicit PADNet on ``f_im = w(sigma)/2 ||k * x - y||^2``, ``w = 1%/sigma``,
  with 7-layer units that also read a noise map (model ``deconv-implicit-sigma-w1-k8``: 8 stages, trained
  over sigma in [0, 5]%; :mod:`padnet.tasks.deblur_image`).  Its predecessor trained at 1% only,
  ``deconv-implicit``, is the warm start of its training.
* ``bm3d``: BM3D deblurring from the ``bm3d`` package (regularised inverse + BM3D, Makinen et al.);
  labelled BM3D-DEB in the tables: it is *not* IDD-BM3D.  ``lam`` is the noise standard deviation.
* ``epll``: EPLL (:mod:`padnet.baselines.epll`) with a 64-component patch mixture fitted to Train400
  (``padnet/models/epll-gmm.pt``); ``lam`` is the noise standard deviation.
* ``csf``: our Cascade of Shrinkage Fields (:mod:`padnet.baselines.csf`), retrained on Train400 (``padnet/models/csf.pt``).

RGB images are deblurred in the opponent colour space of CBM3D (:mod:`padnet.physics.colour`): the luma and two
chroma channels, each as a grey image with its own noise level, then mapped back (``colour="rgb"``: R, G and B
separately, as before; on the book's colour check the opponent channels score higher on average at every
noise level from 0.5% up).

The noise level sigma (std, [0, 1] units) is given or, by default, estimated from ``y``
(:func:`padnet.physics.noise.estimate_noise_sigma`, at least 0.5%: :func:`default_sigma`).  It is an
input of ``ipadnet`` and ``epadnet``; it is ``lam`` of ``bm3d`` and ``epll``; and TV, HL, Wiener and CSF (a
scale of its learned data weights) get their weight from it by
:func:`weight_for_noise`, a power law fitted on Train400 (``scripts/tune_baselines.py --rule``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from padnet.baselines.csf import csf_deblur
from padnet.baselines.epll import epll_deblur
from padnet.checks import InputError, check_image, check_kernel, resolve_device
from padnet.learn.store import load_model
from padnet.optim.energy import LpEnergy, QuadraticFidelity
from padnet.optim.solvers import admm, hl_deconv, hqs, tv_deconv, wiener_deconv
from padnet.optim.unrolled import padnet_solve
from padnet.physics.colour import OPPONENT_NOISE, from_opponent, opponent_sigmas, to_opponent
from padnet.physics.noise import estimate_noise_sigma
from padnet.physics.operators import crop_padding, pad_for_deconvolution
from padnet.tasks.deblur_gradient import DeblurCoupledSigmaTask, DeblurGradientTask
from padnet.tasks.deblur_image import NoiseLevelAware, noise_map

__all__ = ["METHODS", "DEFAULTS", "LEARNED_MODELS", "TRAINED_NOISE", "TRAINED_NOISE_RANGE", "NOISE_STD_METHODS",
           "NOISE_RULE", "SIGMA_DEFAULT_FLOOR", "COLOURS", "weight_for_noise", "default_sigma", "noise_levels",
           "noise_advice", "auto_method", "deblur", "padnet_deblur"]


@dataclass(frozen=True)
class MethodDefaults:
    lam: float | None
    p: float | None
    description: str


# Defaults: HL keeps Krishnan and Fergus's published lambda = 2000 (lam = 5e-4, alpha = 2/3), which is
# also the best of our grid on Train400; TV and Wiener weights are the best of a grid on Train400
# patches blurred by generated motion kernels with 1% noise (scripts/tune_baselines.py, never Levin or
# Sun).  The image-domain ADMM/HQS defaults use HL's weight with p = 0.8 (not tuned).
DEFAULTS: dict[str, MethodDefaults] = {
    "admm": MethodDefaults(5e-4, 0.8, "ADMM on 1/2||k*x-y||^2 + lam||Dx||_p^p (fixed rho = 100 lam)"),
    "hqs": MethodDefaults(5e-4, 0.8, "HQS with continuation on the same energy"),
    "tv": MethodDefaults(1e-3, 1.0, "anisotropic TV, ADMM (our approximation of the paper's TV row); weight from sigma "
                                    "(tuned at 1%, power law fitted on Train400)"),
    "hl": MethodDefaults(5e-4, 2.0 / 3.0, "hyper-Laplacian, Krishnan and Fergus 2009 HQS schedule; their weight at 1%, "
                                          "scaled with sigma"),
    "wiener": MethodDefaults(3e-2, None, "Wiener filter, constant noise-to-signal ratio = lam, from sigma"),
    # beta of Eq. (16) at 1%: scripts/tune_baselines.py on Train400 at 1% noise (then the models' training noise):
    # flat optimum 0.1-0.3, the lower end kept; the noise-level-aware models weigh the data term by 1% / sigma,
    # so the effective penalty is beta sigma / 1%; deconv-explicit-ex has it inside its fidelity (Eq. 15) and was
    # trained with it (padnet.tasks.deblur_gradient.BETA_EX; a test keeps the two equal)
    "epadnet": MethodDefaults(1e-1, None, "explicit PADNet of Eq. 15-16, l0.8 on gradients with f_ex as every "
                                          "stage's fidelity + linear layer Eq. 16 (lam = beta at 1%, as trained), "
                                          "noise-level-aware: takes sigma, trained over 0-5% noise"),
    "ipadnet": MethodDefaults(None, None, "implicit PADNet, 7-layer units, noise-level-aware: takes sigma, trained "
                                          "over 0-5% noise"),
    "bm3d": MethodDefaults(1e-2, None, "BM3D-DEB, bm3d package (not IDD-BM3D); lam = noise std"),
    "csf": MethodDefaults(1.0, None, "CSF 5x5, 5 stages, our reimplementation retrained on Train400 at 1% noise; "
                                     "lam scales its data weights, from sigma"),
    "epll": MethodDefaults(1e-2, None, "EPLL, 64-component GMM fitted to Train400 patches; lam = noise std"),
}
#: how :func:`deblur` treats RGB images: in opponent colour channels (the default) or channel by channel
COLOURS = ("opponent", "rgb")
#: Committed model behind each learned method (``padnet train NAME`` reproduces it).
LEARNED_MODELS = {"epadnet": "deconv-explicit-ex", "ipadnet": "deconv-implicit-sigma-w1-k8"}
METHODS = tuple(DEFAULTS)
#: noise level (standard deviation, [0, 1] units) of the training data of the methods trained at one level:
#: CSF's draws 1% Gaussian noise (padnet/baselines/csf.py)
TRAINED_NOISE = {"csf": 0.01}
#: noise range of the training data of the noise-level-aware methods, which take sigma as an input
TRAINED_NOISE_RANGE = {"ipadnet": (0.0, 0.05), "epadnet": (0.0, 0.05)}
#: methods whose ``lam`` is the noise standard deviation itself (``padnet deblur`` passes sigma to them)
NOISE_STD_METHODS = ("bm3d", "epll")
#: ``lam(sigma) = DEFAULTS[m].lam * (max(sigma, floor) / 1%)^b``: exponent ``b`` and floor per method.  ``b`` is the
#: exponent with the best mean PSNR over sigma = 0.5, 1, 2, 3, 5% on 12 Train400 cases (never Levin or Sun;
#: ``scripts/tune_baselines.py --rule``, cached in ``data/results/baselines-noise/``): TV and HL 1.5 (inside the
#: grid 0-2); CSF -2, the grid's end and the exponent of a data weight proportional to 1/sigma^2; Wiener 0.5, the
#: grid's end.  The 1% weights are the tuned defaults above.  (The explicit PADNet's beta had a rule, exponent 2,
#: while its units were trained at 1% only; its noise-level-aware model takes sigma instead.)
NOISE_RULE: dict[str, tuple[float, float]] = {"tv": (1.5, 0.0025), "hl": (1.5, 0.0025), "wiener": (0.5, 0.0025),
                                              "csf": (-2.0, 0.0025)}


def weight_for_noise(method: str, sigma: float) -> float:
    """The weight ``lam`` of ``method`` for noise level ``sigma`` by its rule (:data:`NOISE_RULE`)."""
    b, floor = NOISE_RULE[method]
    return float(DEFAULTS[method].lam * (max(float(sigma), floor) / 0.01) ** b)


def auto_method(sigma: float) -> tuple[str, str]:
    """The method ``padnet deblur`` uses by default for noise level ``sigma``, and why.

    The noise-level-aware implicit PADNet (the best method of Table 2 and of the noise sweep in the
    book) within its training range (up to 5%); above, BM3D-DEB given ``sigma``, or TV when the ``bm3d``
    package is missing.
    """
    lo, hi = TRAINED_NOISE_RANGE["ipadnet"]
    if sigma <= hi:
        return "ipadnet", f"noise within the implicit PADNet's training range ({100 * lo:.0f}-{100 * hi:.0f}%)"
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return "tv", "noise above the PADNets' training range and the bm3d package missing (pip install 'padnet[baselines]')"
    return "bm3d", "noise above the PADNets' training range: BM3D-DEB takes sigma"


def noise_advice(method: str, sigma: float) -> str | None:
    """A one-line warning when ``method``'s network was trained at a noise level far from ``sigma`` (more than 1.5x
    above or 3x below it), or, for the noise-level-aware methods, when ``sigma`` lies more than 1.2x
    above their training range; else ``None``."""
    if method in TRAINED_NOISE_RANGE:
        hi = TRAINED_NOISE_RANGE[method][1]
        if sigma <= 1.2 * hi:
            return None
        return (f"{method} was trained for noise up to {100 * hi:.0f}%; at {100 * sigma:.2f}% it extrapolates "
                "(bm3d and epll take sigma)")
    trained = TRAINED_NOISE.get(method)
    if trained is None or trained / 3 <= sigma <= 1.5 * trained:
        return None
    return (f"{method} was trained at {100 * trained:.1f}% noise (only its weight follows sigma); at "
            f"{100 * sigma:.2f}% its result may be far worse than ipadnet, which takes sigma, or bm3d / epll")


#: the smallest noise level the default assumes: the wavelet estimate sees white noise only, and real captures
#: also carry what it cannot see (kernel error, sensor non-linearity; 8-bit rounding alone is 0.11%).  On
#: Levin's captures it returns 0.1-0.2%, and the implicit PADNet told so loses about 2 dB against being
#: told 1% (the book's Table 2 chapter); a round floor, not fitted to any benchmark.
SIGMA_DEFAULT_FLOOR = 0.005


def default_sigma(y) -> tuple[float, float]:
    """The noise level used when none is given, and the raw estimate: ``(max(estimate, floor), estimate)``.

    ``y``: ``(H, W)`` / ``(H, W, C)`` array or tensor, or a ``(B, C, H, W)`` batch (the mean of the items'
    estimates, channels averaged); the estimate is :func:`padnet.physics.noise.estimate_noise_sigma`.
    """
    if isinstance(y, torch.Tensor) and y.dim() == 4:
        est = float(np.mean([estimate_noise_sigma(item.permute(1, 2, 0)) for item in y]))
    else:
        est = estimate_noise_sigma(y)
    return max(est, SIGMA_DEFAULT_FLOOR), est


def _to_bchw(y) -> tuple[torch.Tensor, str]:
    """Accept (H, W), (H, W, C) arrays or (B, C, H, W) tensors; remember the layout."""
    if isinstance(y, torch.Tensor) and y.dim() == 4:
        return y, "bchw"
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.ndim == 2:
        return torch.from_numpy(np.ascontiguousarray(arr))[None, None], "hw"
    if arr.ndim == 3 and arr.shape[-1] in (1, 3, 4):
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))[None], "hwc"
    raise InputError(f"blurred image must be (H, W), (H, W, C) or (B, C, H, W), got shape {arr.shape}")


def _from_bchw(x: torch.Tensor, layout: str, like):
    if layout == "bchw":
        return x
    out = x[0, 0] if layout == "hw" else x[0].permute(1, 2, 0)
    out = out.detach().cpu().numpy()
    return torch.from_numpy(out) if isinstance(like, torch.Tensor) else out


def _in_opponent(x: torch.Tensor, colour: str) -> bool:
    """Whether ``x`` ``(B, C, H, W)`` is deblurred in opponent colour channels: RGB (C = 3) and ``colour`` so set."""
    if colour not in COLOURS:
        raise InputError(f"unknown colour {colour!r}; expected one of {', '.join(COLOURS)}")
    return colour == "opponent" and x.shape[1] == 3


def noise_levels(y, sigma: float | None = None, colour: str = "opponent"
                 ) -> tuple[tuple[float, ...], tuple[float, ...] | None]:
    """The noise level of each channel :func:`deblur` solves, and the raw estimates behind them.

    Grey images, and colour ones with ``colour="rgb"``, get one level for all channels: ``sigma`` or
    :func:`default_sigma` (channels averaged).  An RGB image in opponent colour (:mod:`padnet.physics.colour`)
    gets one per opponent channel (luma, red-blue, green-magenta): ``sigma`` scaled by
    :data:`~padnet.physics.colour.OPPONENT_NOISE` (``sigma`` is the std of each RGB channel's noise, taken as
    independent across channels), or each channel's own estimate, at least :data:`SIGMA_DEFAULT_FLOOR`
    (camera noise is correlated across channels after demosaicking; the estimate sees what is there).

    Args:
        y: as :func:`deblur`'s ``y``.
        sigma: the given noise std ([0, 1] units) or ``None`` (estimate).
        colour: as :func:`deblur`'s ``colour``.

    Returns:
        ``(levels, estimates)``: one level per solved channel group (1 or 3); the raw estimates
        (``None`` when ``sigma`` is given).
    """
    x, _ = _to_bchw(y)
    if _in_opponent(x, colour):
        if sigma is not None:
            return opponent_sigmas(sigma), None
        used, est = zip(*(default_sigma(channel) for channel in to_opponent(x.double()).split(1, dim=1)))
        return tuple(used), tuple(est)
    if sigma is not None:
        return (float(sigma),), None
    used, est = default_sigma(x)
    return (used,), (est,)


def deblur(y, kernel, method: str = "hl", lam: float | None = None, p: float | None = None,
           boundary: str = "taper", device: str = "auto", dtype: torch.dtype = torch.float64,
           sigma: float | tuple[float, float, float] | None = None, colour: str = "opponent"):
    """Deblur ``y`` (blurred by true convolution with ``kernel``) with any method of :data:`METHODS`.

    Args:
        y: blurred image(s), ``(H, W)``, ``(H, W, C)`` or ``(B, C, H, W)``; values in [0, 1].
        kernel: ``(h, w)`` convolution PSF; non-negative; rescaled to sum 1 with a warning otherwise.
        method: one of :data:`METHODS`.
        lam: regularisation weight (Wiener: the noise-to-signal ratio); default per method, from ``sigma``
            where the method has a rule (:func:`weight_for_noise`) or is sigma itself (bm3d, epll; a given
            ``lam`` of theirs is scaled to each opponent channel like ``sigma``).
        p: exponent of the l_p prior on image gradients (admm / hqs / hl); default per method.
        boundary: ``"taper"`` (pad, edge-taper, crop; for real images) or ``"circular"``.
        device: ``auto``, ``cpu`` or ``cuda``.
        sigma: noise standard deviation in [0, 0.2] ([0, 1] units; for colour, of each RGB channel), or, for
            an RGB image in opponent colour, the three channels' levels as :func:`noise_levels` returns them;
            default: estimated from ``y`` where the method uses it, at least :data:`SIGMA_DEFAULT_FLOOR`
            (:func:`noise_levels`).
        colour: for RGB images (3 channels): ``"opponent"`` deblurs the luma and two chroma channels of
            :mod:`padnet.physics.colour`, each as a grey image with its own noise level, and maps back;
            ``"rgb"`` deblurs R, G and B separately.  Other channel counts are always deblurred channel
            by channel.

    Returns:
        The restored image(s), same layout and type (numpy or torch) as ``y``, float, not clipped.

    Raises:
        InputError: bad image, kernel, method, boundary, colour or parameter.
    """
    if method not in DEFAULTS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if boundary not in ("taper", "circular"):
        raise InputError(f"unknown boundary {boundary!r}; expected 'taper' or 'circular'")
    check_image(y, "blurred image")
    x_in, layout = _to_bchw(y)
    opponent = _in_opponent(x_in, colour)
    k = check_kernel(kernel, tuple(x_in.shape), normalise=True)
    dev = resolve_device(device)
    d = DEFAULTS[method]
    if lam is not None and d.lam is None:
        raise InputError(f"method {method!r} takes no lam")
    if p is not None and d.p is None:
        raise InputError(f"method {method!r} takes no p" + (" (its prior is fixed by the trained model)"
                                                             if method in LEARNED_MODELS else ""))
    levels = None
    if isinstance(sigma, (tuple, list, np.ndarray)):  # one level per opponent channel, as noise_levels returns them
        if not opponent or len(sigma) != 3:
            raise InputError(f"a sigma per channel ({len(sigma)} given) needs an RGB image deblurred in opponent "
                             "colour: three levels (luma, red-blue, green-magenta)")
        levels, sigma = tuple(float(s) for s in sigma), None
    for s in levels or (sigma,):
        if s is not None and not (np.isfinite(s) and 0.0 <= s <= 0.2):
            raise InputError(f"sigma must lie in [0, 0.2] (image range [0, 1]), got {s}")
    if lam is not None and not lam > 0:
        raise InputError(f"lam must be positive, got {lam}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise InputError(f"p must lie in [0, 1], got {p}")
    uses_sigma = method in TRAINED_NOISE_RANGE or (lam is None and (method in NOISE_STD_METHODS or method in NOISE_RULE))
    if method in LEARNED_MODELS or method in ("csf", "epll"):
        dtype = torch.float32  # the networks were trained in float32
    x_dt = x_in.to(device=dev, dtype=dtype)
    kt = k.to(device=dev, dtype=dtype)
    if not opponent:
        x = _solve(x_dt, kt, method, lam, p, noise_levels(x_in, sigma, colour)[0][0] if uses_sigma else None, boundary)
    else:
        if levels is None:
            levels = noise_levels(x_in, sigma, colour)[0] if uses_sigma else (None,) * 3
        o = to_opponent(x_dt)
        if method in LEARNED_MODELS:  # one batch, a noise level per channel
            x = _solve(o, kt, method, lam, p, levels, boundary)
        else:  # a weight per channel
            scale = OPPONENT_NOISE if lam is not None and method in NOISE_STD_METHODS else (1.0,) * 3
            x = torch.cat([_solve(channel, kt, method, None if lam is None else lam * c, p, s, boundary)
                           for channel, s, c in zip(o.split(1, dim=1), levels, scale)], dim=1)
        x = from_opponent(x)
    return _from_bchw(x.to(torch.float64).cpu(), layout, y)


def _solve(y: torch.Tensor, k: torch.Tensor, method: str, lam: float | None, p: float | None, sigma,
           boundary: str) -> torch.Tensor:
    """:func:`deblur`'s solve of ``y`` ``(B, C, H, W)`` (checked, on its device and dtype): the weight from
    ``sigma`` (a float; for the learned methods also one per channel) where none is given, the boundary
    handling, the method."""
    d = DEFAULTS[method]
    if lam is None and method in NOISE_STD_METHODS:
        lam = max(float(sigma), 1e-4)
    elif lam is None and method in NOISE_RULE:
        lam = weight_for_noise(method, sigma)
    lam = d.lam if lam is None else float(lam)
    p = d.p if p is None else float(p)
    pad = (0, 0)
    if boundary == "taper":
        y, pad = pad_for_deconvolution(y, k)
    if method in LEARNED_MODELS:
        x = padnet_deblur(y, k, method, beta=lam, sigma=sigma)
    elif method == "bm3d":
        x = _bm3d_deb(y, k, sigma=lam)
    elif method == "csf":
        x = csf_deblur(y, k, data_scale=lam)
    elif method == "epll":
        x = epll_deblur(y, k, sigma=lam)
    elif method == "wiener":
        x = wiener_deconv(y, k, nsr=lam)
    elif method == "tv":
        x, _ = tv_deconv(y, k, lam=lam)
    elif method == "hl":
        x, _ = hl_deconv(y, k, lam=lam, p=p)
    else:
        energy = LpEnergy(QuadraticFidelity.deblur(y, k), lam, p, analysis="grad")
        if method == "admm":
            x, _ = admm(energy, y, rho=100.0 * lam, eps=1e-4, max_iter=300)
        else:
            x, _ = hqs(energy, y, beta0=lam, beta_rate=2.0 * np.sqrt(2.0), beta_max=1e5 * lam, eps=1e-4, max_iter=100)
    return crop_padding(x, pad)


@lru_cache(maxsize=4)
def _model(name: str, device: str):

    return load_model(name, device=device)


def padnet_deblur(y: torch.Tensor, kernel: torch.Tensor, method: str = "ipadnet", beta: float | None = None,
                  model=None, sigma: float | None = None) -> torch.Tensor:
    """Alg. 1 with a trained PADNet on a (periodic) deblurring problem.

    Args:
        y: blurred images ``(B, C, H, W)`` (each channel deblurred separately), any float dtype.
        kernel: PSF ``(1, 1, h, w)``, summing to 1.
        method: ``"epadnet"`` (Eq. 15-16) or ``"ipadnet"`` (``f_im``).
        beta: ``beta`` of Eq. (16) (explicit only; default: the one the model was trained with, inside its
            fidelity for Eq. (15) models; :data:`DEFAULTS` for the Eq. (14) ones).
        model: a :class:`padnet.learn.store.Model` to use instead of the committed one.
        sigma: noise standard deviation ([0, 1] units), a float or one per channel of ``y`` (``C`` values),
            needed by a noise-level-aware model (its weighted fidelity and noise map,
            :mod:`padnet.tasks.deblur_image`); ignored by the others.

    Returns:
        ``x`` of the same shape, dtype and device as ``y``.
    """

    if model is None:
        model = _model(LEARNED_MODELS[method], str(y.device))
    cfg = model.config
    B, C, H, W = y.shape
    y32 = y.reshape(B * C, 1, H, W).float()
    k32 = kernel.float()
    aware = isinstance(cfg.task, NoiseLevelAware)
    if aware and sigma is None:
        raise InputError(f"model {cfg.name!r} is noise-level-aware: give sigma")
    if isinstance(sigma, (tuple, list)):  # one level per channel: per item of the (B C, 1, H, W) batch
        if len(sigma) != C:
            raise InputError(f"{len(sigma)} noise levels for {C} channels")
        sigma = torch.tensor(sigma, dtype=torch.float32, device=y.device).repeat(B)
    # a noise-level-aware model: its data terms weighted by (1% / sigma)^a and its units given the noise map
    w = cfg.task.weight(sigma, y32) if aware else None
    nets = model.as_callables(guide=noise_map(sigma, y32) if aware else None)
    if isinstance(cfg.task, DeblurGradientTask):  # restore g = D(x), then the image by the linear layer (Eq. 16)
        if isinstance(cfg.task, DeblurCoupledSigmaTask):  # Eq. (15): f_ex on g; the task's beta unless given
            f = cfg.task.fidelity(y32, k32, sigma, beta)
            image = f.image  # its inner minimiser: the task's Eq. (16) with f's data term, not built again
        else:  # Eq. (14)
            f = QuadraticFidelity.gradient_domain(y32, k32, w)
            beta = DEFAULTS["epadnet"].lam if beta is None else beta

            def image(g: torch.Tensor) -> torch.Tensor:
                return cfg.task.image(g, y32, k32, beta, sigma)
        g, _ = padnet_solve(f, nets, cfg.padnet_config(), prox_r=cfg.prox_r())
        x = image(g)  # Eq. (16), grad_x f_ex = 0
    else:
        x, _ = padnet_solve(QuadraticFidelity.deblur(y32, k32, w), nets, cfg.padnet_config())
    return x.reshape(B, C, H, W).to(y.dtype)


def _bm3d_deb(y: torch.Tensor, kernel: torch.Tensor, sigma: float) -> torch.Tensor:
    """BM3D deblurring (``bm3d.bm3d_deblurring``, profile ``np``) of every channel; periodic model."""
    try:
        import bm3d
    except ImportError as err:  # optional extra
        raise InputError("method 'bm3d' needs the bm3d package: pip install 'padnet[baselines]'") from err
    if not hasattr(np, "trapz"):  # bm4d 4.2 still calls np.trapz, removed in NumPy 2.4 (same function)
        np.trapz = np.trapezoid
    k = kernel.reshape(kernel.shape[-2:]).detach().cpu().double().numpy()
    out = torch.empty_like(y)
    for b in range(y.shape[0]):
        for c in range(y.shape[1]):
            z = y[b, c].detach().cpu().double().numpy()
            # a (H, W, 1) input: bm3d_deblurring mis-broadcasts its noise PSD for 2-D inputs
            x = bm3d.bm3d_deblurring(z[:, :, None], sigma, k)
            out[b, c] = torch.from_numpy(np.asarray(x, dtype=np.float64).reshape(z.shape))
    return out
