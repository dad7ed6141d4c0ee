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

With ``approval: confirm`` a new directive is held: published on ``fleet/proposal``
(std_msgs/String, JSON, latched: the directive, its read-back and a preview, the
grants the coordinator would give under it on the radios' last demand curves, or the
read-back only while there are none) and applied only once the operator approves it,
by the services /fleet_navigator/approve and /fleet_navigator/reject (std_srvs/Trigger:
the proposal pending) or on ``fleet/approval`` (std_msgs/String: "<id>" or
"approve <id>" approves, "reject <id>" rejects). No answer within
``approval_timeout_s`` counts as a rejection; the directive in force stays. The state
machine is the radio navigator's (:mod:`steer_ros.system2.approval`), the approved
class the fleet's (:mod:`steer_ros.fleet.navigator.approval`). A directive that sets
nothing beyond the configuration (the default policy's) is applied without asking.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import threading
import time

import numpy as np
from rclpy.node import Node
from std_msgs.msg import String
from std_srvs.srv import Trigger

from steer_ros import defaults
from steer_ros.fleet.config import fleet_config
from steer_ros.fleet.navigator.approval import directive_budget, directive_class, fleet_preview, proposal_json
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
from steer_ros.system2.approval import MODES, STATE_NAMES, ApprovalEvent, ApprovalGate, approval_command
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
    Param("approval", defaults.APPROVAL_MODE, "auto: apply every accepted directive; confirm: hold a new directive "
          "on fleet/proposal until the operator approves it.", choices=MODES, read_only=True),
    Param("approval_timeout_s", defaults.APPROVAL_TIMEOUT_S, "confirm: seconds a proposal waits for an answer "
          "(then it counts as rejected).", min=0.1, max=86400.0, read_only=True),
    Param("approval_cap_tolerance", defaults.APPROVAL_BUDGET_TOLERANCE, "confirm: relative change of the cap an "
          "approved class allows without asking again.", min=0.0, max=10.0, read_only=True),
]


def fleet_configuration(v):
    """The configured fleet (FleetConfig) from the node's parameters, read as the
    coordinator reads its own (FleetConfigError, a ValueError, naming what is wrong)."""
    def given(values, default):
        return default if not values else list(values)

    return fleet_config(int(v.radios), float(v.cap), a=given(v.a, 1.0), rho=given(v.rho, 1.0),
                        p_min=given(v.p_min, 0.0), p_max=given(v.p_max, defaults.P_MAX),
                        reserve=given(v.reserve, None))


def fleet_limits(v) -> FleetLimits:
    """The navigator's limits of the configured fleet (:func:`fleet_configuration`)."""
    return FleetLimits.from_config(fleet_configuration(v))


class FleetNavigatorNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("fleet_navigator", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        self.fleet_config = fleet_configuration(v)
        self.limits = FleetLimits.from_config(self.fleet_config)
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
        self.gate = ApprovalGate(mode=v.approval, timeout_s=float(v.approval_timeout_s),
                                 budget_tolerance=float(v.approval_cap_tolerance),
                                 classify=functools.partial(directive_class,
                                                            configured=self.limits.default_directive()))
        self.last_refusal = ""  # the reason of the last answer refused (diagnostics)
        if v.approval != "auto":
            self.pub_proposal = self.create_publisher(String, topics.FLEET_PROPOSAL, topics.PROPOSAL_QOS)
            self.create_subscription(String, topics.FLEET_APPROVAL, self.on_approval_msg, topics.POLICY_QOS)
            self.create_service(Trigger, "~/approve", lambda req, res: self.on_service(res, "approve"))
            self.create_service(Trigger, "~/reject", lambda req, res: self.on_service(res, "reject"))
            self.approval_timer = self.create_timer(0.1, self.check_timeout)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.timer = self.create_timer(v.period_s, self.cycle)
        self.get_logger().info(f"backend: {self.backend_name}; {k} radios; cap C = {self.limits.cap:g}; "
                               f"policy: {self.policy!r}; approval: {v.approval}"
                               + (f" (proposal ids {self.gate.nonce}-*)" if v.approval != "auto" else ""))
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

    # -- approval -------------------------------------------------------------------
    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _curves(self) -> list:
        """Each radio's last demand curve (fresh within summary_stale_s) for the preview, or None."""
        now = time.monotonic()
        with self.lock:
            demands = list(self.demands)
        out = []
        for entry in demands:
            if entry is None or now - entry[0] > self.stale_s:
                out.append(None)
                continue
            msg = entry[1]
            sum_mi = np.asarray(msg.curve_sum_mi, dtype=float) if len(msg.curve_sum_mi) else None
            out.append((np.asarray(msg.price, dtype=float), np.asarray(msg.budget, dtype=float), sum_mi))
        return out

    def _report(self, events) -> None:
        """Log, count and publish approval events (a proposal's every state change)."""
        for event in events:
            if event.kind == "passed":
                continue
            if event.kind == "refused":
                self.last_refusal = event.detail
                self.diagnostics.problem("approval", f"approval refused: {event.detail}", WARN, log=False)
                self.get_logger().warning(f"fleet approval refused: {event.detail}")
                continue
            proposal = event.proposal
            if proposal is None:
                continue
            if event.kind == "proposed":
                view = proposal.preview
                grants = view.get("grants")
                shown = ("grants " + ", ".join(f"{g:.3g}" for g in grants[:8]) + (" ..." if len(grants) > 8 else "")
                         if grants is not None else f"read-back only ({view.get('reason', 'no solve')})")
                self.get_logger().info(
                    f"fleet proposal {proposal.id}: {view.get('readback', '')} | preview ({view.get('source')}): "
                    f"{shown} | approve: steer-ros approve --fleet {proposal.id} (or ros2 service call "
                    f"/fleet_navigator/approve std_srvs/srv/Trigger)")
                self.diagnostics.problem("approval", f"fleet proposal {proposal.id} waiting for approval", WARN,
                                         log=False)
            else:
                line = f"fleet proposal {event.proposal_id} {event.kind}: {event.detail}"
                if event.kind == "approved":
                    self.get_logger().info(line)
                else:
                    self.get_logger().warning(line)
                self.diagnostics.clear("approval")
            expires = proposal.deadline_s - self._now() if proposal.state == 0 else 0.0
            try:
                self.pub_proposal.publish(String(data=proposal_json(proposal, STATE_NAMES[proposal.state], expires,
                                                                    self._now())))
            except Exception:  # a publish after shutdown raises; anything else is re-raised
                if self.context.ok():
                    raise

    def _apply(self, decision: FleetDirective) -> FleetDirective | None:
        """Put ``decision`` in force and publish it on fleet/command (None: shut down)."""
        with self.lock:
            # Epochs only grow, across restarts too (the coordinator refuses an older one
            # than it holds): milliseconds of the wall clock, at least one past the last.
            decision = decision.with_(epoch=max(self.directive.epoch + 1, time.time_ns() // 1_000_000))
            self.directive = decision
        return decision if self._publish(self.pub_command, decision) else None

    def _publish(self, publisher, decision: FleetDirective) -> bool:
        """Publish a directive's JSON; False when the node is shut down."""
        try:
            publisher.publish(String(data=decision.to_json()))
        except Exception:  # a publish after shutdown raises; anything else is re-raised
            if self.context.ok():
                raise
            return False
        return True

    def check_timeout(self) -> None:
        with self.lock:
            events = self.gate.expire(self._now())
        self._report(events)

    def answer(self, verb: str, proposal_id: str | None, via: str) -> tuple[bool, str]:
        """Approve or reject (the pending proposal when ``proposal_id`` is None)."""
        with self.lock:
            if verb == "approve":
                released, event = self.gate.approve(proposal_id, self._now(), via=via)
            else:
                released, event = None, self.gate.reject(proposal_id, self._now(), via=via)
        self._report([event])
        if released is not None:
            applied = self._apply(released.with_(status_detail=f"{released.status_detail} "
                                                               f"(approved {event.proposal_id})"))
            if applied is not None:
                self._publish(self.pub_decision, applied)
        ok = event.kind in ("approved", "rejected")
        return ok, (f"{event.kind} {event.proposal_id}: {event.detail}" if ok else event.detail)

    def on_service(self, response, verb: str):
        response.success, response.message = self.answer(verb, None, "service")
        return response

    def on_approval_msg(self, msg: String) -> None:
        try:
            verb, proposal_id = approval_command(msg.data)
        except ValueError as exc:
            with self.lock:
                self.gate.counts["refused"] += 1
            self._report([ApprovalEvent("refused", "", str(exc))])
            return
        self.answer(verb, proposal_id, "topic")

    # -- decisions ----------------------------------------------------------------------
    def on_decision(self, decision: FleetDirective) -> None:
        """Runs on the worker thread: publish the outcome; an accepted change goes out on
        fleet/command (in confirm: once approved)."""
        with self.lock:
            current = self.directive
            # An accepted directive that changes the setting (or is the first) is a new epoch.
            change = decision.status == FleetStatus.OK and (current.epoch == 0 or not decision.same_setting(current))
            status = FleetStatus(decision.status).name
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.last_detail = decision.status_detail
        held = False
        # A directive that sets nothing beyond the configuration (the default policy's) narrows
        # nothing the operator configured: it is applied without asking.
        if change and self.gate.mode != "auto" and not decision.same_setting(self.limits.default_directive()):
            view = fleet_preview(decision, self.fleet_config, self._curves())
            with self.lock:
                released, events = self.gate.submit(decision, self._now(), budget=directive_budget(decision),
                                                    preview=view)
            self._report(events)
            held = released is None
        if change and not held:
            decision = self._apply(decision)
            if decision is None:
                return  # shut down while the call was in flight
        if not self._publish(self.pub_decision, decision):
            return
        line = (f"backend: {decision.backend} | {status}{' (held for approval)' if held else ''} "
                f"({decision.status_detail}) | "
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
            counts, pending = dict(self.gate.counts), self.gate.pending
            fresh = sum(1 for pair in zip(self.summaries, self.demands, strict=True)
                        if any(e is not None and time.monotonic() - e[0] <= self.stale_s for e in pair))
        return {"backend": self.backend_name, "policy": policy, "calls": stats["submitted"],
                "skipped_cycles": stats["skipped"], "busy": stats["busy"], "llm_latency_s": stats["last_latency_s"],
                "last_detail": detail, "directive": readback, "epoch": epoch, "radios_reporting": fresh,
                **{f"outcome_{k.lower()}": n for k, n in outcomes.items()},
                **({"approval": self.gate.mode, "proposal_pending": pending.id if pending else "",
                    "proposal_readback": pending.decision.readback if pending else "",
                    "last_refusal": self.last_refusal, **{f"proposals_{k}": n for k, n in counts.items()}}
                   if self.gate.mode != "auto" else {})}

    def close(self) -> None:
        self.navigator.close(timeout_s=0.5)


def main(args=None) -> int:
    return run_node(FleetNavigatorNode, args)
