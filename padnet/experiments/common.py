"""Experiments behind the book's tables: each returns plain rows (lists of dicts) and can write CSVs.

Modes: ``quick`` uses a fixed, documented subset; ``full`` the whole benchmark.  Without benchmark data
the embedded default set is used and every row carries ``embedded=True``.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from padnet.data.deblur import DeblurSample, deblur_benchmark, levin09
from padnet.metrics import crop_protocol, levin_protocol, sun_protocol
from padnet.pipelines.deblur import deblur, weight_for_noise
from padnet.provenance import provenance

__all__ = ["LEVIN_QUICK", "PHOTO_BORDER", "MethodSpec", "CLASSICAL_BASELINES", "protocol_for", "run_deblur_methods",
           "sample_task", "summarise", "write_csv", "levin_samples", "map_tasks", "read_csv", "compare_with_cache",
           "provenance"]

#: border (px) Sun's protocol drops on the photo check's 256 px crops (:mod:`padnet.experiments.photos`)
PHOTO_BORDER = 15

#: Fixed quick subset of Levin's set: every kernel once, every image twice.
LEVIN_QUICK = ["im05_flit01", "im06_flit02", "im07_flit03", "im08_flit04",
               "im05_flit05", "im06_flit06", "im07_flit07", "im08_flit08"]


@dataclass(frozen=True)
class MethodSpec:
    """A named deblurring configuration for :func:`run_deblur_methods`."""

    label: str
    method: str
    boundary: str = "taper"
    lam: float | None = None
    p: float | None = None
    #: ``"given"``: the method is told the sample's noise level; ``"estimated"``: it estimates it from the
    #: blurred input, as ``padnet deblur`` does by default
    sigma: str = "given"
    #: an oracle tuning no user has: run the method with each of these multiples of its weight for the sample's
    #: sigma (:func:`~padnet.pipelines.deblur.weight_for_noise`) and keep the best score *on the sample itself*
    oracle: tuple[float, ...] = ()
    #: how an RGB sample is deblurred (:data:`padnet.pipelines.deblur.COLOURS`)
    colour: str = "opponent"


#: The classical rows of Table 2 that :func:`padnet.pipelines.deblur.deblur` provides, with and without our
#: boundary handling ("circular" is how the published HL/TV codes treat the image border).
CLASSICAL_BASELINES = [
    MethodSpec("HL", "hl"), MethodSpec("HL (circular)", "hl", boundary="circular"),
    MethodSpec("TV", "tv"), MethodSpec("TV (circular)", "tv", boundary="circular"),
    MethodSpec("Wiener", "wiener"),
]


def levin_samples(mode: str = "quick") -> tuple[list[DeblurSample], bool]:
    """Levin's samples for ``mode`` (quick: :data:`LEVIN_QUICK`; full: all 32) or the embedded set."""
    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full', got {mode!r}")
    samples, embedded = deblur_benchmark("levin09")
    if embedded:
        return (samples[::4] if mode == "quick" else samples), True
    if mode == "quick":
        return levin09([f"{n}.mat" for n in LEVIN_QUICK]), False
    return samples, False


def protocol_for(dataset: str):
    """The benchmark's own scoring: Sun's (50 px border) for ``sun2013`` and ``sun2013-official``, Sun's with a
    :data:`PHOTO_BORDER` px border for the photo check's small crops (``photos``), the same border without
    the shift search for the colour check's RGB crops (``colour``; synthetic inputs with their exact kernel),
    Levin's (15 px crop, +-5 px sub-pixel alignment) otherwise."""
    if dataset == "photos":
        return partial(sun_protocol, border=PHOTO_BORDER)
    if dataset == "colour":
        return partial(crop_protocol, border=PHOTO_BORDER)
    return sun_protocol if dataset.startswith("sun2013") else levin_protocol


