"""The noise sweep: non-blind deblurring at noise levels other than Table 2's 1%.

Inputs are made by the code that makes Sun's 640 (:func:`padnet.data.deblur.sun2013_synthesize`: Levin's 8
kernels with replicate borders, N(0, sigma^2), 8-bit quantisation) from a fixed subset of Sun's ground
truths, their centre :data:`SWEEP_CROP` x :data:`SWEEP_CROP` crops (CPU time: BM3D-DEB takes seconds per
crop), at every sigma of :data:`SWEEP_SIGMAS`; scored by Sun's protocol (50 px border).

Every method is told the true sigma (the learned PADNet takes it as an input, BM3D-DEB as its noise
level, the others get their weight from it by the rules fitted on Train400,
:func:`padnet.pipelines.deblur.weight_for_noise`); the row ``Ours (I), sigma estimated`` is what
``padnet deblur`` does by default, with sigma estimated from the blurred input.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from padnet import data
from padnet.checks import InputError, resolve_device
from padnet.data import DeblurSample
from padnet.experiments.common import MethodSpec, map_tasks, run_deblur_methods, sample_task, summarise, write_csv

__all__ = ["SWEEP_SIGMAS", "SWEEP_IMAGES", "SWEEP_CROP", "QUICK", "METHODS", "sweep_samples", "noise_sweep",
           "centre_crop", "inputs_at_levels", "run_levels", "margins", "margins_per_scene"]

#: noise levels (std, [0, 1] units)
SWEEP_SIGMAS = (0.005, 0.01, 0.02, 0.03, 0.05)
#: Sun ground truths of the sweep: every 20th of Sun's 80 (numbered 1-80), fixed before any result was seen;
#: until commit aab8e30 the sweep had only images 1 and 41
SWEEP_IMAGES = (1, 21, 41, 61)
#: side of the centre crop of each ground truth
SWEEP_CROP = 320
#: the quick subset: image 1 with kernels 1 and 5, at every sigma
QUICK = {"images": (1,), "kernels": (1, 5)}
#: seed of the noise; sample (i, j, level a) uses ``np.random.default_rng([SEED, i, j, a])``
SEED = 2013

METHODS = [
    MethodSpec("TV", "tv"), MethodSpec("HL", "hl"), MethodSpec("Wiener", "wiener"),
    MethodSpec("BM3D-DEB", "bm3d"), MethodSpec("CSF", "csf"),
    MethodSpec("Ours (E)", "epadnet"), MethodSpec("Ours (I)", "ipadnet"),
    MethodSpec("Ours (I), sigma estimated", "ipadnet", sigma="estimated"),
]
#: the classical methods, each with its weight from sigma (the comparison the sweep is for)
CLASSICAL = ("TV", "HL", "Wiener", "BM3D-DEB")


def centre_crop(img: np.ndarray, size: int) -> np.ndarray:
    """The centre ``size`` x ``size`` crop of ``img`` (contiguous)."""
    r, c = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
    return np.ascontiguousarray(img[r:r + size, c:c + size])


def sweep_samples(quick: bool = False) -> list[DeblurSample]:
    """The sweep's inputs, ordered by image, kernel and sigma (dataset ``sun2013-sweep``)."""
    images = QUICK["images"] if quick else SWEEP_IMAGES
    kernels = QUICK["kernels"] if quick else tuple(range(1, 9))
    levin = data.levin_kernels()
    out = []
    for i in images:
        g = centre_crop(data.sun2013_sharp(i), SWEEP_CROP)
        for j in kernels:
            out += inputs_at_levels(g, levin[j - 1], SWEEP_SIGMAS, (SEED, i, j), f"sun_{i:03d}_k{j}", "sun2013-sweep", j)
    return out


def inputs_at_levels(sharp: np.ndarray, kernel: np.ndarray, sigmas: tuple[float, ...], seed: tuple[int, ...],
                     name: str, dataset: str, kernel_id: int) -> list[DeblurSample]:
    """``sharp`` blurred by the convolution PSF ``kernel`` with Sun's synthesis
    (:func:`padnet.data.deblur.sun2013_synthesize`: replicate borders, noise, 8 bits) at every sigma of ``sigmas``;
    level ``a`` draws its noise from ``np.random.default_rng([*seed, a])`` and is named ``{name}_s{1000 sigma:03.0f}``.
    The sweep's inputs and the photo check's (:mod:`padnet.experiments.photos`) are made by this."""
    corr = np.ascontiguousarray(kernel[::-1, ::-1])  # Sun's code correlates
    return [DeblurSample(name=f"{name}_s{1000 * sigma:03.0f}", sharp=sharp, kernel=kernel, dataset=dataset,
                         kernel_id=kernel_id, sigma=sigma,
                         blurred=data.sun2013_synthesize(sharp, corr, np.random.default_rng([*seed, a]), sigma=sigma))
            for a, sigma in enumerate(sigmas)]


