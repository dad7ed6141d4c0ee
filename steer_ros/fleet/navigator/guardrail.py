"""The fleet guardrail: a parsed fleet reply -> the directive the coordinator applies.

A pure, deterministic check against the configured fleet (:class:`FleetLimits`) and the
directive in force. Refused (the directive in force stays, status FALLBACK,
``"code: detail"``):

- ``wrong_length``: arrays not of K entries;
- ``non_finite``: a NaN or infinite priority, floor, box bound or cap;
- ``bad_priority``: a priority <= 0 (a radio that should get nothing is ``off``);
- ``bad_budget``: a box with min > max, or a negative bound;
- ``bad_cap``: a negative cap, a cap_fraction outside (0, 1];
- ``reserve_exceeds_cap``: the reserves, sum_k a_k R_k over every radio, above the new
  cap. Every radio counts, off or not: a radio that loses the coordinator falls back to
  its reserve on its own, whatever it was told last;
- ``infeasible_boxes``: the radios on need sum_k a_k max(Pmin_k, R_k) above the cap (a
  radio on is never granted less than its reserve).

Clamped (status OK, ``"adjusted: ..."``): priorities into [FLEET_PRIORITY_MIN,
FLEET_PRIORITY_MAX]; boxes into the configured boxes (narrowed, never widened); floors
to the radio's ceiling N_k log2 M; the cap to the configured C. Radio numbers outside
1..K never get here: the parser refuses them (bad_selector).
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros import defaults
from steer_ros.fleet.navigator.directive import FleetDirective, FleetStatus
from steer_ros.fleet.navigator.readback import readback
from steer_ros.fleet.navigator.reply import FleetReply
from steer_ros.fleet.navigator.snapshot import FleetLimits


class FleetRefused(ValueError):
    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code


class FleetGuardrail:
    def __init__(self, limits: FleetLimits, priority_min: float = defaults.FLEET_PRIORITY_MIN,
                 priority_max: float = defaults.FLEET_PRIORITY_MAX):
        if not (math.isfinite(priority_min) and math.isfinite(priority_max) and 0 < priority_min <= priority_max):
            raise ValueError(f"need 0 < priority_min <= priority_max, got {priority_min!r}, {priority_max!r}")
        self.limits = limits.validate()
        self.priority_min = float(priority_min)
        self.priority_max = float(priority_max)

    def apply(self, reply: FleetReply, current: FleetDirective, **meta) -> FleetDirective:
        """The accepted directive for ``reply``, or ``current`` with status FALLBACK.

        ``meta``: policy, backend, reasoning, latency_s, extras carried onto the result.
        """
        current = self.sanitize(current)
        try:
            proposed, notes = self._check(reply, current)
        except FleetRefused as err:
            return self.fallback(current, str(err), **meta)
        detail = ("adjusted: " + "; ".join(notes)) if notes else "ok: directive accepted"
        return proposed.with_(status=FleetStatus.OK, status_detail=detail, epoch=current.epoch,
                              readback=readback(proposed, self.limits, current), **meta)

    def fallback(self, current: FleetDirective, detail: str, status: FleetStatus = FleetStatus.FALLBACK,
                 **meta) -> FleetDirective:
        """The directive in force, with why the proposal was not taken."""
        current = self.sanitize(current)
        return current.with_(status=status, status_detail=detail,
                             readback=readback(current, self.limits, None), **meta)

    def sanitize(self, d: FleetDirective | None) -> FleetDirective:
        """A directive in force of another K, or malformed, is replaced by the default."""
        lim = self.limits
        if d is None or d.k != lim.k:
            return lim.default_directive()
        try:
            proposed, _ = self._check(_as_reply(d), lim.default_directive())
        except FleetRefused:
            return lim.default_directive().with_(epoch=d.epoch)
        return proposed.with_(epoch=d.epoch)

    # -- the checks ---------------------------------------------------------------
    def _check(self, r: FleetReply, current: FleetDirective) -> tuple[FleetDirective, list[str]]:
        lim, k, notes = self.limits, self.limits.k, []
        arrays = {}
        for name in ("priority", "p_min", "p_max", "off", "rate_floor"):
            arr = np.asarray(getattr(r, name))
            if arr.shape != (k,):
                raise FleetRefused("wrong_length", f"{name} has {arr.size} entries for {k} radios")
            arrays[name] = arr
        priority = np.where(np.isnan(arrays["priority"].astype(float)), lim.rho, arrays["priority"].astype(float))
        _finite("priority", priority)
        if np.any(priority <= 0):
            i = int(np.flatnonzero(priority <= 0)[0])
            raise FleetRefused("bad_priority", f"radio {i + 1}: priority {priority[i]:g} is not > 0 "
                                               "(take a radio off the air with \"off\")")
        clamped = np.clip(priority, self.priority_min, self.priority_max)
        if np.any(clamped != priority):
            i = int(np.flatnonzero(clamped != priority)[0])
            notes.append(f"priority of radio {i + 1} {priority[i]:g} -> {clamped[i]:g}")
        lo = np.where(np.isnan(arrays["p_min"]), lim.p_min, arrays["p_min"].astype(float))
        hi = np.where(np.isnan(arrays["p_max"]), lim.p_max, arrays["p_max"].astype(float))
        _finite("minimum budget", lo)
        if np.any(np.isinf(hi) & ~np.isinf(lim.p_max)) or np.any(hi < 0) or np.any(lo < 0):
            i = int(np.flatnonzero((np.isinf(hi) & ~np.isinf(lim.p_max)) | (hi < 0) | (lo < 0))[0])
            raise FleetRefused("bad_budget", f"radio {i + 1}: box [{lo[i]:g}, {hi[i]:g}] is not a box of "
                                             "finite numbers >= 0")
        if np.any(lo > hi):
            i = int(np.flatnonzero(lo > hi)[0])
            raise FleetRefused("bad_budget", f"radio {i + 1}: box [{lo[i]:g}, {hi[i]:g}] has min > max")
        box_lo, box_hi = np.clip(lo, lim.p_min, lim.p_max), np.clip(hi, lim.p_min, lim.p_max)
        if np.any(box_lo != lo) or np.any(box_hi != hi):
            i = int(np.flatnonzero((box_lo != lo) | (box_hi != hi))[0])
            notes.append(f"box of radio {i + 1} [{lo[i]:g}, {hi[i]:g}] -> [{box_lo[i]:g}, {box_hi[i]:g}] "
                         "(inside the configured box)")
        floors = arrays["rate_floor"].astype(float)
        _finite("floor", floors)
        if np.any(floors < 0):
            i = int(np.flatnonzero(floors < 0)[0])
            raise FleetRefused("bad_floor", f"radio {i + 1}: floor {floors[i]:g} bits is negative")
        floor_clamped = np.minimum(floors, lim.floor_max)
        if np.any(floor_clamped != floors):
            i = int(np.flatnonzero(floor_clamped != floors)[0])
            notes.append(f"floor of radio {i + 1} {floors[i]:g} -> {floor_clamped[i]:g} bits (its ceiling)")
        cap = self._cap(r, current, notes)
        held = float(np.dot(lim.a, lim.reserve))
        if held > cap * (1 + 1e-12):
            raise FleetRefused("reserve_exceeds_cap", f"the reserves hold {held:.4g} > cap {cap:.4g}")
        off = arrays["off"].astype(bool)
        need = float(np.dot(lim.a[~off], np.maximum(box_lo, lim.reserve)[~off]))
        if need > cap * (1 + 1e-12):
            raise FleetRefused("infeasible_boxes", f"the radios on need at least {need:.4g} "
                                                   f"(sum a_k max(Pmin_k, R_k)) > cap {cap:.4g}")
        return FleetDirective(priority=clamped, p_min=box_lo, p_max=box_hi, off=off, rate_floor=floor_clamped,
                              cap=cap), notes

    def _cap(self, r: FleetReply, current: FleetDirective, notes: list[str]) -> float:
        lim = self.limits
        if not math.isnan(r.cap_fraction):
            if not (math.isfinite(r.cap_fraction) and 0 < r.cap_fraction <= 1):
                raise FleetRefused("bad_cap", f"cap_fraction {r.cap_fraction:g} is outside (0, 1]")
            return r.cap_fraction * lim.cap
        if math.isnan(r.cap):
            return lim.cap if math.isnan(current.cap) else min(current.cap, lim.cap)
        if not math.isfinite(r.cap) or r.cap < 0:
            raise FleetRefused("non_finite" if not math.isfinite(r.cap) else "bad_cap",
                               f"cap {r.cap:g} is not a finite number >= 0")
        if r.cap > lim.cap:
            notes.append(f"cap {r.cap:g} -> {lim.cap:g} (the configured C)")
            return lim.cap
        return float(r.cap)


def _finite(name: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(np.isnan(values) | np.isinf(values))
    if bad.size:
        raise FleetRefused("non_finite", f"radio {bad[0] + 1}: {name} {values[bad[0]]}")


def _as_reply(d: FleetDirective) -> FleetReply:
    return FleetReply(priority=np.asarray(d.priority), p_min=np.asarray(d.p_min), p_max=np.asarray(d.p_max),
                      off=np.asarray(d.off), rate_floor=np.asarray(d.rate_floor), cap=float(d.cap),
                      cap_fraction=math.nan, reasoning=d.reasoning)
