"""The model store: committed models with provenance, loading by name and path."""

import json

import pytest


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
