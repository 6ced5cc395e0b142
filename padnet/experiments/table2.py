"""Table 2: non-blind deconvolution on Levin's and Sun's benchmarks, every rerun method scored by the
benchmark's own protocol (Levin: 15 px crop + sub-pixel shift search; Sun: 50 px border).

Rows rerun by our code (all with the same boundary handling, ``boundary="taper"``): TV, HL, Wiener,
BM3D-DEB and EPLL (Levin only, see below), CSF (our reimplementation, retrained on Train400), Ours (E)
(explicit PADNet, Eq. 15-16) and Ours (I) (implicit PADNet).  IDD-BM3D and MLP are shown with the
paper's *reported* numbers only.  :data:`SOURCES` says how each rerun row relates to the paper's.

Inputs:

* ``levin09``: the 32 real captures (quick: :data:`padnet.experiments.LEVIN_QUICK`, 8).
* ``sun2013-official``: the 80 official blurred files of Sun et al. (image ``i`` with kernel
  ``(i - 1) % 8 + 1``, 10 per kernel); quick mode: images 1-8 (one per kernel).  This is the Sun row of
  the cached run.
* ``sun2013``: our synthesis of all 640 inputs (``sun="all"``), statistically indistinguishable from the
  official files (``padnet.data.sun2013_official_residual``).  Not cached (CPU time; see the book).

BM3D-DEB (~45 s per Sun image on one core) and EPLL (~1 min) are run on Levin only.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from padnet import data
from padnet.checks import InputError, resolve_device
from padnet.data import DeblurSample
from padnet.experiments.common import (
    MethodSpec,
    levin_samples,
    map_tasks,
    run_deblur_methods,
    sample_task,
    summarise,
    write_csv,
)
from padnet.experiments.paper import TABLE2

__all__ = ["METHODS", "SOURCES", "SUN_ONLY_SKIP", "sun_samples", "table2", "per_kernel", "side_by_side"]

METHODS = [
    MethodSpec("TV", "tv"), MethodSpec("HL", "hl"), MethodSpec("Wiener", "wiener"),
    MethodSpec("BM3D-DEB", "bm3d"), MethodSpec("EPLL", "epll"), MethodSpec("CSF", "csf"),
    MethodSpec("Ours (E)", "epadnet"), MethodSpec("Ours (I)", "ipadnet"),
]
#: How each rerun row relates to the method the paper cites (the ``source`` column of :func:`side_by_side`).
SOURCES = {
    "TV": "rerun: our ADMM, weight tuned on Train400",
    "HL": "rerun: Krishnan-Fergus schedule, our code",
    "Wiener": "rerun: our code (not in the paper)",
    "BM3D-DEB": "rerun: bm3d package; not IDD-BM3D",
    "EPLL": "rerun: our EPLL, 64-component GMM fitted to Train400",
    "CSF": "rerun: our CSF 5x5 (5 stages), retrained on Train400",
    "Ours (E)": "rerun: committed model",
    "Ours (I)": "rerun: committed model",
}
#: Methods not run on Sun's megapixel inputs (CPU time, see the module docstring).
SUN_ONLY_SKIP = {"BM3D-DEB", "EPLL"}


def sun_samples(which: str, quick: bool) -> list[DeblurSample]:
    """Sun inputs: ``"official"`` (all 80 files; quick: 1-8) or ``"all"`` (640 synthesised; quick: 8)."""

    if which == "official":
        out = []
        for i in (range(1, 9) if quick else range(1, 81)):
            y, j = data.sun2013_official(i)
            g = data.sun2013_sharp(i)
            k = data.levin_kernels()[j - 1]
            out.append(DeblurSample(name=f"sun_{i:03d}_k{j}", blurred=y[:g.shape[0], :g.shape[1]], sharp=g, kernel=k,
                                    dataset="sun2013-official", kernel_id=j))
        return out
    if which == "all":
        pairs = [(i, (i - 1) % 8 + 1) for i in range(1, 9)] if quick else None
        if pairs:
            return [s for i, j in pairs for s in data.sun2013(images=[i], kernels=[j])]
        return list(data.sun2013())
    raise ValueError(f"sun must be 'official' or 'all', got {which!r}")


def table2(mode: str = "quick", out: str | Path | None = None, device: str = "auto", jobs: int = 1,
           sun: str = "official", progress: bool = True, methods: list[str] | None = None) -> dict:
    """Run Table 2.

    Args:
        mode: ``quick`` (8 Levin + 8 Sun inputs) or ``full`` (32 + 16, or 32 + 640 with ``sun="all"``).
        out: folder for ``table2.csv`` (``method,dataset,psnr,ssim,seconds``, plus ``n`` and ``embedded``)
            and ``table2_per_image.csv``; nothing written when ``None``.
        device: ``auto``, ``cpu`` or ``cuda``.
        jobs: worker processes on CPU, one thread each (results do not depend on it).
        sun: ``"official"`` or ``"all"`` (see the module docstring).
        methods: ``padnet deblur`` method names to run (default: every row of :data:`METHODS`).

    Returns:
        ``{"summary": rows, "per_image": rows, "embedded": bool}``.
    """
    known = [m.method for m in METHODS]
    if methods is not None and (not methods or set(methods) - set(known)):

        raise InputError(f"unknown Table 2 method(s) {sorted(set(methods) - set(known))}; expected some of {known}")
    specs = [m for m in METHODS if methods is None or m.method in methods]


    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full', got {mode!r}")
    quick = mode == "quick"
    levin, embedded = levin_samples(mode)
    samples = list(levin)
    if not embedded and data.available("sun2013"):
        samples += sun_samples(sun, quick)
    elif not embedded:
        import warnings

        warnings.warn("Sun et al.'s data are not under PADNET_DATA: Table 2 runs on Levin only", stacklevel=2)
    dev = resolve_device(device)
    jobs = 1 if dev.type == "cuda" else max(1, jobs)
    tasks = [(run_deblur_methods, s,
              [m for m in specs if not (s.dataset.startswith("sun") and m.label in SUN_ONLY_SKIP)],
              str(dev), 1 if jobs > 1 else 0) for s in samples]
    t0 = time.perf_counter()
    rows = [r for rs in map_tasks(sample_task, tasks, jobs, f"Table 2 ({mode})", progress) for r in rs]
    order = {m.label: i for i, m in enumerate(METHODS)}
    summary = sorted(summarise(rows, by=("method", "dataset")), key=lambda r: (r["dataset"], order[r["method"]]))
    result = {"summary": summary, "per_image": rows, "embedded": embedded, "wall_seconds": time.perf_counter() - t0}
    if out is not None:
        out = Path(out)
        write_csv(rows, out / "table2_per_image.csv")
        write_csv(summary, out / "table2.csv")
    return result


def per_kernel(rows: list[dict]) -> list[dict]:
    """Mean PSNR / SSIM per (method, dataset, kernel): the per-kernel breakdown of the book."""
    return summarise(rows, by=("method", "dataset", "kernel"))


def side_by_side(summary: list[dict]) -> list[dict]:
    """Our rows beside the paper's (reported) ones, with ``source`` saying which is which.

    Methods only reported (IDD-BM3D, MLP; EPLL where not rerun) get ``source = "reported only"``; dataset names
    ``sun2013*`` are compared with the paper's Sun row.
    """

    rep = {(r["method"], r["dataset"]): r for r in TABLE2}
    out = []
    for r in summary:
        p = rep.get((r["method"], "sun2013" if r["dataset"].startswith("sun2013") else r["dataset"]), {})
        out.append({"method": r["method"], "dataset": r["dataset"], "n": r["n"],
                    "source": SOURCES.get(r["method"], "rerun (ours)"),
                    "psnr": r["psnr"], "ssim": r["ssim"], "seconds": r["seconds"],
                    "paper_psnr": p.get("psnr", np.nan), "paper_ssim": p.get("ssim", np.nan),
                    "diff_psnr": r["psnr"] - p.get("psnr", np.nan)})
    ours = {(r["method"], r["dataset"]) for r in summary}
    datasets = list(dict.fromkeys(r["dataset"] for r in summary))
    for ds in datasets:
        key = "sun2013" if ds.startswith("sun2013") else ds
        for p in TABLE2:
            if p["dataset"] == key and (p["method"], ds) not in ours:
                out.append({"method": p["method"], "dataset": ds, "n": np.nan, "source": "reported only",
                            "psnr": np.nan, "ssim": np.nan, "seconds": np.nan, "paper_psnr": p["psnr"],
                            "paper_ssim": p["ssim"], "diff_psnr": np.nan})
    return out
