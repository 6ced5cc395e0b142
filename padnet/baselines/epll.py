"""EPLL (Zoran and Weiss, ICCV 2011): expected patch log-likelihood under a Gaussian mixture, a Table 2
baseline, with the mixture fitted to Train400 by scikit-learn.

Prior: a zero-DC Gaussian mixture over 8x8 patches (:func:`fit_gmm`: ``n_components`` full-covariance
components fitted by EM to patches of Train400 with their mean removed; the committed mixture has 64
components, 64 x (64 x 64 + 64 + 1) = 266,304 numbers, Zoran and Weiss used 200 fitted to BSDS).
Deblurring (:func:`epll_deconv`), Zoran and Weiss's half-quadratic splitting with
``lambda = P^2 / sigma^2`` and an increasing ``beta`` (:data:`BETAS`, in units of ``1 / sigma^2``)::

    z_i = approximate MAP of patch i of x under the mixture, noise variance 1 / beta   (most likely component,
          then its Wiener filter; the patch mean is kept)
    x   = argmin lambda/2 ||k*x - y||^2 + beta/2 sum_i ||P_i x - z_i||^2            (FFT, all overlapping
          patches on the periodic grid, so sum_i P_i^T P_i = P^2 I)

Schedule and start, chosen on 6 Train400 images blurred by generated motion kernels with 1% noise
(never Levin or Sun): Zoran and Weiss's denoising choice, start at ``y`` with ``beta = (1, 4, ..., 64)
/ sigma^2``, gives 28.5 dB there (a blurred start needs a weak prior first); starting from the Wiener
estimate with ``beta = (1/256, 1/64, 1/16, 1/4, 1, 4) / sigma^2`` gives 33.9 dB (HL: 32.6 dB, same
cases), and finer schedules add nothing for twice the time.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from padnet.checks import InputError
from padnet.data.deblur import embedded_deblur_set, train400
from padnet.data.registry import EMBEDDED_NOTICE, available
from padnet.learn.store import MODEL_DIR, record_checksum, safe_load
from padnet.optim.solvers import wiener_deconv
from padnet.physics.operators import psf2otf

__all__ = ["BETAS", "INIT_NSR", "GMMConfig", "GMM", "fit_gmm", "save_gmm", "load_gmm", "epll_deconv", "epll_deblur", "GMM_CONFIG"]


@dataclass
class GMMConfig:
    """What the committed mixture was fitted with (``padnet train epll-gmm``)."""

    name: str = "epll-gmm"
    patch: int = 8
    n_components: int = 64
    patches_per_image: int = 250
    max_iter: int = 60
    tol: float = 1e-3
    reg_covar: float = 1e-6
    seed: int = 0


GMM_CONFIG = GMMConfig()


@dataclass
class GMM:
    """Zero-DC patch mixture: weights ``(K,)``, means ``(K, d)``, covariances ``(K, d, d)``, ``d = P^2``."""

    weights: torch.Tensor
    means: torch.Tensor
    covariances: torch.Tensor
    patch: int

    def to(self, device, dtype=torch.float32) -> GMM:
        return GMM(self.weights.to(device, torch.float64), self.means.to(device, dtype),
                   self.covariances.to(device, torch.float64), self.patch)


def train400_patches(config: GMMConfig = GMM_CONFIG) -> tuple[np.ndarray, bool]:
    """``patches_per_image`` random ``P x P`` patches of every Train400 image, DC removed: ``(N, P^2)``;
    and whether the embedded default stood in for Train400."""
    if available("train400"):
        images, embedded = train400(), False
    else:
        warnings.warn(EMBEDDED_NOTICE, stacklevel=2)
        images, embedded = np.stack([s.sharp for s in embedded_deblur_set(n_kernels=1)]), True
    rng = np.random.default_rng(config.seed)
    P = config.patch
    out = []
    for img in images:
        r = rng.integers(0, img.shape[0] - P + 1, config.patches_per_image)
        c = rng.integers(0, img.shape[1] - P + 1, config.patches_per_image)
        idx_r = r[:, None, None] + np.arange(P)[None, :, None]
        idx_c = c[:, None, None] + np.arange(P)[None, None, :]
        out.append(img[idx_r, idx_c].reshape(-1, P * P))
    X = np.concatenate(out).astype(np.float64)
    return X - X.mean(axis=1, keepdims=True), embedded


def fit_gmm(config: GMMConfig = GMM_CONFIG, progress: bool = True) -> tuple[GMM, dict]:
    """EM fit of the patch mixture (``sklearn.mixture.GaussianMixture``, k-means initialisation, seeded)."""
    try:
        from sklearn.mixture import GaussianMixture
    except ImportError as err:  # optional extra
        raise InputError("fitting the EPLL mixture needs scikit-learn: pip install 'padnet[baselines]'") from err
    t0 = time.perf_counter()
    X, embedded = train400_patches(config)
    gm = GaussianMixture(config.n_components, covariance_type="full", max_iter=config.max_iter, tol=config.tol,
                         reg_covar=config.reg_covar, random_state=config.seed, verbose=2 if progress else 0,
                         verbose_interval=10)
    gm.fit(X)
    log = {"n_patches": int(X.shape[0]), "converged": bool(gm.converged_), "n_iter": int(gm.n_iter_),
           "mean_log_likelihood": float(gm.score(X)), "embedded": embedded,
           "wall_seconds": time.perf_counter() - t0}
    gmm = GMM(torch.from_numpy(gm.weights_), torch.from_numpy(gm.means_), torch.from_numpy(gm.covariances_),
              config.patch)
    return gmm, log


def save_gmm(gmm: GMM, config: GMMConfig, log: dict, provenance: dict, out_dir: Path) -> Path:
    """Write ``<name>.pt`` (mixture, config, log) and ``<name>.json`` (provenance) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{config.name}.pt"
    torch.save({"config": asdict(config), "weights": gmm.weights.double(), "means": gmm.means.double(),
                "covariances": gmm.covariances.double(), "log": log}, path)
    prov = {"model": config.name, **provenance, "log": log, "config": asdict(config),
            "state_size": int(gmm.weights.numel() + gmm.means.numel() + gmm.covariances.numel())}
    path.with_suffix(".json").write_text(json.dumps(prov, indent=2) + "\n")
    record_checksum(path)
    return path


