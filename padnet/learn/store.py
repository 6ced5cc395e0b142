"""The model store: trained PADNets (one network per stage + recipe + training log) as files, loaded safely.

Weight files and checkpoints hold state dicts and plain data only (numbers, strings, lists, dicts,
tensors) and are read with ``torch.load(..., weights_only=True)``: a file that needs anything else
(arbitrary pickled objects, which could run code) is refused with a one-line :class:`InputError`.
Committed models live in ``padnet/models/`` (package data), each with ``<name>.json`` beside it (the
provenance: command, commit, data checksums, device, wall time, final losses).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from padnet.checks import InputError, resolve_device
from padnet.learn.recipes import TrainConfig
from padnet.nets.units import ResidualPropagation, make_unit
from padnet.tasks.base import bounded_network

__all__ = ["MODEL_DIR", "Model", "build_stage", "warm_start_unit", "safe_load", "save_checkpoint", "save_model",
           "load_model", "model_path", "file_sha256", "record_checksum"]

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"


@dataclass
class Model:
    """A trained PADNet: one network per stage, the recipe and the training log."""

    config: TrainConfig
    networks: list[ResidualPropagation]
    log: list[dict]
    wall_seconds: float = 0.0
    finetune: dict | None = None  # losses of the joint fine-tuning, when the recipe asks for it

    def as_callables(self, guide: torch.Tensor | None = None, lower: torch.Tensor | None = None):
        """One ``(v, alpha) -> v'`` per stage; ``guide`` is the fixed extra input of guided units, ``lower``
        a per-entry lower bound every stage's output is projected onto (as in training)."""
        return [bounded_network(net, guide, lower) for net in self.networks]


def build_stage(cfg: TrainConfig, n_units: int) -> ResidualPropagation:
    """An untrained stage ``N_alpha`` with ``n_units`` units of the recipe's kind."""
    return ResidualPropagation([make_unit(cfg.unit, **cfg.unit_kwargs) for _ in range(n_units)], bound=cfg.unit_bound)


def warm_start_unit(unit: torch.nn.Module, source: Model, k: int, t: int) -> bool:
    """Copy unit ``t`` of stage ``k`` of ``source`` into ``unit`` (in place); ``False`` where the source has
    no such unit.  A stage beyond the source's last one starts from the last one's units (a recipe that
    extends a model by further stages, ``TrainConfig.keep_stages``).  A weight with more input channels
    than the source's (a unit that also reads a noise map) gets the source's weights on the first channels
    and zeros on the rest, so ``unit`` computes the source unit's function of its first inputs.  Any other
    mismatch is an :class:`InputError`."""
    if not source.networks:
        return False
    k = min(k, len(source.networks) - 1)  # a stage beyond the source's last starts from its last stage's units
    if t >= len(source.networks[k].units):
        return False
    src = source.networks[k].units[t].state_dict()
    dst = unit.state_dict()
    if set(src) != set(dst):
        raise InputError(f"warm start from {source.config.name!r}: its units are of another kind")
    new = {}
    for key, value in dst.items():
        old = src[key]
        if old.shape == value.shape:
            new[key] = old.clone()
        elif old.dim() == 4 and old.shape[0] == value.shape[0] and old.shape[1] < value.shape[1] \
                and old.shape[2:] == value.shape[2:]:
            grown = torch.zeros_like(value)
            grown[:, : old.shape[1]] = old
            new[key] = grown
        else:
            raise InputError(f"warm start from {source.config.name!r}: {key} has shape {tuple(old.shape)}, "
                             f"the new unit's {tuple(value.shape)}")
    unit.load_state_dict(new)
    return True


def _cpu_state(net: torch.nn.Module) -> dict:
    """A module's weights on the CPU, so that files written on a GPU load anywhere."""
    return {k: v.cpu() for k, v in net.state_dict().items()}


