"""Cascade of Shrinkage Fields (CSF; Schmidt and Roth, CVPR 2014): our reimplementation, a Table 2 baseline.

Each stage ``t`` is one half-quadratic step with learned filters ``f_ti``, shrinkage functions ``psi_ti``
and data weight ``lam_t`` (Schmidt and Roth, Eq. 10), solved in closed form in the Fourier domain::

    x_t = F^-1[ (lam_t conj(K) Y + sum_i conj(F_ti) F(psi_ti(f_ti * x_{t-1})))
                / (lam_t |K|^2 + sum_i |F_ti|^2) ]

with ``x_0 = y``, circular boundaries (``padnet.pipelines.deblur.deblur`` pads and edge-tapers real images first).
Filters are combinations of the 24 non-constant 5x5 DCT basis filters (zero mean, as in CSF_5x5);
``psi`` is our piecewise-linear RBF (:class:`padnet.nets.units.RBF`) instead of Gaussian bumps.

Training (:func:`train_csf`): greedy stage by stage (each new stage starts from the previous one's
parameters and minimises the MSE of its output with the earlier stages frozen), then joint fine-tuning
of all stages, on Train400 patches blurred by generated motion kernels with 1% noise: the same data as
the PADNets (:func:`padnet.tasks.deblur_image.blurred_patches`).  Schmidt and Roth trained with L-BFGS on
their own data; this is our approximation of their CSF row, named as such in the tables.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from padnet.checks import InputError
from padnet.learn.recipes import TrainConfig
from padnet.learn.store import MODEL_DIR, record_checksum, safe_load
from padnet.nets.units import RBF
from padnet.physics.operators import psf2otf
from padnet.runtime import torch_seeded
from padnet.tasks.deblur_image import blurred_patches

__all__ = ["CSFConfig", "CSFStage", "CSF", "train_csf", "save_csf", "load_csf", "csf_deblur", "CSF_CONFIG"]


@dataclass
class CSFConfig:
    """Size and training schedule of a CSF cascade (the committed one: :data:`CSF_CONFIG`)."""

    name: str = "csf"
    stages: int = 5
    filter_size: int = 5
    n_centers: int = 95
    span: float = 1.5
    lam0: float = 300.0
    steps_per_stage: int = 600
    joint_steps: int = 400
    lr: float = 1e-2
    joint_lr: float = 2e-3
    batch_size: int = 16
    n_train: int = 512
    n_val: int = 32
    patch: int = 64
    kernel_canvas: int = 27
    kernel_sizes: tuple[int, ...] = (13, 17, 21, 25, 27)
    noise: float = 0.01
    seed: int = 0
    extra: dict = field(default_factory=dict)

    def data_config(self) -> TrainConfig:
        """The :class:`~padnet.learn.recipes.TrainConfig` whose training data (patches, kernels, noise, seed)
        CSF shares with the PADNets (:func:`padnet.tasks.deblur_image.blurred_patches`)."""
        return TrainConfig(name=self.name, domain="image", patch=self.patch, kernel_canvas=self.kernel_canvas,
                           kernel_sizes=self.kernel_sizes, noise=self.noise, seed=self.seed)


def dct_basis(size: int) -> torch.Tensor:
    """The ``size**2 - 1`` non-constant 2-D DCT-II basis filters, unit norm: ``(size**2 - 1, size, size)``."""
    n = np.arange(size)
    c = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / (2 * size))  # c[u, n]
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    basis = np.einsum("ui,vj->uvij", c, c).reshape(size * size, size, size)
    return torch.from_numpy(basis[1:].astype(np.float32))


class CSFStage(nn.Module):
    """One shrinkage-field stage: ``x_t`` from ``x_{t-1}``, ``y`` and the kernel (Schmidt and Roth, Eq. 10)."""

    def __init__(self, filter_size: int = 5, n_centers: int = 95, span: float = 1.5, lam: float = 300.0):
        super().__init__()
        basis = dct_basis(filter_size)
        n = basis.shape[0]
        self.register_buffer("basis", basis)
        self.coeff = nn.Parameter(torch.eye(n, dtype=basis.dtype))  # filter i = sum_j coeff[i, j] basis_j
        self.shrink = RBF(n, n_centers, span)
        with torch.no_grad():
            self.shrink.weight.copy_(self.shrink.centers.repeat(n, 1))  # psi(z) = z: no shrinkage yet
        self.log_lam = nn.Parameter(torch.tensor(float(np.log(lam)), dtype=basis.dtype))

    def filters(self) -> torch.Tensor:
        """``(n, 1, s, s)`` zero-mean filters."""
        return torch.einsum("ij,jkl->ikl", self.coeff, self.basis)[:, None]

    def forward(self, x: torch.Tensor, y: torch.Tensor, otf_k: torch.Tensor, data_scale: float = 1.0) -> torch.Tensor:
        """``x``, ``y``: ``(B, 1, H, W)``; ``otf_k``: ``(B, 1, H, W)`` complex; ``data_scale`` multiplies the
        learned data weight ``lam_t`` (1: as trained).  Returns ``x_t``."""
        dtype = self.coeff.dtype
        x, y = x.to(dtype), y.to(dtype)
        H, W = x.shape[-2:]
        otf_f = psf2otf(self.filters(), (H, W)).reshape(1, -1, H, W)  # (1, n, H, W)
        X = torch.fft.fft2(x)
        z = torch.fft.ifft2(otf_f * X).real  # f_i * x_{t-1} (circular)
        psi = self.shrink(z)
        lam = self.log_lam.exp() * data_scale
        num = lam * otf_k.conj() * torch.fft.fft2(y) + (otf_f.conj() * torch.fft.fft2(psi)).sum(1, keepdim=True)
        den = lam * otf_k.abs() ** 2 + (otf_f.abs() ** 2).sum(1, keepdim=True)
        return torch.fft.ifft2(num / den).real


class CSF(nn.Module):
    """A cascade of :class:`CSFStage`; ``forward(y, kernel, n_stages)`` returns ``x_T``."""

    def __init__(self, config: CSFConfig):
        super().__init__()
        self.config = config
        self.stages = nn.ModuleList()

    def add_stage(self) -> CSFStage:
        c = self.config
        stage = CSFStage(c.filter_size, c.n_centers, c.span, c.lam0)
        if len(self.stages):
            stage.load_state_dict(self.stages[-1].state_dict())  # start from the previous stage
        self.stages.append(stage)
        return stage

    def forward(self, y: torch.Tensor, kernel: torch.Tensor, n_stages: int | None = None,
                data_scale: float = 1.0) -> torch.Tensor:
        """``y`` ``(B, 1, H, W)``; ``kernel`` ``(B or 1, 1, h, w)`` summing to 1; ``data_scale`` multiplies every
        stage's data weight (a noise level other than the training one).  Returns ``(B, 1, H, W)``."""
        dtype = self.stages[0].coeff.dtype
        otf_k = psf2otf(kernel.to(dtype), tuple(y.shape[-2:]))
        x = y.to(dtype)
        for stage in list(self.stages)[:n_stages]:
            x = stage(x, y, otf_k, data_scale)
        return x.to(y.dtype)


