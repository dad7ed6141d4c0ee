"""The radio's side of a grant: a lease (Gray & Cheriton, "Leases", SOSP 1989;
docs/design.md, "Many radios, one budget").

A radio enforces a granted budget only while the grant's lease lasts and then falls
back to its reserve R_k. The lease ends at the earlier of (receipt + lease_s) on the
radio's own clock and the grant's stamped expiry, minus the skew margin: with the
radio's clock within ``skew_s`` of the coordinator's, the radio has stopped using the
grant by the time the coordinator stops counting it, however late the grant arrived.

Refused, with a reason code, and reported: a grant for another radio (``wrong_radio``),
not finite or negative (``bad_grant``), above the radio's box (``above_box``), an epoch
not newer than the one in force (``stale_epoch``: a reordered, duplicated or replayed
grant), issued before this radio started (``before_boot``: a grant delayed across a
restart), or already run out on arrival (``expired``). Plain DDS has no
authentication: a stranger's grant within the box and with a fresh epoch is accepted;
these checks bound what it can do (never above the box, never past its lease).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Grant", "GrantRefused", "RadioLease"]


@dataclass(frozen=True)
class Grant:
    """A budget grant as sent: radio name, epoch (increasing per coordinator, time-based
    across restarts), budget, lease_s, issued / expires on the coordinator's clock (s)."""

    radio: str
    epoch: int
    budget: float
    lease_s: float
    issued: float
    expires: float


class GrantRefused(ValueError):
    def __init__(self, detail: str, code: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class RadioLease:
    """The budget a radio may use, at any instant of its own clock.

    Args: name (its namespace, e.g. "radio3"), reserve R_k, p_max (its box top),
    skew_s, boot (the radio's clock at start), max_lease_s (a longer lease is refused)."""

    def __init__(self, name: str, reserve: float, p_max: float, skew_s: float, boot: float,
                 max_lease_s: float = math.inf):
        if not (0 <= reserve <= p_max):
            raise ValueError(f"reserve {reserve} must be in [0, p_max = {p_max}]")
        self.name = name
        self.reserve = float(reserve)
        self.p_max = float(p_max)
        self.skew_s = float(skew_s)
        self.boot = float(boot)
        self.max_lease_s = float(max_lease_s)
        self.epoch = 0  # 0: no grant yet (on the reserve)
        self.budget = self.reserve
        self.until = -math.inf  # the radio's clock at which the grant in force ends
        self.refused: dict[str, int] = {}

    def offer(self, grant: Grant, now: float) -> None:
        """Accept ``grant`` at the radio's time ``now`` or raise GrantRefused (counted in
        ``refused`` by code); the state is unchanged on refusal."""
        try:
            self._check(grant, now)
        except GrantRefused as exc:
            self.refused[exc.code] = self.refused.get(exc.code, 0) + 1
            raise
        self.epoch = int(grant.epoch)
        self.budget = float(grant.budget)
        self.until = min(now + grant.lease_s, grant.expires) - self.skew_s

    def _check(self, g: Grant, now: float) -> None:
        if g.radio and g.radio != self.name:
            raise GrantRefused(f"grant for {g.radio!r} reached {self.name!r}", "wrong_radio")
        if not (math.isfinite(g.budget) and g.budget >= 0 and math.isfinite(g.lease_s) and g.lease_s > 0
                and math.isfinite(g.expires) and math.isfinite(g.issued)):
            raise GrantRefused(f"budget {g.budget}, lease_s {g.lease_s}, expires {g.expires}", "bad_grant")
        if g.lease_s > self.max_lease_s:
            raise GrantRefused(f"lease {g.lease_s:g} s above the longest accepted {self.max_lease_s:g} s",
                               "bad_grant")
        if g.budget > self.p_max * (1 + 1e-12):
            raise GrantRefused(f"budget {g.budget:g} above this radio's box top {self.p_max:g}", "above_box")
        if g.epoch <= self.epoch:
            raise GrantRefused(f"epoch {g.epoch} is not newer than {self.epoch} in force", "stale_epoch")
        if g.issued < self.boot + self.skew_s:
            raise GrantRefused(f"issued at {g.issued:.3f}, before this radio started ({self.boot:.3f})",
                               "before_boot")
        if min(now + g.lease_s, g.expires) - self.skew_s <= now:
            raise GrantRefused(f"expired on arrival (expires {g.expires:.3f}, now {now:.3f})", "expired")

    def in_force(self, now: float) -> tuple[float, int, float]:
        """(budget, epoch, until) in force at ``now``: the grant while its lease lasts,
        else (reserve, 0, -inf)."""
        if now < self.until:
            return self.budget, self.epoch, self.until
        return self.reserve, 0, -math.inf

    def budget_at(self, now: float) -> float:
        return self.in_force(now)[0]
