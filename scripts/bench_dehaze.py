"""Time every dehazing method of Table 3 (``padnet dehaze``'s pipeline, A estimate and recovery included)
on one 620x460 SOTS-sized image, one method at a time, with the same threads: one warm-up call each,
then ``--repeats`` rounds in which every method runs once (so that a slower or faster spell of the
machine affects all methods alike); the median and the minimum per method.

    python scripts/bench_dehaze.py [--threads 2] [--repeats 5] [--out data/results/bench-dehaze]

The image is SOTS test scene 1435 at haze level 5 when PADNET_DATA holds SOTS, else the embedded
``stereo_motorcycle`` case (the row says which).  Writes ``bench_dehaze.csv`` and ``provenance.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from padnet.data import available
from padnet.data.haze import embedded_haze_cases, sots_case
from padnet.experiments.common import write_csv
from padnet.pipelines.dehaze import METHODS, dehaze
from padnet.provenance import provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    sample = sots_case(1435, 5) if available("sots_indoor") else embedded_haze_cases()[0]
    t_all = time.perf_counter()
    for method in METHODS:
        dehaze(sample.hazy, method=method, device="cpu")  # warm-up: model load, allocations
    times: dict[str, list[float]] = {method: [] for method in METHODS}
    for _ in range(args.repeats):  # rounds: every method once per round, so drifts of the machine hit all alike
        for method in METHODS:
            t0 = time.perf_counter()
            dehaze(sample.hazy, method=method, device="cpu")
            times[method].append(time.perf_counter() - t0)
    rows = []
    for method, ts in times.items():
        rows.append({"method": method, "image": sample.name, "height": sample.hazy.shape[0],
                     "width": sample.hazy.shape[1], "threads": args.threads,
                     "seconds_median": statistics.median(ts), "seconds_min": min(ts)})
        print(f"{method:9s} {sample.name} {sample.hazy.shape[1]}x{sample.hazy.shape[0]}: "
              f"median {statistics.median(ts):.3f} s, min {min(ts):.3f} s over {args.repeats} runs", flush=True)
    if args.out:
        out = Path(args.out)
        write_csv(rows, out / "bench_dehaze.csv")
        prov = provenance(f"python scripts/bench_dehaze.py --threads {args.threads} --repeats {args.repeats} "
                          f"--out {args.out}", time.perf_counter() - t_all, ["sots_indoor"],
                          f"cpu ({args.threads} threads)", {"embedded": bool(np.any(sample.embedded))})
        (out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
