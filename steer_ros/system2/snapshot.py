"""What the navigator sees: one consistent snapshot of channels, allocation and
command in force. Built from System 1 directly (experiments) or from an
AllocationState message (nodes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SystemSnapshot:
    """All arrays have shape (N,). gain = |h|^2, power = P_i, mi in bits."""

    gain: np.ndarray
    noise_var: np.ndarray
    power: np.ndarray
    mi: np.ndarray
    weights: np.ndarray
    p_total: float

    @property
    def n(self) -> int:
        return int(self.gain.shape[0])

    @property
    def total_mi(self) -> float:
        return float(np.sum(self.mi))

    @property
    def power_used(self) -> float:
        return float(np.sum(self.power))

    @property
    def mi_spread(self) -> float:
        return float(np.max(self.mi) - np.min(self.mi)) if self.n else 0.0
