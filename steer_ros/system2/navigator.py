"""The navigator cycle (docs/design.md section 4): snapshot + policy -> two messages -> backend ->
parsed proposal, as a :class:`~steer_ros.system2.steer_decision.SteerDecision` for the guardrail.
Goal selectors in the reply are resolved against this call's snapshot (ranked ones
by c_i = |h_i|^2/sigma_i^2), so the decision carries per-channel arrays.

:class:`Navigator` is synchronous and never raises: every failure becomes
``Status.FALLBACK`` with ``"code: detail"`` and the current command's values.
:class:`AsyncNavigator` runs it on one worker thread with at most one call in flight;
a cycle that finds a call running is skipped and counted.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import numpy as np

from steer_ros import defaults
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system2.backends.backend import Backend, BackendError
from steer_ros.system2.goal_text import describe_goal
from steer_ros.system2.prompt import build_messages, load_system_template
from steer_ros.system2.readback import safe_readback
from steer_ros.system2.reply import ReplyError, parse_reply
from steer_ros.system2.steer_decision import Status, SteerDecision

log = logging.getLogger(__name__)


class Navigator:
    """One navigator decision per call.

    Args:
        backend: what answers (openai, rules, scripted).
        system_prompt: the system prompt template text; None = read the template at
            ``prompt_path`` (None/"" = the packaged one). Read once, here.
        deadline_s: every call's deadline, seconds.
        p_min, p_max: the budget limits quoted in the prompt.
        constellation: the optimizer's; the prompt quotes its MI ceiling log2 M.
        summary_threshold: above this many channels the user message is the
            hierarchical summary and the reply is asked for by selector (give the
            backend's config the same value, so that its schema agrees).
        summary_groups: bands of the summary's table.
        reply_max_chars: longer replies are refused unparsed (too_long).
    """

    def __init__(
        self,
        backend: Backend,
        system_prompt: str | None = None,
        deadline_s: float = defaults.LLM_TIMEOUT_S,
        prompt_path: str | None = None,
        p_min: float = defaults.P_MIN,
        p_max: float = defaults.P_MAX,
        constellation: str = defaults.CONSTELLATION,
        summary_threshold: int = defaults.SUMMARY_THRESHOLD,
        summary_groups: int = defaults.SUMMARY_GROUPS,
        reply_max_chars: int = defaults.REPLY_MAX_CHARS,
    ):
        if not deadline_s > 0:
            raise ValueError(f"deadline_s must be > 0, got {deadline_s!r}")
        for name, value, lo in (("summary_threshold", summary_threshold, 1), ("summary_groups", summary_groups, 1),
                                ("reply_max_chars", reply_max_chars, 1)):
            if isinstance(value, bool) or int(value) != value or value < lo:
                raise ValueError(f"{name} must be a whole number >= {lo}, got {value!r}")
        if summary_groups > defaults.SUMMARY_MAX_GROUPS:
            raise ValueError(f"summary_groups must be at most {defaults.SUMMARY_MAX_GROUPS}, got {summary_groups!r}")
        self.summary_threshold = int(summary_threshold)
        self.summary_groups = int(summary_groups)
        self.reply_max_chars = int(reply_max_chars)
        self.backend = backend
        self.template = system_prompt if system_prompt is not None else load_system_template(prompt_path)
        self.deadline_s = float(deadline_s)
        self.p_min = p_min
        self.p_max = p_max
        self.constellation = constellation

    def decide(self, snapshot: SystemSnapshot, policy: str) -> SteerDecision:
        """The backend's proposal for this snapshot and policy; never raises."""
        start = time.perf_counter()
        name = getattr(self.backend, "name", type(self.backend).__name__)
        try:
            current_w = np.array(snapshot.weights, dtype=float)
            current_p = float(snapshot.p_total)
        except Exception:  # a malformed snapshot is a fallback too
            current_w, current_p = np.empty(0), float("nan")
        base = dict(policy=str(policy), backend=name)

        reply = None

        def usage() -> dict:
            # The server's token counts travel with the decision, an unusable reply's too.
            return {"usage": reply.usage} if reply is not None and reply.usage else {}

        def fallback(detail: str, reasoning: str = "") -> SteerDecision:
            return SteerDecision(
                weights=current_w, p_total=current_p, reasoning=reasoning, status=Status.FALLBACK,
                status_detail=detail, latency_s=time.perf_counter() - start, extras=usage(), **base,
            )

        try:
            messages = build_messages(snapshot, policy, self.template, p_min=self.p_min, p_max=self.p_max,
                                      constellation=self.constellation, summary_threshold=self.summary_threshold,
                                      summary_groups=self.summary_groups)
            reply = self.backend.complete(messages, snapshot, policy, self.deadline_s)
            # The backend's name can be known only after its first call (the server's model).
            base["backend"] = getattr(self.backend, "name", name)
            latency = time.perf_counter() - start
            if reply.keep:
                return SteerDecision(
                    weights=current_w, p_total=current_p, reasoning=reply.reasoning_content or reply.detail,
                    status=Status.KEPT, status_detail=reply.detail or "kept: current command",
                    latency_s=latency, extras=usage(), **base,
                )
            parsed = parse_reply(reply.text, snapshot.n, reply.reasoning_content, max_chars=self.reply_max_chars,
                                 strength=snapshot.strength, current_weights=current_w)
        except (BackendError, ReplyError) as err:
            return fallback(str(err))
        except Exception as err:  # decide() never raises
            log.exception("navigator backend %s failed", name)
            return fallback(f"internal_error: {type(err).__name__}: {err}")
        detail = f"ok: parsed {parsed.weights.shape[0]} weights"
        if not parsed.goal.is_plain:
            detail += f" and a goal ({describe_goal(parsed.goal)})"
        if parsed.notes:  # read other than literally: say how (the guardrail carries these notes on)
            detail = "adjusted: " + "; ".join(parsed.notes) + " | " + detail[len("ok: "):]
        if parsed.escalate:
            detail += f"; escalate P_total to {parsed.p_total:g}"
        proposal = SteerDecision(
            weights=parsed.weights, p_total=parsed.p_total, reasoning=parsed.reasoning,
            status=Status.OK, status_detail=detail, latency_s=latency, goal=parsed.goal,
            extras=usage(), escalate=parsed.escalate, **base,
        )
        return proposal.with_(readback=safe_readback(proposal, snapshot.n,
                                                     SteerDecision(weights=current_w, p_total=current_p)))

    def close(self) -> None:
        self.backend.close()


class AsyncNavigator:
    """At most one navigator call in flight, on a worker thread.

    ``try_submit`` never blocks: it starts a call and returns True, or returns False
    (and counts a skipped cycle) while the previous call is still running.
    ``on_done(decision)`` is called on the worker thread; its exceptions are logged.
    """

    def __init__(self, navigator: Navigator):
        self.navigator = navigator
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.submitted = 0
        self.completed = 0
        self.skipped = 0
        self.last_latency_s = float("nan")

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def try_submit(
        self, snapshot: SystemSnapshot, policy: str, on_done: Callable[[SteerDecision], None]
    ) -> bool:
        with self._lock:
            if not self._idle.is_set():
                self.skipped += 1
                return False
            self._idle.clear()
            self.submitted += 1
            self._thread = threading.Thread(
                target=self._run, args=(snapshot, policy, on_done), name="navigator-call", daemon=True
            )
            self._thread.start()
        return True

    def _run(self, snapshot, policy, on_done) -> None:
        try:
            decision = self.navigator.decide(snapshot, policy)
            self.last_latency_s = decision.latency_s
            try:
                on_done(decision)
            except Exception:  # a failing consumer is logged; the worker thread lives on
                log.exception("navigator on_done callback failed")
        finally:
            with self._lock:
                self.completed += 1
                self._idle.set()

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until no call is in flight (True) or the timeout passes (False)."""
        return self._idle.wait(timeout_s)

    def stats(self) -> dict:
        return {"submitted": self.submitted, "completed": self.completed, "skipped": self.skipped,
                "busy": self.busy, "last_latency_s": self.last_latency_s}

    def close(self, timeout_s: float = 1.0) -> None:
        """Close the backend (releasing a hung call where it can) and wait briefly."""
        self.navigator.close()
        self._idle.wait(timeout_s)
