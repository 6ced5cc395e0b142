"""Figure helpers (matplotlib only; no computation here)."""

from __future__ import annotations

import numpy as np

__all__ = ["figure1", "noise_sweep_figure"]

STYLE = {"ADMM": ("tab:blue", "-"), "HQS": ("tab:orange", "-"), "EPADNet": ("tab:red", "-"),
         "IPADNet": ("tab:green", "-")}


def figure1(traces: list[dict], priors: tuple[str, ...] = ("l1", "l0.8", "l0")):
    """Fig. 1 of the paper from per-iteration trace rows (``padnet.experiments.table1.table1()["traces"]``).

    One row per prior, two columns as in the paper: (a) iteration error ``||g_{k+1} - g_k|| / ||g_k||``
    with EPADNet's error condition (``||E_k||`` and ``C_E ||g_{k+1} - g_k||``, dash-dot, same axis, as the
    paper draws them), (b) reconstruction error ``||g_k - g_gt|| / ||g_gt||``; thin dotted curves: the
    PADNets' auxiliary ``u``.  IPADNet has no prior and is repeated in every row, as in the paper.  Sized
    for the page width: each panel about 370 px wide in the book.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(priors), 2, figsize=(10, 3.3 * len(priors)), squeeze=False)
    for j, prior in enumerate(priors):
        ax_a, ax_b = axes[j, 0], axes[j, 1]
        for method in ("ADMM", "HQS", "EPADNet", "IPADNet"):
            rows = [r for r in traces if r["method"] == method and r["prior"] in (prior, "-")]
            if not rows:
                continue
            it = np.array([r["iteration"] for r in rows])
            color, ls = STYLE[method]
            ax_a.semilogy(it, [r["rel_change"] for r in rows], color=color, ls=ls, label=method)
            ax_b.plot(it, [r["rec_error"] for r in rows], color=color, ls=ls, label=method)
            if method.endswith("PADNet"):
                ax_b.plot(it, [r["u_rec_error"] for r in rows], color=color, ls=":", lw=0.8)
            if method == "EPADNet":
                ax_a.semilogy(it, [r["err_norm"] for r in rows], color="k", ls="-.", lw=1.2,
                              label=r"EPADNet $\|E_k\|$")
                ax_a.semilogy(it, [r["ce_bound"] for r in rows], color="tab:red", ls="-.", lw=1.2,
                              label=r"EPADNet $C_E\|g_{k+1} - g_k\|$")
        ax_a.set_title(f"(a) iteration error and error condition, {prior}", fontsize=10)
        ax_b.set_title(f"(b) reconstruction error, {prior}", fontsize=10)
        for ax in (ax_a, ax_b):
            ax.grid(alpha=0.3)
            ax.set_xlabel("iteration k", fontsize=9)
            ax.tick_params(labelsize=9)
    axes[0, 0].legend(fontsize=8, ncol=2)
    axes[0, 1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def noise_sweep_figure(summary: list[dict]):
    """PSNR and SSIM against the noise level, one curve per method (rows of
    :func:`padnet.experiments.noise_sweep.noise_sweep`'s ``summary``); the PADNets solid, the classical
    methods dashed, the sigma-estimated PADNet dotted."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    methods = list(dict.fromkeys(r["method"] for r in summary))
    for m in methods:
        rows = sorted((r for r in summary if r["method"] == m), key=lambda r: float(r["sigma"]))
        s = [100 * float(r["sigma"]) for r in rows]
        ls = ":" if "estimated" in m else "-" if m.startswith("Ours") else "--"
        for ax, key in zip(axes, ("psnr", "ssim")):
            ax.plot(s, [float(r[key]) for r in rows], ls=ls, marker="o", ms=3, label=m)
    for ax, name in zip(axes, ("PSNR (dB)", "SSIM")):
        ax.set_xlabel("noise sigma (% of the range)", fontsize=9)
        ax.set_ylabel(name, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
