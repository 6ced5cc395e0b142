"""Alg. 2, the learning framework of PADNet: greedy stage-wise design and training.

At stage k the exact u-step is computed for every training sample, then units are added one at a time to
``N_{alpha_k}`` (the current stage's units trained jointly); for the explicit variant Condition 1 is
checked on held-out samples after each unit and no further unit is added once it holds (or ``t_max``
units are reached).  Stages stop when the held-out relative change falls below ``eps`` or at ``k_max``.

Training data: Train400 patches (or the embedded images without data, labelled as such) blurred by
generated motion kernels (never Levin's) with Gaussian noise.  Runs are seeded and deterministic on
CPU; a checkpoint is written after every stage so that a killed run resumes where it stopped and ends
with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from padnet.checks import resolve_device
from padnet.energy import QuadraticFidelity, batch_norm2, grad_f_mu, u_step
from padnet.networks import ResidualPropagation, make_unit
from padnet.operators import conv_fft, grad
from padnet.padnet import PADNetConfig, PADNetState, padnet_stage
from padnet.prox import prox_lp

__all__ = ["TrainConfig", "TrainingSet", "make_training_set", "train", "load_model", "MODEL_DIR", "Model"]

MODEL_DIR = Path(__file__).resolve().parent / "models"


@dataclass
class TrainConfig:
    """Everything that defines a trained model (saved beside the weights).

    ``p = None`` makes an implicit PADNet (fidelity only); otherwise an explicit one with prior
    ``lam ||g||_p^p``.  ``loss``: ``"v"`` trains the network output ``v_{k+1}`` towards the ground truth;
    ``"v+x"`` (explicit only) adds the same loss on the corrected ``x_{k+1} = prox_r(v - grad f^mu(v))``.
    ``finetune_steps > 0`` adds, after Alg. 2, a joint fine-tuning of all stages through the unrolled
    Alg. 1 (loss on the final ``x_K``; batch norm statistics frozen), the optional last step of the
    paper's learning framework.
    """

    name: str
    domain: str = "gradient"
    p: float | None = 0.8
    lam: float = 2e-3
    padnet: dict = field(default_factory=lambda: asdict(PADNetConfig()))
    unit: str = "rbf"
    unit_kwargs: dict = field(default_factory=lambda: {"channels": 2, "width": 8, "kernel_size": 5})
    t_max: int = 3
    steps_per_unit: int = 250
    batch_size: int = 8
    lr: float = 2e-3
    n_train: int = 160
    n_val: int = 32
    patch: int = 64
    kernel_canvas: int = 27
    kernel_sizes: tuple[int, ...] = (13, 17, 21, 25, 27)
    noise: float = 0.01
    cond1_share: float = 1.0
    loss: str = "v"
    seed: int = 0
    finetune_steps: int = 0
    finetune_lr: float = 2e-4

    @property
    def explicit(self) -> bool:
        return self.p is not None

    def padnet_config(self) -> PADNetConfig:
        return PADNetConfig(**{**self.padnet, "explicit": self.explicit})

    def prox_r(self):
        """``prox_r`` of the prior ``lam ||.||_p^p`` for the explicit variant, ``None`` for the implicit one."""
        if not self.explicit:
            return None
        return lambda z: prox_lp(z, self.lam, self.p)


@dataclass
class TrainingSet:
    """Blurred data, kernels and targets; ``b``/``target`` are gradients ``(N, 2, H, W)`` in the gradient domain."""

    y: torch.Tensor
    x: torch.Tensor
    kernels: torch.Tensor
    embedded: bool
    guide: torch.Tensor | None = None  # fixed extra network input (dehazing: the hazy image)

    def fidelity(self, cfg: TrainConfig, idx=slice(None)) -> QuadraticFidelity:
        if cfg.domain == "gradient":
            return QuadraticFidelity.gradient_domain(self.y[idx], self.kernels[idx])
        return QuadraticFidelity.deblur(self.y[idx], self.kernels[idx])  # transmission: identity "blur"

    def network(self, net: ResidualPropagation, idx=slice(None)):
        """``N_alpha`` as Alg. 1 calls it, ``(v, alpha) -> v'``, with this set's guidance bound."""
        guide = None if self.guide is None else self.guide[idx]
        return lambda v, a: net(v, a, guide=guide)

    def target(self, cfg: TrainConfig, idx=slice(None)) -> torch.Tensor:
        return grad(self.x[idx]) if cfg.domain == "gradient" else self.x[idx]


def make_training_set(cfg: TrainConfig, n: int, offset: int, device: torch.device) -> TrainingSet:
    """``n`` patches (seeded by ``cfg.seed`` and ``offset``): circular blur by a motion PSF + noise
    (deconvolution), or hazy patches with their guidance and true transmission (``domain="transmission"``,
    see :func:`padnet.dehaze.make_dehaze_training_set`)."""
    from padnet import data

    if cfg.domain == "transmission":
        from padnet.dehaze import make_dehaze_training_set

        return make_dehaze_training_set(cfg, n, offset, device)

    if data.available("train400"):
        images, embedded = data.train400(), False
    else:
        import warnings

        warnings.warn(data.EMBEDDED_NOTICE, stacklevel=2)
        images, embedded = np.stack([s.sharp for s in data.embedded_deblur_set(n_kernels=1)]).astype(np.float32), True
    rng = np.random.default_rng([cfg.seed, offset, 400])
    P, C = cfg.patch, cfg.kernel_canvas
    xs, ks = [], []
    for _ in range(n):
        img = images[rng.integers(len(images))]
        r, c = rng.integers(0, img.shape[0] - P + 1), rng.integers(0, img.shape[1] - P + 1)
        patch = img[r:r + P, c:c + P]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        xs.append(np.ascontiguousarray(patch))
        size = int(rng.choice(cfg.kernel_sizes))
        k = np.zeros((C, C))
        o = (C - size) // 2
        k[o:o + size, o:o + size] = data.random_motion_kernel(size, rng)
        ks.append(k)
    x = torch.from_numpy(np.stack(xs)[:, None].astype(np.float32)).to(device)
    k = torch.from_numpy(np.stack(ks)[:, None].astype(np.float32)).to(device)
    noise = torch.from_numpy(rng.standard_normal(x.shape).astype(np.float32)).to(device)
    y = conv_fft(x, k) + cfg.noise * noise
    return TrainingSet(y=y, x=x, kernels=k, embedded=embedded)


def _seed(*parts: int) -> int:
    """A deterministic 31-bit seed from integers (Python's hash() of strings varies between processes)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0] & 0x7FFFFFFF)


@dataclass
class Model:
    """A trained PADNet: one network per stage, the config and the training log."""

    config: TrainConfig
    networks: list[ResidualPropagation]
    log: list[dict]
    wall_seconds: float = 0.0
    finetune: dict | None = None  # losses of the joint fine-tuning, when the config asks for it

    def as_callables(self, guide: torch.Tensor | None = None):
        """One ``(v, alpha) -> v'`` per stage; ``guide`` is the fixed extra input of guided units."""
        return [lambda v, a, net=net: net(v, a, guide=guide) for net in self.networks]


def _build_stage(cfg: TrainConfig, n_units: int) -> ResidualPropagation:
    return ResidualPropagation([make_unit(cfg.unit, **cfg.unit_kwargs) for _ in range(n_units)])


def _cpu_state(net: ResidualPropagation) -> dict:
    """A stage's weights on the CPU, so that files written on a GPU load anywhere."""
    return {k: v.cpu() for k, v in net.state_dict().items()}


def _save_checkpoint(path: Path, cfg: TrainConfig, networks, log, wall: float, finetune: dict | None = None) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"config": asdict(cfg), "units": [len(n.units) for n in networks],
                "stages": [_cpu_state(n) for n in networks], "log": log, "wall_seconds": wall,
                "finetune": finetune}, tmp)
    tmp.replace(path)


