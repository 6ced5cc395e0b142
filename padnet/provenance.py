"""Provenance of every trained weight file and cached result: command, commit, uncommitted changes,
data-manifest checksums, device, threads, CPU code path, versions, wall time."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import time
from pathlib import Path

import torch

from padnet.data.registry import DATASETS, available

__all__ = ["provenance"]


def provenance(command: str, wall_seconds: float, datasets: list[str], device: str, extra: dict | None = None) -> dict:
    """Provenance record for a cached result: command, commit, data checksums, device, wall time."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).parent).stdout.strip()
        # the outputs themselves are not code changes: cached results (data/results) and trained weights with
        # their provenance (padnet/models/*.pt, *.json; `padnet train` writes them into the checkout, so a
        # second model trained in the same checkout would otherwise be flagged by the first one's files)
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ":/",
                                     ":(exclude,top)data/results", ":(exclude,top,glob)padnet/models/*.pt",
                                     ":(exclude,top,glob)padnet/models/*.json"], capture_output=True,
                                    text=True, cwd=Path(__file__).parent).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", None
    extra = dict(extra or {})
    if commit == "unknown" and os.environ.get("PADNET_SOURCE_COMMIT"):
        # a copy of the source tree without .git (e.g. a GPU machine): the caller names the commit it copied
        commit = os.environ["PADNET_SOURCE_COMMIT"]
        extra.setdefault("commit_note", "no git checkout where this ran: commit from PADNET_SOURCE_COMMIT")
    sums = {}
    for name in datasets:
        manifest = DATASETS[name].manifest
        sums[name] = {"manifest_sha256": hashlib.sha256(manifest.read_bytes()).hexdigest(),
                      "present": available(name)}
    record = {"command": command, "commit": commit, "uncommitted_changes": dirty, "device": device,
              "cpu_threads": torch.get_num_threads(), "torch": torch.__version__,
              "cpu_capability": torch.backends.cpu.get_cpu_capability(),
              "python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
              "wall_seconds": round(wall_seconds, 1), "data": sums, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    record.update(extra)
    return record