#: The committed cascade (``padnet train csf``): 5 stages of 24 filters 5x5.
CSF_CONFIG = CSFConfig()


def train_csf(config: CSFConfig = CSF_CONFIG, device: str = "cpu", progress: bool = True) -> tuple[CSF, dict]:
    """Greedy stage-wise training, then joint fine-tuning (module docstring).  Returns the model and a log
    with the train/validation MSE and PSNR after every stage."""
    with torch_seeded(config.seed):  # stage initialisations draw from torch's generator, seeded here only
        return _train_csf(config, torch.device(device), progress)


def _train_csf(config: CSFConfig, dev: torch.device, progress: bool) -> tuple[CSF, dict]:
    data_cfg = config.data_config()
    tr = blurred_patches(data_cfg, config.n_train, 0, dev)
    va = blurred_patches(data_cfg, config.n_val, 1, dev)
    model = CSF(config).to(dev)
    rng = np.random.default_rng(config.seed)
    log: dict = {"stages": [], "embedded": tr.embedded}
    t0 = time.perf_counter()

    def val_psnr(n: int) -> float:
        with torch.no_grad():
            mse = ((model(va.y, va.kernels, n).clamp(0, 1) - va.x) ** 2).mean(dim=(1, 2, 3))
        return float((-10 * torch.log10(mse)).mean())

    def fit(params, steps: int, lr: float, n: int) -> float:
        opt = torch.optim.Adam(params, lr=lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        loss = torch.tensor(0.0)
        for _ in range(steps):
            idx = torch.from_numpy(rng.choice(config.n_train, config.batch_size, replace=False))
            loss = ((model(tr.y[idx], tr.kernels[idx], n) - tr.x[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        return float(loss.detach())

    for t in range(config.stages):
        stage = model.add_stage().to(dev)
        for s in model.stages[:-1]:
            s.requires_grad_(False)
        loss = fit(stage.parameters(), config.steps_per_stage, config.lr, t + 1)
        entry = {"stage": t + 1, "train_mse": loss, "val_psnr": val_psnr(t + 1),
                 "lam": float(stage.log_lam.detach().exp()), "seconds": time.perf_counter() - t0}
        log["stages"].append(entry)
        if progress:
            print(f"csf stage {t + 1}/{config.stages}: val PSNR {entry['val_psnr']:.2f} dB, "
                  f"lam {entry['lam']:.1f} ({entry['seconds']:.0f} s)", flush=True)
    model.requires_grad_(True)
    if config.joint_steps:
        before = val_psnr(config.stages)
        fit(model.parameters(), config.joint_steps, config.joint_lr, config.stages)
        log["joint"] = {"val_psnr_before": before, "val_psnr_after": val_psnr(config.stages)}
        if progress:
            print(f"csf joint fine-tuning: val PSNR {before:.2f} -> {log['joint']['val_psnr_after']:.2f} dB", flush=True)
    log["wall_seconds"] = time.perf_counter() - t0
    return model.eval().requires_grad_(False), log


def save_csf(model: CSF, log: dict, provenance: dict, out_dir: Path) -> Path:
    """Write ``<name>.pt`` (weights, config, log) and ``<name>.json`` (provenance) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{model.config.name}.pt"
    torch.save({"config": asdict(model.config), "state": {k: v.cpu() for k, v in model.state_dict().items()},
                "log": log}, path)
    prov = {"model": model.config.name, **provenance, "stages": len(model.stages), "log": log,
            "config": asdict(model.config)}
    path.with_suffix(".json").write_text(json.dumps(prov, indent=2) + "\n")
    record_checksum(path)
    return path


def load_csf(path: str | Path, device: str = "cpu") -> CSF:
    """Load a cascade written by :func:`save_csf`."""
    blob = safe_load(path)
    cfg = dict(blob["config"])
    cfg["kernel_sizes"] = tuple(cfg["kernel_sizes"])
    model = CSF(CSFConfig(**cfg))
    n = 1 + max(int(k.split(".")[1]) for k in blob["state"] if k.startswith("stages."))
    for _ in range(n):
        model.add_stage()
    model.load_state_dict(blob["state"])
    return model.to(device).eval().requires_grad_(False)


def csf_deblur(y: torch.Tensor, kernel: torch.Tensor, model: CSF | None = None, data_scale: float = 1.0) -> torch.Tensor:
    """Deblur ``y`` ``(B, C, H, W)`` (channels separately, periodic model) with the committed cascade
    (``padnet/models/csf.pt``) or ``model``; same shape, dtype and device as ``y``.  ``data_scale``
    multiplies the learned data weights (1 at the training noise, 1%; about ``(1% / sigma)^2`` elsewhere)."""
    if model is None:
        path = MODEL_DIR / f"{CSF_CONFIG.name}.pt"
        if not path.exists():
            raise InputError(f"no trained CSF at {path}; train it with `padnet train csf`")
        model = _cached(str(path), str(y.device))
    B, C, H, W = y.shape
    with torch.no_grad():
        x = model(y.reshape(B * C, 1, H, W).float(), kernel.float(), data_scale=data_scale)
    return x.reshape(B, C, H, W).to(y.dtype)


@lru_cache(maxsize=4)
def _cached(path: str, device: str) -> CSF:
    return load_csf(path, device)
