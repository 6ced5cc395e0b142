"""The paper's energy pieces: fidelity f, energy F (Eq. 1), the Moreau-Yosida u-step (Eq. 3) and the
implementable error E_k (Eq. 12).

All fidelities here are quadratic and diagonalised by the 2-D DFT,

    f(x) = w/2 ||K x - b||^2   (w = 1 unless a noise-level-aware model weighs the data),

with ``K`` a circular convolution (the blur) or the identity (the dehazing fidelity
``1/2 ||t - t~||^2``).  For the gradient-domain energy of Eq. (14), ``x = g`` holds the two gradient
channels and ``b = D(y)``.  Everything works on batches ``(B, C, H, W)`` and returns per-item values
``(B,)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from padnet.checks import as_kernel
from padnet.optim.prox import lp_penalty, prox_lp
from padnet.physics.operators import apply_half_otf, diff_otfs, grad, psf2otf

__all__ = [
    "QuadraticFidelity",
    "MoreauYosidaFidelity",
    "LpEnergy",
    "u_step",
    "error_Ek",
    "condition1",
    "image_from_gradients",
    "CoupledFidelity",
    "batch_norm2",
]


def batch_norm2(x: torch.Tensor) -> torch.Tensor:
    """Euclidean norm of each batch item, ``(B,)``."""
    return x.flatten(1).norm(dim=1)


def _half(otf: torch.Tensor) -> torch.Tensor:
    """The non-redundant half ``[..., :W // 2 + 1]`` of a real kernel's transfer function (for rfft2)."""
    return otf[..., : otf.shape[-1] // 2 + 1]


@dataclass
class QuadraticFidelity:
    """``f(x) = w/2 ||K x - b||^2`` with ``K`` circular (``otf``) or the identity (``otf=None``).

    Attributes:
        b: data ``(B, C, H, W)``.
        otf: transfer function of ``K``, ``(B|1, 1, H, W)`` complex, or ``None`` for ``K = I``.
        weight: per-item weight ``w`` ``(B,)`` (a noise-level-aware model weighs the data by its noise,
            ``w ~ 1/sigma^a``), or ``None`` for ``w = 1``.
    """

    b: torch.Tensor
    otf: torch.Tensor | None = None
    weight: torch.Tensor | None = None

    def __post_init__(self) -> None:
        # cached: the rfft2 half of the OTF, w |K|^2 on it, and w K^T b (all reused by every step)
        if self.weight is not None:
            self.weight = torch.as_tensor(self.weight, dtype=self.b.dtype, device=self.b.device).reshape(-1)
            if self.weight.shape[0] != self.b.shape[0] or not bool((self.weight > 0).all()):
                raise ValueError(f"weight must hold one positive value per batch item ({self.b.shape[0]}), "
                                 f"got shape {tuple(self.weight.shape)}")
        w = 1.0 if self.weight is None else self.weight.reshape(-1, 1, 1, 1)
        if self.otf is None:
            self._h = None
            self._h2 = None if self.weight is None else w
            self._Ktb = w * self.b
        else:
            self._h = _half(self.otf)
            self._h2 = w * self._h.abs() ** 2
            self._Ktb = w * apply_half_otf(self.b, self._h.conj())

    @classmethod
    def deblur(cls, y: torch.Tensor, kernel: torch.Tensor, weight: torch.Tensor | None = None) -> "QuadraticFidelity":
        """Image-domain fidelity ``w/2 ||k * x - y||^2`` (circular)."""
        k = as_kernel(kernel, y)
        return cls(b=y, otf=psf2otf(k, y.shape[-2:]), weight=weight)

    @classmethod
    def gradient_domain(cls, y: torch.Tensor, kernel: torch.Tensor,
                        weight: torch.Tensor | None = None) -> "QuadraticFidelity":
        """Eq. (14)'s fidelity ``w/2 ||g * k - D(y)||^2`` on ``g`` of shape ``(B, 2C, H, W)`` (``w = 1`` unless
        given per item, ``(B,)``)."""
        k = as_kernel(kernel, y)
        return cls(b=grad(y), otf=psf2otf(k, y.shape[-2:]), weight=weight)

    def Ktb_hat(self) -> torch.Tensor:
        """``rfft2(w K^T b)``, computed once (every solve of Eq. 16 with this data term reuses it)."""
        cached = self.__dict__.get("_Ktb_hat")
        if cached is None:
            cached = self.__dict__["_Ktb_hat"] = torch.fft.rfft2(self._Ktb)
        return cached

    def select(self, idx) -> "QuadraticFidelity":
        """The fidelity of the batch items ``idx`` (data and transfer functions sliced, not recomputed; a
        transfer function shared by the batch stays shared)."""
        otf = self.otf if self.otf is None or self.otf.shape[0] == 1 else self.otf[idx]
        return QuadraticFidelity(b=self.b[idx], otf=otf,
                                 weight=None if self.weight is None else self.weight[idx])

    def _w(self, x: torch.Tensor):
        return 1.0 if self.weight is None else self.weight.to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))

    def K(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.otf is None else apply_half_otf(x, self._h)

    def Kt(self, r: torch.Tensor) -> torch.Tensor:
        return r if self.otf is None else apply_half_otf(r, self._h.conj())

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``f(x)``, ``(B,)``."""
        value = 0.5 * batch_norm2(self.K(x) - self.b) ** 2
        return value if self.weight is None else self.weight.to(value.dtype) * value

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        """``grad f(x) = w K^T (K x - b)``."""
        return self._w(x) * self.Kt(self.K(x) - self.b)

    def prox(self, z: torch.Tensor, c: float | torch.Tensor) -> torch.Tensor:
        """``argmin_u f(u) + c/2 ||u - z||^2``, exactly, in the Fourier domain.

        ``(w K^T K + c I) u = w K^T b + c z``; ``c`` is a float or a ``(B,)`` tensor.
        """
        c_t = torch.as_tensor(c, dtype=z.dtype, device=z.device)
        if c_t.dim() == 1:
            c_t = c_t.reshape(-1, 1, 1, 1)
        if self.otf is None:
            return (self._Ktb + c_t * z) / (self._w(z) + c_t)
        num = torch.fft.rfft2(self._Ktb + c_t * z)
        return torch.fft.irfft2(num / (self._h2 + c_t), s=z.shape[-2:]).to(z.dtype)


@dataclass
class CoupledFidelity:
    """Eq. (15)-(16)'s fidelity on the gradient field ``g`` ``(B, 2C, H, W)``, divided by ``beta``:

        f(g) = 1/beta * min_x { w/2 ||k * x - y||^2 + beta/2 ||D(x) - g||^2 },

    i.e. ``f_ex(x, g; y) / (2 beta)`` minimised over ``x`` (the paper's ``1/2 f_ex``, with the data term weighted
    by ``w`` as in :class:`QuadraticFidelity`).  Dividing by ``beta`` leaves the minimisers of Eq. (15) unchanged
    (it rescales ``lambda``) and keeps the curvature at most 1, the scale of Eq. (14)'s fidelity, so Alg. 1's
    ``mu``, ``rho_k`` and ``alpha_k`` keep their meaning.  Unlike Eq. (14), every u-step keeps ``g`` coupled to
    an image consistent with the data; the minimising image is the linear layer of Eq. (16) (:meth:`image`).

    Attributes:
        data: the image-domain data term ``w/2 ||k * x - y||^2`` (:meth:`QuadraticFidelity.deblur`).
        beta: penalty of Eq. (16), a positive float or one per item ``(B,)``.
    """

    data: QuadraticFidelity
    beta: float | torch.Tensor

    def __post_init__(self) -> None:
        beta = torch.as_tensor(self.beta, dtype=self.data.b.dtype, device=self.data.b.device).reshape(-1)
        if beta.numel() not in (1, self.data.b.shape[0]) or not bool((beta > 0).all()):
            raise ValueError(f"beta must be positive, one value or one per batch item, got {self.beta!r}")
        self.b = grad(self.data.b)  # where Alg. 1 starts: g_0 = D(y), as for Eq. (14)

    def image(self, g: torch.Tensor) -> torch.Tensor:
        """``x(g)``, the minimising image (Eq. 16, ``grad_x f_ex = 0``), ``(B, C, H, W)``."""
        return image_from_gradients(g, self.data, self.beta)

    def __call__(self, g: torch.Tensor) -> torch.Tensor:
        """``f(g)``, ``(B,)``."""
        x = self.image(g)
        beta = torch.as_tensor(self.beta, dtype=g.dtype, device=g.device)
        return self.data(x) / beta + 0.5 * batch_norm2(grad(x) - g) ** 2

    def grad(self, g: torch.Tensor) -> torch.Tensor:
        """``grad f(g) = g - D(x(g))`` (the envelope theorem: ``x(g)`` minimises the inner problem)."""
        return g - grad(self.image(g))

    def prox(self, z: torch.Tensor, c: float | torch.Tensor) -> torch.Tensor:
        """``argmin_g f(g) + c/2 ||g - z||^2``, exactly.

        Minimising over ``g`` first gives ``g = (D(x) + c z) / (1 + c)`` and leaves
        ``w/2 ||k * x - y||^2 + beta c / (1 + c) / 2 ||D(x) - z||^2`` for ``x``: Eq. (16) with penalty
        ``beta c / (1 + c)`` (one FFT solve).
        """
        c_t = torch.as_tensor(c, dtype=z.dtype, device=z.device)
        beta = torch.as_tensor(self.beta, dtype=z.dtype, device=z.device)
        x = image_from_gradients(z, self.data, beta * c_t / (1.0 + c_t))
        c_b = c_t.reshape(-1, 1, 1, 1) if c_t.dim() == 1 else c_t
        return (grad(x) + c_b * z) / (1.0 + c_b)

    def select(self, idx) -> "CoupledFidelity":
        """The fidelity of the batch items ``idx``."""
        beta = torch.as_tensor(self.beta)
        return CoupledFidelity(self.data.select(idx), self.beta if beta.dim() == 0 or beta.numel() == 1
                               else beta[idx])


@dataclass
class MoreauYosidaFidelity:
    """``f^mu_{x_k}(x) = f(x) + mu/2 ||x - x_k||^2``, the smooth part of Eq. (2), with the same interface as
    :class:`QuadraticFidelity` where solvers need it (value, gradient, exact prox)."""

    f: QuadraticFidelity
    x_k: torch.Tensor
    mu: float

    @property
    def b(self) -> torch.Tensor:
        return self.f.b

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x) + 0.5 * self.mu * batch_norm2(x - self.x_k) ** 2

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        return grad_f_mu(self.f, x, self.x_k, self.mu)  # Eq. (2)

    def prox(self, z: torch.Tensor, c: float | torch.Tensor) -> torch.Tensor:
        """``argmin_u f^mu_{x_k}(u) + c/2 ||u - z||^2`` (the two penalties merge, as in the u-step)."""
        return self.f.prox((self.mu * self.x_k + c * z) / (self.mu + c), self.mu + c)


def u_step(f: QuadraticFidelity, x_k: torch.Tensor, w: torch.Tensor, mu: float, rho: float) -> torch.Tensor:
    """Preliminary estimation (Eq. 3, Alg. 1 step 2), solved exactly.

    ``u = argmin_u f(u) + mu/2 ||u - x_k||^2 + rho/2 ||u - w||^2`` with ``w = v_k - lambda_k``; the two
    quadratic penalties merge into one centred at ``(mu x_k + rho w) / (mu + rho)``.
    """
    return f.prox((mu * x_k + rho * w) / (mu + rho), mu + rho)


def grad_f_mu(f: QuadraticFidelity, x: torch.Tensor, x_k: torch.Tensor, mu: float) -> torch.Tensor:
    """``grad f^mu_{x_k}(x) = grad f(x) + mu (x - x_k)`` of the Moreau-Yosida model (Eq. 2)."""
    return f.grad(x) + mu * (x - x_k)


def error_Ek(f: QuadraticFidelity, x_new: torch.Tensor, v_new: torch.Tensor, mu: float) -> torch.Tensor:
    """Implementable error (Eq. 12): ``E_k(x_{k+1}) = (mu - 1)(x_{k+1} - v_{k+1}) - grad f(v_{k+1}) + grad f(x_{k+1})``.

    When ``x_{k+1} = prox_r(v_{k+1} - grad f^mu_{x_k}(v_{k+1}))`` (Eq. 7), ``E_k - grad f^mu_{x_k}(x_{k+1})``
    lies in the (limiting) subdifferential of r at ``x_{k+1}`` (Eq. 11).  The implicit PADNet passes
    ``x_{k+1} = v_{k+1}`` itself: then ``E_k = 0`` exactly, returned without the two FFT gradients.
    """
    if x_new is v_new:
        return torch.zeros_like(x_new)
    return (mu - 1.0) * (x_new - v_new) - f.grad(v_new) + f.grad(x_new)


def condition1(err: torch.Tensor, x_new: torch.Tensor, x_k: torch.Tensor, C_E: float) -> torch.Tensor:
    """Condition 1 per batch item: ``||E_k(x_{k+1})|| <= C_E ||x_{k+1} - x_k||`` (bool ``(B,)``)."""
    return batch_norm2(err) <= C_E * batch_norm2(x_new - x_k)


@dataclass
class LpEnergy:
    """``F(x) = f(x) + lam ||L x||_p^p`` (Eq. 1 with an l_p prior), ``L`` the identity or ``D``.

    Eq. (14) is ``LpEnergy(QuadraticFidelity.gradient_domain(y, k), lam, p)``; the image-domain
    hyper-Laplacian / TV energies use ``analysis="grad"``.
    """

    fidelity: QuadraticFidelity
    lam: float
    p: float
    analysis: str = "identity"

    def __post_init__(self) -> None:
        if self.analysis not in ("identity", "grad"):
            raise ValueError(f"analysis must be 'identity' or 'grad', got {self.analysis!r}")

    def L(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.analysis == "identity" else grad(x)

    def prior(self, x: torch.Tensor) -> torch.Tensor:
        """``r(x) = lam ||L x||_p^p``, ``(B,)``."""
        return self.lam * lp_penalty(self.L(x), self.p)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``F(x)``, ``(B,)``."""
        return self.fidelity(x) + self.prior(x)

    def prox_r(self, z: torch.Tensor) -> torch.Tensor:
        """``prox_r(z) = argmin_x r(x) + 1/2 ||x - z||^2``; closed form only for ``analysis="identity"``."""
        if self.analysis != "identity":
            raise NotImplementedError("prox of lam ||D x||_p^p has no closed form; split with z = D x")
        return prox_lp(z, self.lam, self.p)

    def solve_split(self, z: torch.Tensor, rho: float) -> torch.Tensor:
        """``argmin_x f(x) + rho/2 ||L x - z||^2`` exactly (the x-step of ADMM / HQS)."""
        if self.analysis == "identity":
            return self.fidelity.prox(z, rho)
        return image_from_gradients(z, self.fidelity, rho)


@lru_cache(maxsize=8)
def _diff_half(shape: tuple[int, int], dtype: torch.dtype, device: str) -> torch.Tensor:
    """The rfft2 half of :func:`~padnet.physics.operators.diff_otfs`, computed once per size (a 1 MP explicit
    PADNet solves Eq. 16 about 25 times; recomputing its two full complex FFTs each time took 0.7 s)."""
    return _half(diff_otfs(shape, dtype=dtype, device=device))


def image_from_gradients(g: torch.Tensor, fidelity: QuadraticFidelity, beta: float | torch.Tensor) -> torch.Tensor:
    """Linear layer of Eq. (16): ``x = argmin_x 1/2 ||k * x - y||^2 + beta/2 ||D(x) - g||^2``.

    Solved from ``grad_x f_ex = 0``: ``(K^T K + beta D^T D) x = K^T y + beta D^T g`` in the Fourier domain.
    (Eq. 16 has no 1/2 factors; scaling both terms equally leaves the minimiser unchanged.)

    Args:
        g: gradient field ``(B, 2C, H, W)`` (horizontal channels first).
        fidelity: the image-domain fidelity holding ``y`` ``(B, C, H, W)`` and the blur.
        beta: penalty weight, float or ``(B,)``.

    Returns:
        ``x`` of shape ``(B, C, H, W)``.
    """
    y = fidelity.b
    H, W = y.shape[-2:]
    beta_t = torch.as_tensor(beta, dtype=y.dtype, device=y.device)
    if beta_t.dim() == 1:
        beta_t = beta_t.reshape(-1, 1, 1, 1)
    d = _diff_half((H, W), y.dtype, str(y.device))  # (2, 1, H, W//2+1)
    gh, gv = g.chunk(2, dim=1)
    num = fidelity.Ktb_hat() + beta_t * (d[0].conj() * torch.fft.rfft2(gh) + d[1].conj() * torch.fft.rfft2(gv))
    k2 = fidelity._h2 if fidelity._h2 is not None else 1.0  # w |K|^2
    den = k2 + beta_t * (d[0].abs() ** 2 + d[1].abs() ** 2)
    return torch.fft.irfft2(num / den, s=(H, W)).to(y.dtype)
