"""``padnet reproduce TABLE``: recompute a table, write its CSVs, and (quick mode) check the recomputed
rows against the cached full run under ``data/results/<table>/``.

The cached full runs are produced by ``padnet reproduce TABLE --out data/results/TABLE`` (no
``--quick``), which also writes ``provenance.json`` (command, commit, data checksums, device, wall time).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from padnet.data import EMBEDDED_NOTICE
from padnet.experiments import compare_with_cache, provenance, read_csv

__all__ = ["CACHE_DIR", "reproduce", "cached"]

CACHE_DIR = Path(__file__).resolve().parent.parent / "data" / "results"


def cached(table: str, name: str) -> list[dict]:
    """Rows of a cached CSV, e.g. ``cached("table1", "table1.csv")``."""
    return read_csv(CACHE_DIR / table / name)


def reproduce(table: str, quick: bool, out: Path, device: str = "auto") -> int:
    """Run ``table`` in quick or full mode into ``out``; returns an exit code (1: quick rows disagree with cache)."""
    if table != "table1":
        raise ValueError(f"unknown table {table!r}")
    from padnet import paper
    from padnet.table1 import table1

    mode = "quick" if quick else "full"
    t0 = time.perf_counter()
    res = table1(mode=mode, out=out, device=device)
    wall = time.perf_counter() - t0
    reported = {(r["method"], r["prior"] if r["method"] != "IPADNet" else "-"): r for r in paper.TABLE1}
    print(f"Table 1 ({mode}, {res['summary'][0]['n']} images, {wall:.0f} s){'  ' + EMBEDDED_NOTICE if res['embedded'] else ''}")
    print(f"{'method':8s} {'prior':5s} {'K':>6s} {'paper K':>8s} {'rel.err':>8s} {'paper':>8s}")
    for r in res["summary"]:
        p = reported.get((r["method"], r["prior"]), {})
        print(f"{r['method']:8s} {r['prior']:5s} {r['iterations']:6.1f} {p.get('iterations', float('nan')):8.0f} "
              f"{r['rel_error']:8.4f} {p.get('rel_error', float('nan')):8.4f}")
    print("(paper columns: reported by Liu et al. 2018)")
    if not quick:
        prov = provenance(f"padnet reproduce {table} --out {out}", wall, ["levin09", "train400"], device,
                          {"mode": mode, "images": res["summary"][0]["n"], "embedded": res["embedded"]})
        (out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
        return 0
    if res["embedded"]:
        print("quick run on the embedded default set: no cached benchmark rows to compare with")
        return 0
    cache = CACHE_DIR / table / f"{table}_per_image.csv"
    if not cache.exists():
        print(f"no cached full run at {cache}; run `padnet reproduce {table} --out {cache.parent}`", file=sys.stderr)
        return 1
    problems = compare_with_cache(res["per_image"], read_csv(cache), keys=("method", "prior", "image"),
                                  values=("iterations", "rel_error"))
    (out / "cache_check.txt").write_text("\n".join(problems) + ("\n" if problems else "all rows match the cache\n"))
    if problems:
        print(f"{len(problems)} quick row(s) differ from the cached full run ({cache}):", file=sys.stderr)
        for line in problems[:10]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"all {len(res['per_image'])} quick rows match the cached full run ({cache})")
    return 0
