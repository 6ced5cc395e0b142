"""Figure helpers (matplotlib only; no computation here)."""

from __future__ import annotations

import numpy as np

__all__ = ["figure1"]

STYLE = {"ADMM": ("tab:blue", "-"), "HQS": ("tab:orange", "-"), "EPADNet": ("tab:red", "-"),
         "IPADNet": ("tab:green", "-")}


def figure1(traces: list[dict], priors: tuple[str, ...] = ("l1", "l0.8", "l0")):
    """Fig. 1 of the paper from per-iteration trace rows (``padnet.experiments.table1.table1()["traces"]``).

    Row (a): iteration error ``||g_{k+1} - g_k|| / ||g_k||`` per prior, with EPADNet's error condition
    (``||E_k||`` and ``C_E ||g_{k+1} - g_k||``, dash-dot, right axis).  Row (b): reconstruction error
    ``||g_k - g_gt|| / ||g_gt||``; thin dotted curves: the PADNets' auxiliary ``u``.  IPADNet has no prior
    and is repeated in every column, as in the paper.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(priors), figsize=(4.2 * len(priors), 6.4), squeeze=False)
    for j, prior in enumerate(priors):
        ax_a, ax_b = axes[0, j], axes[1, j]
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
                ax_c = ax_a.twinx()
                ax_c.semilogy(it, [r["err_norm"] for r in rows], color="k", ls="-.", lw=1, label="||E_k||")
                ax_c.semilogy(it, [r["ce_bound"] for r in rows], color="grey", ls="-.", lw=1, label="C_E||dx||")
                ax_c.set_ylabel("Error Cond.", fontsize=8)
                if j == len(priors) - 1:
                    ax_c.legend(loc="center right", fontsize=7)
        ax_a.set_title(f"(a) Iter. Error, {prior}", fontsize=9)
        ax_b.set_title(f"(b) Recon. Error, {prior}", fontsize=9)
        ax_b.set_xlabel("iteration")
        for ax in (ax_a, ax_b):
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig
