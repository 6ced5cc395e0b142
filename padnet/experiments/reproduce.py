"""``padnet reproduce TABLE``: recompute a table, write its CSVs, and (quick mode) check the recomputed
rows against the cached full run under ``data/results/<table>/``.

The cached full runs are produced by ``padnet reproduce TABLE --out data/results/TABLE`` (no
``--quick``), which also writes ``provenance.json`` (command, commit, data checksums, device, wall time).
Tables: ``table1`` (Table 1 / Fig. 1), ``table2`` (Table 2: every rerun method on Levin and Sun),
``table3`` (Table 3: dehazing on SOTS-indoor and Middlebury) and
``baselines`` (the classical rows of Table 2 on Levin, with and without our boundary handling) and
``noise-sweep`` (deblurring at 0.5-5% noise, :mod:`padnet.experiments.noise_sweep`) and ``noise-photos`` (the
same on photos in none of the project's sets, against oracle-tuned classical weights,
:mod:`padnet.experiments.photos`; needs no benchmark data) and ``colour-check`` (RGB photos deblurred in opponent
colour and per channel, :mod:`padnet.experiments.colour`; needs no benchmark data).
``table2 --sun all`` (all 640 synthesised Sun inputs) has its own cache, ``data/results/table2-sun640/``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from padnet.checks import InputError, resolve_device
from padnet.data import EMBEDDED_NOTICE, DataError, available
from padnet.experiments import colour, noise_sweep, paper, photos, table1, table2, table3
from padnet.experiments.common import (
    CLASSICAL_BASELINES,
    compare_with_cache,
    levin_samples,
    provenance,
    read_csv,
    run_deblur_methods,
    summarise,
    write_csv,
)

__all__ = ["CACHE_DIR", "RESULTS_ENV", "results_dir", "reproduce", "cached"]

#: Setting that points at the cached full runs when the package is installed outside a checkout.
RESULTS_ENV = "PADNET_RESULTS"


def results_dir() -> Path:
    """Where the cached full runs are: ``$PADNET_RESULTS`` if set, else ``data/results`` of the checkout
    this package was imported from (absent for an installed package: the commands then say so)."""
    env = os.environ.get(RESULTS_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "data" / "results"


CACHE_DIR = results_dir()
#: Cache of ``padnet reproduce table2 --sun all`` (the 640 synthesised Sun inputs; PADNet rows only, CPU time).
SUN640_CACHE = "table2-sun640"


#: benchmarks each table's quick run needs (without them it runs on the embedded set and compares nothing)
_DATASETS = {"table1": ["levin09"], "table2": ["levin09", "sun2013"], "table3": ["sots_indoor", "middlebury2005"],
             "baselines": ["levin09"], "noise-sweep": ["levin09", "sun2013"], "noise-photos": [],
             "colour-check": []}


def cached(table: str, name: str) -> list[dict]:
    """Rows of a cached CSV, e.g. ``cached("table1", "table1.csv")``; :class:`DataError` in one line when
    the cache is not there (an installed package without ``PADNET_RESULTS``)."""
    path = CACHE_DIR / table / name
    if not path.is_file():
        raise DataError(f"no cached result {path}: set {RESULTS_ENV} to a checkout's data/results")
    return read_csv(path)


def _per_image_cache(table: str, cache_table: str) -> Path:
    """``data/results/<cache_table>/<table>_per_image.csv`` (``noise-sweep`` writes ``noise_sweep_*.csv``)."""
    return CACHE_DIR / cache_table / f"{table.replace('-', '_')}_per_image.csv"


def reproduce(table: str, quick: bool, out: Path, device: str = "auto", jobs: int = 1, sun: str = "official",
              methods: list[str] | None = None) -> int:
    """Run ``table`` (``table1``, ``table2`` or ``baselines``) in quick or full mode into ``out``.

    ``sun`` (Table 2 only): ``"official"`` (the 80 official inputs; cached) or ``"all"`` (640 synthesised).
    ``methods`` (Table 2 only): run only these ``padnet deblur`` methods (default: every row).

    Returns an exit code: 1 when a quick run's rows disagree with the cached full run.

    Raises:
        DataError: a quick run on benchmark data whose cached full run is not there (checked before any
            work: an installed package carries no caches; set ``PADNET_RESULTS``).
    """
    if table not in _DATASETS:
        raise ValueError(f"unknown table {table!r}")
    specs = {"noise-sweep": noise_sweep.METHODS, "noise-photos": photos.METHODS,
             "colour-check": colour.METHODS}.get(table)
    labels = None if specs is None else _labels(specs, methods, table)  # unknown names: one line, before any work
    cache_table = SUN640_CACHE if table == "table2" and sun == "all" else table
    cache = _per_image_cache(table, cache_table)
    if quick and all(available(d) for d in _DATASETS[table]) and not cache.is_file():
        raise DataError(f"no cached full run at {cache} to check the quick run against; "
                        f"set {RESULTS_ENV} to a checkout's data/results")
    out.mkdir(parents=True, exist_ok=True)
    if table == "table1":
        return _table1(quick, out, device, jobs)
    if table == "table2":
        return _table2(quick, out, device, jobs, sun, methods)
    if table == "table3":
        return _table3(quick, out, device, jobs)
    if table == "baselines":
        return _baselines(quick, out, device)
    if table == "noise-sweep":
        return _noise_sweep(quick, out, device, jobs, methods, labels)
    if table == "noise-photos":
        return _noise_photos(quick, out, device, jobs, methods, labels)
    if table == "colour-check":
        return _colour_check(quick, out, device, jobs, methods, labels)
    raise ValueError(f"unknown table {table!r}")


def _finish(table: str, quick: bool, out: Path, wall: float, rows: list[dict], embedded: bool, device: str,
            datasets: list[str], keys: tuple[str, ...], values: tuple[str, ...], n: int, options: str = "",
            cache_table: str | None = None) -> int:
    """Full run: write provenance.json.  Quick run: compare the per-image rows with the cache
    (``data/results/<cache_table>/<table>_per_image.csv``, ``cache_table`` defaulting to ``table``)."""
    if not quick:
        prov = provenance(f"padnet reproduce {table}{options} --out {out}", wall, datasets, f"{resolve_device(device)}",
                          {"mode": "full", "images": n, "embedded": embedded})
        (out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
        return 0
    if embedded:
        print("quick run on the embedded default set: no cached benchmark rows to compare with")
        return 0
    cache = _per_image_cache(table, cache_table or table)
    if not cache.exists():
        print(f"no cached full run at {cache}; run `padnet reproduce {table}{options} --out {cache.parent}` "
              f"or set {RESULTS_ENV} to a checkout's data/results", file=sys.stderr)
        return 1
    problems = compare_with_cache(rows, read_csv(cache), keys=keys, values=values)
    (out / "cache_check.txt").write_text("\n".join(problems) + ("\n" if problems else "all rows match the cache\n"))
    if problems:
        print(f"{len(problems)} quick row(s) differ from the cached full run ({cache}):", file=sys.stderr)
        for line in problems[:10]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"all {len(rows)} quick rows match the cached full run ({cache})")
    return 0


def _table1(quick: bool, out: Path, device: str, jobs: int) -> int:
    mode = "quick" if quick else "full"
    t0 = time.perf_counter()
    res = table1.table1(mode=mode, out=out, device=device, jobs=jobs)
    wall = time.perf_counter() - t0
    reported = {(r["method"], r["prior"] if r["method"] != "IPADNet" else "-"): r for r in paper.TABLE1}
    n = res["summary"][0]["n"]
    print(f"Table 1 ({mode}, {n} images, {wall:.0f} s){'  ' + EMBEDDED_NOTICE if res['embedded'] else ''}")
    print(f"{'method':8s} {'prior':5s} {'K':>6s} {'paper K':>8s} {'rel.err':>8s} {'paper':>8s} {'by eps':>7s} "
          f"{'cond1':>6s}")
    for r in res["summary"]:
        p = reported.get((r["method"], r["prior"]), {})
        cond1 = f"{r['cond1_share']:6.2f}" if r["method"] == "EPADNet" else f"{'-':>6s}"
        print(f"{r['method']:8s} {r['prior']:5s} {r['iterations']:6.1f} {p.get('iterations', float('nan')):8.0f} "
              f"{r['rel_error']:8.4f} {p.get('rel_error', float('nan')):8.4f} {r['converged']:7.2f} {cond1}")
    print("(by eps: share of images stopped by the rule, not the safety cap; cond1: share of EPADNet stages "
          "meeting Condition 1)")
    print("(paper columns: reported by Liu et al. 2018)")
    return _finish("table1", quick, out, wall, res["per_image"], res["embedded"], device, ["levin09", "train400"],
                   keys=("method", "prior", "image"), values=("iterations", "rel_error"), n=n)


def _baselines(quick: bool, out: Path, device: str) -> int:
    """Classical rows (HL, TV, Wiener; taper and circular borders) on Levin's captures."""
    mode = "quick" if quick else "full"
    t0 = time.perf_counter()
    samples, embedded = levin_samples(mode)
    rows = run_deblur_methods(samples, CLASSICAL_BASELINES, device=device)
    wall = time.perf_counter() - t0
    summary = summarise(rows, by=("method", "boundary", "dataset"))
    write_csv(rows, out / "baselines_per_image.csv")
    write_csv(summary, out / "baselines.csv")
    reported = {r["method"]: r for r in paper.TABLE2 if r["dataset"] == "levin09"}
    print(f"Classical baselines on Levin ({mode}, {len(samples)} images, {wall:.0f} s)"
          f"{'  ' + EMBEDDED_NOTICE if embedded else ''}")
    for r in summary:
        rep = reported.get(r["method"].split(" ")[0], {})
        print(f"{r['method']:15s} PSNR {r['psnr']:6.2f} SSIM {r['ssim']:.3f}   paper (reported) "
              f"{rep.get('psnr', float('nan')):6.2f} / {rep.get('ssim', float('nan')):.2f}")
    return _finish("baselines", quick, out, wall, rows, embedded, device, ["levin09"],
                   keys=("method", "image"), values=("psnr", "ssim"), n=len(samples))


