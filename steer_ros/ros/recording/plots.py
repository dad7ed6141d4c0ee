"""Figures from a recording: what System 1 did, what System 2 asked, and why.

:func:`plot_recording` reads a recording (:mod:`steer_ros.ros.recording.reader`, no ROS
needed) and writes PNGs (matplotlib, Agg):

- ``overview.png``: four panels over time (seconds from the first message) —
  mutual information per channel (bits), total MI with the optimality gap (bits,
  right axis), the weights in force, and P_total with the power used — and, under
  them, the navigator's reasoning lines, one per distinct decision;
- ``mi_per_channel.png``, ``total_mi_gap.png``, ``weights.png``, ``p_total.png``:
  the same panels one per file;
- ``reasoning.txt``: every reasoning line, untruncated.

Above ``GROUPED_ABOVE`` channels (the navigator's summary threshold, 32) one line per
channel is unreadable: the MI and weight panels draw one line per band of
contiguous channels (``PLOT_GROUPS`` bands, the band mean, with the band's min..max
MI shaded), the weights as w_i N / sum w (1 = uniform), and ``mi_heatmap.png`` shows
MI over subcarrier x time.

On every panel a policy change (a message on steer/policy, or a new policy text in
the commands) is a vertical grey line labelled P1, P2, ... (the legend under the
plot gives the texts); a navigator fallback or rejected command (SteerCommand status
FALLBACK or REJECTED) is a red dotted line.
"""

from __future__ import annotations

import math
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from steer_ros import defaults
from steer_ros.ros import topics
from steer_ros.ros.recording.reader import Recording, field_or_none, find_topic
from steer_ros.system2.state_summary import group_bounds
from steer_ros.system2.steer_decision import Status

MAX_REASONING_LINES = 30
LINE_WIDTH = 150
GROUPED_ABOVE = defaults.SUMMARY_THRESHOLD  # more channels: per-band lines and a heat map
PLOT_GROUPS = 8  # bands drawn per panel at large N (the legend stays readable)


@dataclass
class RunSeries:
    """A recording as arrays; times in seconds from the first recorded message."""

    t: np.ndarray  # (T,) allocation times
    mi: np.ndarray  # (T, N) bits; NaN where a channel did not exist
    weights: np.ndarray  # (T, N)
    power: np.ndarray  # (T, N)
    total_mi: np.ndarray  # (T,)
    optimality_gap: np.ndarray  # (T,)
    p_total: np.ndarray  # (T,)
    power_used: np.ndarray  # (T,)
    policy_changes: list[tuple[float, str]] = field(default_factory=list)  # (t, policy text)
    fallbacks: list[tuple[float, str]] = field(default_factory=list)  # (t, "FALLBACK: code: detail")
    reasoning: list[tuple[float, str, str]] = field(default_factory=list)  # (t, status, text)
    goals_met: np.ndarray | None = None  # (T,) bool; True throughout in recordings made before goals


def _pad(rows) -> np.ndarray:
    n = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), n), np.nan)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def _status_name(code: int) -> str:
    try:
        return Status(code).name
    except ValueError:
        return f"status {code}"


