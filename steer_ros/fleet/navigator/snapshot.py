"""What the fleet navigator knows at one call: every radio's digest and the fleet's limits.

Radio k's fields come from its ``steer/summary`` (AllocationSummary) in namespace
``radio<k>``; a radio with no recent summary is ``fresh = False`` and its numbers are
NaN (the prompt says "no report"). Ranked radio selectors (``weakest:2``) rank the
radios' sum MI (:func:`resolve_radios`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from steer_ros.channels.selectors import SelectorError, parse_selector
from steer_ros.fleet.navigator.directive import FleetDirective


@dataclass(frozen=True)
class FleetLimits:
    """The configured fleet: K radios, coefficients a_k, cap C, boxes, reserves.

    The navigator may narrow a box and lower the cap, never widen or raise them;
    ``floor_max`` (bits, per radio) bounds a rate floor: N_k log2 M, inf if unknown.
    """

    k: int
    cap: float
    a: np.ndarray
    p_min: np.ndarray
    p_max: np.ndarray
    reserve: np.ndarray
    floor_max: np.ndarray
    #: The configured fleet priorities rho_k (None = 1 for every radio): an unlisted radio's.
    priority: np.ndarray | None = None

    @property
    def rho(self) -> np.ndarray:
        return np.ones(self.k) if self.priority is None else np.asarray(self.priority, dtype=float)

    @classmethod
    def uniform(cls, k: int, cap: float, p_min: float = 0.0, p_max: float = math.inf, reserve: float = 0.0,
                a: float = 1.0, floor_max: float = math.inf) -> "FleetLimits":
        """The same box, reserve and coefficient for every radio; ValueError if inconsistent."""
        def full(x):
            return np.full(int(k), float(x))

        return cls(k=int(k), cap=float(cap), a=full(a), p_min=full(p_min), p_max=full(p_max), reserve=full(reserve),
                   floor_max=full(floor_max)).validate()

    @classmethod
    def from_config(cls, config, floor_max=math.inf) -> "FleetLimits":
        """The limits of a fleet configuration (anything with ``cap``, ``a``, ``p_min``,
        ``p_max``, ``reserve`` and optionally ``rho``: the coordinator's FleetConfig)."""
        k = int(np.asarray(config.a).shape[0])
        return cls(k=k, cap=float(config.cap), a=np.asarray(config.a, float).copy(),
                   p_min=np.asarray(config.p_min, float).copy(), p_max=np.asarray(config.p_max, float).copy(),
                   reserve=np.asarray(config.reserve, float).copy(),
                   floor_max=np.broadcast_to(np.asarray(floor_max, float), (k,)).copy(),
                   priority=None if getattr(config, "rho", None) is None else np.asarray(config.rho, float).copy(),
                   ).validate()

    def validate(self) -> "FleetLimits":
        if isinstance(self.k, bool) or int(self.k) != self.k or self.k < 1:
            raise ValueError(f"k must be a whole number >= 1, got {self.k!r}")
        if not (math.isfinite(self.cap) and self.cap > 0):
            raise ValueError(f"cap must be a finite number > 0, got {self.cap!r}")
        for name in ("a", "p_min", "p_max", "reserve", "floor_max"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != (self.k,):
                raise ValueError(f"{name} must have {self.k} entries, got shape {arr.shape}")
            if np.any(np.isnan(arr)) or np.any(arr < 0):
                raise ValueError(f"{name} must be numbers >= 0")
        if np.any(~np.isfinite(self.rho)) or np.any(self.rho <= 0) or self.rho.shape != (self.k,):
            raise ValueError("priority must be K finite numbers > 0")
        if np.any(~np.isfinite(self.a)) or np.any(self.a <= 0):
            raise ValueError("a must be finite numbers > 0")
        if np.any(~np.isfinite(self.p_min)) or np.any(self.p_max < self.p_min):
            raise ValueError("every box needs a finite p_min <= p_max")
        held = float(np.dot(self.a, self.reserve))
        if held > self.cap:
            raise ValueError(f"reserve_exceeds_cap: the reserves hold {held:g} > cap {self.cap:g}")
        return self

    def default_directive(self) -> FleetDirective:
        return FleetDirective(priority=self.rho.copy(), p_min=self.p_min.copy(), p_max=self.p_max.copy(),
                              off=np.zeros(self.k, dtype=bool), rate_floor=np.zeros(self.k), cap=self.cap)


@dataclass(frozen=True)
class FleetSnapshot:
    """Per-radio digests (K,) and the directive in force.

    sum_mi: bits; budget: the budget in force (its grant); power_used; n_channels;
    goals_met; fresh: a summary arrived within the staleness limit.
    """

    sum_mi: np.ndarray
    budget: np.ndarray
    power_used: np.ndarray
    n_channels: np.ndarray
    goals_met: np.ndarray
    fresh: np.ndarray
    limits: FleetLimits
    directive: FleetDirective
    extras: dict = field(default_factory=dict, compare=False)

    @property
    def k(self) -> int:
        return self.limits.k

    @property
    def n(self) -> int:
        """K, under the name the radio backends read (the openai backend sizes its schema by it)."""
        return self.limits.k

    @classmethod
    def blank(cls, limits: FleetLimits, directive: FleetDirective | None = None) -> "FleetSnapshot":
        """A fleet with no reports yet."""
        nan = np.full(limits.k, math.nan)
        return cls(sum_mi=nan, budget=nan.copy(), power_used=nan.copy(), n_channels=np.zeros(limits.k, dtype=int),
                   goals_met=np.ones(limits.k, dtype=bool), fresh=np.zeros(limits.k, dtype=bool), limits=limits,
                   directive=directive or limits.default_directive())


def resolve_radios(selector, k: int, sum_mi=None) -> np.ndarray:
    """Sorted 0-based radio indices a selector names among ``k`` radios.

    The channel selector grammar, read for radios: ``3``, ``1-4``, ``all``, ``even``,
    ``weakest:2`` / ``strongest:2`` ranked by a radio's sum MI (a radio with no report
    ranks as weakest; with no report at all a ranked selector is refused rather than
    resolved on nothing). SelectorError, worded for radios, on anything else.
    """
    ranking = None
    if sum_mi is not None and np.any(np.isfinite(np.asarray(sum_mi, dtype=float))):
        ranking = np.nan_to_num(np.asarray(sum_mi, dtype=float), nan=-math.inf)
    try:
        return parse_selector(selector).resolve(int(k), ranking)
    except SelectorError as err:
        raise SelectorError(_radio_words(str(err))) from None


def _radio_words(text: str) -> str:
    for old, new in (("channels", "radios"), ("channel", "radio"), ("by strength needs the radio gains",
                                                                     "by sum MI needs the radios' reports"),
                     ("N = ", "K = "), ("strengths for", "sum MIs for")):
        text = text.replace(old, new)
    return text
