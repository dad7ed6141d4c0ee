"""The coordinator's bookkeeping: which budget each radio may hold at any instant, and
grants that never let the fleet exceed its cap (docs/design.md, "Many radios, one
budget").

``held_k`` is an upper bound on radio k's budget in force, on the coordinator's clock:

* the radio's reserve R_k (it may fall back to it at any moment);
* every grant sent to it that has not expired (issued + lease_s) and whose epoch is not
  older than the newest epoch the radio ever reported in force (a radio refuses epochs
  older than the one in force, and after a restart grants issued before it started,
  so those can no longer take effect);
* the budget the radio last reported in force, while that report's lease lasts
  (covers a grant this coordinator did not send: a stranger's, a predecessor's);
* p_max_k while the radio is *unknown*: after a (re)start, until the radio reports a
  grant of this incarnation in force (epochs are time-based, so from then on a
  predecessor's grants are stale) or one lease has passed since the start (every
  predecessor's grant has expired).

Grants: decreases at once; increases only from the headroom ``C - sum_k a_k held_k``
(shared in proportion to the increases asked). So ``sum_k a_k B_k(t) <= sum_k a_k
held_k(t) <= C`` at every instant, whatever is lost, delayed, reordered or restarted;
an increase cut by the headroom completes once the decreases are reported in force
(one round trip) or their old leases run out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from steer_ros.fleet.config import FleetConfig, radio_names
from steer_ros.fleet.demand import DemandCurve, DemandError, budget_for_sum_mi, check_demand_curve
from steer_ros.fleet.directive import FleetLimits
from steer_ros.fleet.lease import Grant
from steer_ros.fleet.solve import allocate, curve_set

__all__ = ["Coordinator", "InForce"]


@dataclass(frozen=True)
class InForce:
    """A radio's report: the budget in force, its epoch (0 = the reserve) and when its
    lease ends (coordinator-clock seconds of the grant's expiry; -inf on the reserve)."""

    radio: str
    epoch: int
    budget: float
    expires: float


@dataclass
class _Radio:
    grants: list = field(default_factory=list)  # [(epoch, budget, expires)]
    reported_epoch: int = 0
    reported_budget: float = 0.0
    reported_until: float = -math.inf
    known: bool = False
    curve: DemandCurve | None = None
    last_grant: float = math.nan


class Coordinator:
    """Args: config (FleetConfig); now (the coordinator's clock at start, seconds);
    epoch0 (first epoch: larger than any a predecessor issued, e.g. the start time in
    microseconds)."""

    def __init__(self, config: FleetConfig, now: float, epoch0: int, names: list[str] | None = None):
        self.config = config
        self.names = names or radio_names(config.k)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.start = float(now)
        self.next_epoch = int(epoch0)
        self.first_epoch = int(epoch0)
        self.radios = [_Radio() for _ in range(config.k)]
        self.refused_curves: dict[str, int] = {}
        self.last_refusal: dict[str, str] = {}
        self.foreign_epochs = 0
        self.mu = math.nan
        self.desired = np.copy(config.reserve)
        self.limits = FleetLimits.none(config.k)
        self.floors_cut = False  # the rate floors needed more than the cap (cut in proportion)
        self.reserve = np.copy(config.reserve)  # raised where a radio reports a larger one
        self.reserve_mismatch: set[str] = set()

    # -- inputs -----------------------------------------------------------------------
    def set_limits(self, limits: FleetLimits) -> None:
        """A fleet command's priorities, boxes, radios off, rate floors and cap, from the
        next round on (narrowing the configuration only)."""
        self.limits = limits

    def effective_config(self) -> FleetConfig:
        """The configuration with the command in force: rho <- priority, box narrowed,
        off radios [0, 0] (their reserves still counted), rate floors raising Pmin (cut
        in proportion if together they need more than the cap), cap <- min(C, cap)."""
        cfg, lim = self.config, self.limits
        cap = cfg.cap if math.isnan(lim.cap) else min(cfg.cap, lim.cap)
        p_max = np.minimum(cfg.p_max, lim.p_max)
        p_min = np.minimum(np.maximum(cfg.p_min, lim.p_min), p_max)
        floor = np.array([budget_for_sum_mi(r.curve, f) if r.curve is not None else 0.0
                          for r, f in zip(self.radios, lim.rate_floor, strict=True)])
        floor = np.minimum(floor, p_max)
        off = lim.off
        p_max = np.where(off, 0.0, p_max)
        p_min = np.where(off, 0.0, p_min)
        reserve_off = float(np.dot(cfg.a[off], self.reserve[off]))
        room = cap - reserve_off
        want = np.maximum(p_min, floor)
        base = np.where(off, 0.0, np.maximum(p_min, self.reserve))
        extra = np.maximum(np.maximum(want, base) - base, 0.0)
        need = float(np.dot(cfg.a, base))
        ask = float(np.dot(cfg.a, extra))
        self.floors_cut = need + ask > room * (1 + 1e-12)
        if self.floors_cut and ask > 0:
            extra = extra * max(0.0, room - need) / ask * (1 - 1e-12)
        p_min = np.where(off, 0.0, np.maximum(p_min, base + extra))
        reserve = np.where(off, 0.0, self.reserve)
        return replace(cfg, cap=max(room, 0.0), rho=lim.priority * 1.0, p_min=np.minimum(p_min, p_max), p_max=p_max,
                       reserve=reserve)

    def on_curve(self, radio: str, price, budget, sum_mi=None) -> DemandCurve:
        """Check and keep a radio's curve; DemandError (counted) leaves the old one out:
        that radio is held at its last grant (or reserve) until a valid curve comes."""
        i = self.index[radio]
        try:
            curve = check_demand_curve(price, budget, float(self.config.p_max[i]), sum_mi)
        except DemandError as exc:
            self.radios[i].curve = None
            self.refused_curves[exc.code] = self.refused_curves.get(exc.code, 0) + 1
            self.last_refusal[radio] = str(exc)
            raise
        self.radios[i].curve = curve
        self.last_refusal.pop(radio, None)
        return curve

    def on_in_force(self, report: InForce, now: float) -> None:
        i = self.index[report.radio]
        r = self.radios[i]
        if report.epoch == 0 and report.budget > self.reserve[i] * (1 + 1e-9):
            # the radio's reserve is larger than configured here: count what it uses
            self.reserve_mismatch.add(report.radio)
            self.reserve[i] = float(report.budget)
        if report.epoch >= self.next_epoch:  # an epoch this coordinator never issued
            self.foreign_epochs += 1
            self.next_epoch = int(report.epoch) + 1
        # Monotone: once a radio reported epoch e in force, grants older than e are dead
        # for good (in the same incarnation they are stale; after a restart the radio
        # refuses grants issued before it started). A report of the reserve (epoch 0)
        # must not bring them back into the count: their headroom may be granted already.
        if report.epoch and report.epoch >= r.reported_epoch:
            r.reported_epoch = int(report.epoch)
            r.reported_budget = float(report.budget)
            r.reported_until = float(report.expires)
        if report.epoch >= self.first_epoch and report.epoch < self.next_epoch:
            r.known = True
        self._prune(now)

    # -- accounting -------------------------------------------------------------------
    def _prune(self, now: float) -> None:
        for r in self.radios:
            r.grants = [g for g in r.grants if g[2] > now]

    def held(self, now: float) -> np.ndarray:
        """(K,) upper bounds on every radio's budget in force at ``now``."""
        self._prune(now)
        cfg = self.config
        out = np.copy(self.reserve)
        settled = now >= self.start + cfg.lease_s
        for i, r in enumerate(self.radios):
            if not (r.known or settled):
                out[i] = max(out[i], float(cfg.p_max[i]))
                continue
            for epoch, budget, _ in r.grants:
                if epoch >= r.reported_epoch:
                    out[i] = max(out[i], budget)
            if r.reported_epoch and r.reported_until > now:
                out[i] = max(out[i], r.reported_budget)
        return out

    # -- grants -----------------------------------------------------------------------
    def plan(self) -> np.ndarray:
        """The grants the fleet should have: the price-directed solve over the radios
        with a valid curve; the others at their last grant (or reserve)."""
        cfg = self.effective_config()
        active = np.array([r.curve is not None for r in self.radios])
        fixed = np.array([r.last_grant if math.isfinite(r.last_grant) else self.config.reserve[i]
                          for i, r in enumerate(self.radios)])
        if np.any(active):
            curves = [r.curve if r.curve is not None else DemandCurve(np.array([1.0, 2.0]), np.zeros(2))
                      for r in self.radios]
            self.mu, self.desired = allocate(curve_set(curves), cfg, active, fixed)
        else:
            self.desired = np.minimum(np.maximum(fixed, cfg.lower), cfg.p_max)
        return self.desired

    def grants(self, now: float) -> list[Grant]:
        """One grant per radio for this round (decreases as planned, increases from the
        headroom), recorded as held from now on."""
        cfg = self.config
        desired = self.plan()
        held = self.held(now)
        settled = now >= self.start + cfg.lease_s
        out = np.minimum(desired, held)
        for i, r in enumerate(self.radios):
            if not (r.known or settled):
                # unknown radio: at most what it reported holding (or its reserve)
                have = r.reported_budget if r.reported_until > now else cfg.reserve[i]
                out[i] = min(desired[i], max(have, cfg.reserve[i]))
        want = np.maximum(desired - held, 0.0)
        want[[not (r.known or settled) for r in self.radios]] = 0.0
        headroom = cfg.cap - float(np.dot(cfg.a, held))
        ask = float(np.dot(cfg.a, want))
        if ask > 0 and headroom > 0:
            share = min(1.0, headroom / ask) * (1 - 1e-12)
            out = np.where(want > 0, held + want * share, out)
        grants = []
        for i, name in enumerate(self.names):
            epoch = self.next_epoch
            self.next_epoch += 1
            expires = now + cfg.lease_s
            self.radios[i].grants.append((epoch, float(out[i]), expires))
            self.radios[i].last_grant = float(out[i])
            grants.append(Grant(name, epoch, float(out[i]), cfg.lease_s, now, expires))
        return grants