def load_series(path: str | os.PathLike) -> RunSeries:
    """Extract the plotted series from a recording (any namespace)."""
    with Recording(path) as rec:
        allocation = find_topic(rec, topics.ALLOCATION)
        policy = find_topic(rec, topics.POLICY)
        # Recordings made before the rename hold the raw proposals under the deprecated name.
        raw = find_topic(rec, topics.COMMAND_RAW) or find_topic(rec, topics.COMMAND_RAW_DEPRECATED)
        accepted = find_topic(rec, topics.COMMAND)
        wanted = [t for t in (allocation, policy, raw, accepted) if t]
        all_times = [m.log_time_ns for m in rec.messages()]
        t0 = min(all_times) if all_times else 0
        t, mi, weights, power, total, gap, p_total, used, met = [], [], [], [], [], [], [], [], []
        policy_changes: list[tuple[float, str]] = []
        fallbacks: list[tuple[float, str]] = []
        reasoning: list[tuple[float, str, str]] = []
        last_policy = None
        announced: set[str] = set()
        last_reason = None
        reasoning_topic = raw or accepted
        for m in rec.messages(wanted, decode=True):
            ts = (m.log_time_ns - t0) * 1e-9
            d = m.decoded
            if m.topic == allocation:
                t.append(ts)
                mi.append(np.asarray(d.mi, dtype=float))
                weights.append(np.asarray(d.weights, dtype=float))
                power.append(np.asarray(d.power, dtype=float))
                total.append(d.total_mi)
                gap.append(d.optimality_gap)
                p_total.append(d.p_total)
                used.append(d.power_used)
                met.append(bool(field_or_none(d, "goals_met")))
            elif m.topic == policy:
                # The operator's intent as published: a change unless it repeats the last one.
                if d.data.strip() and d.data.strip() != last_policy:
                    last_policy = d.data.strip()
                    announced.add(last_policy)
                    policy_changes.append((ts, last_policy))
            else:  # a SteerCommand
                status = _status_name(int(d.status))
                # A policy never published on steer/policy (the navigator's start-up
                # parameter, or a policy sent before the recording began); late commands
                # answering an older policy are not changes.
                if d.policy.strip() and d.policy.strip() not in announced:
                    last_policy = d.policy.strip()
                    announced.add(last_policy)
                    policy_changes.append((ts, last_policy))
                if int(d.status) in (Status.FALLBACK, Status.REJECTED) and m.topic == reasoning_topic:
                    fallbacks.append((ts, f"{status}: {d.status_detail}"))
                if m.topic == reasoning_topic:
                    text = d.reasoning.strip() or d.status_detail.strip()
                    if text and (text, status) != last_reason:
                        last_reason = (text, status)
                        reasoning.append((ts, status, text))
    return RunSeries(np.asarray(t), _pad(mi), _pad(weights), _pad(power), np.asarray(total, dtype=float),
                     np.asarray(gap, dtype=float), np.asarray(p_total, dtype=float), np.asarray(used, dtype=float),
                     policy_changes, fallbacks, reasoning, np.asarray(met, dtype=bool))


