"""Approval of fleet directives: the fleet navigator's use of the radio navigator's gate.

The state machine is :class:`steer_ros.system2.approval.ApprovalGate` (ids, approve,
reject, timeout, stale and foreign ids refused); this module gives it what is fleet
specific:

* :func:`directive_class`: what an approval covers. The same policy, the same radios
  off, the same radios raised and lowered in priority, the same radios with a sum-MI
  floor, the same radios with a narrowed box, and whether the cap is narrowed. The cap
  (:func:`directive_budget`) then moves within the gate's budget tolerance. A ranked
  selector (``weakest:2``) that picks other radios as they change is another class,
  proposed again: the operator approved those radios, not a rule.
* :func:`fleet_preview`: the grants the coordinator would give under the directive,
  from the ROS-free coordinator (:class:`steer_ros.fleet.coordinator.Coordinator`,
  its price-directed solve) on the radios' last demand curves; ``source`` says
  ``coordinator`` when at least one radio's curve was used, else ``readback_only``.
* :func:`proposal_json`: the wire form on ``fleet/proposal``.
"""

from __future__ import annotations

import json
import math

import numpy as np

from steer_ros.fleet.config import FleetConfig
from steer_ros.fleet.coordinator import Coordinator
from steer_ros.fleet.demand import DemandError
from steer_ros.fleet.directive import DirectiveError, limits_from_json
from steer_ros.fleet.navigator.directive import FleetDirective

__all__ = ["PROPOSAL_SCHEMA", "directive_budget", "directive_class", "fleet_preview", "proposal_json"]

#: The version of the fleet/proposal JSON: a reader refuses another.
PROPOSAL_SCHEMA = "steer_ros/fleet_proposal/1"


def _radios(mask) -> tuple:
    return tuple(int(i) + 1 for i in np.flatnonzero(np.asarray(mask, dtype=bool)))


def directive_class(d: FleetDirective, configured: FleetDirective | None = None) -> tuple:
    """(policy, radios off, radios raised, radios lowered in priority, radios floored,
    radios with a narrowed box, cap below the configured one), radio sets as sorted 1-based tuples; raised,
    lowered and narrowed against ``configured`` (the configuration's own directive,
    FleetLimits.default_directive(); default: priority 1, box [0, inf))."""
    k = d.k
    base = configured if configured is not None and configured.k == k else FleetDirective.default(k)
    priority = np.asarray(d.priority, dtype=float)
    p_min, p_max = np.asarray(d.p_min, dtype=float), np.asarray(d.p_max, dtype=float)
    return (
        " ".join(str(d.policy).split()),
        _radios(d.off),
        _radios(priority > np.asarray(base.priority, dtype=float)),
        _radios(priority < np.asarray(base.priority, dtype=float)),
        _radios(np.asarray(d.rate_floor, dtype=float) > 0),
        _radios((p_min > np.asarray(base.p_min, dtype=float)) | (p_max < np.asarray(base.p_max, dtype=float))),
        _cap_narrowed(float(d.cap), float(base.cap)),
    )


def _cap_narrowed(cap: float, configured: float) -> bool:
    if math.isnan(cap):
        return False
    return math.isnan(configured) or cap < configured


def directive_budget(d: FleetDirective) -> float:
    """The number the gate's budget tolerance applies to: the cap (NaN: none set)."""
    return float(d.cap)


def fleet_preview(directive: FleetDirective, config: FleetConfig, curves: list) -> dict:
    """The grants the coordinator would give under ``directive``.

    ``curves``: per radio, its last demand curve as ``(price, budget, sum_mi)`` arrays
    (``sum_mi`` may be None) or None. Keys: ``source`` (``coordinator`` |
    ``readback_only``), ``readback``, ``radios_with_curves``, and with a solve
    ``grants`` (K, a radio without a curve at its reserve), ``mu`` (the fleet price) and
    ``cap_used`` (sum a_k grant_k); ``reason`` when no solve was made."""
    view = {"readback": directive.readback, "source": "readback_only", "radios_with_curves": 0}
    if len(curves) != config.k:
        view["reason"] = f"{len(curves)} radio curves for {config.k} radios"
        return view
    coordinator = Coordinator(config, now=0.0, epoch0=1)
    used = []
    for i, curve in enumerate(curves):
        if curve is None:
            continue
        price, budget, sum_mi = curve
        try:
            coordinator.on_curve(coordinator.names[i], price, budget, sum_mi, now=0.0)
        except DemandError:
            continue  # a refused curve is no curve: that radio is at its reserve
        used.append(i + 1)
    view["radios_with_curves"] = len(used)
    if not used:
        view["reason"] = "no radio's demand curve yet"
        return view
    try:
        coordinator.set_limits(limits_from_json(directive.with_(epoch=0).to_json(), config.k))
        grants = np.asarray(coordinator.plan(), dtype=float)
    except (DirectiveError, ValueError) as exc:
        view["reason"] = str(exc)
        return view
    view.update(source="coordinator", grants=[float(g) for g in grants],
                mu=float(coordinator.mu) if math.isfinite(coordinator.mu) else None,
                cap_used=float(np.dot(config.a, grants)))
    return view


def proposal_json(proposal, state_name: str, expires_in_s: float, stamp_s: float) -> str:
    """A proposal (steer_ros.system2.approval.Proposal of a FleetDirective) as the JSON
    published on fleet/proposal."""
    directive: FleetDirective = proposal.decision
    return json.dumps({
        "schema": PROPOSAL_SCHEMA, "id": proposal.id, "state": int(proposal.state), "state_name": state_name,
        "state_detail": proposal.state_detail, "expires_in_s": max(float(expires_in_s), 0.0), "stamp_s": stamp_s,
        "directive": directive.to_dict(), "readback": directive.readback, "preview": proposal.preview,
    }, separators=(",", ":"))
