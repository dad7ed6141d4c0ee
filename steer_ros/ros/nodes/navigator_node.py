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
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np
from rclpy.node import Node
from std_msgs.msg import String

from steer_ros import defaults
from steer_ros.msg import AllocationState, ChannelState, SteerCommand
from steer_ros.ros import topics
from steer_ros.ros.conversions import channel_arrays, decision_msg, goal_from_msg
from steer_ros.ros.diagnostics import WARN, DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1.goal import Goal
from steer_ros.system2 import BACKEND_KINDS, AsyncNavigator, BackendConfig, Navigator, make_backend
from steer_ros.system2.backends.backend import BASE_URL_ENV, MODEL_ENV
from steer_ros.system2.steer_decision import Status, SteerDecision

PARAMS = [
    Param("period_s", defaults.NAVIGATOR_PERIOD_S, "Seconds between navigator cycles.", min=0.01, max=3600.0,
          read_only=True),
    Param("policy", defaults.POLICY, "The operator's intent, in plain language."),
    Param("backend", "", "rules, openai or scripted; empty = openai if an endpoint is configured, else rules.",
          choices=("", *BACKEND_KINDS), read_only=True),
    Param("llm_base_url", defaults.LLM_BASE_URL, f"OpenAI-compatible endpoint; empty = ${BASE_URL_ENV}.",
          read_only=True),
    Param("llm_model", defaults.LLM_MODEL, f"Model name; empty = ${MODEL_ENV}.", read_only=True),
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
]


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
        self.navigator = AsyncNavigator(Navigator(self.backend, deadline_s=v.timeout_s, prompt_path=v.prompt_path or None,
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
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.timer = self.create_timer(v.period_s, self.cycle)
        self.get_logger().info(f"backend: {self.backend_name}; policy: {self.policy!r}")
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
        with self.lock:
            self.goal_in_force = goal

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
        bad = [name for name, a in zip(("gain", "power", "mi", "weights"), arrays) if not np.isfinite(a).all()]
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
        if not self.navigator.try_submit(snapshot, policy, self.on_decision):
            self.get_logger().debug("navigator busy: cycle skipped")

    def on_decision(self, decision: SteerDecision) -> None:
        """Runs on the worker thread: publish and log the raw command."""
        try:
            msg = decision_msg(decision, stamp=self.get_clock().now().to_msg())
            self.pub.publish(msg)
            self.pub_deprecated.publish(msg)
        except Exception:  # noqa: BLE001
            if self.context.ok():
                raise
            return  # shut down (Ctrl-C) while the call was in flight: nowhere to publish
        status = Status(decision.status).name
        with self.lock:
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.last_detail = decision.status_detail
        weights = ", ".join(f"{w:.3f}" for w in np.asarray(decision.weights)[:16])
        p = "keep" if math.isnan(decision.p_total) else f"{decision.p_total:.2f}"
        reasoning = " ".join(str(decision.reasoning).split())[:400]
        line = (f"backend: {decision.backend} | {status} ({decision.status_detail}) | "
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
        }

    def close(self) -> None:
        self.navigator.close(timeout_s=0.5)


def _fits(goal: Goal, n: int) -> bool:
    """Whether a goal's per-channel arrays are for n channels (a resize drops it)."""
    return all(a is None or np.asarray(a).shape == (n,) for a in (goal.mi_floor, goal.mi_cap, goal.off))


def main(args=None) -> int:
    return run_node(NavigatorNode, args)
