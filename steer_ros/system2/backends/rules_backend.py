"""The ``rules`` backend: the offline reader (:mod:`steer_ros.system2.backends.reader`)
behind the navigator's backend interface. Not an LLM, and it says so in every
reasoning text. Deterministic: a decision depends on the policy text, the snapshot of
the call and the budget in force when the policy was first read.

The reply goes through the same reply parser and guardrail as an LLM's. A policy the
reader cannot read whole is kept (status KEPT) with the reason ("not_understood: could
not read ...", "ambiguous: ...", "half_understood: ...", "declined: ...").

Budgets relative to the one in force ("drop the power by a third", "halve the
budget") are taken from the budget in force when this backend first read that policy
text, so that calling again with the same policy does not compound the change.
"""

from __future__ import annotations

import json
import math

from steer_ros import defaults
from steer_ros.system2.backends.backend import Backend, BackendReply
from steer_ros.system2.backends.reader import Keep, compose_reply, parse_policy
from steer_ros.system2.snapshot import SystemSnapshot

RULES_DISCLAIMER = "rule-based interpreter (not an LLM)"
_BASE_MEMORY = 64  # policies whose budget in force is remembered


def _goal_fields() -> tuple[str, ...]:
    from steer_ros.system2 import reply

    return tuple(getattr(reply, "GOAL_FIELDS", ()))


def _has_alpha_fair() -> bool:
    from steer_ros.system1.goal import Objective

    return hasattr(Objective, "ALPHA_FAIR")


class RulesBackend(Backend):
    """Deterministic offline navigator over the reader."""

    name = "rules"

    def __init__(
        self,
        p_min: float = defaults.P_MIN,
        p_max: float = defaults.P_MAX,
        priority_weight: float = defaults.RULES_PRIORITY_WEIGHT,
        shutdown_weight: float = defaults.RULES_SHUTDOWN_WEIGHT,
        sum_rate_margin: float = defaults.RULES_SUM_RATE_MARGIN,
        constellation: str = defaults.CONSTELLATION,
    ):
        self.p_min = float(p_min)
        self.p_max = float(p_max)
        self.priority_weight = float(priority_weight)
        self.shutdown_weight = float(shutdown_weight)
        self.sum_rate_margin = float(sum_rate_margin)
        self.constellation = constellation
        self._base: dict[str, float] = {}

    def _budget_in_force(self, policy: str, snapshot: SystemSnapshot) -> float:
        key = " ".join(str(policy).split())
        if key not in self._base:
            if len(self._base) >= _BASE_MEMORY:
                self._base.pop(next(iter(self._base)))
            current = float(snapshot.p_total)
            self._base[key] = current if math.isfinite(current) and current > 0 else self.p_max
        return self._base[key]

    def complete(
        self, messages: list[dict], snapshot: SystemSnapshot, policy: str, timeout_s: float
    ) -> BackendReply:
        parsed = parse_policy(policy)
        if parsed.problem:
            return self._keep(parsed.problem)
        try:
            reply, why = compose_reply(
                parsed.clauses, snapshot, p_min=self.p_min, p_max=self.p_max,
                budget_in_force=self._budget_in_force(policy, snapshot), constellation=self.constellation,
                priority_weight=self.priority_weight, sum_rate_margin=self.sum_rate_margin,
                goal_fields=_goal_fields(), alpha_fair=_has_alpha_fair())
        except Keep as keep:
            return self._keep(str(keep))
        read = f"read from {', '.join(parsed.languages)}; " if parsed.languages else ""
        reply["reasoning"] = f"{RULES_DISCLAIMER}: {read}" + "; ".join(why)
        return BackendReply(text=json.dumps(reply))

    def _keep(self, reason: str) -> BackendReply:
        return BackendReply(keep=True, detail=f"{reason}; the {RULES_DISCLAIMER} keeps the current command")
