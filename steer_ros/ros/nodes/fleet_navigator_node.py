"""fleet_navigator: the fleet navigator as a node (docs/fleet-policies.md).

A fleet policy on ``fleet/policy`` (std_msgs/String, ``ros2 topic pub`` QoS) or the
``policy`` parameter becomes a fleet directive (priorities, budget boxes, radios off,
sum-MI floors, the cap) through the configured backend (openai, rules, scripted), the
fleet reply parser and the fleet guardrail, on a worker thread (one call in flight).
It reads every radio's ``/radio<k>/fleet/demand`` (DemandCurve: its sum MI and budget in
force, what a radio of the fleet always publishes) and, where the radio publishes it,
``/radio<k>/steer/summary`` (AllocationSummary: channels, goals met), for the prompt and
for ranked selectors (``weakest:2`` ranks the radios' sum MI).

Publishes:
- ``fleet/command`` (std_msgs/String, JSON of FleetDirective, latched): the directive the
  coordinator applies, each accepted change with a new, larger epoch (wall-clock
  milliseconds, so a restarted fleet navigator is not taken for a stale one) and its
  read-back;
- ``fleet/decision`` (std_msgs/String, JSON): every outcome, fallbacks and KEPT ones too,
  with its ``status_detail`` (what a dead LLM or an unread policy looks like).
A new policy starts a cycle at once; the timer repeats it every ``period_s`` (ranked
selectors follow the radios).
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time

import numpy as np
from rclpy.node import Node
from std_msgs.msg import String

from steer_ros import defaults
from steer_ros.fleet.config import fleet_config
from steer_ros.fleet.navigator.backends import make_fleet_backend
from steer_ros.fleet.navigator.directive import FleetDirective, FleetStatus
from steer_ros.fleet.navigator.guardrail import FleetGuardrail
from steer_ros.fleet.navigator.navigator import FleetNavigator
from steer_ros.fleet.navigator.snapshot import FleetLimits, FleetSnapshot
from steer_ros.msg import AllocationSummary, DemandCurve
from steer_ros.radio.constellations import get_constellation
from steer_ros.ros import topics
from steer_ros.ros.diagnostics import WARN, DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.system2 import BACKEND_KINDS, AsyncNavigator, BackendConfig
from steer_ros.system2.backends.backend import BASE_URL_ENV, MODEL_ENV

PARAMS = [
    Param("radios", defaults.FLEET_RADIOS, "K: radios radio1 .. radioK.", min=1, max=defaults.FLEET_MAX_RADIOS,
          read_only=True),
    # The fleet as the coordinator is configured (the same names, defaults and checks:
    # steer_ros.fleet.config.fleet_config): the navigator narrows it, never widens it.
    Param("cap", defaults.FLEET_CAP, "C: the cap on sum_k a_k P_k.", min=1e-9, read_only=True),
    Param("a", [], "a_k per radio (one value = all; empty = 1).", kind="float_list", read_only=True),
    Param("rho", [], "Configured fleet priorities rho_k (one value = all; empty = 1): an unlisted radio's.",
          kind="float_list", read_only=True),
    Param("p_min", [], "Budget box floors Pmin_k (empty = 0).", kind="float_list", read_only=True),
    Param("p_max", [], "Budget box tops Pmax_k (empty = P_MAX).", kind="float_list", read_only=True),
    Param("reserve", [], "Reserves R_k (empty = FLEET_RESERVE_FRACTION C / (K a_k)).", kind="float_list",
          read_only=True),
    Param("period_s", defaults.FLEET_NAVIGATOR_PERIOD_S, "Seconds between fleet navigator cycles.", min=0.01,
          max=3600.0, read_only=True),
    Param("summary_stale_s", defaults.FLEET_SUMMARY_STALE_S, "A radio's summary older than this is no report.",
          min=0.01, read_only=True),
    Param("policy", defaults.FLEET_POLICY, "The fleet policy, in plain language."),
    Param("backend", "", "rules, openai or scripted; empty = openai if an endpoint is configured, else rules.",
          choices=("", *BACKEND_KINDS), read_only=True),
    Param("llm_base_url", defaults.LLM_BASE_URL, f"OpenAI-compatible endpoint; empty = ${BASE_URL_ENV}.",
          read_only=True),
    Param("llm_model", defaults.LLM_MODEL, f"Model name; empty = ${MODEL_ENV}.", read_only=True),
    Param("api_key_env", defaults.LLM_API_KEY_ENV, "Name of the environment variable holding the API key.",
          read_only=True),
    Param("timeout_s", defaults.LLM_TIMEOUT_S, "Deadline of every LLM call.", min=0.01, read_only=True),
    Param("script_path", "", "scripted backend: JSONL file of fleet replies.", read_only=True),
    Param("constellation", defaults.CONSTELLATION, "The radios' constellation: a sum-MI floor is at most "
          "N_k log2 M bits.", choices=defaults.CONSTELLATIONS, read_only=True),
]


def fleet_limits(v) -> FleetLimits:
    """The configured fleet from the node's parameters, read as the coordinator reads its
    own (FleetConfigError, a ValueError, naming what is wrong)."""
    def given(values, default):
        return default if not values else list(values)

    config = fleet_config(int(v.radios), float(v.cap), a=given(v.a, 1.0), rho=given(v.rho, 1.0),
                          p_min=given(v.p_min, 0.0), p_max=given(v.p_max, defaults.P_MAX),
                          reserve=given(v.reserve, None))
    return FleetLimits.from_config(config)


class FleetNavigatorNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("fleet_navigator", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        self.limits = fleet_limits(v)
        self.bits_per_channel = get_constellation(v.constellation).bits
        self.config = BackendConfig(kind=v.backend, base_url=v.llm_base_url or os.environ.get(BASE_URL_ENV, ""),
                                    model=v.llm_model or os.environ.get(MODEL_ENV, ""), timeout_s=v.timeout_s,
                                    api_key_env=v.api_key_env, script_path=v.script_path).validate()
        self.backend = make_fleet_backend(self.config)
        self.backend_name = getattr(self.backend, "name", self.config.resolved_kind())
        self.guardrail = FleetGuardrail(self.limits)
        self.navigator = AsyncNavigator(FleetNavigator(self.backend, self.guardrail, deadline_s=v.timeout_s))
        self.lock = threading.Lock()
        self.policy = v.policy
        self.stale_s = float(v.summary_stale_s)
        self.directive = self.limits.default_directive()
        k = self.limits.k
        self.summaries: list[tuple[float, AllocationSummary] | None] = [None] * k
        self.demands: list[tuple[float, DemandCurve] | None] = [None] * k
        self.outcomes: dict[str, int] = {}
        self.last_detail = ""
        for i in range(k):
            radio = f"radio{i + 1}"
            self.create_subscription(AllocationSummary, topics.fleet_topic(radio, topics.SUMMARY),
                                     lambda msg, i=i: self.on_summary(i, msg), topics.STREAM_IN)
            self.create_subscription(DemandCurve, topics.fleet_topic(radio, topics.FLEET_DEMAND),
                                     lambda msg, i=i: self.on_demand(i, msg), topics.STREAM_IN)
        self.create_subscription(String, topics.FLEET_POLICY, lambda msg: self.set_policy(msg.data, "topic"),
                                 topics.POLICY_QOS)
        self.params.on_change("policy", lambda text: self.set_policy(text, "parameter"))
        self.pub_command = self.create_publisher(String, topics.FLEET_COMMAND, topics.LATCHED_COMMAND_QOS)
        self.pub_decision = self.create_publisher(String, topics.FLEET_DECISION, topics.COMMAND_QOS)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.timer = self.create_timer(v.period_s, self.cycle)
        self.get_logger().info(f"backend: {self.backend_name}; {k} radios; cap C = {self.limits.cap:g}; "
                               f"policy: {self.policy!r}")
        self.cycle()

    def on_summary(self, i: int, msg: AllocationSummary) -> None:
        with self.lock:
            self.summaries[i] = (time.monotonic(), msg)

    def on_demand(self, i: int, msg: DemandCurve) -> None:
        with self.lock:
            self.demands[i] = (time.monotonic(), msg)

    def set_policy(self, text: str, origin: str) -> None:
        text = str(text).strip()
        if not text:
            self.diagnostics.problem("policy", f"ignored an empty fleet policy from the {origin}")
            return
        if len(text) > defaults.FLEET_POLICY_MAX_CHARS:
            self.diagnostics.problem("policy", f"ignored a {len(text)}-character fleet policy from the {origin} "
                                               f"(limit {defaults.FLEET_POLICY_MAX_CHARS})")
            return
        self.diagnostics.clear("policy")
        with self.lock:
            changed, self.policy = text != self.policy, text
        if changed:
            self.get_logger().info(f"fleet policy ({origin}): {text!r}")
            self.cycle()

    def snapshot(self) -> tuple[FleetSnapshot, str]:
        k, now = self.limits.k, time.monotonic()
        with self.lock:
            summaries, demands = list(self.summaries), list(self.demands)
            policy, directive = self.policy, self.directive
        sum_mi, budget, used = (np.full(k, math.nan) for _ in range(3))
        n_channels, goals_met, fresh = np.zeros(k, dtype=int), np.ones(k, dtype=bool), np.zeros(k, dtype=bool)
        for i in range(k):
            summary, demand = (e[1] if e is not None and now - e[0] <= self.stale_s else None
                               for e in (summaries[i], demands[i]))
            if summary is not None:
                values = (float(summary.total_mi), float(summary.p_total), float(summary.power_used))
                if all(math.isfinite(x) for x in values):  # a malformed report counts as none
                    fresh[i] = True
                    sum_mi[i], budget[i], used[i] = values
                    n_channels[i], goals_met[i] = int(summary.n_channels), bool(summary.goals_met)
            if demand is not None:  # the fleet's own report: the budget in force and its sum MI
                values = (float(demand.sum_mi), float(demand.budget_in_force))
                if all(math.isfinite(x) for x in values):
                    fresh[i] = True
                    sum_mi[i], budget[i] = values
        floor_max = np.where(n_channels > 0, n_channels * self.bits_per_channel, math.inf)
        limits = dataclasses.replace(self.limits, floor_max=floor_max)
        return FleetSnapshot(sum_mi=sum_mi, budget=budget, power_used=used, n_channels=n_channels,
                             goals_met=goals_met, fresh=fresh, limits=limits, directive=directive), policy

    def cycle(self) -> None:
        snapshot, policy = self.snapshot()
        if not self.navigator.try_submit(snapshot, policy, self.on_decision):
            self.get_logger().debug("fleet navigator busy: cycle skipped")

    def on_decision(self, decision: FleetDirective) -> None:
        """Runs on the worker thread: publish the outcome; an accepted change goes out on fleet/command."""
        with self.lock:
            current = self.directive
            # An accepted directive that changes the setting (or is the first) is a new epoch.
            publish = decision.status == FleetStatus.OK and (current.epoch == 0 or not decision.same_setting(current))
            if publish:
                # Epochs only grow, across restarts too (the coordinator refuses an older one
                # than it holds): milliseconds of the wall clock, at least one past the last.
                decision = decision.with_(epoch=max(current.epoch + 1, time.time_ns() // 1_000_000))
                self.directive = decision
            status = FleetStatus(decision.status).name
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.last_detail = decision.status_detail
        try:
            self.pub_decision.publish(String(data=decision.to_json()))
            if publish:
                self.pub_command.publish(String(data=decision.to_json()))
        except Exception:  # a publish after shutdown raises; anything else is re-raised
            if self.context.ok():
                raise
            return  # shut down while the call was in flight
        line = (f"backend: {decision.backend} | {status} ({decision.status_detail}) | "
                f"{decision.latency_s * 1000:.0f} ms | {decision.readback}")
        if decision.status in (FleetStatus.OK, FleetStatus.KEPT):
            self.get_logger().info(line)
        else:
            self.get_logger().warning(line)
        if decision.status == FleetStatus.FALLBACK:
            self.diagnostics.problem("fallback", f"last call fell back: {decision.status_detail}", WARN, log=False)
        else:
            self.diagnostics.clear("fallback")

    def _diag_values(self) -> dict:
        stats = self.navigator.stats()
        with self.lock:
            outcomes, policy, detail = dict(self.outcomes), self.policy, self.last_detail
            readback, epoch = self.directive.readback, self.directive.epoch
            fresh = sum(1 for pair in zip(self.summaries, self.demands, strict=True)
                        if any(e is not None and time.monotonic() - e[0] <= self.stale_s for e in pair))
        return {"backend": self.backend_name, "policy": policy, "calls": stats["submitted"],
                "skipped_cycles": stats["skipped"], "busy": stats["busy"], "llm_latency_s": stats["last_latency_s"],
                "last_detail": detail, "directive": readback, "epoch": epoch, "radios_reporting": fresh,
                **{f"outcome_{k.lower()}": n for k, n in outcomes.items()}}

    def close(self) -> None:
        self.navigator.close(timeout_s=0.5)


def main(args=None) -> int:
    return run_node(FleetNavigatorNode, args)
