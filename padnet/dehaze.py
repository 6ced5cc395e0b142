"""Dehazing with PADNet (Table 3): benchmark scenes, rendering, training pairs and the ``dehaze`` pipeline.

PADNet estimates the transmission: an implicit PADNet on ``f(t) = 1/2 ||t - t~||^2`` with the guidance
``t~`` of Meng et al.'s boundary constraint (:func:`padnet.haze.boundary_transmission`) and 17-layer
units that also read the hazy image (over ``A``); then ``J = (I - A) / max(t, 0.1) + A`` with He et al.'s ``A``.

Benchmarks (Fattal's 2014 set is not reachable; these stand in):

* SOTS-indoor: scenes 1400-1434 train (rendered on the fly with random ``beta`` and ``A``),
  1435-1449 test.  A test case is a scene at haze level
  ``k = 1..10``, rendered from ``clear`` + ``depth`` with ``beta_k = 0.5 + 0.1 k`` and ``A = 1`` and
  quantised to 8 bits (the stored originals match this within 1 LSB: :func:`sots_rendering_residual`).
* Middlebury 2005 (third size: Art, Books, Dolls, Laundry, Moebius, Reindeer), rendered as Fattal did
  from disparity with the constants of :data:`MIDDLEBURY_RENDER`.
* Without data: scikit-image's ``stereo_motorcycle`` (left view + disparity), rendered the same way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from padnet import data, haze
from padnet.checks import InputError

__all__ = ["HazeSample", "SOTS_TRAIN", "SOTS_TEST", "MIDDLEBURY_SCENES", "MIDDLEBURY_RENDER", "sots_scene",
           "sots_case", "sots_rendering_residual", "middlebury_cases", "embedded_haze_cases", "fattal_moebius", "haze_benchmark",
           "make_dehaze_training_set", "METHODS", "dehaze"]

SOTS_TRAIN = list(range(1400, 1435))
SOTS_TEST = list(range(1435, 1450))
MIDDLEBURY_SCENES = ["Art", "Books", "Dolls", "Laundry", "Moebius", "Reindeer"]
#: Fattal-style rendering of the Middlebury scenes: depth ``Z = 1 / (disparity + dmin)`` (holes filled
#: with the nearest valid value), ``z = (Z - min Z) / (max Z - min Z)``, ``t = exp(-beta (0.1 + 0.9 z))``
#: for each ``beta``, bluish ``A``, 8-bit quantisation.  ``dmin`` is Middlebury's 200 px for Art and
#: Moebius and taken as 200 for the others (their dmin is not stored; only relative depth matters).
MIDDLEBURY_RENDER = {"dmin": 200.0, "betas": (0.5, 1.0), "A": (0.85, 0.9, 0.95)}


@dataclass
class HazeSample:
    """One test case: hazy ``I``, clean ``J`` ``(H, W, 3)``, true ``t`` and its reliability ``mask``."""

    name: str
    dataset: str
    hazy: np.ndarray
    clean: np.ndarray
    t: np.ndarray
    A: np.ndarray
    mask: np.ndarray
    embedded: bool = False


def _quantise(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 255.0), 0, 255) / 255.0


@lru_cache(maxsize=64)
def sots_scene(scene: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SOTS-indoor scene: clean ``J`` in [0, 1], normalised depth ``d`` in [0, 1], mask (``True`` = reliable)."""
    rels = [f"clear/{scene}.png", f"depth/{scene}.png", f"mask/{scene}.png"]
    data.verify("sots_indoor", rels)
    root = data.dataset_dir("sots_indoor")
    J = data._read_png(root / rels[0])[..., :3].astype(np.float64) / 255.0
    d = data._read_png(root / rels[1]).astype(np.float64) / 65535.0
    mask = data._read_png(root / rels[2]) == 255
    return J, d, mask


def sots_case(scene: int, k: int) -> HazeSample:
    """Scene ``scene`` at haze level ``k`` (1..10): ``beta = 0.5 + 0.1 k``, ``A = 1``, 8 bits."""
    J, d, mask = sots_scene(scene)
    I, t = haze.render_haze(J, d, 0.5 + 0.1 * k, 1.0)
    return HazeSample(f"sots_{scene}_k{k:02d}", "sots_indoor", _quantise(I), J, t, np.ones(3), mask)