def _table2(quick: bool, out: Path, device: str, jobs: int, sun: str, methods: list[str] | None = None) -> int:

    mode = "quick" if quick else "full"
    res = table2.table2(mode=mode, out=out, device=device, jobs=jobs, sun=sun, methods=methods)
    wall = res["wall_seconds"]
    print(f"Table 2 ({mode}, {wall:.0f} s){'  ' + EMBEDDED_NOTICE if res['embedded'] else ''}")
    print(f"{'method':10s} {'dataset':17s} {'n':>4s} {'PSNR':>6s} {'SSIM':>6s} {'s/img':>7s}   paper (reported)")
    for r in table2.side_by_side(res["summary"]):
        ours = (f"{r['n']:4d} {r['psnr']:6.2f} {r['ssim']:6.3f} {r['seconds']:7.2f}" if r["source"] != "reported only"
                else f"{'-':>4s} {'-':>6s} {'-':>6s} {'-':>7s}")
        print(f"{r['method']:10s} {r['dataset']:17s} {ours}   {r['paper_psnr']:6.2f} / {r['paper_ssim']:.2f}")
    print("(paper columns: reported by Liu et al. 2018; rows without our numbers are reported only)")
    datasets = ["levin09", "sun2013", "train400"]
    options = (f" --sun {sun}" if sun != "official" else "") + (f" --methods {' '.join(methods)}" if methods else "")
    return _finish("table2", quick, out, wall, res["per_image"], res["embedded"], device, datasets,
                   keys=("method", "image"), values=("psnr", "ssim"), n=len(res["per_image"]), options=options,
                   cache_table=SUN640_CACHE if sun == "all" else "table2")


