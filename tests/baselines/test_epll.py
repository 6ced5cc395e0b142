"""EPLL: patch extraction/averaging adjointness, the patch MAP, the committed mixture."""

from __future__ import annotations

import json

import numpy as np
import torch
from scipy.stats import multivariate_normal

from padnet.baselines.csf import CSF_CONFIG, load_csf
from padnet.baselines.epll import (
    GMM,
    GMM_CONFIG,
    _average_patches,
    _map_patches,
    _patches,
    load_gmm,
    train400_patches,
)
from padnet.learn.store import MODEL_DIR
from tests.conftest import needs_data


def test_patch_averaging_is_the_scaled_adjoint_of_patch_extraction(rng):
    x = torch.from_numpy(rng.random((1, 1, 9, 11)))
    z = torch.from_numpy(rng.random((99, 16)))
    P = 4
    lhs = float((_patches(x, P) * z).sum())  # <P x, z>
    rhs = float((x * _average_patches(z, (9, 11), P)).sum()) * P**2  # <x, P^T z>
    assert np.isclose(lhs, rhs, rtol=1e-12)
    assert torch.allclose(_average_patches(_patches(x, P), (9, 11), P), x)  # every pixel in P^2 patches
    # brute force: patch (i, j) holds x[(i + a) % H, (j + b) % W]
    v = _patches(x, P).reshape(9, 11, P, P)
    assert float(v[8, 10, 1, 2]) == float(x[0, 0, 0, 1])


def test_patch_map_matches_scipy_and_explicit_wiener(rng):
    K, P, beta = 3, 2, 40.0
    d = P * P
    A = rng.standard_normal((K, d, d))
    cov = np.einsum("kij,klj->kil", A, A) * 0.05 + 1e-3 * np.eye(d)
    means = rng.standard_normal((K, d)) * 0.1
    means -= means.mean(1, keepdims=True)
    w = np.array([0.5, 0.3, 0.2])
    gmm = GMM(torch.from_numpy(w), torch.from_numpy(means), torch.from_numpy(cov), P)
    v = rng.standard_normal((50, d)) * 0.3 + 0.5
    evals, evecs = torch.linalg.eigh(gmm.covariances)
    out = _map_patches(torch.from_numpy(v), gmm, beta, (evals, evecs)).numpy()
    for n in range(len(v)):
        m = v[n].mean()
        v0 = v[n] - m
        ll = [np.log(w[k]) + multivariate_normal(means[k], cov[k] + np.eye(d) / beta).logpdf(v0) for k in range(K)]
        k = int(np.argmax(ll))
        ref = means[k] + cov[k] @ np.linalg.solve(cov[k] + np.eye(d) / beta, v0 - means[k]) + m
        assert np.allclose(out[n], ref, atol=1e-10)


def test_committed_csf_and_gmm_load_with_provenance():
    model = load_csf(MODEL_DIR / "csf.pt")
    prov = json.loads((MODEL_DIR / "csf.json").read_text())
    assert len(model.stages) == CSF_CONFIG.stages == prov["stages"]
    assert prov["commit"] and prov["wall_seconds"] > 0 and "train400" in prov["data"]
    gmm = load_gmm(MODEL_DIR / "epll-gmm.pt")
    gprov = json.loads((MODEL_DIR / "epll-gmm.json").read_text())
    assert gmm.weights.shape == (GMM_CONFIG.n_components,) and np.isclose(float(gmm.weights.sum()), 1.0, atol=1e-5)
    assert gprov["state_size"] == 64 * (64 * 64 + 64 + 1)


@needs_data("train400")
def test_committed_gmm_recomputes_its_log_likelihood():
    """Mean log-likelihood of the fitting patches under the committed mixture, by our own code (Cholesky
    log-densities, log-sum-exp), against the value scikit-learn logged when fitting."""
    X = torch.from_numpy(train400_patches(GMM_CONFIG)[0])
    gmm = load_gmm(MODEL_DIR / "epll-gmm.pt")
    logged = json.loads((MODEL_DIR / "epll-gmm.json").read_text())["log"]["mean_log_likelihood"]
    L = torch.linalg.cholesky(gmm.covariances)
    comps = []
    for k in range(len(gmm.weights)):
        z = torch.linalg.solve_triangular(L[k], (X - gmm.means[k]).T, upper=False)
        logdet = 2 * torch.log(torch.diagonal(L[k])).sum()
        comps.append(torch.log(gmm.weights[k]) - 0.5 * (z * z).sum(0) - 0.5 * logdet - 32 * np.log(2 * np.pi))
    ll = torch.logsumexp(torch.stack(comps), 0).mean()
    assert abs(float(ll) - logged) < 1e-6 * abs(logged)
