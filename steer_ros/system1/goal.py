"""What System 1 is asked to achieve, beyond the weights and the budget.

A :class:`Goal` is per-channel and already resolved (no selectors): System 2 states
it, the guardrail checks it, System 1 tracks it exactly every step. The default
``Goal()`` is the paper's plain weighted sum, so weights-only commands are unchanged.

Objectives (the values equal the SteerCommand.OBJECTIVE_* constants):

* ``weighted_sum`` — maximize sum_i w_i I_i(P_i) subject to the budget, the floors
  and caps (a box on each channel's power) and the off channels at zero power;
* ``max_min`` — maximize the smallest MI over the channels that are not off
  (weights ignored; caps and floors still apply);
* ``min_power`` — the least total power meeting the floors and ``sum_mi_min``
  (weights ignored; needs at least one of the two).

Arrays are (N,): ``mi_floor`` in bits (0 = none), ``mi_cap`` in bits (inf = none),
``off`` bool. ``sum_mi_min`` is bits (NaN = none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

__all__ = ["Goal", "Objective"]


class Objective(IntEnum):
    """Values equal SteerCommand.OBJECTIVE_*."""

    WEIGHTED_SUM = 0
    MAX_MIN = 1
    MIN_POWER = 2

    @classmethod
    def parse(cls, value) -> "Objective":
        """From an Objective, its int value, or its name ("max_min", case-insensitive)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value.strip().upper()]
            except KeyError:
                names = ", ".join(o.name.lower() for o in cls)
                raise ValueError(f"objective {value!r} is not one of {names}") from None
        return cls(int(value))


@dataclass(frozen=True)
class Goal:
    """A resolved goal; ``None`` arrays mean "none" for every channel."""

    objective: Objective = Objective.WEIGHTED_SUM
    mi_floor: np.ndarray | None = None
    mi_cap: np.ndarray | None = None
    off: np.ndarray | None = None
    sum_mi_min: float = math.nan
    extras: dict = field(default_factory=dict, compare=False)

    @property
    def is_plain(self) -> bool:
        """True for the paper's weighted sum with no floors, caps, off channels or sum floor."""
        return (self.objective == Objective.WEIGHTED_SUM and not self.has_floors and not self.has_caps
                and not self.has_off and math.isnan(self.sum_mi_min))

    @property
    def has_floors(self) -> bool:
        return self.mi_floor is not None and bool(np.any(np.asarray(self.mi_floor) > 0))

    @property
    def has_caps(self) -> bool:
        return self.mi_cap is not None and bool(np.any(np.isfinite(np.asarray(self.mi_cap, dtype=float))))

    @property
    def has_off(self) -> bool:
        return self.off is not None and bool(np.any(np.asarray(self.off, dtype=bool)))

    def floors(self, n: int) -> np.ndarray:
        """(n,) floors in bits, zeros where none."""
        return np.zeros(n) if self.mi_floor is None else np.asarray(self.mi_floor, dtype=float)

    def caps(self, n: int) -> np.ndarray:
        """(n,) caps in bits, inf where none."""
        return np.full(n, np.inf) if self.mi_cap is None else np.asarray(self.mi_cap, dtype=float)

    def off_mask(self, n: int) -> np.ndarray:
        """(n,) bool, True where the channel is shut down."""
        return np.zeros(n, dtype=bool) if self.off is None else np.asarray(self.off, dtype=bool)
