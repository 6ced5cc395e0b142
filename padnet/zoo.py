"""Named model configurations: ``padnet train NAME`` reproduces each committed model from these.

Gradient-domain models (Table 1): three explicit PADNets (l1, l0.8, l0 priors, Eq. 14) and one implicit
PADNet (fidelity only), all with the RBF unit of CSF and the same Alg. 1/2 parameters.  Their size is
chosen for 2 CPU cores: 16 filters of 5x5, at most 3 units per stage, 8 stages, 64x64 patches.
"""

from __future__ import annotations

from padnet.table1 import LAM
from padnet.training import TrainConfig

__all__ = ["MODEL_CONFIGS", "named_config"]

_GRAD = dict(
    domain="gradient",
    lam=LAM,
    padnet={"explicit": True, "mu": 0.2, "C_E": 0.08, "rho0": 0.03, "gamma": 2.0, "eps": 1e-3, "max_stages": 8},
    unit="rbf",
    unit_kwargs={"channels": 2, "width": 16, "kernel_size": 5},
    t_max=3,
    steps_per_unit=200,
    n_train=128,
    n_val=16,
    patch=64,
    loss="v+x",
    seed=0,
)

MODEL_CONFIGS: dict[str, TrainConfig] = {
    "grad-epadnet-l1": TrainConfig(name="grad-epadnet-l1", p=1.0, **_GRAD),
    "grad-epadnet-l0.8": TrainConfig(name="grad-epadnet-l0.8", p=0.8, **_GRAD),
    "grad-epadnet-l0": TrainConfig(name="grad-epadnet-l0", p=0.0, **_GRAD),
    "grad-ipadnet": TrainConfig(name="grad-ipadnet", p=None, **_GRAD),
}


def named_config(name: str) -> TrainConfig:
    """The configuration of a named model; :class:`~padnet.checks.InputError` for unknown names."""
    from padnet.checks import InputError

    if name not in MODEL_CONFIGS:
        raise InputError(f"unknown model {name!r}; known: {', '.join(MODEL_CONFIGS)}")
    return MODEL_CONFIGS[name]
