"""Dehazing benchmarks (Table 3): SOTS-indoor scenes and Middlebury 2005 rendered with haze, Fattal's
``moebius``, and the embedded default (scikit-image's ``stereo_motorcycle``).

Fattal's 2014 set is not reachable; these stand in:

* SOTS-indoor: scenes 1400-1434 train (rendered on the fly with random ``beta`` and ``A``, see
  :mod:`padnet.tasks.dehaze`), 1435-1449 test.  A test case is a scene at haze level ``k = 1..10``,
  rendered from ``clear`` + ``depth`` with ``beta_k = 0.5 + 0.1 k`` and ``A = 1`` and quantised to 8 bits
  (the stored originals match this within 1 LSB: :func:`sots_rendering_residual`).
* Middlebury 2005 (third size: Art, Books, Dolls, Laundry, Moebius, Reindeer), rendered as Fattal did
  from disparity with the constants of :data:`MIDDLEBURY_RENDER`.
* Without data: scikit-image's ``stereo_motorcycle`` (left view + disparity), rendered the same way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from padnet.data.registry import (
    EMBEDDED_NOTICE,
    available,
    dataset_dir,
    read_png,
    verify,
)
from padnet.physics.haze import render_haze

__all__ = ["HazeSample", "SOTS_TRAIN", "SOTS_FIT", "SOTS_VAL", "SOTS_TEST", "MIDDLEBURY_SCENES", "MIDDLEBURY_RENDER", "quantise", "sots_scene",
           "sots_case", "sots_rendering_residual", "middlebury_cases", "motorcycle", "disparity_to_depth",
           "embedded_haze_cases", "fattal_moebius", "haze_benchmark"]

SOTS_TRAIN = list(range(1400, 1435))
#: The training scenes split for learning: PADNet's units are fitted on :data:`SOTS_FIT`; the held-out
#: set of Alg. 2 and the choice of the pipeline's refinement use :data:`SOTS_VAL` (never the test scenes).
SOTS_FIT = SOTS_TRAIN[:30]
SOTS_VAL = SOTS_TRAIN[30:]
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


def quantise(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 255.0), 0, 255) / 255.0


@lru_cache(maxsize=64)
def sots_scene(scene: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SOTS-indoor scene: clean ``J`` in [0, 1], normalised depth ``d`` in [0, 1], mask (``True`` = reliable)."""
    rels = [f"clear/{scene}.png", f"depth/{scene}.png", f"mask/{scene}.png"]
    verify("sots_indoor", rels)
    root = dataset_dir("sots_indoor")
    J = read_png(root / rels[0])[..., :3].astype(np.float64) / 255.0
    d = read_png(root / rels[1]).astype(np.float64) / 65535.0
    mask = read_png(root / rels[2]) == 255
    return J, d, mask


def sots_case(scene: int, k: int) -> HazeSample:
    """Scene ``scene`` at haze level ``k`` (1..10): ``beta = 0.5 + 0.1 k``, ``A = 1``, 8 bits."""
    J, d, mask = sots_scene(scene)
    I, t = render_haze(J, d, 0.5 + 0.1 * k, 1.0)
    return HazeSample(f"sots_{scene}_k{k:02d}", "sots_indoor", quantise(I), J, t, np.ones(3), mask)


def sots_rendering_residual(scenes: list[int] | None = None) -> list[dict]:
    """Our rendering against the stored SOTS hazy originals: RMSE and max |difference| in 8-bit levels."""
    rows = []
    for scene in scenes or SOTS_TRAIN + SOTS_TEST:
        k1 = (scene - 1400) % 10 + 1
        for k in (k1, (k1 + 4) % 10 + 1):
            rel = f"hazy/{scene}_{k}.png"
            verify("sots_indoor", [rel])
            orig = read_png(dataset_dir("sots_indoor") / rel)[..., :3].astype(np.float64)
            ours = sots_case(scene, k).hazy * 255.0
            diff = ours - orig
            rows.append({"scene": scene, "k": k, "rmse_lsb": float(np.sqrt(np.mean(diff ** 2))),
                         "max_abs_lsb": float(np.abs(diff).max())})
    return rows