def _noise_sweep(quick: bool, out: Path, device: str, jobs: int, methods: list[str] | None,
                 labels: list[str] | None) -> int:
    mode = "quick" if quick else "full"
    for name in _DATASETS["noise-sweep"]:
        if not available(name):
            raise DataError(f"the noise sweep needs {name} under PADNET_DATA (it has no embedded variant)")
    res = noise_sweep.noise_sweep(mode=mode, out=out, device=device, jobs=jobs, methods=labels)
    wall = _print_levels("Noise sweep", mode, res)
    for r in noise_sweep.margins(res["summary"]):
        if "Ours (I)" in r:
            print(f"sigma {100 * r['sigma']:4.1f}%: Ours (I) {r['Ours (I)']:.2f} dB, best classical "
                  f"{r['best classical']} {r['its psnr']:.2f} dB, margin {r['margin of Ours (I)']:+.2f} dB")
    options = f" --methods {' '.join(methods)}" if methods else ""
    return _finish("noise-sweep", quick, out, wall, res["per_image"], False, device, ["levin09", "sun2013"],
                   keys=("method", "image"), values=("psnr", "ssim"), n=len(res["per_image"]), options=options)


def _print_levels(title: str, mode: str, res: dict) -> float:
    """Print a run of :func:`padnet.experiments.noise_sweep.run_levels` (mean PSNR / SSIM / seconds per method and
    sigma); returns its wall time."""
    wall = res["wall_seconds"]
    print(f"{title} ({mode}, {len(res['per_image'])} rows, {wall:.0f} s): PSNR / SSIM per sigma")
    for r in res["summary"]:
        print(f"sigma {100 * float(r['sigma']):4.1f}%  {r['method']:26s} {r['psnr']:6.2f} {r['ssim']:6.3f} "
              f"{r['seconds']:6.2f} s")
    return wall


