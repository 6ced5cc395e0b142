"""Retraining from the committed recipes reproduces the committed models' first stage / unit (the two
slowest tests: kept in their own file so that parallel workers split them from the other experiments)."""

import pytest


def test_training_reproduces_the_first_stage_of_a_committed_model(tmp_path):
    """Retrain stage 1 of grad-ipadnet from its recipe (1 CPU thread, as committed) and compare weights."""
    import os

    import torch

    from padnet.training import load_model, train
    from padnet.zoo import named_config

    if not os.environ.get("PADNET_DATA"):
        pytest.skip("the committed models were trained on Train400 (PADNET_DATA)")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        part = train(named_config("grad-ipadnet"), tmp_path / "c.pt", device="cpu", progress=False, max_new_stages=1)
    finally:
        torch.set_num_threads(threads)
    committed = load_model("grad-ipadnet").networks[0].state_dict()
    for key, value in part.networks[0].state_dict().items():
        assert torch.allclose(value, committed[key], rtol=1e-4, atol=1e-6), key


def test_training_reproduces_the_first_unit_of_deconv_implicit(tmp_path):
    """Retrain stage 1, unit 1 of deconv-implicit (1 thread, as committed): its held-out loss and error
    must equal those logged when the committed model was trained."""
    import dataclasses
    import os

    import torch

    from padnet.training import load_model, train
    from padnet.zoo import named_config

    if not os.environ.get("PADNET_DATA"):
        pytest.skip("the committed models were trained on Train400 (PADNET_DATA)")
    cfg = dataclasses.replace(named_config("deconv-implicit"), t_max=1)  # same seeds: unit 1 of stage 1
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        part = train(cfg, tmp_path / "c.pt", device="cpu", progress=False, max_new_stages=1)
    finally:
        torch.set_num_threads(threads)
    logged = load_model("deconv-implicit").log[0]["units"][0]
    ours = part.log[0]["units"][0]
    assert ours["val_loss"] == pytest.approx(logged["val_loss"], rel=1e-3)
    assert ours["val_rec_error"] == pytest.approx(logged["val_rec_error"], rel=1e-3)
