"""Alg. 2: resumed training and joint fine-tuning give the same weights as uninterrupted runs."""

import pytest
import torch


def test_resumed_training_gives_the_same_weights(tmp_path, monkeypatch):
    from padnet.learn.alg2 import train
    from padnet.learn.recipes import TrainConfig

    monkeypatch.delenv("PADNET_DATA", raising=False)  # embedded images: small and always present
    cfg = TrainConfig(name="tiny", p=0.8, lam=3e-3, steps_per_unit=4, t_max=2, n_train=6, n_val=3, patch=24,
                      batch_size=2, kernel_canvas=13, kernel_sizes=(9, 13), cond1_share=2.0,
                      padnet={"explicit": True, "mu": 0.2, "C_E": 0.08, "rho0": 0.03, "gamma": 2.0, "eps": 1e-9,
                              "max_stages": 3},
                      unit_kwargs={"channels": 2, "width": 3, "kernel_size": 3})
    with pytest.warns(UserWarning, match="EMBEDDED"):
        full = train(cfg, tmp_path / "a.pt", device="cpu", progress=False)
        part = train(cfg, tmp_path / "b.pt", device="cpu", progress=False, max_new_stages=1)
        assert len(part.networks) == 1
        resumed = train(cfg, tmp_path / "b.pt", device="cpu", progress=False)
    assert len(full.networks) == len(resumed.networks) == 3
    for n1, n2 in zip(full.networks, resumed.networks):
        s1, s2 = n1.state_dict(), n2.state_dict()
        assert s1.keys() == s2.keys()
        for key in s1:
            assert torch.equal(s1[key], s2[key]), key
    assert [s["units_used"] for s in full.log] == [2, 2, 2]  # cond1_share > 1 forces t_max units


def test_joint_finetuning_runs_after_alg2_and_resumes_identically(tmp_path, monkeypatch):
    """Implicit image-domain PADNet: Alg. 2, then joint fine-tuning; a run stopped inside Alg. 2 and
    resumed ends with the same weights and fine-tuning record."""
    from padnet.learn.alg2 import train
    from padnet.learn.recipes import TrainConfig
    from padnet.learn.store import load_model, save_model

    monkeypatch.delenv("PADNET_DATA", raising=False)
    cfg = TrainConfig(name="tiny-ft", domain="image", p=None, lam=0.0, unit="conv7",
                      unit_kwargs={"channels": 1, "width": 4}, steps_per_unit=3, t_max=1, n_train=6, n_val=3,
                      patch=24, batch_size=2, kernel_canvas=13, kernel_sizes=(9, 13), finetune_steps=3,
                      padnet={"explicit": False, "mu": 1e-3, "C_E": 0.0, "rho0": 3e-3, "gamma": 2.5, "eps": 1e-9,
                              "max_stages": 2})
    with pytest.warns(UserWarning, match="EMBEDDED"):
        full = train(cfg, tmp_path / "a.pt", device="cpu", progress=False)
        part = train(cfg, tmp_path / "b.pt", device="cpu", progress=False, max_new_stages=1)
        assert part.finetune is None and len(part.networks) == 1  # stopped inside Alg. 2
        resumed = train(cfg, tmp_path / "b.pt", device="cpu", progress=False)
    assert full.finetune["steps"] == 3 and resumed.finetune == full.finetune
    for n1, n2 in zip(full.networks, resumed.networks):
        for (k, a), b in zip(n1.state_dict().items(), n2.state_dict().values()):
            assert torch.equal(a, b), k
    path = save_model(full, {"command": "test"}, tmp_path)
    assert load_model(path).finetune == full.finetune


def test_a_recipe_that_keeps_a_models_stages_extends_it_by_new_ones(tmp_path, monkeypatch):
    """``keep_stages``: the source's stages come back bit for bit, Alg. 2 goes on from there (the new stage is
    trained on the kept stages' outputs); a source made by another schedule is refused."""
    from dataclasses import replace

    from padnet.checks import InputError
    from padnet.learn.alg2 import train
    from padnet.learn.recipes import TrainConfig
    from padnet.learn.store import save_model

    monkeypatch.delenv("PADNET_DATA", raising=False)
    schedule = {"explicit": False, "mu": 1e-3, "C_E": 0.0, "rho0": 3e-3, "gamma": 2.5, "eps": 1e-9, "max_stages": 2}
    base = TrainConfig(name="tiny-base", domain="image", p=None, lam=0.0, unit="conv7",
                       unit_kwargs={"channels": 1, "width": 4}, steps_per_unit=3, t_max=1, n_train=6, n_val=3,
                       patch=24, batch_size=2, kernel_canvas=13, kernel_sizes=(9, 13), padnet=schedule)
    with pytest.warns(UserWarning, match="EMBEDDED"):
        source = train(base, tmp_path / "base-ckpt.pt", device="cpu", progress=False)
        path = save_model(source, {"command": "test"}, tmp_path)
        longer = replace(base, name="tiny-longer", padnet={**schedule, "max_stages": 3}, init_from=str(path),
                         keep_stages=2)
        extended = train(longer, tmp_path / "longer-ckpt.pt", device="cpu", progress=False)
    assert len(extended.networks) == 3
    assert [entry.get("kept_from") for entry in extended.log] == ["tiny-base", "tiny-base", None]
    for kept, original in zip(extended.networks[:2], source.networks):
        for (key, a), b in zip(kept.state_dict().items(), original.state_dict().values()):
            assert torch.equal(a, b), key
    new, last = extended.networks[2].state_dict(), source.networks[1].state_dict()
    assert any(not torch.equal(new[key], last[key]) for key in new)  # trained from its warm start
    with pytest.raises(InputError, match="differs in schedule"):
        train(replace(longer, name="tiny-other", padnet={**schedule, "max_stages": 3, "gamma": 3.0}),
              tmp_path / "other-ckpt.pt", device="cpu", progress=False)
    with pytest.raises(ValueError, match="needs init_from"):
        replace(base, keep_stages=1)
