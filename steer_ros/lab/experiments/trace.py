"""One recorded run: what System 1 did after every optimizer step, and every
navigator call with what the guardrail made of it.

The step-locked harness and the through-the-graph runner both produce a
:class:`Trace`, so the metrics, figures and report treat them alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class NavigatorCall:
    """One navigator decision and the accepted command.

    step: the optimizer step before which the decision was applied (step-locked) or
        the last step seen when it arrived (graph).
    status / detail: the accepted command's status name ("OK", "KEPT", "FALLBACK",
        ...) and its "code: detail" string.
    proposed_*: the backend's parsed proposal (NaN budget = keep); accepted_*: the
        guardrail's output (EMA-smoothed, clamped).
    prompt_tokens / completion_tokens: the server's ``usage`` for this call (None
        where it reported none).
    readback / accepted_readback: the canonical sentences of the proposal and of the
        accepted command ("" where none was made).
    """

    step: int
    status: str
    detail: str
    reasoning: str
    latency_s: float
    proposed_weights: tuple[float, ...]
    proposed_p_total: float
    accepted_weights: tuple[float, ...]
    accepted_p_total: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    #: The read-back (steer_ros.system2.readback) of the proposal and of the accepted
    #: command: what the backend asked for and what System 1 was told to do.
    readback: str = ""
    accepted_readback: str = ""

    def to_json(self) -> dict:
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else round(float(x), 6)

        out = {
            "step": self.step, "status": self.status, "detail": self.detail, "reasoning": self.reasoning,
            "latency_s": round(self.latency_s, 6),
            "proposed_weights": [round(w, 6) for w in self.proposed_weights],
            "proposed_p_total": num(self.proposed_p_total),
            "accepted_weights": [round(w, 6) for w in self.accepted_weights],
            "accepted_p_total": num(self.accepted_p_total),
            "readback": self.readback, "accepted_readback": self.accepted_readback,
        }
        if self.prompt_tokens is not None or self.completion_tokens is not None:
            out.update(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)
        return out


@dataclass
class Trace:
    """Per-step record of one run; arrays have one row per optimizer step.

    step (T,) optimizer step index (0-based, counted from the start of the run);
    gain, noise_var, mi, power, weights (T, N): |h|^2, sigma^2, bits, linear power,
    weights in force;
    p_total (T,) budget in force. Rows are taken after the step.
    """

    label: str
    policy: str
    step: np.ndarray
    gain: np.ndarray
    noise_var: np.ndarray
    mi: np.ndarray
    power: np.ndarray
    weights: np.ndarray
    p_total: np.ndarray
    calls: list[NavigatorCall] = field(default_factory=list)
    events: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.mi.shape[1])

    @property
    def sum_mi(self) -> np.ndarray:
        return self.mi.sum(axis=1)

    @property
    def spread(self) -> np.ndarray:
        """max - min MI over channels, bits, per step."""
        return self.mi.max(axis=1) - self.mi.min(axis=1)

    @property
    def power_used(self) -> np.ndarray:
        return self.power.sum(axis=1)


class TraceRecorder:
    """Accumulates rows, then freezes them into a :class:`Trace`."""

    def __init__(self, label: str, policy: str):
        self.label = label
        self.policy = policy
        self.rows: dict[str, list] = {k: [] for k in ("step", "gain", "noise_var", "mi", "power", "weights", "p_total")}
        self.calls: list[NavigatorCall] = []
        self.events: dict = {}

    def record(self, step: int, gain, noise_var, mi, power, weights, p_total: float) -> None:
        for key, value in (
            ("step", step),
            ("gain", gain),
            ("noise_var", noise_var),
            ("mi", mi),
            ("power", power),
            ("weights", weights),
            ("p_total", p_total),
        ):
            self.rows[key].append(np.array(value, dtype=float, copy=True))

    def __len__(self) -> int:
        return len(self.rows["step"])

    def trace(self) -> Trace:
        if not self.rows["step"]:
            raise ValueError(f"trace {self.label!r} recorded no steps")
        arrays = {k: np.stack(v) for k, v in self.rows.items()}
        arrays["step"] = arrays["step"].astype(int)
        return Trace(label=self.label, policy=self.policy, calls=list(self.calls), events=dict(self.events),
                     **arrays)
