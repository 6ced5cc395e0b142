"""The package as users install it (``pip install .``, not editable): a wheel that carries its manifests
and committed weights, and a ``padnet`` that works from any directory without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, unpacked into a folder of its own (dependencies from this venv)."""
    tmp = tmp_path_factory.mktemp("install")
    wheel_dir, target = tmp / "wheel", tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheel_dir), str(REPO)], check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("padnet-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    return target


def padnet(installed: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``padnet ARGS`` from the installed copy, run in ``cwd`` (outside the checkout)."""
    environ = {**os.environ, "PYTHONPATH": str(installed), **env}
    environ.pop("PADNET_RESULTS", None)
    return subprocess.run([sys.executable, "-m", "padnet.cli", *args], cwd=cwd, env=environ, capture_output=True,
                          text=True)


def test_the_wheel_carries_manifests_and_weights(installed, tmp_path):
    out = subprocess.run([sys.executable, "-c", "import padnet, pathlib; print(pathlib.Path(padnet.__file__).parent)"],
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)}, capture_output=True,
                         text=True, check=True).stdout.strip()
    pkg = Path(out)
    assert pkg == installed / "padnet"  # the installed copy, not the checkout
    assert {p.name for p in (pkg / "data" / "manifests").glob("*.sha256")} >= {"levin09.sha256", "train400.sha256"}
    assert (pkg / "models" / "deconv-implicit.pt").is_file() and (pkg / "models" / "deconv-implicit.json").is_file()


def test_installed_commands_work_from_any_directory(installed, tmp_path):
    assert padnet(installed, tmp_path, "data", "list").returncode == 0
    if os.environ.get("PADNET_DATA"):
        verify = padnet(installed, tmp_path, "data", "verify", "levin09")
        assert verify.returncode == 0, verify.stderr
        assert "levin09" in verify.stdout and "OK" in verify.stdout
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 0.8, (64, 64))
    k = np.ones((5, 5)) / 25
    np.save(tmp_path / "y.npy", x)
    np.save(tmp_path / "k.npy", k)
    deblur = padnet(installed, tmp_path, "deblur", "y.npy", "k.npy", "-o", "x.png", "--method", "ipadnet")
    assert deblur.returncode == 0, deblur.stderr
    assert (tmp_path / "x.png").is_file()
    np.save(tmp_path / "hazy.npy", rng.uniform(0.3, 0.9, (48, 64, 3)))
    dehaze = padnet(installed, tmp_path, "dehaze", "hazy.npy", "-o", "clear.png")
    assert dehaze.returncode == 0, dehaze.stderr


def test_missing_files_and_caches_are_one_line_errors(installed, tmp_path):
    missing = padnet(installed, tmp_path, "deblur", "nope.png", "k.npy", "-o", "x.png")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "Traceback" not in missing.stderr
    no_cache = padnet(installed, tmp_path, "reproduce", "table1", "--quick", "--out", "out",
                      PADNET_DATA=os.environ.get("PADNET_DATA", ""), PADNET_THREADS="1")
    if os.environ.get("PADNET_DATA"):  # the quick run needs the cache to compare with; none ships in the wheel
        assert no_cache.returncode == 2 and len(no_cache.stderr.strip().splitlines()) == 1
        assert "PADNET_RESULTS" in no_cache.stderr and "Traceback" not in no_cache.stderr
    code = "from padnet.experiments.reproduce import cached; print(len(cached('table1', 'table1.csv')))"
    env = {**os.environ, "PYTHONPATH": str(installed), "PADNET_RESULTS": str(REPO / "data" / "results")}
    found = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert found.returncode == 0 and int(found.stdout) > 0, found.stderr  # the documented setting finds them
