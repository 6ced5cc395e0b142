"""Shared fixtures: devices (CPU, plus CUDA when present), seeded generators, benchmark data gate."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
REPO = Path(__file__).resolve().parent.parent


def _share_the_cores_between_workers() -> None:
    """Under pytest-xdist (``make test`` runs one worker per core), give each worker its share of the cores:
    two workers with two torch/BLAS threads each on two cores spin against each other (a recomputed table row
    took 68 s instead of 3 s).  Tests that need another count set it themselves."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if not workers:
        return
    threads = max(1, (os.cpu_count() or 1) // int(workers))
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: scikit-learn brings it
        return
    threadpool_limits(threads)


_share_the_cores_between_workers()


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    return request.param


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20180202)


@pytest.fixture
def gen() -> torch.Generator:
    g = torch.Generator().manual_seed(20180202)
    return g


def dense(op, shape) -> np.ndarray:
    """Explicit matrix of a linear map on float64 images of ``shape`` (batch 1), built from unit vectors:
    an independent reference for FFT-based solves."""
    n = int(np.prod(shape))
    eye = torch.eye(n, dtype=torch.float64)
    return torch.stack([op(eye[i].reshape(1, *shape)).flatten() for i in range(n)], dim=1).numpy()


def _data_present(name: str) -> bool:
    root = os.environ.get("PADNET_DATA")
    return bool(root) and (Path(root) / name).is_dir()


def needs_data(name: str):
    """Skip (with the reason shown by ``-ra``) when a benchmark is absent; CI sets PADNET_DATA."""
    return pytest.mark.skipif(not _data_present(name), reason=f"benchmark {name} not under PADNET_DATA")


@pytest.fixture
def scene(rng):
    """A piecewise-constant scene whose every pixel has a zero channel (dark channel exactly 0), with
    smooth depth, a nearly opaque far region on the right (where A can be read) and known A."""
    H, W = 96, 128
    colors = rng.uniform(0.2, 0.9, size=(12, 3))
    colors[np.arange(12), rng.integers(0, 3, 12)] = 0.0
    labels = np.kron(rng.integers(0, 12, size=(H // 8, W // 8)), np.ones((8, 8), dtype=int))
    J = colors[labels]
    yy, xx = np.mgrid[0:H, 0:W]
    depth = 0.2 + 0.8 * (xx / W)
    depth[:, -16:] = 8.0
    A = np.array([0.8, 0.85, 0.9])
    from padnet.physics.haze import render_haze

    I, t = render_haze(J, depth, 1.0, A)
    return J, I, t, A
