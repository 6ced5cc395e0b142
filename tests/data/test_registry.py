"""The data registry: manifests, PADNET_DATA, checksums, offline fetch."""

import shutil

import pytest

from padnet import data
from padnet.data import registry


@pytest.fixture
def fake_levin(tmp_path, monkeypatch):
    """A PADNET_DATA holding a copy of two real Levin files (for corruption tests)."""
    import os

    src = os.environ.get("PADNET_DATA")
    if not src:
        pytest.skip("needs PADNET_DATA for a real file to corrupt")
    folder = tmp_path / "levin09"
    folder.mkdir()
    for name in ("im05_flit01.mat", "im05_flit02.mat"):
        shutil.copy(f"{src}/levin09/{name}", folder / name)
    monkeypatch.setenv("PADNET_DATA", str(tmp_path))
    registry._VERIFIED.clear()
    yield folder
    registry._VERIFIED.clear()


def test_manifests_cover_every_registered_dataset():
    for name in data.DATASETS:
        entries = data.read_manifest(name)
        assert entries and all(len(h) == 64 for h in entries.values())
    assert len(data.read_manifest("levin09")) == 32
    assert len(data.read_manifest("train400")) == 400


def test_unset_and_missing_data_give_one_line_errors(monkeypatch, tmp_path):
    monkeypatch.delenv("PADNET_DATA", raising=False)
    with pytest.raises(data.DataError, match="PADNET_DATA is not set"):
        data.levin09()
    monkeypatch.setenv("PADNET_DATA", str(tmp_path))
    with pytest.raises(data.DataError, match="not found"):
        data.levin09()
    with pytest.raises(data.DataError, match="unknown dataset"):
        data.verify("nope")


def test_corrupt_and_missing_files_are_named(fake_levin):
    with pytest.raises(data.DataError, match="missing file .*im05_flit03.mat"):
        data.verify("levin09", ["im05_flit03.mat"])
    assert data.verify("levin09", ["im05_flit01.mat"]) == 1
    raw = bytearray((fake_levin / "im05_flit02.mat").read_bytes())
    raw[-1] ^= 0xFF
    (fake_levin / "im05_flit02.mat").write_bytes(bytes(raw))
    with pytest.raises(data.DataError, match="corrupt file .*im05_flit02.mat") as err:
        data.verify("levin09", ["im05_flit02.mat"])
    assert "\n" not in str(err.value)


def test_fetch_offline_fails_with_clear_message(monkeypatch, tmp_path):
    import pooch
    import requests

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(data.DataError, match="could not download .*offline"):
        data.fetch("levin09", dest=tmp_path)
    with pytest.raises(data.DataError, match="no direct download"):
        data.fetch("sots_indoor", dest=tmp_path)