def sots_rendering_residual(scenes: list[int] | None = None) -> list[dict]:
    """Our rendering against the stored SOTS hazy originals: RMSE and max |difference| in 8-bit levels."""
    rows = []
    for scene in scenes or SOTS_TRAIN + SOTS_TEST:
        k1 = (scene - 1400) % 10 + 1
        for k in (k1, (k1 + 4) % 10 + 1):
            rel = f"hazy/{scene}_{k}.png"
            data.verify("sots_indoor", [rel])
            orig = data._read_png(data.dataset_dir("sots_indoor") / rel)[..., :3].astype(np.float64)
            ours = sots_case(scene, k).hazy * 255.0
            diff = ours - orig
            rows.append({"scene": scene, "k": k, "rmse_lsb": float(np.sqrt(np.mean(diff ** 2))),
                         "max_abs_lsb": float(np.abs(diff).max())})
    return rows


def _disparity_to_depth(disp: np.ndarray, dmin: float) -> np.ndarray:
    from scipy import ndimage

    disp = disp.astype(np.float64)
    hole = disp <= 0
    if hole.any():
        idx = ndimage.distance_transform_edt(hole, return_distances=False, return_indices=True)
        disp = disp[tuple(idx)]
    Z = 1.0 / (disp + dmin)
    return (Z - Z.min()) / max(Z.max() - Z.min(), 1e-12)


def _render_stereo(name: str, dataset: str, J: np.ndarray, disp: np.ndarray, embedded: bool) -> list[HazeSample]:
    r = MIDDLEBURY_RENDER
    z = _disparity_to_depth(disp, r["dmin"])
    out = []
    for beta in r["betas"]:
        t = np.exp(-beta * (0.1 + 0.9 * z))
        A = np.asarray(r["A"])
        I = t[..., None] * J + (1.0 - t[..., None]) * A
        out.append(HazeSample(f"{name}_b{beta:g}", dataset, _quantise(I), J, t, A, disp > 0, embedded))
    return out


def middlebury_cases(scenes: list[str] | None = None) -> list[HazeSample]:
    """The Middlebury scenes (third size) rendered with :data:`MIDDLEBURY_RENDER`."""
    out = []
    for scene in scenes or MIDDLEBURY_SCENES:
        rels = [f"thirdsize/{scene}_view1.png", f"thirdsize/{scene}_disp1.png"]
        data.verify("middlebury2005", rels)
        root = data.dataset_dir("middlebury2005")
        J = data._read_png(root / rels[0])[..., :3].astype(np.float64) / 255.0
        out += _render_stereo(scene.lower(), "middlebury2005", J, data._read_png(root / rels[1]), False)
    return out


def _motorcycle() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's ``stereo_motorcycle`` left view (half resolution, [0, 1]) and its disparity (0 = unknown)."""
    from skimage.data import stereo_motorcycle

    left, _, disp = stereo_motorcycle()
    J = left[::2, ::2, :3].astype(np.float64) / 255.0
    d = np.nan_to_num(disp[::2, ::2], nan=0.0, posinf=0.0)
    return J, np.where(d > 0, d * 2.0, 0.0)  # Middlebury-like full-size disparity values


def embedded_haze_cases() -> list[HazeSample]:
    """``stereo_motorcycle`` rendered like the Middlebury scenes (no benchmark data)."""
    J, d = _motorcycle()
    return _render_stereo("motorcycle", "embedded", J, d, True)


def fattal_moebius() -> np.ndarray:
    """Fattal's hazy ``moebius`` input (1200x956 RGB in [0, 1]; no ground truth: qualitative only)."""
    rel = "fattal2014/moebius_input.png"
    data.verify("middlebury2005", [rel])
    return data._read_png(data.dataset_dir("middlebury2005") / rel)[..., :3].astype(np.float64) / 255.0


def haze_benchmark(mode: str = "quick") -> tuple[list[HazeSample], bool]:
    """Test cases for ``mode`` (quick: 12 SOTS cases + 2 Middlebury; full: 150 + 12); embedded fallback."""
    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full', got {mode!r}")
    if not (data.available("sots_indoor") and data.available("middlebury2005")):
        warnings.warn(data.EMBEDDED_NOTICE, stacklevel=2)
        return embedded_haze_cases(), True
    if mode == "quick":
        cases = [sots_case(s, (s - 1435) % 10 + 1) for s in SOTS_TEST[:12]]
        return cases + middlebury_cases(["Moebius"]), False
    cases = [sots_case(s, k) for s in SOTS_TEST for k in range(1, 11)]
    return cases + middlebury_cases(), False