def safe_load(path: str | Path) -> dict:
    """``torch.load(path, weights_only=True)`` on the CPU; a missing, corrupt or unsafe file is one
    :class:`InputError` naming it (never arbitrary code from a pickle)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no file {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"{path}: refused, not plain weights and data (torch.load weights_only): {first}") from err
    except (RuntimeError, EOFError, ValueError, OSError) as err:
        raise InputError(f"{path}: not a readable weight file ({type(err).__name__})") from err
    if not isinstance(blob, dict):
        raise InputError(f"{path}: expected a dict of weights and data, got {type(blob).__name__}")
    return blob


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes (weights are checked bit for bit as files, by function across machines)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record_checksum(weights: Path) -> None:
    """Write ``weights_sha256`` of ``<name>.pt`` into its provenance ``<name>.json`` (kept in place)."""
    meta = weights.with_suffix(".json")
    prov = json.loads(meta.read_text())
    prov["weights_sha256"] = file_sha256(weights)
    meta.write_text(json.dumps(prov, indent=2) + "\n")


def _blob(cfg: TrainConfig, networks, log, **extra) -> dict:
    return {"config": asdict(cfg), "units": [len(n.units) for n in networks],
            "stages": [_cpu_state(n) for n in networks], "log": log, **extra}


def save_checkpoint(path: Path, cfg: TrainConfig, networks, log, wall: float, finetune: dict | None = None) -> None:
    """Write a per-stage checkpoint atomically (a killed run leaves the previous one intact)."""
    tmp = path.with_suffix(".tmp")
    torch.save(_blob(cfg, networks, log, wall_seconds=wall, finetune=finetune), tmp)
    tmp.replace(path)


def networks_from_blob(blob: dict, cfg: TrainConfig) -> list[ResidualPropagation]:
    """The stages stored in a model file or checkpoint, in eval mode, on the CPU."""
    nets = []
    for n_units, state in zip(blob["units"], blob["stages"]):
        net = build_stage(cfg, n_units)
        try:
            net.load_state_dict(state)
        except RuntimeError as err:
            raise InputError(f"stage weights do not fit the recipe {cfg.name!r}: "
                             f"{str(err).splitlines()[0]}") from err
        nets.append(net.eval())
    return nets


def config_from_blob(blob: dict, path: Path) -> TrainConfig:
    try:
        return TrainConfig(**blob["config"])
    except (KeyError, TypeError) as err:
        raise InputError(f"{path}: no valid model recipe in the file ({err})") from err


def save_model(model: Model, provenance: dict, out_dir: Path = MODEL_DIR) -> Path:
    """Write ``<name>.pt`` (weights, recipe, training log) and ``<name>.json`` (provenance) into ``out_dir``.

    ``provenance`` comes from :func:`padnet.provenance.provenance` (command, commit, uncommitted
    changes, data checksums, device, wall time); the final losses and the stage layout are added here.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{model.config.name}.pt"
    torch.save(_blob(model.config, model.networks, model.log, finetune=model.finetune), path)
    last = model.log[-1]["units"][-1] if model.log else {}
    prov = {"model": model.config.name, **provenance, "seed": model.config.seed, "stages": len(model.networks),
            "units_per_stage": [len(n.units) for n in model.networks],
            "final_train_loss": last.get("train_loss"), "final_val_loss": last.get("val_loss"),
            "final_val_rec_error": last.get("val_rec_error"), "finetune": model.finetune,
            "config": asdict(model.config)}
    path.with_suffix(".json").write_text(json.dumps(prov, indent=2) + "\n")
    record_checksum(path)
    return path


def model_path(name_or_path: str | Path) -> Path:
    """``padnet/models/<name>.pt`` for a name, the path itself for a path (``*.pt`` or containing ``/``)."""
    text = str(name_or_path)
    return Path(text) if text.endswith(".pt") or "/" in text else MODEL_DIR / f"{text}.pt"


def _provenance_of(weights: Path) -> dict:
    """The provenance JSON beside a weight file (training wall time, commit, ...); ``{}`` when it is missing
    or unreadable (the weights alone still load: their checksum is checked by the test suite)."""
    try:
        prov = json.loads(weights.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return {}
    return prov if isinstance(prov, dict) else {}


def load_model(name_or_path: str | Path, device: str = "cpu") -> Model:
    """Load a committed model by name (``padnet/models/<name>.pt``) or from a path (safely, see above)."""
    path = model_path(name_or_path)
    if not path.exists():
        raise InputError(f"no trained model at {path}; train it with `padnet train {path.stem}`")
    blob = safe_load(path)
    cfg = config_from_blob(blob, path)
    nets = [n.to(resolve_device(device)) for n in networks_from_blob(blob, cfg)]
    wall = _provenance_of(path).get("wall_seconds", blob.get("wall_seconds", 0.0))
    return Model(cfg, nets, blob.get("log", []), wall_seconds=wall, finetune=blob.get("finetune"))