def noise_sweep(mode: str = "quick", out: str | Path | None = None, device: str = "auto", jobs: int = 1,
                progress: bool = True, methods: list[str] | None = None) -> dict:
    """Run the sweep.

    Args:
        mode: ``quick`` (:data:`QUICK`) or ``full`` (:data:`SWEEP_IMAGES` x 8 kernels), every sigma.
        out: folder for ``noise_sweep.csv`` (mean per method and sigma) and ``noise_sweep_per_image.csv``.
        device, jobs: as :func:`padnet.experiments.table2.table2`.
        methods: labels of :data:`METHODS` to run (default: all).

    Returns:
        ``{"summary": rows, "per_image": rows, "wall_seconds": s}``.

    Raises:
        DataError: Sun's or Levin's data are missing (the sweep has no embedded variant).
    """
    if mode not in ("quick", "full"):
        raise InputError(f"mode must be 'quick' or 'full', got {mode!r}")
    return run_levels(sweep_samples(mode == "quick"), METHODS, methods, "noise_sweep", out, device, jobs, progress,
                      f"noise sweep ({mode})")


def run_levels(samples: list[DeblurSample], all_specs: list[MethodSpec], methods: list[str] | None, stem: str,
               out: str | Path | None, device: str, jobs: int, progress: bool, desc: str) -> dict:
    """Every sample with the specs of ``all_specs`` labelled ``methods`` (default: all), in ``jobs`` worker
    processes on CPU; the mean per method and sigma, ordered by sigma and then as ``all_specs``; with ``out``,
    written to ``<stem>.csv`` and ``<stem>_per_image.csv`` there.  The sweep and the photo check
    (:mod:`padnet.experiments.photos`) run through this.

    Returns:
        ``{"summary": rows, "per_image": rows, "wall_seconds": s}``.
    """
    known = [m.label for m in all_specs]
    if methods is not None and (not methods or set(methods) - set(known)):
        raise InputError(f"unknown method(s) {sorted(set(methods or []) - set(known))}; expected some of {known}")
    specs = [m for m in all_specs if methods is None or m.label in methods]
    dev = resolve_device(device)
    jobs = 1 if dev.type == "cuda" else max(1, jobs)
    tasks = [(run_deblur_methods, s, specs, str(dev), 1 if jobs > 1 else 0) for s in samples]
    t0 = time.perf_counter()
    rows = [r for rs in map_tasks(sample_task, tasks, jobs, desc, progress) for r in rs]
    order = {label: i for i, label in enumerate(known)}
    summary = sorted(summarise(rows, by=("method", "sigma")), key=lambda r: (r["sigma"], order[r["method"]]))
    result = {"summary": summary, "per_image": rows, "wall_seconds": time.perf_counter() - t0}
    if out is not None:
        out = Path(out)
        write_csv(rows, out / f"{stem}_per_image.csv")
        write_csv(summary, out / f"{stem}.csv")
    return result


def margins(summary: list[dict], classical: tuple[str, ...] = CLASSICAL, ours: tuple[str, ...] = ("Ours (I)",)
            ) -> list[dict]:
    """Per sigma of a summary (:func:`run_levels`): the best of the ``classical`` rows, its PSNR, and each of ``ours``
    with its margin over it (dB), keys ``label`` and ``margin of label``; levels without a classical row are left out.
    The sweep's margins (default arguments) and the photo check's (:data:`padnet.experiments.photos.CLASSICAL`)."""
    out = []
    for sigma in sorted({float(r["sigma"]) for r in summary}):
        at = {r["method"]: float(r["psnr"]) for r in summary if float(r["sigma"]) == sigma}
        present = [m for m in classical if m in at]
        if not present:
            continue
        best = max(present, key=at.get)
        row = {"sigma": sigma, "best classical": best, "its psnr": at[best]}
        for label in ours:
            if label in at:
                row[label] = at[label]
                row[f"margin of {label}"] = at[label] - at[best]
        out.append(row)
    return out


def _scene_of(image: str) -> str:
    """The scene of an input's name: ``sun_021_k3_s050`` -> ``sun_021`` (the name without kernel and level)."""
    return image.rsplit("_", 2)[0]


def margins_per_scene(per_image: list[dict], classical: tuple[str, ...] = CLASSICAL, ours: str = "Ours (I)"
                      ) -> list[dict]:
    """:func:`margins` of each scene separately (its inputs' mean over the kernels): rows ``scene``, ``sigma``,
    ``best classical``, ``its psnr``, ``ours`` and ``margin of ours`` (dB), ordered by scene and sigma.  The
    margin of the whole sweep hides how much it depends on the picture; this shows it."""
    out = []
    for scene in dict.fromkeys(_scene_of(r["image"]) for r in per_image):
        rows = [r for r in per_image if _scene_of(r["image"]) == scene]
        out += [{"scene": scene, **m} for m in margins(summarise(rows, by=("method", "sigma")), classical, (ours,))]
    return out
