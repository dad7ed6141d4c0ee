"""The read-back: one canonical sentence made from a command (never from the backend's
prose), at most ``READBACK_MAX_CHARS`` characters at any N, e.g.
``channel 8 off; equal weights on 1-7; budget 40 (was 30)``.

A minimal version (objective, goal, weights' shape, budget); the offline reader's
fuller sentence replaces it with the same signature.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros.system2.goal_text import describe_goal
from steer_ros.system2.steer_decision import SteerDecision

__all__ = ["READBACK_MAX_CHARS", "readback"]

READBACK_MAX_CHARS = 300


def _weights_text(w: np.ndarray, off: np.ndarray) -> str:
    on = ~off
    if not on.any():
        return ""
    shown = w[on]
    if np.allclose(shown, shown[0], rtol=1e-9, atol=0.0):
        return "equal weights" + ("" if on.all() else " on the channels that are on")
    top = int(np.argmax(np.where(on, w, -np.inf)))
    return f"weights {shown.min() / shown.max():.2g}..1 (largest on channel {top + 1})"


def readback(cmd: SteerDecision, n: int, previous: SteerDecision | None = None) -> str:
    """One sentence for ``cmd`` on n channels; ``previous`` (the command in force) adds
    "(was ...)" to a changed budget."""
    goal = cmd.goal
    try:
        w = np.asarray(cmd.weights, dtype=float).ravel()
    except (TypeError, ValueError):
        w = np.ones(n)
    if w.shape[0] != n or not np.isfinite(w).all():
        w = np.ones(n)
    off = goal.off_mask(n) if goal.off is not None and np.asarray(goal.off).shape == (n,) else np.zeros(n, bool)
    parts = []
    if not goal.is_plain:
        parts.append(describe_goal(goal))
    weights = _weights_text(w, off)
    if weights and int(goal.objective) == 0:
        parts.append(weights)
    p = float(cmd.p_total)
    if math.isnan(p):
        parts.append("budget kept")
    else:
        was = float(previous.p_total) if previous is not None else math.nan
        parts.append(f"budget {p:g}" + (f" (was {was:g})" if math.isfinite(was) and abs(was - p) > 1e-9 else ""))
    text = "; ".join(parts)
    return text if len(text) <= READBACK_MAX_CHARS else text[: READBACK_MAX_CHARS - 3] + "..."