def disparity_to_depth(disp: np.ndarray, dmin: float) -> np.ndarray:
    from scipy import ndimage

    disp = disp.astype(np.float64)
    hole = disp <= 0
    if hole.any():
        idx = ndimage.distance_transform_edt(hole, return_distances=False, return_indices=True)
        disp = disp[tuple(idx)]
    Z = 1.0 / (disp + dmin)
    return (Z - Z.min()) / max(Z.max() - Z.min(), 1e-12)


def _render_stereo(name: str, dataset: str, J: np.ndarray, disp: np.ndarray, embedded: bool,
                   betas=None, A=None) -> list[HazeSample]:
    """One case per ``beta`` (default :data:`MIDDLEBURY_RENDER`'s), ``t = exp(-beta (0.1 + 0.9 z))`` with ``z``
    the depth from the disparity; a non-default airlight ``A`` is written into the case's name."""
    r = MIDDLEBURY_RENDER
    z = disparity_to_depth(disp, r["dmin"])
    A = np.asarray(r["A"] if A is None else A, dtype=np.float64)
    tag = "" if np.array_equal(A, r["A"]) else "_A" + "-".join(f"{a:g}" for a in A)
    out = []
    for beta in (r["betas"] if betas is None else betas):
        t = np.exp(-beta * (0.1 + 0.9 * z))
        I = t[..., None] * J + (1.0 - t[..., None]) * A
        out.append(HazeSample(f"{name}_b{beta:g}{tag}", dataset, quantise(I), J, t, A, disp > 0, embedded))
    return out


def middlebury_cases(scenes: list[str] | None = None, betas=None, A=None) -> list[HazeSample]:
    """The Middlebury scenes (third size) rendered with :data:`MIDDLEBURY_RENDER`, or with other ``betas``
    and airlight ``A`` ``(3,)`` (the stress test beyond Table 3, ``scripts/stress_dehaze.py``)."""
    out = []
    for scene in scenes or MIDDLEBURY_SCENES:
        rels = [f"thirdsize/{scene}_view1.png", f"thirdsize/{scene}_disp1.png"]
        verify("middlebury2005", rels)
        root = dataset_dir("middlebury2005")
        J = read_png(root / rels[0])[..., :3].astype(np.float64) / 255.0
        out += _render_stereo(scene.lower(), "middlebury2005", J, read_png(root / rels[1]), False, betas, A)
    return out


def motorcycle() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's ``stereo_motorcycle`` left view (half resolution, [0, 1]) and its disparity (0 = unknown)."""
    from skimage.data import (
        stereo_motorcycle,  # fetched into scikit-image's cache on first use
    )

    left, _, disp = stereo_motorcycle()
    J = left[::2, ::2, :3].astype(np.float64) / 255.0
    d = np.nan_to_num(disp[::2, ::2], nan=0.0, posinf=0.0)
    return J, np.where(d > 0, d * 2.0, 0.0)  # Middlebury-like full-size disparity values


def embedded_haze_cases() -> list[HazeSample]:
    """``stereo_motorcycle`` rendered like the Middlebury scenes (no benchmark data)."""
    J, d = motorcycle()
    return _render_stereo("motorcycle", "embedded", J, d, True)


def fattal_moebius() -> np.ndarray:
    """Fattal's hazy ``moebius`` input (1200x956 RGB in [0, 1]; no ground truth: qualitative only)."""
    rel = "fattal2014/moebius_input.png"
    verify("middlebury2005", [rel])
    return read_png(dataset_dir("middlebury2005") / rel)[..., :3].astype(np.float64) / 255.0


def haze_benchmark(mode: str = "quick") -> tuple[list[HazeSample], bool]:
    """Test cases for ``mode`` (quick: 12 SOTS cases + 2 Middlebury; full: 150 + 12); embedded fallback."""
    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full', got {mode!r}")
    if not (available("sots_indoor") and available("middlebury2005")):
        warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
        return embedded_haze_cases(), True
    if mode == "quick":
        cases = [sots_case(s, (s - 1435) % 10 + 1) for s in SOTS_TEST[:12]]
        return cases + middlebury_cases(["Moebius"]), False
    cases = [sots_case(s, k) for s in SOTS_TEST for k in range(1, 11)]
    return cases + middlebury_cases(), False


