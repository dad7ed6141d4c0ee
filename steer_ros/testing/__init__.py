"""Test fixtures shipped with the package (reused by node tests and fault drills)."""

from __future__ import annotations

import numpy as np

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot

__all__ = ["ScriptedOpenAIServer", "design_snapshot"]


def __getattr__(name: str):
    # Lazy, so that ``python -m steer_ros.testing.openai_server`` runs cleanly.
    if name == "ScriptedOpenAIServer":
        from steer_ros.testing.openai_server import ScriptedOpenAIServer

        return ScriptedOpenAIServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def design_snapshot(n: int = defaults.N_CHANNELS, p_total: float = defaults.P_TOTAL) -> SystemSnapshot:
    """A plausible snapshot with the DESIGN gains, unit noise, equal weights and an
    equal power split (MI values are placeholders, not computed)."""
    gain = defaults.design_gains(n)
    power = np.full(n, p_total / n)
    mi = np.minimum(2.0, gain * power / 4.0)
    return SystemSnapshot(gain=gain, noise_var=np.full(n, defaults.NOISE_VAR), power=power, mi=mi,
                          weights=defaults.equal_weights(n), p_total=p_total)
