"""Figures of the experiments as PNG (matplotlib, Agg backend, no display needed).

- :func:`policy_timeseries` -- the paper's Fig. 2: per policy (columns), MI per
  channel, weights and P_total / power used over optimizer steps (rows);
- :func:`reversal_figure` -- the paper's Fig. 3: steered run and equal-weight
  baseline (rows), MI per channel, weights and MI spread over steps (columns);
- :func:`final_mi_bars` -- final MI per channel per policy, with B0 and B1.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from steer_ros.lab.experiments.trace import Trace

DPI = 110

#: File names in the output folder, by figure (``_graph`` = through the live graph).
FILES = {
    "policies": "fig2_policies.png",
    "final_mi": "final_mi_bars.png",
    "reversal": "fig3_reversal.png",
    "policies_graph": "fig2_policies_graph.png",
    "reversal_graph": "fig3_reversal_graph.png",
}


def _channel_colors(n: int):
    return plt.get_cmap("viridis")(np.linspace(0.0, 0.92, n))


def _mark_reversal(ax, trace: Trace) -> None:
    at = trace.events.get("reverse_at")
    if at is not None:
        ax.axvline(at, color="k", ls="--", lw=1.0)


def policy_timeseries(traces: dict[str, Trace], path: Path, title: str = "", warmup: int | None = None) -> Path:
    """Fig. 2: columns = policies, rows = MI per channel, weights, P_total."""
    ids = list(traces)
    fig, axes = plt.subplots(3, len(ids), figsize=(4.2 * len(ids), 8.4), sharex=True, squeeze=False)
    for col, pid in enumerate(ids):
        tr = traces[pid]
        x = tr.step
        colors = _channel_colors(tr.n)
        ax_mi, ax_w, ax_p = axes[:, col]
        for i in range(tr.n):
            ax_mi.plot(x, tr.mi[:, i], color=colors[i], lw=1.4, label=f"ch{i + 1}")
            ax_w.plot(x, tr.weights[:, i], color=colors[i], lw=1.4)
        ax_p.plot(x, tr.p_total, color="tab:red", lw=1.6, label="P_total")
        ax_p.plot(x, tr.power_used, color="k", lw=1.0, ls=":", label="sum P_i")
        ax_mi.set_title(f"{pid}: {tr.policy}", fontsize=9, wrap=True)
        ax_mi.set_ylim(-0.05, 2.1)
        ax_w.set_ylim(-0.02, max(0.4, float(tr.weights.max()) * 1.1))
        ax_p.set_ylim(0, max(42.0, float(tr.p_total.max()) * 1.05))
        ax_p.set_xlabel("optimizer step")
        for ax in (ax_mi, ax_w, ax_p):
            ax.grid(alpha=0.3)
            if warmup:
                ax.axvspan(x[0] + warmup, x[-1], color="0.9", zorder=0)
        ax_mi.text(0.98, 0.04, f"sum MI {tr.sum_mi[-1]:.2f} bits", transform=ax_mi.transAxes, ha="right",
                   fontsize=8)
        ax_p.text(0.98, 0.04, f"P_total {tr.p_total[-1]:.2f}", transform=ax_p.transAxes, ha="right", fontsize=8)
    axes[0, 0].set_ylabel("MI per channel [bits]")
    axes[1, 0].set_ylabel("weight w_i")
    axes[2, 0].set_ylabel("power")
    axes[0, 0].legend(fontsize=7, ncol=4, loc="center")
    axes[2, -1].legend(fontsize=7, loc="upper right")
    fig.suptitle(title or "Policies P1-P4 (shaded: measurement window)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return Path(path)


def reversal_figure(steered: Trace, baseline: Trace, path: Path, title: str = "") -> Path:
    """Fig. 3: rows = steered / equal-weight baseline; columns = MI, weights, spread."""
    fig, axes = plt.subplots(2, 3, figsize=(13.5, 6.8), sharex=True, squeeze=False)
    colors = _channel_colors(steered.n)
    spread_max = max(float(steered.spread.max()), float(baseline.spread.max()))
    for row, tr in enumerate((steered, baseline)):
        ax_mi, ax_w, ax_s = axes[row]
        for i in range(tr.n):
            ax_mi.plot(tr.step, tr.mi[:, i], color=colors[i], lw=1.3, label=f"ch{i + 1}")
            ax_w.plot(tr.step, tr.weights[:, i], color=colors[i], lw=1.3)
        ax_s.plot(tr.step, tr.spread, color="tab:purple", lw=1.6, label=tr.label)
        if row == 0:
            ax_s.plot(baseline.step, baseline.spread, color="0.5", lw=1.0, ls=":", label=baseline.label)
        ax_s.axhline(0.1, color="tab:green", lw=0.8, ls="--", label="0.1 bits")
        ax_mi.set_ylim(-0.05, 2.1)
        ax_w.set_ylim(-0.02, max(0.4, float(tr.weights.max()) * 1.1))
        ax_s.set_ylim(0, spread_max * 1.05)
        ax_mi.set_ylabel(f"{tr.label}\nMI per channel [bits]", fontsize=9)
        ax_w.set_ylabel("weight w_i")
        ax_s.set_ylabel("MI spread (max - min) [bits]")
        ax_s.text(0.03, 0.92, f"final spread {tr.spread[-1]:.3f} bits", transform=ax_s.transAxes, ha="left",
                  fontsize=8)
        for ax in (ax_mi, ax_w, ax_s):
            _mark_reversal(ax, tr)
            ax.grid(alpha=0.3)
        if row == 1:
            for ax in (ax_mi, ax_w, ax_s):
                ax.set_xlabel("optimizer step")
    axes[0, 0].legend(fontsize=7, ncol=2, loc="lower left")
    axes[0, 2].legend(fontsize=7, loc="upper right")
    fig.suptitle(title or f"Gain reversal at step {steered.events.get('reverse_at')} (dashed): "
                 f"'{steered.policy}' vs fixed equal weights", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return Path(path)


def final_mi_bars(final_mi: dict[str, list[float]], path: Path, title: str = "") -> Path:
    """Grouped bars: final MI per channel for each run (policies, then B0 and B1)."""
    names = list(final_mi)
    n = len(next(iter(final_mi.values())))
    x = np.arange(n)
    width = 0.8 / len(names)
    palette = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(11, 4.6))
    for k, name in enumerate(names):
        mi = np.asarray(final_mi[name], dtype=float)
        ax.bar(x + (k - (len(names) - 1) / 2) * width, mi, width, color=palette(k),
               label=f"{name} (sum {mi.sum():.2f})", hatch="//" if name in ("B0", "B1") else None,
               edgecolor="white" if name not in ("B0", "B1") else "k", lw=0.5)
    ax.axhline(2.0, color="k", lw=0.8, ls=":")
    ax.set_xticks(x, [f"ch{i + 1}" for i in range(n)])
    ax.set_ylabel("final MI [bits]")
    ax.set_ylim(0, 2.15)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=3, loc="upper left")
    ax.set_title(title or "Final MI per channel per policy, with B0 (equal-weight System 1) and B1 (water-filling)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return Path(path)