def load_gmm(path: str | Path) -> GMM:
    """Load a mixture written by :func:`save_gmm` (weights and plain data only)."""
    blob = safe_load(path)
    return GMM(blob["weights"].double(), blob["means"].double(), blob["covariances"].double(), blob["config"]["patch"])


def _patches(x: torch.Tensor, P: int) -> torch.Tensor:
    """All ``H * W`` periodic ``P x P`` patches of ``x`` ``(1, 1, H, W)``: ``(H * W, P^2)``."""
    xp = F.pad(x, (0, P - 1, 0, P - 1), mode="circular")
    return F.unfold(xp, P)[0].T


def _average_patches(z: torch.Tensor, shape: tuple[int, int], P: int) -> torch.Tensor:
    """Adjoint of :func:`_patches` divided by ``P^2``: the average of the overlapping patch estimates."""
    H, W = shape
    full = F.fold(z.T[None], (H + P - 1, W + P - 1), P)  # (1, 1, H+P-1, W+P-1)
    out = full[..., :H, :W].clone()
    out[..., : P - 1, :] += full[..., H:, :W]
    out[..., :, : P - 1] += full[..., :H, W:]
    out[..., : P - 1, : P - 1] += full[..., H:, W:]
    return out / P**2


def _map_patches(v: torch.Tensor, gmm: GMM, beta: float, eig: tuple[torch.Tensor, torch.Tensor],
                 chunk: int = 65536) -> torch.Tensor:
    """Approximate MAP of the clean patches ``v`` ``(N, d)`` seen with noise variance ``1 / beta``: most
    likely component ``k`` (weights times ``N(v0; mu_k, Sigma_k + I / beta)``), then its Wiener estimate
    ``mu_k + Sigma_k (Sigma_k + I / beta)^-1 (v0 - mu_k)``; ``v0`` is ``v`` without its mean (kept)."""
    evals, evecs = eig  # (K, d), (K, d, d): Sigma_k = U diag(s) U^T
    s = evals + 1.0 / beta
    const = torch.log(gmm.weights) - 0.5 * torch.log(s).sum(1)  # (K,)
    shrink = (evals / s).to(v.dtype)
    mu = gmm.means.to(v.dtype)
    U = evecs.to(v.dtype)
    inv_s = (1.0 / s).to(v.dtype)
    out = torch.empty_like(v)
    for a in range(0, v.shape[0], chunk):
        vc = v[a:a + chunk]
        m = vc.mean(1, keepdim=True)
        v0 = vc - m
        best = torch.full((vc.shape[0],), -torch.inf, dtype=torch.float64, device=v.device)
        arg = torch.zeros(vc.shape[0], dtype=torch.long, device=v.device)
        for k in range(mu.shape[0]):
            proj = (v0 - mu[k]) @ U[k]  # coordinates in Sigma_k's eigenbasis
            ll = const[k] - 0.5 * (proj * proj @ inv_s[k]).double()
            better = ll > best
            best = torch.where(better, ll, best)
            arg = torch.where(better, k, arg)
        for k in torch.unique(arg).tolist():
            sel = arg == k
            d0 = v0[sel] - mu[k]
            out[a:a + chunk][sel] = mu[k] + ((d0 @ U[k]) * shrink[k]) @ U[k].T + m[sel]
    return out


