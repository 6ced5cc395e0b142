"""Replace some methods' rows of a cached full run by those of a newer run, keeping both provenances.

When one method changes (a retrained model), rerunning every row of a table costs CPU hours for
numbers that cannot change.  This script takes a cached table (``data/results/<table>/``) and a full
run of only the changed methods (``padnet reproduce TABLE --methods ... --out DIR``, made from a clean
checkout), checks that the new run covers exactly the inputs the old rows of those methods covered,
swaps the rows, recomputes the summary from the per-image rows, and appends the new run's provenance to
the cache's ``provenance.json`` under ``updates`` (which rows, which command, commit and machine).
With ``--add`` the methods are new to the cache: their rows are appended, and they must cover exactly the
inputs the cache's rows cover.

    python scripts/update_cache.py data/results/table2 results/t2-ipadnet --methods "Ours (I)"
    python scripts/update_cache.py data/results/table2-sun640 results/sun640e --methods "Ours (E)" --add
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="cached full run, e.g. data/results/table2")
    parser.add_argument("new", type=Path, help="full run of the changed methods (with its provenance.json)")
    parser.add_argument("--methods", nargs="+", required=True, help="row labels to replace, e.g. 'Ours (I)'")
    parser.add_argument("--add", action="store_true", help="the methods are new to the cache: append their rows")
    args = parser.parse_args(argv)

    from padnet.experiments.common import read_csv, summarise, write_csv

    per_image = sorted(args.cache.glob("*_per_image.csv"))
    if len(per_image) != 1:
        print(f"{args.cache}: expected one *_per_image.csv, found {len(per_image)}", file=sys.stderr)
        return 2
    name = per_image[0].name
    old, new = read_csv(per_image[0]), read_csv(args.new / name)
    prov_new = json.loads((args.new / "provenance.json").read_text())
    if prov_new.get("uncommitted_changes") is not False or prov_new.get("mode") != "full":
        print(f"{args.new}: not a full run from a clean checkout", file=sys.stderr)
        return 2
    wanted = set(args.methods)
    old_keys = {(r["method"], r["dataset"], r["image"]) for r in old if r["method"] in wanted}
    new_rows = [r for r in new if r["method"] in wanted]
    new_keys = {(r["method"], r["dataset"], r["image"]) for r in new_rows}
    if args.add:
        if old_keys:
            print(f"{args.cache} already holds rows of {sorted({k[0] for k in old_keys})}: replace them without --add",
                  file=sys.stderr)
            return 2
        inputs = {(r["dataset"], r["image"]) for r in old}
        old_keys = {(m, d, i) for m in wanted for d, i in inputs}  # every input of the cache, for each new method
    if old_keys != new_keys:
        print(f"the new run covers {len(new_keys)} inputs of {sorted(wanted)}, the cache {len(old_keys)}: "
              f"missing {sorted(old_keys - new_keys)[:3]}, extra {sorted(new_keys - old_keys)[:3]}", file=sys.stderr)
        return 2
    columns = list(old[0])  # the cache's columns: a column the newer code adds (e.g. sigma told) is left out
    by_key = {(r["method"], r["dataset"], r["image"]): {c: r.get(c, "nan") for c in columns} for r in new_rows}
    rows = [by_key[(r["method"], r["dataset"], r["image"])] if r["method"] in wanted else r for r in old]  # old order
    if args.add:
        rows += [by_key[(r["method"], r["dataset"], r["image"])] for r in new_rows]  # appended, the new run's order
    summary_path = args.cache / name.replace("_per_image", "")
    old_summary = read_csv(summary_path)
    # the summary's grouping columns: ("method", "dataset") for the tables, ("method", "sigma") for the sweep
    by = tuple(k for k in old_summary[0] if k not in ("psnr", "ssim", "seconds", "n", "embedded"))
    order = {tuple(r[k] for k in by): i for i, r in enumerate(old_summary)}
    summary = sorted(summarise(rows, by=by), key=lambda r: order.get(tuple(r[k] for k in by), 1e9))
    write_csv(rows, per_image[0])
    write_csv(summary, summary_path)
    prov_path = args.cache / "provenance.json"
    prov = json.loads(prov_path.read_text())
    prov.setdefault("updates", []).append({"rows": sorted(wanted), **prov_new})
    prov_path.write_text(json.dumps(prov, indent=2) + "\n")
    print(f"{args.cache}: {len(new_rows)} rows of {sorted(wanted)} {'added' if args.add else 'replaced'} from {args.new} "
          f"({prov_new['command']} at {prov_new['commit'][:10]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
