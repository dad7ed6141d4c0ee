"""The fleet directive: what the fleet navigator sets on the coordinator, as a plain value.

For K radios (radio k = index k-1, namespace ``radio<k>``), arrays of shape (K,):

- ``priority``: fleet priority rho_k > 0 (the coordinator maximizes sum_k rho_k U_k(P_k));
- ``p_min``, ``p_max``: the radio's budget box [Pmin_k, Pmax_k], linear power, always
  inside the configured boxes (the navigator narrows a box, never widens it);
- ``off``: the radio is off the air: granted 0. Its reserve still counts toward the cap:
  a radio that loses the coordinator falls back to its reserve whatever it was told;
- ``rate_floor``: bits per channel use on the radio's **sum** MI (0 = none). A floor on
  the sum, not per channel: a fleet operator speaks of what a radio carries ("every radio
  keeps at least 8 bits"), and per-channel floors are the radio navigator's business. The
  coordinator turns it into a budget floor with :func:`floor_budget`;
- ``cap``: the fleet cap C in force (absolute, the configured C's units), at most the
  configured C; NaN = the configured C.

It travels on ``fleet/command`` as JSON (:meth:`FleetDirective.to_json`); a receiver
reads it back with :meth:`FleetDirective.from_json`, which refuses anything malformed
with :class:`DirectiveError` (``"code: detail"``), so a stranger's message cannot set
a NaN priority or an inverted box.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np

#: The JSON form's version: a receiver refuses another.
SCHEMA = "steer_ros/fleet_directive/1"


class FleetStatus(IntEnum):
    """Outcome codes, as the radio navigator's (SteerCommand.STATUS_*)."""

    OK = 0
    FALLBACK = 1
    REJECTED = 2
    KEPT = 3