#: The beta schedule in units of 1 / sigma^2 (module docstring: chosen on Train400, not on a test set).
BETAS = (1 / 256, 1 / 64, 1 / 16, 1 / 4, 1, 4)
#: Noise-to-signal ratio of the Wiener estimate EPLL starts from (the tuned Wiener default).
INIT_NSR = 3e-2


def epll_deconv(y: torch.Tensor, kernel: torch.Tensor, gmm: GMM, sigma: float = 0.01,
                betas: tuple[float, ...] = BETAS, x0: torch.Tensor | None = None) -> torch.Tensor:
    """EPLL half-quadratic splitting (module docstring) on one periodic image.

    Args:
        y: ``(1, 1, H, W)`` blurred image; kernel: ``(1, 1, h, w)`` PSF summing to 1.
        gmm: the patch prior; sigma: noise standard deviation (images in [0, 1]).
        betas: the schedule, in units of ``1 / sigma^2``.
        x0: starting image (default: Wiener deconvolution with ``INIT_NSR``).

    Returns:
        ``(1, 1, H, W)`` in ``y``'s dtype.
    """
    P = gmm.patch
    H, W = y.shape[-2:]
    g = gmm.to(y.device, y.dtype)
    evals, evecs = torch.linalg.eigh(g.covariances)
    eig = (evals.clamp_min(0.0), evecs)
    otf = psf2otf(kernel.to(y.dtype), (H, W))
    KtY = torch.conj(otf) * torch.fft.fft2(y)
    KtK = otf.abs() ** 2
    lam = 1.0 / sigma**2  # P^2 / sigma^2 divided through by P^2
    x = (wiener_deconv(y, kernel.to(y.dtype), nsr=INIT_NSR) if x0 is None else x0).clone()
    for b in betas:
        beta = b / sigma**2
        z = _map_patches(_patches(x, P), g, beta, eig)
        avg = _average_patches(z, (H, W), P)
        x = torch.fft.ifft2((lam * KtY + beta * torch.fft.fft2(avg)) / (lam * KtK + beta)).real.to(y.dtype)
    return x


def epll_deblur(y: torch.Tensor, kernel: torch.Tensor, sigma: float = 0.01, gmm: GMM | None = None) -> torch.Tensor:
    """EPLL on every channel of ``y`` ``(B, C, H, W)`` with the committed mixture (``padnet/models/epll-gmm.pt``)."""
    if gmm is None:
        path = MODEL_DIR / f"{GMM_CONFIG.name}.pt"
        if not path.exists():
            raise InputError(f"no fitted EPLL mixture at {path}; fit it with `padnet train epll-gmm`")
        gmm = _cached(str(path))
    out = torch.empty_like(y)
    for b in range(y.shape[0]):
        for c in range(y.shape[1]):
            out[b, c] = epll_deconv(y[b:b + 1, c:c + 1], kernel, gmm, sigma)[0, 0]
    return out


@lru_cache(maxsize=4)
def _cached(path: str) -> GMM:
    return load_gmm(path)