def _labels(specs: list, methods: list[str] | None, table: str) -> list[str] | None:
    """Deblur method names -> the labels of ``table``'s rows that use them (``None``: every row)."""
    if not methods:
        return None
    unknown = sorted(set(methods) - {m.method for m in specs})
    if unknown:
        raise InputError(f"{table} has no rows of method(s) {unknown}; expected some of "
                         f"{sorted({m.method for m in specs})}")
    return [m.label for m in specs if m.method in methods]


def _noise_photos(quick: bool, out: Path, device: str, jobs: int, methods: list[str] | None,
                  labels: list[str] | None) -> int:
    mode = "quick" if quick else "full"
    res = photos.photo_check(mode=mode, out=out, device=device, jobs=jobs, methods=labels)
    wall = _print_levels("Photo check", mode, res)
    for r in noise_sweep.margins(res["summary"], photos.CLASSICAL, ("Ours (I)", "Ours (I), sigma estimated")):
        cells = ", ".join(f"{label} {r[label]:.2f} dB (margin {r['margin of ' + label]:+.2f})"
                          for label in ("Ours (I)", "Ours (I), sigma estimated") if label in r)
        print(f"sigma {100 * r['sigma']:4.1f}%: best classical {r['best classical']} {r['its psnr']:.2f} dB; {cells}")
    options = f" --methods {' '.join(methods)}" if methods else ""
    return _finish("noise-photos", quick, out, wall, res["per_image"], False, device, [],
                   keys=("method", "image"), values=("psnr", "ssim"), n=len(res["per_image"]), options=options)


def _colour_check(quick: bool, out: Path, device: str, jobs: int, methods: list[str] | None,
                  labels: list[str] | None) -> int:
    mode = "quick" if quick else "full"
    res = colour.colour_check(mode=mode, out=out, device=device, jobs=jobs, methods=labels)
    wall = _print_levels("Colour check", mode, res)
    for r in colour.opponent_gains(res["summary"]):
        cells = ", ".join(f"{key[len('gain of '):]} {value:+.2f} dB" for key, value in r.items() if key != "sigma")
        if cells:
            print(f"sigma {100 * r['sigma']:4.1f}%: opponent colour over RGB: {cells}")
    options = f" --methods {' '.join(methods)}" if methods else ""
    return _finish("colour-check", quick, out, wall, res["per_image"], False, device, [],
                   keys=("method", "image"), values=("psnr", "ssim"), n=len(res["per_image"]), options=options)


def _table3(quick: bool, out: Path, device: str, jobs: int) -> int:

    mode = "quick" if quick else "full"
    res = table3.table3(mode=mode, out=out, device=device, jobs=jobs)
    wall = res["wall_seconds"]
    print(f"Table 3 ({mode}, {wall:.0f} s){'  ' + EMBEDDED_NOTICE if res['embedded'] else ''}")
    print(f"{'method':14s} {'dataset':15s} {'n':>4s} {'PSNR':>6s} {'SSIM':>6s} {'t RMSE':>7s} {'s/img':>6s}   "
          "paper on Fattal's set (reported)")
    for r in table3.side_by_side(res["summary"]):
        ours = (f"{r['n']:4d} {r['psnr']:6.2f} {r['ssim']:6.3f} {r['t_rmse']:7.4f} {r['seconds']:6.2f}"
                if r["source"] != "reported only" else f"{'-':>4s} {'-':>6s} {'-':>6s} {'-':>7s} {'-':>6s}")
        print(f"{r['method']:14s} {r['dataset']:15s} {ours}   {r['paper_psnr (Fattal)']:6.2f} / "
              f"{r['paper_ssim (Fattal)']:.2f} / {r['paper_seconds']:.2f} s")
    print("(paper columns: reported by Liu et al. 2018 on Fattal's 11 images, a different benchmark)")
    return _finish("table3", quick, out, wall, res["per_image"], res["embedded"], device,
                   ["sots_indoor", "middlebury2005"], keys=("method", "image"), values=("psnr", "ssim", "t_rmse"),
                   n=len(res["per_image"]))