class DirectiveError(ValueError):
    """A directive that cannot be used. ``str(err)`` is ``"code: detail"``."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class FleetDirective:
    """Fleet priorities, budget boxes, radios off, sum-MI floors and the cap, with why."""

    priority: np.ndarray
    p_min: np.ndarray
    p_max: np.ndarray
    off: np.ndarray
    rate_floor: np.ndarray
    cap: float = math.nan
    epoch: int = 0
    policy: str = ""
    backend: str = ""
    status: FleetStatus = FleetStatus.OK
    status_detail: str = ""
    reasoning: str = ""
    readback: str = ""
    latency_s: float = 0.0
    extras: dict = field(default_factory=dict, compare=False)

    @property
    def k(self) -> int:
        return int(np.asarray(self.priority).shape[0])

    @classmethod
    def default(cls, k: int, p_min=0.0, p_max=math.inf, cap: float = math.nan) -> "FleetDirective":
        """Equal priorities, the configured boxes, every radio on, no floors."""
        if isinstance(k, bool) or int(k) != k or k < 1:
            raise ValueError(f"k must be a whole number >= 1, got {k!r}")
        k = int(k)
        return cls(priority=np.ones(k), p_min=np.broadcast_to(np.asarray(p_min, float), (k,)).copy(),
                   p_max=np.broadcast_to(np.asarray(p_max, float), (k,)).copy(), off=np.zeros(k, dtype=bool),
                   rate_floor=np.zeros(k), cap=float(cap))

    def with_(self, **changes) -> "FleetDirective":
        return replace(self, **changes)

    def same_setting(self, other: "FleetDirective | None") -> bool:
        """Whether two directives set the same thing (metadata aside)."""
        if other is None or other.k != self.k:
            return False
        same_cap = (math.isnan(self.cap) and math.isnan(other.cap)) or self.cap == other.cap
        return same_cap and all(np.array_equal(getattr(self, name), getattr(other, name))
                                for name in ("priority", "p_min", "p_max", "off", "rate_floor"))

    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """The boxes the coordinator applies: [0, 0] for a radio off."""
        lo = np.where(self.off, 0.0, self.p_min)
        hi = np.where(self.off, 0.0, self.p_max)
        return lo, hi

    # -- wire form ------------------------------------------------------------------
    def to_dict(self) -> dict:
        def numbers(a) -> list:
            return [None if not math.isfinite(x) else float(x) for x in np.asarray(a, dtype=float)]

        return {
            "schema": SCHEMA, "k": self.k, "epoch": int(self.epoch),
            "priority": numbers(self.priority), "p_min": numbers(self.p_min), "p_max": numbers(self.p_max),
            "off": [bool(x) for x in self.off], "rate_floor": numbers(self.rate_floor),
            "cap": None if math.isnan(self.cap) else float(self.cap),
            "policy": self.policy, "backend": self.backend, "status": int(self.status),
            "status_detail": self.status_detail, "reasoning": self.reasoning, "readback": self.readback,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, k: int | None = None) -> "FleetDirective":
        """The directive a JSON text holds, checked; DirectiveError naming what is wrong.

        ``k``: the receiver's number of radios (a directive for another fleet is refused).
        ``p_max`` may be null (no upper bound: +inf); every other number must be finite.
        """
        try:
            obj = json.loads(text)
        except (ValueError, TypeError, RecursionError) as err:
            raise DirectiveError("unparsable", f"not JSON ({type(err).__name__})") from None
        if not isinstance(obj, dict):
            raise DirectiveError("unparsable", f"a directive is a JSON object, got {type(obj).__name__}")
        if obj.get("schema") != SCHEMA:
            raise DirectiveError("bad_schema", f"schema {obj.get('schema')!r}, expected {SCHEMA!r}")
        size = obj.get("k")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise DirectiveError("wrong_type", f"k must be a whole number >= 1, got {size!r}")
        if k is not None and size != k:
            raise DirectiveError("wrong_length", f"a directive for {size} radios, this fleet has {k}")
        arrays = {name: _array(obj, name, size, allow_inf=name == "p_max")
                  for name in ("priority", "p_min", "p_max", "rate_floor")}
        off = obj.get("off")
        if not isinstance(off, list) or len(off) != size or not all(isinstance(x, bool) for x in off):
            raise DirectiveError("wrong_type", f"off must be {size} booleans")
        cap = obj.get("cap")
        if cap is None:
            cap = math.nan
        elif isinstance(cap, bool) or not isinstance(cap, (int, float)) or not math.isfinite(cap) or cap < 0:
            raise DirectiveError("bad_cap", f"cap must be a finite number >= 0 or null, got {cap!r}")
        epoch = obj.get("epoch", 0)
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise DirectiveError("wrong_type", f"epoch must be a whole number >= 0, got {epoch!r}")
        status = obj.get("status", 0)
        if status not in [s.value for s in FleetStatus] or isinstance(status, bool):
            raise DirectiveError("wrong_type", f"status must be one of 0..3, got {status!r}")
        directive = cls(off=np.array(off, dtype=bool), cap=float(cap), epoch=epoch, status=FleetStatus(status),
                        **arrays, **{name: str(obj.get(name) or "") for name in
                                     ("policy", "backend", "status_detail", "reasoning", "readback")})
        check_directive(directive)
        return directive


def _array(obj: dict, name: str, k: int, allow_inf: bool) -> np.ndarray:
    raw = obj.get(name)
    if not isinstance(raw, list) or len(raw) != k:
        raise DirectiveError("wrong_type", f"{name} must be a list of {k} numbers")
    out = np.empty(k)
    for i, item in enumerate(raw):
        if item is None and allow_inf:
            out[i] = math.inf
        elif isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            raise DirectiveError("non_finite" if isinstance(item, float) else "not_a_number",
                                 f"{name}[{i + 1}] is {item!r}")
        else:
            out[i] = float(item)
    return out


def check_directive(d: FleetDirective) -> None:
    """Raise DirectiveError unless every field is well formed (shapes, signs, boxes)."""
    k = d.k
    for name in ("p_min", "p_max", "rate_floor", "off"):
        if np.asarray(getattr(d, name)).shape != (k,):
            raise DirectiveError("wrong_length", f"{name} has shape {np.asarray(getattr(d, name)).shape}, "
                                                 f"expected ({k},)")
    if not np.all(np.isfinite(d.priority)) or np.any(d.priority <= 0):
        i = int(np.flatnonzero(~(np.isfinite(d.priority) & (d.priority > 0)))[0])
        raise DirectiveError("bad_priority", f"radio {i + 1}: priority {d.priority[i]!r} is not a positive number")
    if not np.all(np.isfinite(d.p_min)) or np.any(d.p_min < 0):
        i = int(np.flatnonzero(~(np.isfinite(d.p_min) & (d.p_min >= 0)))[0])
        raise DirectiveError("bad_budget", f"radio {i + 1}: minimum budget {d.p_min[i]!r} is not a number >= 0")
    if np.any(np.isnan(d.p_max)) or np.any(d.p_max < d.p_min):
        i = int(np.flatnonzero(np.isnan(d.p_max) | (d.p_max < d.p_min))[0])
        raise DirectiveError("bad_budget", f"radio {i + 1}: box [{d.p_min[i]:g}, {d.p_max[i]:g}] is empty")
    if not np.all(np.isfinite(d.rate_floor)) or np.any(d.rate_floor < 0):
        i = int(np.flatnonzero(~(np.isfinite(d.rate_floor) & (d.rate_floor >= 0)))[0])
        raise DirectiveError("bad_floor", f"radio {i + 1}: floor {d.rate_floor[i]!r} bits is not a number >= 0")
    if not (math.isnan(d.cap) or (math.isfinite(d.cap) and d.cap >= 0)):
        raise DirectiveError("bad_cap", f"cap {d.cap!r} is not a finite number >= 0")


def floor_budget(floor_bits: float, budgets, sum_mi) -> float:
    """The least budget at which a radio's sum MI reaches ``floor_bits``.

    ``budgets``, ``sum_mi``: points of the radio's curve U_k(P) (e.g. its demand curve's
    budgets and the sum MI at each), any order; U_k is increasing, so linear
    interpolation between the bracketing points. 0 for no floor; +inf where the curve
    never reaches the floor (the coordinator then grants the radio's Pmax_k and reports it).
    """
    if not floor_bits > 0:
        return 0.0
    p = np.asarray(budgets, dtype=float)
    u = np.asarray(sum_mi, dtype=float)
    keep = np.isfinite(p) & np.isfinite(u)
    p, u = p[keep], u[keep]
    if p.size == 0:
        return math.inf
    order = np.argsort(p, kind="stable")
    p, u = p[order], np.maximum.accumulate(u[order])
    if u[-1] < floor_bits:
        return math.inf
    j = int(np.searchsorted(u, floor_bits, side="left"))
    if j == 0:
        return float(max(p[0], 0.0))  # reached at the least sampled budget: below it is unknown
    u0, u1, p0, p1 = u[j - 1], u[j], p[j - 1], p[j]
    return float(p1 if u1 == u0 else p0 + (floor_bits - u0) * (p1 - p0) / (u1 - u0))