def run_deblur_methods(samples: Iterable[DeblurSample], specs: list[MethodSpec], device: str = "auto",
                       progress: bool = True) -> list[dict]:
    """Deblur every sample with every spec and score it with its benchmark's protocol.

    Returns:
        One row per (sample, spec): ``method, boundary, dataset, image, kernel, psnr, ssim, seconds,
        embedded, sigma`` (PSNR in dB; seconds of deblurring only, scoring excluded; ``sigma`` the sample's
        noise level).
    """
    from tqdm import tqdm

    samples = list(samples)
    rows = []
    bar = tqdm(total=len(samples) * len(specs), disable=not progress, desc="deblurring", leave=False)
    for s in samples:
        score = protocol_for(s.dataset)
        for spec in specs:
            t0 = time.perf_counter()
            if spec.oracle:
                rule = weight_for_noise(spec.method, s.sigma)
                res = max((score(np.clip(deblur(s.blurred, s.kernel, method=spec.method, lam=c * rule, p=spec.p,
                                                boundary=spec.boundary, device=device, colour=spec.colour), 0.0, 1.0),
                                 s.sharp)
                           for c in spec.oracle), key=lambda r: r["psnr"])
                seconds = time.perf_counter() - t0  # scoring included: every weight is scored
            else:
                x = deblur(s.blurred, s.kernel, method=spec.method, lam=spec.lam, p=spec.p, boundary=spec.boundary,
                           device=device, sigma=s.sigma if spec.sigma == "given" else None, colour=spec.colour)
                seconds = time.perf_counter() - t0
                res = score(np.clip(x, 0.0, 1.0), s.sharp)
            rows.append({"method": spec.label, "boundary": spec.boundary, "dataset": s.dataset, "image": s.name,
                         "kernel": s.kernel_id, "psnr": res["psnr"], "ssim": res["ssim"], "seconds": seconds,
                         "embedded": s.embedded, "sigma": s.sigma})
            bar.update()
    bar.close()
    return rows


def sample_task(task: tuple) -> list[dict]:
    """Pool worker for :func:`map_tasks`: ``task = (run, sample, methods, device, threads)``; sets the thread
    count (``threads > 0``, one per worker in a pool) and returns ``run([sample], methods, device=device,
    progress=False)`` (``run``: a module-level function such as :func:`run_deblur_methods` or
    :func:`padnet.experiments.table3.run_dehaze_methods`)."""
    run, sample, methods, device, threads = task
    if threads:
        import torch

        torch.set_num_threads(threads)
    return run([sample], methods, device=device, progress=False)


def map_tasks(fn, tasks: list, jobs: int = 1, desc: str = "", progress: bool = True) -> list:
    """``[fn(t) for t in tasks]`` with a progress bar, in ``jobs`` worker processes when ``jobs > 1``.

    Results come back in task order, so the output does not depend on ``jobs``; ``fn`` must be a
    module-level function (it is pickled for the workers).
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    results = []
    with tqdm(total=len(tasks), desc=desc, disable=not progress) as bar:
        if jobs <= 1:
            for task in tasks:
                results.append(fn(task))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for res in pool.map(fn, tasks):
                    results.append(res)
                    bar.update()
    return results


def summarise(rows: list[dict], by: tuple[str, ...] = ("method", "dataset")) -> list[dict]:
    """Mean PSNR, SSIM and seconds per group, in first-seen order, with the group size ``n``."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    out = []
    for key, grp in groups.items():
        row = dict(zip(by, key))
        row.update({"psnr": float(np.mean([g["psnr"] for g in grp])), "ssim": float(np.mean([g["ssim"] for g in grp])),
                    "seconds": float(np.mean([g["seconds"] for g in grp])), "n": len(grp),
                    "embedded": any(g.get("embedded", False) for g in grp)})
        out.append(row)
    return out


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """Write rows to ``path``, creating folders; columns are the union of the rows' keys in first-seen
    order, a key missing from a row is written as ``nan``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, restval="nan")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: str | Path) -> list[dict]:
    """Rows of a CSV written by :func:`write_csv` (numbers parsed where possible)."""
    def parse(v: str):
        for cast in (int, float):
            try:
                return cast(v)
            except ValueError:
                pass
        return {"True": True, "False": False}.get(v, v)

    with open(path, newline="") as fh:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def compare_with_cache(rows: list[dict], cached: list[dict], keys: tuple[str, ...], values: tuple[str, ...],
                       rtol: float = 1e-4) -> list[str]:
    """Differences between recomputed per-image rows and the cached ones (empty list: they agree).

    Rows are matched on ``keys``; each of ``values`` must agree within ``rtol`` (relative) or exactly for
    integers.
    """
    index = {tuple(r[k] for k in keys): r for r in cached}
    problems = []
    for r in rows:
        key = tuple(r[k] for k in keys)
        if key not in index:
            problems.append(f"{key}: not in the cache")
            continue
        for v in values:
            a, b = float(r[v]), float(index[key][v])
            if not np.isclose(a, b, rtol=rtol, atol=1e-9):
                problems.append(f"{key}: {v} {a:.6g} != cached {b:.6g}")
    return problems
