"""scripts/update_cache.py: swapping one method's rows of a cached run, and refusing partial or unclean runs."""

import importlib.util
import json

from padnet.experiments.common import read_csv, write_csv
from tests.conftest import REPO


def _run(folder, rows, prov):
    write_csv(rows, folder / "table2_per_image.csv")
    (folder / "provenance.json").write_text(json.dumps(prov))


def _update(cache, new, *methods) -> int:
    """The script's exit code (run in this process: a subprocess would re-import torch each time)."""
    spec = importlib.util.spec_from_file_location("update_cache", REPO / "scripts" / "update_cache.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.main([str(cache), str(new), "--methods", *methods])


def test_rows_are_swapped_the_summary_recomputed_and_both_provenances_kept(tmp_path):
    cache, new = tmp_path / "cache", tmp_path / "new"
    cache.mkdir()
    new.mkdir()
    old = [{"method": m, "dataset": "d", "image": i, "psnr": p, "ssim": 0.5, "seconds": 1.0}
           for m, p in (("A", 10.0), ("B", 20.0)) for i in ("x", "y")]
    _run(cache, old, {"command": "old", "commit": "c0"})
    write_csv([{"method": "A", "dataset": "d", "psnr": 10.0}, {"method": "B", "dataset": "d", "psnr": 20.0}],
              cache / "table2.csv")
    clean = {"command": "new", "commit": "c1", "uncommitted_changes": False, "mode": "full"}
    _run(new, [{"method": "B", "dataset": "d", "image": "x", "psnr": 22.0, "ssim": 0.6, "seconds": 2.0}], clean)
    assert _update(cache, new, "B") == 2  # the new run misses input y: refused, cache untouched
    assert {r["psnr"] for r in read_csv(cache / "table2_per_image.csv")} == {10.0, 20.0}
    rows = [{"method": "B", "dataset": "d", "image": i, "psnr": p, "ssim": 0.6, "seconds": 2.0}
            for i, p in (("x", 22.0), ("y", 24.0))]
    _run(new, rows, {**clean, "uncommitted_changes": True})
    assert _update(cache, new, "B") == 2  # not from a clean checkout
    _run(new, rows, clean)
    assert _update(cache, new, "B") == 0
    summary = {r["method"]: r["psnr"] for r in read_csv(cache / "table2.csv")}
    assert summary == {"A": 10.0, "B": 23.0}
    prov = json.loads((cache / "provenance.json").read_text())
    assert prov["command"] == "old" and prov["updates"][0]["command"] == "new" and prov["updates"][0]["rows"] == ["B"]


def test_sweep_summary_keys_old_row_order_and_the_caches_columns_are_kept(tmp_path):
    cache, new = tmp_path / "cache", tmp_path / "new"
    cache.mkdir()
    new.mkdir()
    old = [{"method": m, "dataset": "d", "image": f"{i}_s{s}", "psnr": p + s, "ssim": 0.5, "seconds": 1.0, "sigma": s}
           for i in ("x", "y") for s in (1, 2) for m, p in (("A", 10.0), ("B", 20.0))]
    _run(cache, old, {"command": "old", "commit": "c0"})
    write_csv([{"method": m, "sigma": s, "psnr": 0.0, "ssim": 0.0, "seconds": 0.0, "n": 2, "embedded": False}
               for s in (1, 2) for m in ("A", "B")], cache / "table2.csv")  # grouped by method and sigma
    rows = [{"method": "B", "dataset": "d", "image": f"{i}_s{s}", "psnr": 30.0 + s, "ssim": 0.6, "seconds": 2.0,
             "sigma": s, "extra": 7} for s in (2, 1) for i in ("y", "x")]  # another order, one more column
    _run(new, rows, {"command": "new", "commit": "c1", "uncommitted_changes": False, "mode": "full"})
    assert _update(cache, new, "B") == 0
    got = read_csv(cache / "table2_per_image.csv")
    assert [(r["method"], r["image"]) for r in got] == [(r["method"], r["image"]) for r in old]
    assert list(got[0]) == list(old[0])  # "extra" is not added
    assert [r["psnr"] for r in got if r["method"] == "B"] == [31.0, 32.0, 31.0, 32.0]
    summary = read_csv(cache / "table2.csv")
    assert [(r["method"], r["sigma"], r["psnr"]) for r in summary] == [
        ("A", 1, 11.0), ("B", 1, 31.0), ("A", 2, 12.0), ("B", 2, 32.0)]


def test_a_new_method_is_added_only_with_add_and_only_when_it_covers_every_input(tmp_path):
    cache, new = tmp_path / "cache", tmp_path / "new"
    cache.mkdir()
    new.mkdir()
    old = [{"method": "A", "dataset": "d", "image": i, "psnr": 10.0, "ssim": 0.5, "seconds": 1.0} for i in ("x", "y")]
    _run(cache, old, {"command": "old", "commit": "c0"})
    write_csv([{"method": "A", "dataset": "d", "psnr": 10.0, "ssim": 0.5, "seconds": 1.0, "n": 2, "embedded": False}],
              cache / "table2.csv")
    clean = {"command": "new", "commit": "c1", "uncommitted_changes": False, "mode": "full"}
    rows = [{"method": "E", "dataset": "d", "image": i, "psnr": p, "ssim": 0.6, "seconds": 2.0}
            for i, p in (("y", 30.0), ("x", 20.0))]
    _run(new, rows[:1], clean)
    assert _update(cache, new, "E", "--add") == 2  # misses input x
    _run(new, rows, clean)
    assert _update(cache, new, "E") == 2  # a new method without --add: the cache holds none of its rows
    assert _update(cache, new, "E", "--add") == 0
    per_image = read_csv(cache / "table2_per_image.csv")
    assert [(r["method"], r["image"]) for r in per_image] == [("A", "x"), ("A", "y"), ("E", "y"), ("E", "x")]
    assert {r["method"]: r["psnr"] for r in read_csv(cache / "table2.csv")} == {"A": 10.0, "E": 25.0}
    assert _update(cache, new, "E", "--add") == 2  # already there: replace without --add
    assert json.loads((cache / "provenance.json").read_text())["updates"][0]["rows"] == ["E"]
