"""The determinism policy: one place that fixes the compute settings of a run.

Floating-point results on a CPU depend on how work is split between threads (the order of partial
sums in a convolution, a reduction or a BLAS call) and on the instruction set oneDNN and MKL pick for
the machine.  Within one machine, a run is bit-stable when its thread count is fixed and torch uses
its deterministic algorithms; across machines only the function (errors, PSNR) can be compared, within
tolerances (see the tests that read committed weights and cached tables).

:func:`reproducible` applies the policy to this process *and* to every process it starts (through the
environment): ``threads`` torch intra-op threads and the same number of BLAS threads for numpy/scipy
(``threadpoolctl``), ``torch.use_deterministic_algorithms(True)``.  The thread count comes from the
argument, else from ``PADNET_THREADS``, else :data:`DEFAULT_THREADS` (1: the book's chapters run two at
a time on two cores).  Every chapter of the book calls it first, so the papermill execution, nbval's
rerun and every ``padnet`` subprocess a chapter starts compute with the same settings, whatever
``OMP_NUM_THREADS`` the calling shell had.  The ``padnet`` command applies it when ``PADNET_THREADS`` is
set and otherwise leaves torch's default (all cores) for speed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from padnet.checks import InputError

__all__ = ["THREADS_ENV", "DEFAULT_THREADS", "reproducible", "apply_env_settings", "settings", "torch_seeded"]

THREADS_ENV = "PADNET_THREADS"
DEFAULT_THREADS = 1
_BLAS_LIMITS = []  # keeps threadpoolctl's limiter alive for the life of the process


def _threads_from_env() -> int | None:
    raw = os.environ.get(THREADS_ENV)
    if raw is None or raw.strip() == "":
        return None
    try:
        n = int(raw)
    except ValueError as err:
        raise InputError(f"{THREADS_ENV}={raw!r} is not a whole number of threads") from err
    if n < 1:
        raise InputError(f"{THREADS_ENV} must be >= 1, got {n}")
    return n


def reproducible(threads: int | None = None) -> dict:
    """Apply the determinism policy to this process and the processes it starts.

    Args:
        threads: torch and BLAS threads; default ``$PADNET_THREADS``, else :data:`DEFAULT_THREADS`.

    Returns:
        :func:`settings` after the change.
    """
    n = threads if threads is not None else (_threads_from_env() or DEFAULT_THREADS)
    if not isinstance(n, int) or n < 1:
        raise InputError(f"threads must be a whole number >= 1, got {n!r}")
    torch.set_num_threads(n)
    # CUDA's deterministic cuBLAS needs this before the first cuBLAS call; harmless on CPU
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    _deterministic_algorithms()
    try:
        from threadpoolctl import threadpool_limits

        _BLAS_LIMITS[:] = [threadpool_limits(limits=n)]
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass
    for var in (THREADS_ENV, "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)  # inherited by subprocesses (padnet commands, worker pools)
    return settings()


def _deterministic_algorithms() -> None:
    """``torch.use_deterministic_algorithms(True, warn_only=True)`` without its cost: the public call also
    imports TorchInductor's configuration (1.6 s, half a ``padnet deblur``'s start-up on 2 cores) to set
    its ``deterministic`` flag, which only compiled code reads; padnet compiles nothing.  The flag is set
    where that module is already loaded, and the public call is used where torch lacks the private one."""
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None:  # pragma: no cover - another torch
        torch.use_deterministic_algorithms(True, warn_only=True)
        return
    setter(True, warn_only=True)
    inductor = sys.modules.get("torch._inductor.config")
    if inductor is not None:
        inductor.deterministic = True


def apply_env_settings() -> dict | None:
    """For entry points (the ``padnet`` command): apply the policy when ``PADNET_THREADS`` is set."""
    if _threads_from_env() is None:
        return None
    return reproducible()


def settings() -> dict:
    """The compute settings in force: threads, deterministic algorithms, CPU code path, torch version."""
    return {"threads": torch.get_num_threads(),
            "deterministic": torch.are_deterministic_algorithms_enabled(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__}


@contextmanager
def torch_seeded(seed: int) -> Iterator[None]:
    """Seed torch's global generator for a block (layers draw their initial weights from it) and restore
    the caller's generator state afterwards: the library never leaves the global seed changed."""
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.random.set_rng_state(state)
