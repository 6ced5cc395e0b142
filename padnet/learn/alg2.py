"""Alg. 2, the learning framework of PADNet: greedy stage-wise design and training.

At stage k the exact u-step is computed for every training sample, then units are added one at a time to
``N_{alpha_k}`` (the current stage's units trained jointly); for the explicit variant Condition 1 is
checked on held-out samples after each unit and no further unit is added once it holds (or ``t_max``
units are reached).  Stages stop when the held-out relative change falls below ``eps`` or at ``k_max``.
An optional joint fine-tuning then trains every stage through the unrolled Alg. 1
(:func:`padnet.optim.unrolled.padnet_solve` with ``differentiable=True``).  A recipe may keep the first
stages of a committed model as they are and go on from there (``TrainConfig.keep_stages``): the greedy
design makes this the same procedure with the earlier stages fixed.

Training pairs come from the recipe's task (:mod:`padnet.tasks`).  Runs are seeded (every random draw
from a generator seeded by the recipe, the global torch seed untouched after training) and
deterministic on CPU for a fixed thread count; a checkpoint is written after every stage so that a
killed run resumes where it stopped and ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from padnet.checks import InputError, resolve_device
from padnet.learn.recipes import TrainConfig
from padnet.learn.store import (
    Model,
    load_model,
    networks_from_blob,
    safe_load,
    save_checkpoint,
    warm_start_unit,
)
from padnet.nets.units import ResidualPropagation, make_unit
from padnet.optim.energy import (
    QuadraticFidelity,
    batch_norm2,
    error_Ek,
    grad_f_mu,
    u_step,
)
from padnet.optim.trace import rec_error
from padnet.optim.unrolled import PADNetState, padnet_solve, padnet_stage
from padnet.runtime import torch_seeded
from padnet.tasks import TrainingSet

__all__ = ["train", "held_out_error", "logged_error", "stage_condition2"]


def _seed(*parts: int) -> int:
    """A deterministic 31-bit seed from integers (Python's hash() of strings varies between processes)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0] & 0x7FFFFFFF)


def _finetune(cfg: TrainConfig, networks: list[ResidualPropagation], tr: TrainingSet, va: TrainingSet,
              f_tr: QuadraticFidelity, f_va: QuadraticFidelity, tgt_tr: torch.Tensor, tgt_va: torch.Tensor,
              progress: bool) -> dict:
    """Joint fine-tuning of every stage through the unrolled Alg. 1 (in place); returns the losses."""
    pcfg, prox = cfg.padnet_config(), cfg.prox_r()

    def unrolled(f, data: TrainingSet, idx=slice(None)) -> torch.Tensor:
        nets = [data.network(net, idx) for net in networks]
        return padnet_solve(f, nets, pcfg, prox_r=prox, differentiable=True)[0]  # Alg. 1, steps 2-5

    for net in networks:
        net.eval()  # batch-norm statistics stay those of Alg. 2: the unrolled network is the deployed one
    with torch.no_grad():
        before = rec_error(unrolled(f_va, va), tgt_va)
    params = [q for net in networks for q in net.parameters()]
    opt = torch.optim.Adam(params, lr=cfg.finetune_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.finetune_steps)
    gen = torch.Generator().manual_seed(_seed(cfg.seed, 10_000, 0, 1))
    bar = tqdm(range(cfg.finetune_steps), desc=f"{cfg.name} joint fine-tuning", disable=not progress, leave=False)
    for _ in bar:
        idx = torch.randint(0, cfg.n_train, (cfg.batch_size,), generator=gen).to(tr.y.device)
        loss = cfg.task.loss(unrolled(f_tr.select(idx), tr, idx), tgt_tr[idx], tr, idx, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        bar.set_postfix(loss=f"{loss.item():.2e}")
    with torch.no_grad():
        after = rec_error(unrolled(f_va, va), tgt_va)
    return {"steps": cfg.finetune_steps, "lr": cfg.finetune_lr, "final_train_loss": float(loss.detach()),
            "val_rec_error_before": before, "val_rec_error_after": after}


def _advance(cfg: TrainConfig, f: QuadraticFidelity, state: PADNetState, network, k: int) -> tuple[PADNetState, dict]:
    with torch.no_grad():
        return padnet_stage(f, state, network, k, cfg.padnet_config(), cfg.prox_r())


def _kept_stages(cfg: TrainConfig, source: Model, dev: torch.device) -> tuple[list[ResidualPropagation], list[dict]]:
    """The first ``cfg.keep_stages`` stages of the source model and their log (``TrainConfig.keep_stages``);
    an :class:`InputError` where the source was made by another schedule, task or kind of unit."""
    src = source.config
    same = {key: (getattr(src, key), getattr(cfg, key)) for key in ("domain", "p", "lam", "unit", "unit_kwargs",
                                                                    "unit_bound")}
    same["schedule"] = ({**src.padnet, "max_stages": None}, {**cfg.padnet, "max_stages": None})
    differ = [key for key, (a, b) in same.items() if a != b]
    k_max = cfg.padnet_config().max_stages
    if differ or len(source.networks) < cfg.keep_stages or cfg.keep_stages > k_max:
        raise InputError(f"recipe {cfg.name!r} cannot keep {cfg.keep_stages} stages of {src.name!r} "
                         f"({len(source.networks)} stages; differs in {', '.join(differ) or 'nothing'}; "
                         f"max_stages {k_max})")
    networks = [net.to(dev) for net in source.networks[: cfg.keep_stages]]
    # all of k_max kept: Alg. 2 has nothing to add (a recipe that only fine-tunes the model jointly)
    log = [{**entry, "stop": k + 1 >= k_max, "kept_from": src.name}
           for k, entry in enumerate(source.log[: cfg.keep_stages])]
    return networks, log


def train(cfg: TrainConfig, checkpoint: str | Path, device: str = "auto", progress: bool = True,
          max_new_stages: int | None = None) -> Model:
    """Alg. 2: train (or resume) a PADNet; ``checkpoint`` is rewritten after every stage.

    Args:
        cfg: the model's configuration.
        checkpoint: file for the per-stage checkpoint; an existing one with the same config is resumed.
        device: ``auto``, ``cpu`` or ``cuda``.
        max_new_stages: stop after training this many new stages (used to test resuming).

    Returns:
        The trained :class:`Model` (also fully described by the checkpoint).
    """
    dev = resolve_device(device)
    pcfg = cfg.padnet_config()
    checkpoint = Path(checkpoint)
    networks: list[ResidualPropagation] = []
    log: list[dict] = []
    wall0 = 0.0
    if checkpoint.exists():
        blob = safe_load(checkpoint)
        if blob.get("config") != asdict(cfg):
            raise InputError(f"checkpoint {checkpoint} was made with another recipe; delete it to start afresh")
        networks = [n.to(dev) for n in networks_from_blob(blob, cfg)]
        log, wall0 = blob["log"], blob["wall_seconds"]
        if blob.get("finetune"):
            return Model(cfg, networks, log, wall0, blob["finetune"])
    source = load_model(cfg.init_from) if cfg.init_from else None  # warm start (TrainConfig.init_from)
    if not networks and cfg.keep_stages:
        networks, log = _kept_stages(cfg, source, dev)
    t_start = time.perf_counter()
    task = cfg.task
    tr = task.training_set(cfg, cfg.n_train, 0, dev)
    va = task.training_set(cfg, cfg.n_val, 1, dev)  # offset 1: the held-out set
    (f_tr, tgt_tr), (f_va, tgt_va) = task.problem(tr), task.problem(va)
    s_tr, s_va = PADNetState.init(f_tr.b), PADNetState.init(f_va.b)
    # replay the finished stages (deterministic) to recover the states
    for k, net in enumerate(networks):
        s_tr, _ = _advance(cfg, f_tr, s_tr, tr.network(net), k)
        s_va, _ = _advance(cfg, f_va, s_va, va.network(net), k)
    new = 0
    for k in range(len(networks), pcfg.max_stages):
        if log and log[-1].get("stop"):
            break
        if max_new_stages is not None and new >= max_new_stages:
            break
        rho, alpha = pcfg.rho(k), pcfg.alpha(k)
        with torch.no_grad():
            v_in_tr = u_step(f_tr, s_tr.x, s_tr.v - s_tr.lam, pcfg.mu, rho) + s_tr.lam  # Alg. 2, step 2
        net = ResidualPropagation(bound=cfg.unit_bound).to(dev)
        prox = cfg.prox_r()
        stage_log = {"stage": k + 1, "rho": rho, "alpha": alpha, "units": []}
        for t in range(cfg.t_max):  # Alg. 2, steps 3-10
            with torch_seeded(_seed(cfg.seed, k, t, 0)):
                unit = make_unit(cfg.unit, **cfg.unit_kwargs)
                if source is not None:
                    warm_start_unit(unit, source, k, t)
                net.add_unit(unit.to(dev))
            net.train()
            opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps_per_unit)
            gen = torch.Generator().manual_seed(_seed(cfg.seed, k, t, 1))
            bar = tqdm(range(cfg.steps_per_unit), desc=f"{cfg.name} stage {k + 1} unit {t + 1}", disable=not progress,
                       leave=False)
            for _ in bar:
                idx = torch.randint(0, cfg.n_train, (cfg.batch_size,), generator=gen).to(dev)
                out = tr.network(net, idx)(v_in_tr[idx], alpha)  # Alg. 2, step 4: N_alpha with t+1 units
                loss = task.loss(out, tgt_tr[idx], tr, idx, cfg)
                if cfg.explicit and (cfg.loss == "v+x" or cfg.cond1_weight > 0):
                    f_b = f_tr.select(idx)
                    x_k = s_tr.x[idx]
                    x_b = prox(out - grad_f_mu(f_b, out, x_k, pcfg.mu))  # Alg. 1, step 4
                    if cfg.loss == "v+x":
                        loss = loss + F.mse_loss(x_b, tgt_tr[idx])
                    if cfg.cond1_weight > 0:  # Alg. 2, step 7 as a loss: ||E_k|| against C_E ||x_k+1 - x_k||
                        gap = batch_norm2(error_Ek(f_b, x_b, out, pcfg.mu)) - pcfg.C_E * batch_norm2(x_b - x_k)
                        scale = batch_norm2(x_k).clamp_min(1e-12)
                        loss = loss + cfg.cond1_weight * (k + 1) * (F.relu(gap) / scale).pow(2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                bar.set_postfix(loss=f"{loss.item():.2e}")
            net.eval()
            with torch.no_grad():
                trial, diag = padnet_stage(f_va, s_va, va.network(net), k, pcfg, prox)
                held = diag["cond1_net"].double()  # step 7 judges the units, before any repeated correction
                unit_log = {"unit": t + 1, "train_loss": float(loss), "val_loss": float(F.mse_loss(trial.v, tgt_va)),
                            # implicit PADNet has x = v, so E_k = 0 and Condition 1 says nothing: not logged
                            "cond1_share": float(held.mean()) if cfg.explicit else None,
                            "val_rec_error": rec_error(trial.x, tgt_va)}
            stage_log["units"].append(unit_log)
            if cfg.explicit and unit_log["cond1_share"] >= cfg.cond1_share:  # Alg. 2, step 7
                break
        s_tr, _ = _advance(cfg, f_tr, s_tr, tr.network(net), k)
        s_va = trial  # the held-out stage with the final units, computed above (Alg. 2, steps 5-8, 11)
        rel = float(diag["rel"].mean())
        stage_log.update({"units_used": len(net.units), "val_rel_change": rel,
                          "stop": rel <= pcfg.eps or k + 1 >= pcfg.max_stages})  # Alg. 2, step 12
        log.append(stage_log)
        networks.append(net)
        new += 1
        save_checkpoint(checkpoint, cfg, networks, log, wall0 + time.perf_counter() - t_start)
        if progress:
            last = stage_log["units"][-1]
            share = "n/a" if last["cond1_share"] is None else f"{last['cond1_share']:.2f}"
            print(f"{cfg.name}: stage {k + 1}: {len(net.units)} unit(s), cond1 share {share}, "
                  f"val rec error {last['val_rec_error']:.4f}, rel change {rel:.2e}", flush=True)
        if stage_log["stop"]:
            break
    finetune = None
    if cfg.finetune_steps > 0 and log and log[-1].get("stop"):
        finetune = _finetune(cfg, networks, tr, va, f_tr, f_va, tgt_tr, tgt_va, progress)
        save_checkpoint(checkpoint, cfg, networks, log, wall0 + time.perf_counter() - t_start, finetune)
        if progress:
            print(f"{cfg.name}: joint fine-tuning, val rec error {finetune['val_rec_error_before']:.4f} -> "
                  f"{finetune['val_rec_error_after']:.4f}", flush=True)
    return Model(cfg, networks, log, wall0 + time.perf_counter() - t_start, finetune)


def stage_condition2(model: Model, f: QuadraticFidelity, guide: torch.Tensor | None = None,
                     callback: Callable[[int, PADNetState, dict], None] | None = None) -> list[float]:
    """Condition 2 measured along a run of Alg. 1: ``||N_alpha_k(w_k) - w_k|| / alpha_k`` per stage, on each
    stage's own input ``w_k = u_{k+1} + lambda_k`` (its sup over inputs is C_N).

    Step 5 gives ``lambda_{k+1} = lambda_k + u_{k+1} - v_{k+1}``, so ``N(w_k) - w_k = -lambda_{k+1}``: the
    quantity is ``||lambda_{k+1}|| / alpha_k`` (largest over the batch).  ``callback``, if given, is also called
    as :func:`~padnet.optim.unrolled.padnet_solve` calls it, to observe the same run.
    """
    cfg = model.config
    pcfg = cfg.padnet_config()
    out: list[float] = []

    def record(k: int, state: PADNetState, diag: dict) -> None:
        out.append(float(batch_norm2(state.lam).max()) / pcfg.alpha(k))
        if callback is not None:
            callback(k, state, diag)

    padnet_solve(f, model.as_callables(guide=guide), pcfg, prox_r=cfg.prox_r(), callback=record)
    return out


def held_out_error(model: Model, cfg: TrainConfig | None = None) -> float:
    """Mean relative error ``||x_K - target|| / ||target||`` of ``model``'s stages on the held-out set of
    ``cfg`` (default: the model's own recipe), regenerated as :func:`train` draws it (offset 1) on the CPU
    and run through every stage of Alg. 1, as training evaluated it (no stopping rule)."""
    cfg = cfg or model.config
    va = cfg.task.training_set(cfg, cfg.n_val, 1, torch.device("cpu"))
    f, target = cfg.task.problem(va)
    with torch.no_grad():
        x, _ = padnet_solve(f, [va.network(n) for n in model.networks], cfg.padnet_config(), prox_r=cfg.prox_r(),
                            differentiable=True)
    return rec_error(x, target)


def logged_error(model: Model) -> float:
    """The held-out error logged at the end of training (after the joint fine-tuning where there is one)."""
    return model.finetune["val_rec_error_after"] if model.finetune else model.log[-1]["units"][-1]["val_rec_error"]
