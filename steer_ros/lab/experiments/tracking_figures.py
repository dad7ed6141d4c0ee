"""Figures of the tracking experiment (PNG, matplotlib Agg): gains over time, gap over
time, and the CDF of the gap."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

DPI = 110
FILES = {"tracking_gains": "tracking_gains.png", "tracking_gap": "tracking_gap.png",
         "tracking_gap_cdf": "tracking_gap_cdf.png"}
SHOW_S = 2.0  # seconds of channel time drawn in the time plots
GAP_FLOOR = 1e-10  # bits: gaps below are drawn at the floor (log axes)
MODE_STYLE = {"default": dict(color="tab:blue", label="default (KKT)"),
              "pga": dict(color="tab:orange", label="PGA (paper)")}


def _pick(results, **want):
    return [r for r in results if all(getattr(r.condition, k) == v for k, v in want.items())]


def gains_figure(results, path: Path) -> Path:
    """Rows = f_D: gain_i(t) in dB for the smallest N at the fastest update rate."""
    n = min(r.condition.n for r in results)
    upd = max(r.condition.update_hz for r in results)
    dopplers = sorted({r.condition.doppler_hz for r in results})
    fig, axes = plt.subplots(len(dopplers), 1, figsize=(10, 2.6 * len(dopplers)), sharex=True, squeeze=False)
    for ax, fd in zip(axes[:, 0], dopplers, strict=True):
        r = next(x for x in _pick(results, doppler_hz=fd, update_hz=upd, n=n) if x.gains is not None)
        keep = r.time_s <= SHOW_S
        colors = plt.get_cmap("viridis")(np.linspace(0, 0.92, n))
        for i in range(n):
            ax.plot(r.time_s[keep], 10 * np.log10(np.maximum(r.gains[keep, i], 1e-6)), color=colors[i], lw=0.9)
        ax.set_ylabel("gain [dB]")
        ax.set_title(f"f_D = {fd:g} Hz (coherence time {423 / fd:.1f} ms)", fontsize=9)
        ax.set_ylim(-30, 15)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("channel time [s]")
    fig.suptitle(f"jakes scenario: gain_i(t) = gain_i |h_i(t)|^2, N = {n}, {upd:g} Hz updates", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return Path(path)


def gap_figure(results, path: Path) -> Path:
    """Rows = f_D: gap over time, both modes, smallest N, fastest update rate."""
    n = min(r.condition.n for r in results)
    upd = max(r.condition.update_hz for r in results)
    dopplers = sorted({r.condition.doppler_hz for r in results})
    fig, axes = plt.subplots(len(dopplers), 1, figsize=(10, 2.6 * len(dopplers)), sharex=True, squeeze=False)
    for ax, fd in zip(axes[:, 0], dopplers, strict=True):
        for r in _pick(results, doppler_hz=fd, update_hz=upd, n=n):
            keep = r.time_s <= SHOW_S
            ax.semilogy(r.time_s[keep], np.maximum(r.gap[keep], GAP_FLOOR), lw=0.8,
                        **MODE_STYLE.get(r.condition.mode, {}))
        ax.axhline(1e-3, color="k", ls="--", lw=0.8)
        ax.set_ylabel("gap [bits]")
        ax.set_ylim(GAP_FLOOR / 2, 10)
        ax.set_title(f"f_D = {fd:g} Hz", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel("channel time [s]")
    fig.suptitle(f"Gap to the instantaneous certified optimum (sum MI), N = {n}, {upd:g} Hz updates, "
                 "1 kHz System 1 (dashed: 1e-3 bits)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return Path(path)


def gap_cdf_figure(results, path: Path) -> Path:
    """Columns = N, rows = update rate: CDF of the gap per f_D and mode."""
    ns = sorted({r.condition.n for r in results})
    updates = sorted({r.condition.update_hz for r in results})
    dopplers = sorted({r.condition.doppler_hz for r in results})
    fig, axes = plt.subplots(len(updates), len(ns), figsize=(5.5 * len(ns), 3.6 * len(updates)), squeeze=False)
    styles = ["-", "--", ":", "-."]
    for i, upd in enumerate(updates):
        for j, n in enumerate(ns):
            ax = axes[i, j]
            for r in _pick(results, update_hz=upd, n=n):
                g = np.sort(np.maximum(r.gap, GAP_FLOOR))
                ls = styles[dopplers.index(r.condition.doppler_hz) % len(styles)]
                ax.semilogx(g, np.arange(1, g.size + 1) / g.size, ls=ls, lw=1.3,
                            color=MODE_STYLE.get(r.condition.mode, {}).get("color"),
                            label=f"{r.condition.mode}, f_D = {r.condition.doppler_hz:g} Hz")
            ax.axvline(1e-3, color="k", lw=0.8)
            ax.set_xlim(GAP_FLOOR, 10)
            ax.set_ylim(0, 1.01)
            ax.set_title(f"N = {n}, {upd:g} Hz channel updates", fontsize=9)
            ax.set_xlabel("gap [bits]")
            ax.set_ylabel("fraction of time <= gap")
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.suptitle("CDF of the gap to the instantaneous optimum (solid/dashed/dotted: f_D = "
                 + " / ".join(f"{d:g}" for d in dopplers) + " Hz)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return Path(path)


def draw_all(results, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    return {"tracking_gains": gains_figure(results, out_dir / FILES["tracking_gains"]),
            "tracking_gap": gap_figure(results, out_dir / FILES["tracking_gap"]),
            "tracking_gap_cdf": gap_cdf_figure(results, out_dir / FILES["tracking_gap_cdf"])}