# -- drawing -------------------------------------------------------------------------------
def _mark_events(ax, s: RunSeries, label: bool) -> None:
    for k, (ts, _) in enumerate(s.policy_changes, start=1):
        ax.axvline(ts, color="0.4", lw=1.0, ls="--", zorder=0)
        if label:
            ax.annotate(f"P{k}", (ts, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                        textcoords="offset points", fontsize=8, color="0.3")
    for ts, _ in s.fallbacks:
        ax.axvline(ts, color="tab:red", lw=1.0, ls=":", zorder=0)


def grouped(s: RunSeries) -> bool:
    return s.mi.shape[1] > GROUPED_ABOVE


def band_series(x: np.ndarray, groups: int = PLOT_GROUPS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-band (edges (G+1,), mean, min, max (T, G)) of a (T, N) series, ignoring NaN
    (channels that did not exist at a time); all-NaN bands give NaN."""
    edges = group_bounds(x.shape[1], groups)
    starts = edges[:-1]
    finite = np.isfinite(x)
    count = np.add.reduceat(finite, starts, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.add.reduceat(np.where(finite, x, 0.0), starts, axis=1) / count
    lo = np.minimum.reduceat(np.where(finite, x, np.inf), starts, axis=1)
    hi = np.maximum.reduceat(np.where(finite, x, -np.inf), starts, axis=1)
    empty = count == 0
    return edges, np.where(empty, np.nan, mean), np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)


def _band_label(edges: np.ndarray, k: int) -> str:
    return f"ch {edges[k] + 1}-{edges[k + 1]}"


def _panel_mi(ax, s: RunSeries) -> None:
    if grouped(s):
        edges, mean, lo, hi = band_series(s.mi)
        for k in range(mean.shape[1]):
            (line,) = ax.plot(s.t, mean[:, k], lw=1.2, label=_band_label(edges, k))
            ax.fill_between(s.t, lo[:, k], hi[:, k], color=line.get_color(), alpha=0.08, lw=0)
        ax.set_ylabel("MI per band: mean,\nmin..max shaded [bits]")
        ax.legend(ncol=4, fontsize=7, loc="lower right")
        return
    for i in range(s.mi.shape[1]):
        ax.plot(s.t, s.mi[:, i], lw=1.2, label=f"ch {i + 1}")
    ax.set_ylabel("MI per channel\n[bits]")
    ax.legend(ncol=min(8, max(1, s.mi.shape[1])), fontsize=7, loc="lower right")


def _panel_mi_heatmap(ax, s: RunSeries):
    """MI over subcarrier (y, 1-based) x time (x), bits."""
    t1 = s.t[-1] if s.t[-1] > s.t[0] else s.t[0] + 1
    image = ax.imshow(s.mi.T, aspect="auto", origin="lower", interpolation="nearest", cmap="viridis",
                      extent=(s.t[0], t1, 0.5, s.mi.shape[1] + 0.5), vmin=0.0,
                      vmax=max(float(np.nanmax(s.mi)) if np.isfinite(s.mi).any() else 1.0, 1e-9))
    ax.set_ylabel("subcarrier")
    return image


def _panel_total(ax, s: RunSeries) -> None:
    ax.plot(s.t, s.total_mi, color="k", lw=1.5, label="total MI")
    ax.set_ylabel("total MI\n[bits]")
    right = ax.twinx()
    gap = np.where(np.isfinite(s.optimality_gap), s.optimality_gap, np.nan)
    right.plot(s.t, gap, color="tab:orange", lw=1.0, label="optimality gap")
    right.set_ylabel("optimality gap\n[bits]", color="tab:orange")
    right.tick_params(axis="y", colors="tab:orange")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=7, loc="lower right")


def _panel_weights(ax, s: RunSeries) -> None:
    if grouped(s):
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = s.weights * (np.sum(np.isfinite(s.weights), axis=1) / np.nansum(s.weights, axis=1))[:, None]
        edges, mean, _, _ = band_series(rel)
        for k in range(mean.shape[1]):
            ax.plot(s.t, mean[:, k], lw=1.2, label=_band_label(edges, k))
        ax.set_ylabel("mean relative weight\nper band (1 = uniform)")
        ax.set_ylim(bottom=0)
        return
    for i in range(s.weights.shape[1]):
        ax.plot(s.t, s.weights[:, i], lw=1.2, label=f"w{i + 1}")
    ax.set_ylabel("weights")
    ax.set_ylim(bottom=0)


def _panel_power(ax, s: RunSeries) -> None:
    ax.plot(s.t, s.p_total, color="k", lw=1.5, label="P_total")
    ax.plot(s.t, s.power_used, color="tab:blue", lw=1.0, ls="--", label="power used")
    ax.set_ylabel("power\n[linear]")
    ax.legend(fontsize=7, loc="lower right")


PANELS = {
    "mi_per_channel": ("Mutual information per channel", _panel_mi),
    "total_mi_gap": ("Total MI and optimality gap", _panel_total),
    "weights": ("Weights in force", _panel_weights),
    "p_total": ("Power budget", _panel_power),
}


def reasoning_lines(s: RunSeries, width: int = LINE_WIDTH) -> list[str]:
    """The legend text: policies, fallbacks, then one line per distinct reasoning."""
    lines = [f"P{k} at {ts:7.2f} s: {text}" for k, (ts, text) in enumerate(s.policy_changes, start=1)]
    lines += [f"fallback at {ts:7.2f} s: {what}" for ts, what in s.fallbacks]
    lines += [f"{ts:7.2f} s [{status}] {text}" for ts, status, text in s.reasoning]
    return [textwrap.shorten(line, width=width, placeholder=" ...") for line in lines]


def _legend_block(s: RunSeries) -> list[str]:
    lines = reasoning_lines(s)
    if len(lines) > MAX_REASONING_LINES:
        hidden = len(lines) - MAX_REASONING_LINES
        lines = lines[:MAX_REASONING_LINES - 1] + [f"... and {hidden + 1} more lines in reasoning.txt"]
    return lines or ["(no navigator decisions recorded)"]


def plot_recording(path: str | os.PathLike, out_dir: str | os.PathLike, title: str | None = None) -> dict[str, Path]:
    """Write the figures of the recording at ``path`` into ``out_dir``; returns
    {name: file} for overview, each panel, mi_heatmap at large N, and reasoning (the text file)."""
    s = load_series(path)
    if s.t.size == 0:
        raise ValueError(f"{path}: no steer/allocation messages to plot")
    return plot_series(s, out_dir, title or Path(path).name)


def plot_series(s: RunSeries, out_dir: str | os.PathLike, title: str) -> dict[str, Path]:
    """The figures of :func:`plot_recording` from already loaded series (plus
    ``mi_heatmap`` above ``GROUPED_ABOVE`` channels)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if s.t.size == 0:
        raise ValueError("no allocations to plot")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    legend = _legend_block(s)
    text_height = 0.18 * len(legend) + 0.4
    fig = plt.figure(figsize=(13, 11 + text_height))
    grid = fig.add_gridspec(5, 1, height_ratios=[1, 1, 1, 1, text_height / 2.4], hspace=0.25)
    axes = [fig.add_subplot(grid[i]) for i in range(len(PANELS))]
    for ax, (_title, draw) in zip(axes, PANELS.values(), strict=True):
        draw(ax, s)
        _mark_events(ax, s, label=ax is axes[0])
        ax.grid(alpha=0.3)
        ax.set_xlim(s.t[0], s.t[-1] if s.t[-1] > s.t[0] else s.t[0] + 1)
        if ax is not axes[-1]:
            ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("time [s]")
    axes[0].set_title(f"{title}: System 1 under System 2's commands")
    text_ax = fig.add_subplot(grid[4])
    text_ax.axis("off")
    text_ax.text(0.0, 1.0, "\n".join(legend), family="monospace", fontsize=7.5, va="top", ha="left",
                 transform=text_ax.transAxes)
    written["overview"] = out / "overview.png"
    fig.savefig(written["overview"], dpi=110, bbox_inches="tight")
    plt.close(fig)

    for name, (label, draw) in PANELS.items():
        fig, ax = plt.subplots(figsize=(11, 4))
        draw(ax, s)
        _mark_events(ax, s, label=True)
        ax.grid(alpha=0.3)
        ax.set_xlabel("time [s]")
        ax.set_title(f"{title}: {label}")
        written[name] = out / f"{name}.png"
        fig.savefig(written[name], dpi=110, bbox_inches="tight")
        plt.close(fig)

    if grouped(s):
        fig, ax = plt.subplots(figsize=(11, 6))
        image = _panel_mi_heatmap(ax, s)
        _mark_events(ax, s, label=True)
        fig.colorbar(image, ax=ax, label="MI [bits]")
        ax.set_xlabel("time [s]")
        ax.set_title(f"{title}: MI over subcarrier x time ({s.mi.shape[1]} channels)")
        written["mi_heatmap"] = out / "mi_heatmap.png"
        fig.savefig(written["mi_heatmap"], dpi=110, bbox_inches="tight")
        plt.close(fig)

    written["reasoning"] = out / "reasoning.txt"
    written["reasoning"].write_text("\n".join(reasoning_lines(s, width=10**6)) + "\n")
    return written


def summary(s: RunSeries) -> dict[str, float]:
    """A few numbers to print next to the figures."""
    last = -1
    return {
        "duration_s": float(s.t[-1] - s.t[0]) if s.t.size else math.nan,
        "allocations": int(s.t.size),
        "final_total_mi_bits": float(s.total_mi[last]) if s.t.size else math.nan,
        "final_gap_bits": float(s.optimality_gap[last]) if s.t.size else math.nan,
        "final_p_total": float(s.p_total[last]) if s.t.size else math.nan,
        "policy_changes": len(s.policy_changes),
        "fallbacks": len(s.fallbacks),
        "goals_unmet_fraction": (float(np.mean(~s.goals_met)) if s.goals_met is not None and s.goals_met.size
                                 else 0.0),
    }
