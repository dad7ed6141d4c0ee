"""The fleet navigator cycle: fleet snapshot + policy -> two messages -> backend -> fleet
reply -> fleet guardrail -> the directive the coordinator applies, with its read-back.

:meth:`FleetNavigator.decide` never raises: a dead server, an unusable reply or a
refused directive leave the directive in force (status FALLBACK, ``"code: detail"``);
a policy the backend does not take (the rules backend's unread words) leaves it with
status KEPT. The radio navigator's :class:`~steer_ros.system2.navigator.AsyncNavigator`
runs it off the executor thread (it only needs ``decide`` and ``close``).
"""

from __future__ import annotations

import logging
import time

from steer_ros import defaults
from steer_ros.fleet.navigator.directive import FleetDirective, FleetStatus
from steer_ros.fleet.navigator.guardrail import FleetGuardrail
from steer_ros.fleet.navigator.prompt import SYSTEM_PROMPT, build_fleet_messages
from steer_ros.fleet.navigator.reply import FleetReplyError, parse_fleet_reply
from steer_ros.fleet.navigator.snapshot import FleetSnapshot
from steer_ros.system2.backends.backend import Backend, BackendError

log = logging.getLogger(__name__)


class FleetNavigator:
    """One fleet decision per call.

    Args:
        backend: what answers (openai, rules, scripted; :func:`make_fleet_backend`).
        guardrail: the fleet guardrail (it holds the configured fleet).
        deadline_s: every call's deadline, seconds.
        system_prompt: the system message (default: the fleet reply format).
    """

    def __init__(self, backend: Backend, guardrail: FleetGuardrail, deadline_s: float = defaults.LLM_TIMEOUT_S,
                 system_prompt: str = SYSTEM_PROMPT, reply_max_chars: int = defaults.REPLY_MAX_CHARS):
        if not deadline_s > 0:
            raise ValueError(f"deadline_s must be > 0, got {deadline_s!r}")
        self.backend = backend
        self.guardrail = guardrail
        self.deadline_s = float(deadline_s)
        self.system_prompt = system_prompt
        self.reply_max_chars = int(reply_max_chars)

    def decide(self, snapshot: FleetSnapshot, policy: str) -> FleetDirective:
        """The directive for this policy, or the one in force with why; never raises."""
        start = time.perf_counter()
        name = getattr(self.backend, "name", type(self.backend).__name__)
        current = snapshot.directive
        reply = None

        def meta(reasoning: str = "") -> dict:
            extras = {"usage": reply.usage} if reply is not None and reply.usage else {}
            return dict(policy=str(policy), backend=name, reasoning=reasoning,
                        latency_s=time.perf_counter() - start, extras=extras)

        if len(str(policy)) > defaults.FLEET_POLICY_MAX_CHARS:
            return self.guardrail.fallback(current, f"policy_too_long: {len(str(policy))} characters exceed "
                                                    f"{defaults.FLEET_POLICY_MAX_CHARS}", FleetStatus.REJECTED,
                                           **meta())
        try:
            messages = build_fleet_messages(snapshot, policy, self.system_prompt)
            reply = self.backend.complete(messages, snapshot, policy, self.deadline_s)
            if reply.keep:
                return self.guardrail.fallback(current, reply.detail or "kept: directive in force", FleetStatus.KEPT,
                                               **meta(reply.reasoning_content or reply.detail))
            parsed = parse_fleet_reply(reply.text, snapshot.k, reply.reasoning_content, sum_mi=snapshot.sum_mi,
                                       max_chars=self.reply_max_chars)
        except (BackendError, FleetReplyError) as err:
            return self.guardrail.fallback(current, str(err), **meta())
        except Exception as err:  # decide() never raises
            log.exception("fleet navigator backend %s failed", name)
            return self.guardrail.fallback(current, f"internal_error: {type(err).__name__}: {err}", **meta())
        return self.guardrail.apply(parsed, current, **meta(parsed.reasoning))

    def close(self) -> None:
        self.backend.close()
