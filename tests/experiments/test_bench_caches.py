"""The cached command-line benchmarks the book shows: clean provenance, every row it reads, one input size."""

import json

import pytest

from padnet.experiments.common import read_csv
from tests.conftest import REPO

RESULTS = REPO / "data" / "results"


@pytest.mark.parametrize("folder, capability", [("bench-cli", None), ("bench-cli-avx2", "AVX2")])
def test_bench_cache_is_complete_with_clean_provenance(folder, capability):
    prov = json.loads((RESULTS / folder / "provenance.json").read_text())
    assert prov["uncommitted_changes"] is False and "scripts/bench_cli.py" in prov["command"]
    if capability:  # the capped run must have run with the cap in force
        assert prov["cpu_capability"] == capability and prov["environment"]["ATEN_CPU_CAPABILITY"] == "avx2"
    rows = read_csv(RESULTS / folder / "bench_cli.csv")
    whats = [r["what"] for r in rows]
    for needed in ("padnet deblur (default)", "padnet deblur (--method ipadnet)", "phase: import torch",
                   "phase: PADNet stages", "padnet deblur (default), RGB photo"):
        assert needed in whats, needed
    assert len({r["padded"] for r in rows}) == 1  # one input for every row
    phases = sum(float(r["seconds_median"]) for r in rows if r["what"].startswith("phase: "))
    default = next(float(r["seconds_min"]) for r in rows if r["what"] == "padnet deblur (default)")
    assert 0 < phases <= 1.5 * default  # the in-process phases cannot take much longer than a whole process
