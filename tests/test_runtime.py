"""The determinism policy (padnet.runtime): settings applied here and inherited by subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from padnet.checks import InputError
from padnet.runtime import THREADS_ENV, reproducible, torch_seeded


@pytest.fixture
def restore_settings(monkeypatch):
    threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    for var in (THREADS_ENV, "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, ""))  # restored after the test
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(det)


def test_reproducible_fixes_threads_determinism_and_the_environment(restore_settings, monkeypatch):
    monkeypatch.delenv(THREADS_ENV)
    s = reproducible()
    assert s["threads"] == 1 == torch.get_num_threads()  # the default, whatever OMP_NUM_THREADS said
    assert s["deterministic"] and os.environ[THREADS_ENV] == os.environ["OMP_NUM_THREADS"] == "1"
    assert torch.is_deterministic_algorithms_warn_only_enabled()  # what the public call with warn_only sets
    monkeypatch.setenv(THREADS_ENV, "2")
    assert reproducible()["threads"] == 2
    assert reproducible(1)["threads"] == 1  # an explicit argument wins


@pytest.mark.parametrize("value", ["two", "0", "-1"])
def test_a_bad_thread_setting_is_one_clear_error(restore_settings, monkeypatch, value):
    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(InputError, match=THREADS_ENV):
        reproducible()


def test_a_padnet_subprocess_computes_with_the_callers_settings(restore_settings):
    reproducible(1)
    code = ("import torch; from padnet.runtime import apply_env_settings; apply_env_settings(); "
            "print(torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())")
    env = {**os.environ, "OMP_NUM_THREADS": "2"}  # a calling shell's setting must not leak through
    env[THREADS_ENV] = "1"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["1", "True"]


def test_the_policy_does_not_load_the_compiler_but_sets_its_flag_where_loaded():
    """The policy skips importing TorchInductor's configuration (1.6 s of a command's start-up); a process
    that has loaded it gets its deterministic flag, as torch.use_deterministic_algorithms would set it."""
    code = ("import sys, torch; from padnet.runtime import reproducible; reproducible(1); "
            "print('torch._inductor.config' in sys.modules, torch.are_deterministic_algorithms_enabled()); "
            "import torch._inductor.config as c; c.deterministic = False; reproducible(1); print(c.deterministic)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]


def test_torch_seeded_leaves_the_global_generator_as_it_was():
    before = torch.random.get_rng_state()
    with torch_seeded(7):
        a = torch.rand(3)
    assert torch.equal(torch.random.get_rng_state(), before)
    with torch_seeded(7):
        assert torch.equal(torch.rand(3), a)