def _guide(I: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The units' guidance: the hazy image in units of the airlight, ``I / A`` ``(3, H, W)``: Eq. (17)
    divided by ``A`` reads ``I / A = t J / A + 1 - t``, free of the airlight's tint."""
    return np.ascontiguousarray((I / np.maximum(A, 1e-3)).transpose(2, 0, 1))


def make_dehaze_training_set(cfg, n: int, offset: int, device: torch.device):
    """``n`` training patches from the SOTS training scenes, rendered on the fly: random scene,
    ``beta ~ U[0.5, 1.8]``, ``A = a (1 + delta_c)`` with ``a ~ U[0.7, 1.0]``, ``delta_c ~ U[-0.1, 0.1]``
    (grey to slightly tinted), 8 bits.  ``y`` = guidance ``t~`` (boundary constraint with He's estimated
    ``A``), ``x`` = true ``t``, ``guide`` = the hazy patch over the estimated ``A`` (:func:`_guide`)."""
    from padnet.training import TrainingSet

    rng = np.random.default_rng([cfg.seed, offset, 17])
    P = cfg.patch
    embedded = not data.available("sots_indoor")
    if embedded:
        warnings.warn(data.EMBEDDED_NOTICE, stacklevel=2)
    ys, xs, gs = [], [], []
    per_render = 4
    while len(xs) < n:
        if embedded:
            J, disp = _motorcycle()
            d = _disparity_to_depth(disp, MIDDLEBURY_RENDER["dmin"])
        else:
            J, d, _ = sots_scene(int(rng.choice(SOTS_TRAIN)))
        A_true = rng.uniform(0.7, 1.0) * (1.0 + rng.uniform(-0.1, 0.1, size=3))  # grey to slightly tinted
        I, t = haze.render_haze(J, d, rng.uniform(0.5, 1.8), np.clip(A_true, 0.0, 1.0))
        I = _quantise(I)
        A = haze.atmospheric_light(I)
        tt = haze.boundary_transmission(I, A)
        g = _guide(I, A)
        for _ in range(per_render):
            r, c = rng.integers(0, I.shape[0] - P + 1), rng.integers(0, I.shape[1] - P + 1)
            ys.append(tt[r:r + P, c:c + P])
            xs.append(t[r:r + P, c:c + P])
            gs.append(g[:, r:r + P, c:c + P])
    ys, xs, gs = ys[:n], xs[:n], gs[:n]

    def tensor(a):
        return torch.from_numpy(np.ascontiguousarray(np.stack(a), dtype=np.float32)).to(device)

    y, x = tensor(ys)[:, None], tensor(xs)[:, None]
    delta = torch.ones((n, 1, 1, 1), dtype=torch.float32, device=device)  # f(t) = 1/2 ||t - t~||^2
    return TrainingSet(y=y, x=x, kernels=delta, embedded=embedded, guide=tensor(gs))


METHODS = {
    "padnet": "implicit PADNet on the transmission (17-layer guided units), guidance t~ of Meng et al.",
    "dcp": "He et al. 2011 dark channel prior, guided-filter refinement",
    "bccr": "Meng et al. 2013 boundary constraint + contextual regularisation",
    "nonlocal": "Berman et al. 2016 non-local haze-lines",
}


@lru_cache(maxsize=2)
def _model(device: str):
    from padnet.training import load_model

    return load_model("dehaze", device=device)


def padnet_transmission(I: np.ndarray, A: np.ndarray, device: str = "auto", model=None) -> np.ndarray:
    """Alg. 1 (implicit) on ``f(t) = 1/2 ||t - t~||^2``, guided by the hazy image; returns ``t`` ``(H, W)``."""
    from padnet.checks import resolve_device
    from padnet.energy import QuadraticFidelity
    from padnet.padnet import padnet_inference

    dev = resolve_device(device)
    model = model or _model(str(dev))
    tt = haze.boundary_transmission(I, A)
    y = torch.from_numpy(tt.astype(np.float32))[None, None].to(dev)
    guide = torch.from_numpy(_guide(I, A).astype(np.float32))[None].to(dev)
    f = QuadraticFidelity.deblur(y, torch.ones((1, 1), dtype=torch.float32, device=dev))
    t, _ = padnet_inference(f, model.as_callables(guide=guide), model.config.padnet_config())
    return np.clip(t[0, 0].double().cpu().numpy(), 0.05, 1.0)


def dehaze(I, method: str = "padnet", device: str = "auto", t0: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dehaze ``I`` ``(H, W, 3)`` in [0, 1] with ``method`` (one of :data:`METHODS`).

    Returns:
        ``(J, t, A)``: the recovered radiance ``(H, W, 3)`` in [0, 1], the transmission ``(H, W)`` and the
        atmospheric light ``(3,)`` (He et al.'s estimate, shared by all methods).
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    I = haze.check_hazy(I)
    A = haze.atmospheric_light(I)
    if method == "padnet":
        t = padnet_transmission(I, A, device)
    elif method == "dcp":
        t = haze.dcp_transmission(I, A)
    elif method == "bccr":
        t = haze.bccr_transmission(I, A)
    else:
        t = haze.nonlocal_transmission(I, A)
    return haze.recover(I, t, A, t0), t, A