def _finetune(cfg: TrainConfig, networks: list[ResidualPropagation], tr: TrainingSet, va: TrainingSet,
              progress: bool) -> dict:
    """Joint fine-tuning of every stage through the unrolled Alg. 1 (in place); returns the losses."""
    from tqdm import tqdm

    pcfg, prox = cfg.padnet_config(), cfg.prox_r()
    f_tr, f_va = tr.fidelity(cfg), va.fidelity(cfg)
    tgt_tr, tgt_va = tr.target(cfg), va.target(cfg)

    def unrolled(f, data: TrainingSet, idx=slice(None)) -> torch.Tensor:
        state = PADNetState.init(f.b)
        for k, net in enumerate(networks):
            state, _ = padnet_stage(f, state, data.network(net, idx), k, pcfg, prox)  # Alg. 1, steps 2-5
        return state.x

    for net in networks:
        net.eval()  # batch-norm statistics stay those of Alg. 2: the unrolled network is the deployed one
    with torch.no_grad():
        before = float((batch_norm2(unrolled(f_va, va) - tgt_va) / batch_norm2(tgt_va)).mean())
    params = [q for net in networks for q in net.parameters()]
    torch.manual_seed(_seed(cfg.seed, 10_000, 0, 0))
    opt = torch.optim.Adam(params, lr=cfg.finetune_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.finetune_steps)
    gen = torch.Generator().manual_seed(_seed(cfg.seed, 10_000, 0, 1))
    bar = tqdm(range(cfg.finetune_steps), desc=f"{cfg.name} joint fine-tuning", disable=not progress, leave=False)
    for _ in bar:
        idx = torch.randint(0, cfg.n_train, (cfg.batch_size,), generator=gen).to(tr.y.device)
        f_b = QuadraticFidelity(b=f_tr.b[idx], otf=f_tr.otf[idx] if f_tr.otf is not None else None)
        loss = F.mse_loss(unrolled(f_b, tr, idx), tgt_tr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        bar.set_postfix(loss=f"{loss.item():.2e}")
    with torch.no_grad():
        after = float((batch_norm2(unrolled(f_va, va) - tgt_va) / batch_norm2(tgt_va)).mean())
    return {"steps": cfg.finetune_steps, "lr": cfg.finetune_lr, "final_train_loss": float(loss.detach()),
            "val_rec_error_before": before, "val_rec_error_after": after}


def _load_networks(blob: dict, cfg: TrainConfig) -> list[ResidualPropagation]:
    nets = []
    for n_units, state in zip(blob["units"], blob["stages"]):
        net = _build_stage(cfg, n_units)
        net.load_state_dict(state)
        nets.append(net.eval())
    return nets


def _advance(cfg: TrainConfig, f: QuadraticFidelity, state: PADNetState, network, k: int) -> tuple[PADNetState, dict]:
    with torch.no_grad():
        return padnet_stage(f, state, network, k, cfg.padnet_config(), cfg.prox_r())


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
    from tqdm import tqdm

    dev = resolve_device(device)
    pcfg = cfg.padnet_config()
    checkpoint = Path(checkpoint)
    networks: list[ResidualPropagation] = []
    log: list[dict] = []
    wall0 = 0.0
    if checkpoint.exists():
        blob = torch.load(checkpoint, map_location="cpu", weights_only=False)
        if blob["config"] != asdict(cfg):
            raise ValueError(f"checkpoint {checkpoint} was made with another configuration")
        networks = [n.to(dev) for n in _load_networks(blob, cfg)]
        log, wall0 = blob["log"], blob["wall_seconds"]
        if blob.get("finetune"):
            return Model(cfg, networks, log, wall0, blob["finetune"])
    t_start = time.perf_counter()
    tr = make_training_set(cfg, cfg.n_train, 0, dev)
    va = make_training_set(cfg, cfg.n_val, 1, dev)
    f_tr, f_va = tr.fidelity(cfg), va.fidelity(cfg)
    tgt_tr, tgt_va = tr.target(cfg), va.target(cfg)
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
            v_in_va = u_step(f_va, s_va.x, s_va.v - s_va.lam, pcfg.mu, rho) + s_va.lam
        net = ResidualPropagation().to(dev)
        prox = cfg.prox_r()
        stage_log = {"stage": k + 1, "rho": rho, "alpha": alpha, "units": []}
        for t in range(cfg.t_max):  # Alg. 2, steps 3-10
            torch.manual_seed(_seed(cfg.seed, k, t, 0))
            net.add_unit(make_unit(cfg.unit, **cfg.unit_kwargs).to(dev))
            net.train()
            opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps_per_unit)
            gen = torch.Generator().manual_seed(_seed(cfg.seed, k, t, 1))
            bar = tqdm(range(cfg.steps_per_unit), desc=f"{cfg.name} stage {k + 1} unit {t + 1}", disable=not progress,
                       leave=False)
            for _ in bar:
                idx = torch.randint(0, cfg.n_train, (cfg.batch_size,), generator=gen).to(dev)
                out = tr.network(net, idx)(v_in_tr[idx], alpha)  # Alg. 2, step 4: N_alpha with t+1 units
                loss = F.mse_loss(out, tgt_tr[idx])
                if cfg.loss == "v+x" and cfg.explicit:
                    f_b = QuadraticFidelity(b=f_tr.b[idx], otf=f_tr.otf[idx])
                    x_b = prox(out - grad_f_mu(f_b, out, s_tr.x[idx], pcfg.mu))  # Alg. 1, step 4
                    loss = loss + F.mse_loss(x_b, tgt_tr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                bar.set_postfix(loss=f"{loss.item():.2e}")
            net.eval()
            with torch.no_grad():
                trial, diag = padnet_stage(f_va, s_va, va.network(net), k, pcfg, prox)
                held = (diag["err"] <= pcfg.C_E * diag["dx"]).double()
                unit_log = {"unit": t + 1, "train_loss": float(loss), "val_loss": float(F.mse_loss(trial.v, tgt_va)),
                            # implicit PADNet has x = v, so E_k = 0 and Condition 1 says nothing: not logged
                            "cond1_share": float(held.mean()) if cfg.explicit else None,
                            "val_rec_error": float((batch_norm2(trial.x - tgt_va) / batch_norm2(tgt_va)).mean())}
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
        _save_checkpoint(checkpoint, cfg, networks, log, wall0 + time.perf_counter() - t_start)
        if progress:
            last = stage_log["units"][-1]
            share = "n/a" if last["cond1_share"] is None else f"{last['cond1_share']:.2f}"
            print(f"{cfg.name}: stage {k + 1}: {len(net.units)} unit(s), cond1 share {share}, "
                  f"val rec error {last['val_rec_error']:.4f}, rel change {rel:.2e}", flush=True)
        if stage_log["stop"]:
            break
    finetune = None
    if cfg.finetune_steps > 0 and log and log[-1].get("stop"):
        finetune = _finetune(cfg, networks, tr, va, progress)
        _save_checkpoint(checkpoint, cfg, networks, log, wall0 + time.perf_counter() - t_start, finetune)
        if progress:
            print(f"{cfg.name}: joint fine-tuning, val rec error {finetune['val_rec_error_before']:.4f} -> "
                  f"{finetune['val_rec_error_after']:.4f}", flush=True)
    return Model(cfg, networks, log, wall0 + time.perf_counter() - t_start, finetune)


def save_model(model: Model, provenance: dict, out_dir: Path = MODEL_DIR) -> Path:
    """Write ``<name>.pt`` (weights, config, training log) and ``<name>.json`` (provenance) into ``out_dir``.

    ``provenance`` comes from :func:`padnet.experiments.provenance` (command, commit, uncommitted
    changes, data checksums, device, wall time); the final losses and the stage layout are added here.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{model.config.name}.pt"
    torch.save({"config": asdict(model.config), "units": [len(n.units) for n in model.networks],
                "stages": [_cpu_state(n) for n in model.networks],
                "log": model.log, "finetune": model.finetune}, path)
    last = model.log[-1]["units"][-1] if model.log else {}
    prov = {"model": model.config.name, **provenance, "seed": model.config.seed, "stages": len(model.networks),
            "units_per_stage": [len(n.units) for n in model.networks],
            "final_train_loss": last.get("train_loss"), "final_val_loss": last.get("val_loss"),
            "final_val_rec_error": last.get("val_rec_error"), "finetune": model.finetune,
            "config": asdict(model.config)}
    path.with_suffix(".json").write_text(json.dumps(prov, indent=2) + "\n")
    return path


def load_model(name_or_path: str | Path, device: str = "cpu") -> Model:
    """Load a committed model by name (``padnet/models/<name>.pt``) or from a path."""
    text = str(name_or_path)
    path = Path(text) if text.endswith(".pt") or "/" in text else MODEL_DIR / f"{text}.pt"
    if not path.exists():
        from padnet.checks import InputError

        raise InputError(f"no trained model at {path}; train it with `padnet train {path.stem}`")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    cfg_dict = dict(blob["config"])
    cfg_dict["kernel_sizes"] = tuple(cfg_dict["kernel_sizes"])
    cfg = TrainConfig(**cfg_dict)
    nets = [n.to(resolve_device(device)) for n in _load_networks(blob, cfg)]
    return Model(cfg, nets, blob.get("log", []), finetune=blob.get("finetune"))


def stage_condition2(model: Model, v: torch.Tensor) -> list[float]:
    """Condition 2 measured: ``||N_alpha_k(v) - v|| / alpha_k`` per stage (its sup over inputs is C_N)."""
    pcfg = model.config.padnet_config()
    out = []
    with torch.no_grad():
        for k, net in enumerate(model.networks):
            a = pcfg.alpha(k)
            out.append(float((batch_norm2(net(v, a) - v) / a).max()))
    return out


