"""The model store: committed models with provenance, loading by name and path."""

import json

import pytest
import torch


@pytest.mark.parametrize("name", ["grad-epadnet-l1", "grad-epadnet-l0.8", "grad-epadnet-l0", "grad-ipadnet"])
def test_committed_models_have_provenance_and_match_their_config(name):
    from padnet.learn.store import MODEL_DIR, load_model
    from padnet.learn.zoo import named_config

    prov = json.loads((MODEL_DIR / f"{name}.json").read_text())
    for key in ("command", "commit", "uncommitted_changes", "device", "wall_seconds", "seed", "data",
                "final_train_loss"):
        assert key in prov, key
    assert prov["command"].startswith(f"padnet train {name}")
    assert prov["uncommitted_changes"] is False and prov["data"]["train400"]["present"]
    model = load_model(name)
    assert model.config == named_config(name)  # `padnet train NAME` reproduces this model's recipe
    assert len(model.networks) == prov["stages"] and [len(n.units) for n in model.networks] == prov["units_per_stage"]


def test_load_model_by_name_with_a_dot_and_by_path(tmp_path):
    from padnet.checks import InputError
    from padnet.learn.store import MODEL_DIR, load_model

    assert load_model("grad-epadnet-l0.8").config.p == 0.8  # the ".8" is part of the name, not a suffix
    assert load_model(MODEL_DIR / "grad-ipadnet.pt").config.p is None
    with pytest.raises(InputError, match="no trained model"):
        load_model("grad-epadnet-l0.5")


def test_warm_start_keeps_the_source_units_function_whatever_the_noise_map(gen):
    """A unit that also reads a noise map, warm-started from a unit that does not, computes the source's
    output for any map (its map weights start at zero); a unit of another kind is refused."""
    from types import SimpleNamespace

    from padnet.checks import InputError
    from padnet.learn.store import warm_start_unit
    from padnet.nets.units import ResidualPropagation, make_unit

    torch.manual_seed(0)
    src_unit = make_unit("conv7", channels=1, width=4)
    for p in src_unit.parameters():  # a trained-looking unit (the last layer starts at zero)
        p.data.normal_(0.0, 0.3, generator=gen)
    src_unit.eval()
    source = SimpleNamespace(networks=[ResidualPropagation([src_unit])], config=SimpleNamespace(name="src"))
    unit = make_unit("conv7", channels=1, width=4, guide_channels=1)
    assert warm_start_unit(unit, source, 0, 0) and not warm_start_unit(unit, source, 0, 1)
    beyond = make_unit("conv7", channels=1, width=4, guide_channels=1)
    assert warm_start_unit(beyond, source, 3, 0)  # a stage past the source's last: its last stage's unit
    assert all(torch.equal(a, b) for a, b in zip(beyond.state_dict().values(), unit.state_dict().values()))
    unit.eval()
    v = torch.rand(2, 1, 12, 12, generator=gen)
    with torch.no_grad():
        for level in (0.0, 3.0):
            out = unit(torch.cat([v, torch.full_like(v, level)], dim=1))
            assert torch.allclose(out, src_unit(v), atol=1e-6)
    with pytest.raises(InputError, match="another kind"):
        warm_start_unit(make_unit("rbf"), source, 0, 0)


def test_load_model_reads_the_training_time_from_the_provenance_beside_it(tmp_path):
    """``Model.wall_seconds`` of a loaded model is the provenance's wall time; a missing or corrupt JSON
    does not stop the weights from loading."""
    import json
    import shutil

    from padnet.learn.store import MODEL_DIR, load_model

    shutil.copy(MODEL_DIR / "dehaze.pt", tmp_path / "dehaze.pt")
    assert load_model(tmp_path / "dehaze.pt").wall_seconds == 0.0  # no provenance beside it
    (tmp_path / "dehaze.json").write_text(json.dumps({"wall_seconds": 12.5}))
    assert load_model(tmp_path / "dehaze.pt").wall_seconds == 12.5
    (tmp_path / "dehaze.json").write_text("{not json")
    model = load_model(tmp_path / "dehaze.pt")
    assert model.wall_seconds == 0.0 and len(model.networks) == 3
