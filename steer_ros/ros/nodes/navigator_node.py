"""navigator: System 2 as a node. Every period_s it builds the prompt from the latest
allocation and policy and asks the configured backend in a worker thread, never
blocking the executor (one call in flight; a cycle that finds it busy is skipped and
counted), then publishes the raw command with its reasoning on steer/command_raw (and the
deprecated alias steer/command/raw).

The policy comes from steer/policy (std_msgs/String, `ros2 topic pub` QoS) or the
``policy`` parameter (`ros2 param set /navigator policy "..."`); a new policy starts a
cycle at once. The LLM endpoint comes from the parameters or, when they are empty,
from STEER_LLM_BASE_URL / STEER_LLM_MODEL; with none the offline rules backend runs,
and every command and log line says ``backend: rules``.

With ``approval: confirm`` a command for a policy not yet approved is held: published
on steer/proposal (SteerProposal: the command, its read-back and its preview, the
certified operating point on the current channels) and applied only once the
operator approves it, by the services /navigator/approve and /navigator/reject
(std_srvs/Trigger: the proposal pending) or on steer/approval (std_msgs/String:
"<id>" or "approve <id>" approves, "reject <id>" rejects). No answer within
``approval_timeout_s`` counts as a rejection; the command in force stays. The rules
are :mod:`steer_ros.system2.approval`.
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np
from rclpy.node import Node
from std_msgs.msg import String
from std_srvs.srv import Trigger

from steer_ros import defaults
from steer_ros.msg import AllocationState, ChannelState, SteerCommand, SteerProposal
from steer_ros.ros import topics
from steer_ros.ros.conversions import channel_arrays, decision_from_msg, decision_msg, goal_from_msg, proposal_msg
from steer_ros.ros.diagnostics import WARN, DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal
from steer_ros.system2 import BACKEND_KINDS, AsyncNavigator, BackendConfig, Navigator, make_backend
from steer_ros.system2.approval import MODES, ApprovalGate, approval_command, preview
from steer_ros.system2.backends.backend import BASE_URL_ENV, MODEL_ENV
from steer_ros.system2.guardrail import Guardrail
from steer_ros.system2.steer_decision import Status, SteerDecision

PARAMS = [
    Param("period_s", defaults.NAVIGATOR_PERIOD_S, "Seconds between navigator cycles.", min=0.01, max=3600.0,
          read_only=True),
    Param("policy", defaults.POLICY, "The operator's intent, in plain language."),
    Param("backend", "", "rules, openai or scripted; empty = openai if an endpoint is configured, else rules.",
          choices=("", *BACKEND_KINDS), read_only=True),
    Param("llm_base_url", defaults.LLM_BASE_URL, f"OpenAI-compatible endpoint; empty = ${BASE_URL_ENV}.",
          read_only=True),
    Param("llm_model", defaults.LLM_MODEL, f"Model name; empty = ${MODEL_ENV}, and without it the first model the "
          "server lists at /v1/models.", read_only=True),
    Param("api_key_env", defaults.LLM_API_KEY_ENV, "Name of the environment variable holding the API key.",
          read_only=True),
    Param("temperature", defaults.LLM_TEMPERATURE, "Sampling temperature.", min=0.0, max=2.0, read_only=True),
    Param("top_p", defaults.LLM_TOP_P, "Nucleus sampling mass.", min=1e-6, max=1.0, read_only=True),
    Param("max_tokens", defaults.LLM_MAX_TOKENS, "Reply token limit.", min=1, read_only=True),
    Param("timeout_s", defaults.LLM_TIMEOUT_S, "Deadline of every LLM call.", min=0.01, read_only=True),
    Param("seed", defaults.LLM_SEED, "Sampling seed sent to the server.", read_only=True),
    Param("prompt_path", "", "System prompt template; empty = config/prompts/ of the package.", read_only=True),
    Param("script_path", "", "scripted backend: JSONL file of replies.", read_only=True),
    Param("p_min", defaults.P_MIN, "Budget floor quoted in the prompt.", min=1e-9, read_only=True),
    Param("p_max", defaults.P_MAX, "Budget ceiling quoted in the prompt.", min=1e-9, read_only=True),
    Param("constellation", defaults.CONSTELLATION, "The optimizer's constellation: the prompt quotes its MI "
          "ceiling (log2 M bits per channel).", choices=defaults.CONSTELLATIONS, read_only=True),
    Param("summary_threshold", defaults.SUMMARY_THRESHOLD, "Above this many channels the user message is the "
          "hierarchical summary and replies are asked for by selector.", min=1, max=defaults.MAX_CHANNELS,
          read_only=True),
    Param("summary_groups", defaults.SUMMARY_GROUPS, "Contiguous bands in the summary's table.", min=1,
          max=defaults.SUMMARY_MAX_GROUPS, read_only=True),
    Param("reply_max_chars", defaults.REPLY_MAX_CHARS, "Longer replies are refused unparsed (too_long).", min=1,
          read_only=True),
    Param("approval", defaults.APPROVAL_MODE, "auto: apply every usable command; confirm: hold a policy's command "
          "on steer/proposal until the operator approves it.", choices=MODES, read_only=True),
    Param("approval_timeout_s", defaults.APPROVAL_TIMEOUT_S, "confirm: seconds a proposal waits for an answer "
          "(then it counts as rejected).", min=0.1, max=86400.0, read_only=True),
    Param("approval_budget_tolerance", defaults.APPROVAL_BUDGET_TOLERANCE, "confirm: relative budget change an "
          "approved class allows without asking again.", min=0.0, max=10.0, read_only=True),
]

#: Refusals on steer/approval logged at most this often (a flooded topic stays readable).
_REFUSAL_LOG_PERIOD_S = 1.0


def backend_config(values) -> BackendConfig:
    """The backend settings from parameters, with the environment filling the endpoint."""
    return BackendConfig(
        kind=values.backend,
        base_url=values.llm_base_url or os.environ.get(BASE_URL_ENV, ""),
        model=values.llm_model or os.environ.get(MODEL_ENV, ""),
        temperature=values.temperature, top_p=values.top_p, max_tokens=values.max_tokens,
        timeout_s=values.timeout_s, seed=values.seed, api_key_env=values.api_key_env,
        script_path=values.script_path, summary_threshold=int(values.summary_threshold),
    ).validate()


class NavigatorNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("navigator", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        self.config = backend_config(v)
        self.backend = make_backend(self.config)
        if self.config.resolved_kind() == "rules":
            # The rules backend sets budgets from the limits: the node's, not the
            # package defaults (P_max 40 would starve a 4096-channel graph).
            self.backend.p_min, self.backend.p_max = float(v.p_min), float(v.p_max)
            self.backend.constellation = v.constellation
        self.backend_name = getattr(self.backend, "name", self.config.resolved_kind())
        self.navigator = AsyncNavigator(Navigator(self.backend, deadline_s=v.timeout_s,
                                                  prompt_path=v.prompt_path or None,
                                                  p_min=v.p_min, p_max=v.p_max, constellation=v.constellation,
                                                  summary_threshold=int(v.summary_threshold),
                                                  summary_groups=int(v.summary_groups),
                                                  reply_max_chars=int(v.reply_max_chars)))
        self.lock = threading.Lock()
        self.policy = v.policy
        self.allocation: AllocationState | None = None
        self.goal_in_force = Goal()  # of the last accepted steer/command: the user message states it
        self.channel_msg: ChannelState | None = None  # latest, not yet validated
        self.noise_var: np.ndarray | None = None  # from the latest valid one
        self.outcomes: dict[str, int] = {}
        self.last_detail = ""
        self.params.on_change("policy", lambda text: self.set_policy(text, "parameter"))
        self.create_subscription(AllocationState, topics.ALLOCATION, self.on_allocation, topics.STREAM_IN)
        self.create_subscription(ChannelState, topics.CHANNEL_STATE, self.on_channels, topics.STREAM_IN)
        self.create_subscription(SteerCommand, topics.COMMAND, self.on_command, topics.LATCHED_COMMAND_QOS)
        self.create_subscription(String, topics.POLICY, lambda msg: self.set_policy(msg.data, "topic"),
                                 topics.POLICY_QOS)
        self.pub = self.create_publisher(SteerCommand, topics.COMMAND_RAW, topics.COMMAND_QOS)
        # The same messages under the deprecated name, for subscribers not yet moved.
        self.pub_deprecated = self.create_publisher(SteerCommand, topics.COMMAND_RAW_DEPRECATED, topics.COMMAND_QOS)
        self.gate = ApprovalGate(mode=v.approval, timeout_s=float(v.approval_timeout_s),
                                 budget_tolerance=float(v.approval_budget_tolerance))
        # The bounds the guardrail applies (no smoothing): a preview shows what would be accepted.
        self.preview_guardrail = Guardrail(p_min=v.p_min, p_max=v.p_max, alpha=1.0, constellation=v.constellation)
        self.command_in_force: SteerDecision | None = None
        self.last_refusal_log = -math.inf
        self.last_refusal = ""  # the reason of the last answer refused (drills, diagnostics)
        if v.approval != "auto":
            self.proposal_pub = self.create_publisher(SteerProposal, topics.PROPOSAL, topics.PROPOSAL_QOS)
            self.create_subscription(String, topics.APPROVAL, self.on_approval_msg, topics.POLICY_QOS)
            self.create_service(Trigger, "~/approve", lambda req, res: self.on_service(res, "approve"))
            self.create_service(Trigger, "~/reject", lambda req, res: self.on_service(res, "reject"))
            self.approval_timer = self.create_timer(0.1, self.check_timeout)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.timer = self.create_timer(v.period_s, self.cycle)
        self.get_logger().info(f"backend: {self.backend_name}; policy: {self.policy!r}; approval: {v.approval}"
                               + (f" (proposal ids {self.gate.nonce}-*)" if v.approval != "auto" else ""))
        if self.config.resolved_kind() == "openai":  # the variable's name only, never the key
            source = getattr(self.backend, "api_key_source", None)
            self.get_logger().info(f"API key from ${source}" if source else
                                   f"no API key (${v.api_key_env} unset): a placeholder is sent")

    def set_policy(self, text: str, origin: str) -> None:
        text = str(text).strip()
        if not text:
            self.diagnostics.problem("policy", f"ignored an empty policy from the {origin}")
            return
        if len(text) > 4000:
            self.diagnostics.problem("policy", f"ignored a {len(text)}-character policy from the {origin} (limit 4000)")
            return
        self.diagnostics.clear("policy")
        with self.lock:
            changed = text != self.policy
            self.policy = text
        if changed:
            self.get_logger().info(f"policy ({origin}): {text!r}")
            self.cycle()  # act on new intent now, not at the next tick

    def on_allocation(self, msg: AllocationState) -> None:
        with self.lock:
            self.allocation = msg

    def on_command(self, msg: SteerCommand) -> None:
        """The goal in force, for the next state summary (an unreadable command leaves it)."""
        if msg.status != SteerCommand.STATUS_OK:
            return
        try:
            goal = goal_from_msg(msg)
        except ValueError:
            return
        try:
            in_force = decision_from_msg(msg)
        except ValueError:
            in_force = None
        with self.lock:
            self.goal_in_force = goal
            self.command_in_force = in_force

    def on_channels(self, msg: ChannelState) -> None:
        # Kept as received (O(1) at any channel rate); validated when a cycle reads it.
        with self.lock:
            self.channel_msg = msg

    def _noise_var(self, n: int) -> np.ndarray:
        """sigma^2 of the latest valid steer/channel_state for n channels (else ones)."""
        with self.lock:
            msg, self.channel_msg = self.channel_msg, None
        if msg is not None:
            try:
                _, noise_var, _, _ = channel_arrays(msg)
            except ValueError as exc:
                self.diagnostics.reject("rejected_channel_states", str(exc), "rejected steer/channel_state")
            else:
                self.diagnostics.clear("rejected_channel_states")
                self.noise_var = noise_var
        if self.noise_var is None or self.noise_var.shape[0] != n:
            return np.ones(n)
        return self.noise_var

    def snapshot(self) -> tuple[SystemSnapshot | None, str]:
        with self.lock:
            alloc, policy, goal = self.allocation, self.policy, self.goal_in_force
        if alloc is None:
            return None, policy
        n = len(alloc.gain)
        noise_var = self._noise_var(n)
        arrays = [np.asarray(a, dtype=float) for a in (alloc.gain, alloc.power, alloc.mi, alloc.weights)]
        if any(a.shape[0] != n for a in arrays):
            self.diagnostics.problem("allocation", "steer/allocation arrays disagree in length; cycle skipped")
            return None, policy
        bad = [name for name, a in zip(("gain", "power", "mi", "weights"), arrays, strict=True)
               if not np.isfinite(a).all()]
        if bad or not np.isfinite(alloc.p_total):
            self.diagnostics.problem("allocation", f"steer/allocation field {(bad or ['p_total'])[0]} is not finite; "
                                                   "cycle skipped")
            return None, policy
        self.diagnostics.clear("allocation")
        gain, power, mi, weights = arrays
        shortfall = np.asarray(getattr(alloc, "mi_shortfall", ()), dtype=float)
        return SystemSnapshot(gain=gain, noise_var=noise_var, power=power, mi=mi, weights=weights,
                              p_total=float(alloc.p_total), goal=goal if _fits(goal, n) else Goal(),
                              goals_met=bool(getattr(alloc, "goals_met", True)),
                              mi_shortfall=shortfall if shortfall.shape == (n,) else None,
                              status=int(getattr(alloc, "status", 0)),
                              shadow_price=float(getattr(alloc, "shadow_price", math.nan)),
                              least_budget=float(getattr(alloc, "least_budget", math.nan))), policy

    def cycle(self) -> None:
        snapshot, policy = self.snapshot()
        if snapshot is None:
            self.diagnostics.problem("waiting", "waiting for steer/allocation", WARN, log=False)
            return
        self.diagnostics.clear("waiting")
        if not self.navigator.try_submit(snapshot, policy,
                                         lambda decision: self.on_decision(decision, snapshot)):
            self.get_logger().debug("navigator busy: cycle skipped")

    # -- approval -------------------------------------------------------------------
    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _preview(self, decision: SteerDecision, snapshot: SystemSnapshot | None) -> tuple[float, dict | None]:
        """(the budget the command would set, its preview), or (budget, None) when the
        guardrail would refuse it (it then passes through and is refused there)."""
        n = int(np.asarray(decision.weights).shape[0])
        with self.lock:
            current = self.command_in_force
        if current is None or np.asarray(current.weights).shape[0] != n:
            p = float(snapshot.p_total) if snapshot is not None else self.preview_guardrail.p_max
            current = SteerDecision(weights=np.full(n, 1.0 / max(n, 1)), p_total=p)
        gain = snapshot.gain if snapshot is not None and snapshot.n == n else None
        noise = snapshot.noise_var if gain is not None else None
        accepted = self.preview_guardrail.apply(decision, current, n, gain=gain, noise_var=noise)
        if accepted.status != Status.OK:
            return float(accepted.p_total), None
        view = {"readback": accepted.readback}  # the guardrail's read-back of what it would accept
        if gain is not None:
            try:
                view.update(preview(accepted, gain, noise, self.preview_guardrail.constellation))
            except ValueError as exc:  # a channel state the optimum cannot take: the read-back alone
                view["reason"] = str(exc)
        return float(accepted.p_total), view

    def _gate(self, decision: SteerDecision, snapshot: SystemSnapshot | None) -> SteerDecision | None:
        """The decision to publish now, or None when it is held as a proposal."""
        if self.gate.mode == "auto" or decision.status != Status.OK:
            return decision
        budget, view = self._preview(decision, snapshot)
        if view is None:
            return decision  # the guardrail refuses it: nothing to approve
        with self.lock:
            released, events = self.gate.submit(decision, self._now(), budget=budget, preview=view)
        self._report(events)
        return released

    def _report(self, events) -> None:
        """Log, count and publish approval events (a proposal's every state change)."""
        for event in events:
            if event.kind == "passed":
                continue
            if event.kind == "refused":
                self.last_refusal = event.detail
                self.diagnostics.problem("approval", f"approval refused: {event.detail}", WARN, log=False)
                now = self._now()
                if now - self.last_refusal_log >= _REFUSAL_LOG_PERIOD_S:
                    self.last_refusal_log = now
                    self.get_logger().warning(f"approval refused: {event.detail}")
                continue
            proposal = event.proposal
            if proposal is None:
                continue
            if event.kind == "proposed":
                view = proposal.preview
                met = {True: "met", False: "not met"}.get(view.get("goals_met"), "unknown (no channel state)")
                self.get_logger().info(
                    f"proposal {proposal.id}: {view.get('readback', '')} | preview: sum MI "
                    f"{view.get('sum_mi', math.nan):.3f} bits, P {view.get('power_used', math.nan):.2f} of "
                    f"{view.get('p_total', math.nan):.2f}, goals {met}"
                    f" | approve: steer-ros approve {proposal.id} (or ros2 service call /navigator/approve "
                    f"std_srvs/srv/Trigger)")
                self.diagnostics.problem("approval", f"proposal {proposal.id} waiting for approval", WARN, log=False)
            else:
                line = f"proposal {event.proposal_id} {event.kind}: {event.detail}"
                if event.kind == "approved":
                    self.get_logger().info(line)
                else:
                    self.get_logger().warning(line)
                self.diagnostics.clear("approval")
            self._publish_proposal(proposal)

    def _publish_proposal(self, proposal) -> None:
        expires = proposal.deadline_s - self._now() if proposal.state == 0 else 0.0
        self.proposal_pub.publish(proposal_msg(proposal, expires_in_s=expires, stamp=self.get_clock().now().to_msg()))

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
            self._publish_raw(released.with_(status_detail=f"{released.status_detail} (approved {event.proposal_id})"))
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
            self._report([_Refused(str(exc))])
            return
        self.answer(verb, proposal_id, "topic")

    # -- decisions ----------------------------------------------------------------------
    def on_decision(self, decision: SteerDecision, snapshot: SystemSnapshot | None = None) -> None:
        """Runs on the worker thread: gate (approval), publish and log the raw command."""
        released = self._gate(decision, snapshot)
        if released is not None:
            self._publish_raw(released)
        self._log_decision(decision, held=released is None)

    def _publish_raw(self, decision: SteerDecision) -> None:
        try:
            msg = decision_msg(decision, stamp=self.get_clock().now().to_msg())
            self.pub.publish(msg)
            self.pub_deprecated.publish(msg)
        except Exception:  # at shutdown only (re-raised otherwise)
            if self.context.ok():
                raise
            return  # shut down (Ctrl-C) while the call was in flight: nowhere to publish

    def _log_decision(self, decision: SteerDecision, held: bool) -> None:
        status = Status(decision.status).name
        with self.lock:
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.last_detail = decision.status_detail
            renamed = decision.backend and decision.backend != self.backend_name
            if renamed:
                self.backend_name = decision.backend
        if renamed:  # the server's model, asked for once (no llm_model given)
            self.get_logger().info(f"backend: {decision.backend} (the first model the server lists)")
        weights = ", ".join(f"{w:.3f}" for w in np.asarray(decision.weights)[:16])
        p = "keep" if math.isnan(decision.p_total) else f"{decision.p_total:.2f}"
        reasoning = " ".join(str(decision.reasoning).split())[:400]
        line = (f"backend: {decision.backend} | {status}{' (held for approval)' if held else ''} "
                f"({decision.status_detail}) | "
                f"{decision.latency_s * 1000:.0f} ms | w=[{weights}] P_total={p} | reasoning: {reasoning}")
        # rclpy ties a severity to each call site: one call per severity.
        if decision.status in (Status.OK, Status.KEPT):
            self.get_logger().info(line)
        else:
            self.get_logger().warning(line)
        if decision.status == Status.FALLBACK:
            self.diagnostics.problem("fallback", f"last call fell back: {decision.status_detail}", WARN, log=False)
        else:
            self.diagnostics.clear("fallback")

    def _diag_values(self) -> dict:
        stats = self.navigator.stats()
        with self.lock:
            outcomes = dict(self.outcomes)
            policy, detail = self.policy, self.last_detail
        return {
            "backend": self.backend_name, "policy": policy, "calls": stats["submitted"],
            "skipped_cycles": stats["skipped"], "busy": stats["busy"],
            "llm_latency_s": stats["last_latency_s"], "last_detail": detail,
            **{f"outcome_{k.lower()}": n for k, n in outcomes.items()},
            **self._approval_values(),
        }

    def _approval_values(self) -> dict:
        if self.gate.mode == "auto":
            return {"approval": "auto"}
        with self.lock:
            pending = self.gate.pending
            return {"approval": self.gate.mode, "proposal_pending": pending.id if pending else "",
                    **{f"proposals_{k}": v for k, v in self.gate.counts.items()}}

    def close(self) -> None:
        self.navigator.close(timeout_s=0.5)


class _Refused:
    """An approval message that could not be read, as an event for :meth:`NavigatorNode._report`."""

    kind = "refused"
    proposal_id = ""

    def __init__(self, detail: str):
        self.detail = f"bad_approval: {detail}"


def _fits(goal: Goal, n: int) -> bool:
    """Whether a goal's per-channel arrays are for n channels (a resize drops it)."""
    return all(a is None or np.asarray(a).shape == (n,) for a in (goal.mi_floor, goal.mi_cap, goal.off))


def main(args=None) -> int:
    return run_node(NavigatorNode, args)
