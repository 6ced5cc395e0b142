"""The typed recipe of a PADNet model: everything that defines a trained model (saved beside its weights)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from padnet.optim.prox import prox_lp
from padnet.optim.unrolled import PADNetConfig
from padnet.tasks import Task, get_task

__all__ = ["TrainConfig"]


@dataclass
class TrainConfig:
    """Everything that defines a trained model (saved beside the weights).

    ``p = None`` makes an implicit PADNet (fidelity only); otherwise an explicit one with prior
    ``lam ||g||_p^p``.  ``loss``: ``"v"`` trains the network output ``v_{k+1}`` towards the ground truth;
    ``"v+x"`` (explicit only) adds the same loss on the corrected ``x_{k+1} = prox_r(v - grad f^mu(v))``.
    ``finetune_steps > 0`` adds, after Alg. 2, a joint fine-tuning of all stages through the unrolled
    Alg. 1 (loss on the final ``x_K``; batch norm statistics frozen), the optional last step of the
    paper's learning framework.  ``cond1_weight > 0`` (explicit only) adds Alg. 2's error condition as a
    loss, ``cond1_weight (k + 1) relu(||E_k|| - C_E ||x_{k+1} - x_k||)^2 / ||x_k||^2`` at stage k (dominant
    in later stages, where the ground-truth loss alone leaves Condition 1 unmet).  ``unit_bound = c``
    saturates each unit's output at ``c`` per entry (:class:`~padnet.nets.units.ResidualPropagation`), which
    enforces Condition 2 (``|N_alpha(v) - v| <= alpha T c``): with ``alpha_k = rho_k^{-1/2}`` shrinking by
    ``gamma^{-1/2}`` per stage, the implicit PADNet's steps then shrink geometrically (Theorem 2).
    ``init_from`` names a committed model whose units warm-start the new ones (unit ``t`` of stage ``k``, the
    last stage's for a stage beyond it); ``keep_stages = n`` takes its first ``n`` stages as they are
    instead (Alg. 2 is greedy: each new stage is trained on the outputs of the fixed ones before it), so a
    recipe with a larger ``max_stages`` extends that model by further stages (with all of them kept, it only
    fine-tunes the model jointly).  ``scale`` (dehazing): the network works at ``1 / scale`` of the image's
    resolution.  ``aux_loss``: weight of the task's extra loss term (dehazing: the error of the radiance
    recovered with Eq. 17; the gradient domain: the error of the image made by the linear layer of Eq. 16
    with weight ``beta``).
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
    noise_range: tuple[float, float] | None = None
    cond1_share: float = 1.0
    cond1_weight: float = 0.0
    unit_bound: float | None = None
    loss: str = "v"
    seed: int = 0
    finetune_steps: int = 0
    finetune_lr: float = 2e-4
    init_from: str | None = None
    keep_stages: int = 0
    scale: int = 1
    aux_loss: float = 0.0
    beta: float = 0.1

    def __post_init__(self) -> None:
        self.kernel_sizes = tuple(self.kernel_sizes)  # a JSON/checkpoint round trip gives a list
        if self.noise_range is not None:
            self.noise_range = tuple(self.noise_range)
        self.padnet, self.unit_kwargs = dict(self.padnet), dict(self.unit_kwargs)  # no dict shared between recipes
        if self.keep_stages < 0 or (self.keep_stages and not self.init_from):
            raise ValueError(f"recipe {self.name!r}: keep_stages must be >= 0 and needs init_from, "
                             f"got {self.keep_stages} with init_from={self.init_from!r}")

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

    @property
    def task(self) -> Task:
        """The :class:`~padnet.tasks.base.Task` this recipe trains for (``domain``)."""
        return get_task(self.domain)
