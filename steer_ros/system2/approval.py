"""Preview and approval: the operator approves a policy's command before it acts.

Mode ``auto`` passes every proposal through (the paper's behaviour). In ``confirm`` a
usable proposal (status OK) for a policy whose class is not yet approved is held as a
*proposal* with an id, and nothing is applied until the operator answers:

* **approve** (the id, or the proposal on display): the proposal is released, and its
  *class* is approved for its policy;
* **reject**, or no answer within ``timeout_s`` (a timeout counts as a rejection): the
  proposal is dropped; the command in force stays.

The approved class (:func:`command_class`) is what the operator agreed to: the same
policy, the same channels off, the same objective, floors and caps on the same
channels, and a budget within ``budget_tolerance`` (relative) of the approved one.
Later proposals in the class (the same policy re-evaluated as the channels change)
pass without asking; any other is proposed again.

Ids are ``<nonce>-<seq>``: ``nonce`` is drawn once per gate (per navigator run), so a
proposal this gate did not issue (a stranger's message on steer/proposal, a proposal
of an earlier run) is never pending here. An answer naming an id that is not the one
pending is refused with a reason (``stale_id``, ``unknown_id``, ``nothing_pending``).

One proposal is pending at a time. A new proposal in the pending one's class does not
replace it (the operator keeps looking at the same thing); one in another class
supersedes it (the old id becomes stale). Proposals that are not status OK (FALLBACK,
KEPT) change nothing and pass through.

The gate is pure (time is an argument): the navigator node wraps it, the unit tests
drive it directly. Every transition is an :class:`ApprovalEvent`. What a class is
comes from ``classify`` (default :func:`command_class`, the radio navigator's); the
fleet navigator passes its own (:func:`steer_ros.fleet.navigator.approval.directive_class`)
with the directive's cap as the budget.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field

import numpy as np

from steer_ros import defaults
from steer_ros.system1.goal_optimum import goal_optimum
from steer_ros.system2.steer_decision import Status, SteerDecision

__all__ = ["AUTO", "CONFIRM", "MODES", "ApprovalEvent", "ApprovalGate", "Proposal", "approval_command",
           "command_class", "preview"]

AUTO, CONFIRM = "auto", "confirm"
MODES = (AUTO, CONFIRM)

# Proposal states (values equal SteerProposal.STATE_*).
PENDING, APPROVED, REJECTED, TIMED_OUT, SUPERSEDED = 0, 1, 2, 3, 4
STATE_NAMES = {PENDING: "pending", APPROVED: "approved", REJECTED: "rejected", TIMED_OUT: "timed_out",
               SUPERSEDED: "superseded"}


def command_class(decision: SteerDecision) -> tuple:
    """What an approval covers, apart from the budget: (policy, objective, channels
    off, channels floored, channels capped), channel sets as sorted 1-based tuples."""
    goal = decision.goal
    n = int(np.asarray(decision.weights).shape[0])

    def channels(mask) -> tuple:
        return tuple(int(i) + 1 for i in np.flatnonzero(mask))

    return (
        " ".join(str(decision.policy).split()),
        int(goal.objective),
        channels(goal.off_mask(n)) if goal.off is not None else (),
        channels(goal.floors(n) > 0) if goal.mi_floor is not None else (),
        channels(np.isfinite(goal.caps(n))) if goal.mi_cap is not None else (),
    )


@dataclass
class Proposal:
    """A held command: ``decision`` the raw proposal, ``preview`` what it would reach
    (filled by the caller, e.g. the certified optimum on the current channels)."""

    id: str
    decision: SteerDecision
    created_s: float
    deadline_s: float
    budget: float
    klass: tuple
    preview: dict = field(default_factory=dict)
    state: int = PENDING
    state_detail: str = ""


@dataclass(frozen=True)
class ApprovalEvent:
    """kind: proposed | approved | rejected | timed_out | superseded | refused | passed."""

    kind: str
    proposal_id: str
    detail: str
    proposal: Proposal | None = field(default=None, compare=False)  # the proposal in its new state


class ApprovalGate:
    """The approval state machine (module docstring).

    Args:
        mode: ``auto`` or ``confirm``.
        timeout_s: seconds a proposal waits for an answer (then it counts as rejected).
        budget_tolerance: relative budget change within an approved class (0.1 = 10%).
        nonce: the id prefix (default: 6 random hex digits, new per gate).
        classify: decision -> its approved class (a hashable tuple); default
            :func:`command_class`. A decision needs ``status`` (0 = OK) and, where
            :meth:`submit` is given no budget, ``p_total``.
    """

    def __init__(self, mode: str = defaults.APPROVAL_MODE, timeout_s: float = defaults.APPROVAL_TIMEOUT_S,
                 budget_tolerance: float = defaults.APPROVAL_BUDGET_TOLERANCE, nonce: str | None = None,
                 classify=command_class):
        if mode not in MODES:
            raise ValueError(f"approval must be one of {', '.join(MODES)}, got {mode!r}")
        if not (isinstance(timeout_s, (int, float)) and timeout_s > 0 and math.isfinite(timeout_s)):
            raise ValueError(f"approval_timeout_s must be a finite number > 0, got {timeout_s!r}")
        if not (isinstance(budget_tolerance, (int, float)) and 0 <= budget_tolerance < math.inf):
            raise ValueError(f"approval_budget_tolerance must be a finite number >= 0, got {budget_tolerance!r}")
        self.mode = mode
        self.timeout_s = float(timeout_s)
        self.budget_tolerance = float(budget_tolerance)
        self.nonce = nonce or secrets.token_hex(3)
        self.classify = classify
        self._seq = 0
        self.pending: Proposal | None = None
        self.last: Proposal | None = None  # the latest proposal issued, in whatever state
        self.approved: dict[tuple, float] = {}  # class -> approved budget
        self.counts = {k: 0 for k in ("proposed", "approved", "rejected", "timed_out", "superseded", "refused",
                                      "passed")}

    # -- proposals ----------------------------------------------------------------
    def submit(self, decision: SteerDecision, now: float, budget: float | None = None,
               preview: dict | None = None) -> tuple[SteerDecision | None, list[ApprovalEvent]]:
        """(the decision to publish now or None, events). ``budget``: the budget the
        command would set (its P_total, or the one in force where it keeps it)."""
        budget = float(decision.p_total if budget is None else budget)
        if self.mode == AUTO or decision.status != Status.OK:
            return decision, []
        klass = self.classify(decision)
        if self._in_approved_class(klass, budget):
            self.counts["passed"] += 1
            return decision, [ApprovalEvent("passed", "", "in the approved class")]
        events = self.expire(now)
        pending = self.pending
        if pending is not None and pending.klass == klass and self._close(pending.budget, budget):
            return None, events  # the same thing again: the operator is already looking at it
        if pending is not None:
            events.append(self._close_pending(SUPERSEDED, "superseded by a proposal of another class"))
        self._seq += 1
        proposal = Proposal(id=f"{self.nonce}-{self._seq}", decision=decision, created_s=now,
                            deadline_s=now + self.timeout_s, budget=budget, klass=klass, preview=dict(preview or {}))
        self.pending = self.last = proposal
        self.counts["proposed"] += 1
        events.append(ApprovalEvent("proposed", proposal.id, f"waiting for approval (timeout {self.timeout_s:g} s)",
                                    proposal))
        return None, events

    def expire(self, now: float) -> list[ApprovalEvent]:
        """Time out the pending proposal if its deadline has passed (counts as rejected)."""
        if self.pending is not None and now >= self.pending.deadline_s:
            return [self._close_pending(TIMED_OUT, f"no answer within {self.timeout_s:g} s: rejected, "
                                                   "the command in force stays")]
        return []

    # -- answers ------------------------------------------------------------------
    def approve(self, proposal_id: str | None, now: float, via: str = "") -> tuple[SteerDecision | None, ApprovalEvent]:
        """Approve the pending proposal (``proposal_id`` None: the one on display).
        Returns (its decision to publish, event) or (None, a ``refused`` event)."""
        refused = self._check_answer(proposal_id, now)
        if refused is not None:
            return None, refused
        proposal = self.pending
        self.approved[proposal.klass] = proposal.budget
        event = self._close_pending(APPROVED, f"approved{' via ' + via if via else ''}")
        return proposal.decision, event

    def reject(self, proposal_id: str | None, now: float, via: str = "") -> ApprovalEvent:
        """Reject the pending proposal; the command in force stays."""
        refused = self._check_answer(proposal_id, now)
        if refused is not None:
            return refused
        return self._close_pending(REJECTED, f"rejected{' via ' + via if via else ''}: the command in force stays")

    def forget_policy_approvals(self) -> None:
        """Drop every approved class (e.g. on an operator's request)."""
        self.approved.clear()

    # -- internals ------------------------------------------------------------------
    def _check_answer(self, proposal_id: str | None, now: float) -> ApprovalEvent | None:
        expired = self.expire(now)
        pid = None if proposal_id is None else str(proposal_id).strip()
        if self.pending is None:
            self.counts["refused"] += 1
            if pid and self.last is not None and pid == self.last.id:
                why = "; ".join(e.detail for e in expired) or STATE_NAMES[self.last.state]
                return ApprovalEvent("refused", pid, f"stale_id: proposal {pid} is no longer pending ({why})")
            if pid and not pid.startswith(self.nonce + "-"):
                return ApprovalEvent("refused", pid, f"unknown_id: {pid!r} was not issued by this navigator "
                                                     f"(its ids start {self.nonce}-); nothing is pending")
            return ApprovalEvent("refused", pid or "", "nothing_pending: no proposal is waiting for an answer")
        if pid and pid != self.pending.id:
            self.counts["refused"] += 1
            if not pid.startswith(self.nonce + "-"):
                return ApprovalEvent("refused", pid, f"unknown_id: {pid!r} was not issued by this navigator; "
                                                     f"the proposal pending is {self.pending.id}")
            return ApprovalEvent("refused", pid, f"stale_id: {pid} is not pending; the proposal pending is "
                                                 f"{self.pending.id}")
        return None

    def _close_pending(self, state: int, detail: str) -> ApprovalEvent:
        proposal = self.pending
        proposal.state, proposal.state_detail = state, detail
        self.pending = None
        kind = STATE_NAMES[state]
        self.counts[kind] += 1
        return ApprovalEvent(kind, proposal.id, detail, proposal)

    def _close(self, a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(b - a) <= self.budget_tolerance * max(abs(a), 1e-12)

    def _in_approved_class(self, klass: tuple, budget: float) -> bool:
        return klass in self.approved and self._close(self.approved[klass], budget)


def approval_command(text: str) -> tuple[str, str | None]:
    """Read a message of the approval topic: ``("approve" | "reject", id)``.

    The format (std_msgs/String on steer/approval): ``<id>`` or ``approve <id>``
    approves, ``reject <id>`` rejects (case and surrounding spaces ignored). The id is
    required: a message on a topic can arrive late, and an answer must say what it
    answers. Raises ValueError naming what is wrong."""
    words = str(text).split()
    if not words:
        raise ValueError("empty approval message (expected '<id>', 'approve <id>' or 'reject <id>')")
    if len(words) > 2:
        raise ValueError(f"approval message {str(text)[:60]!r}: expected '<id>', 'approve <id>' or 'reject <id>'")
    verb = words[0].lower()
    if len(words) == 1:
        if verb in ("approve", "reject"):
            raise ValueError(f"{verb!r} without an id: name the proposal ('{verb} <id>'; the id is on steer/proposal)")
        return "approve", words[0]
    if verb not in ("approve", "reject"):
        raise ValueError(f"approval message {str(text)[:60]!r}: the verb must be 'approve' or 'reject'")
    return verb, words[1]


def preview(accepted: SteerDecision, gain, noise_var, constellation: str = defaults.CONSTELLATION) -> dict:
    """What ``accepted`` (a command as the guardrail would accept it: weights
    normalized, budget within bounds, goal checked) reaches on these channels: the
    certified optimum (:func:`~steer_ros.system1.goal_optimum.goal_optimum`), i.e. the
    operating point System 1 converges to. Keys: ``mi``, ``power`` (N,), ``sum_mi``,
    ``power_used``, ``p_total``, ``goals_met``, ``mi_shortfall`` (N,), ``reason``."""
    opt = goal_optimum(gain, noise_var, accepted.weights, float(accepted.p_total), accepted.goal, constellation)
    return {"mi": np.asarray(opt.mi, dtype=float), "power": np.asarray(opt.power, dtype=float),
            "sum_mi": float(opt.total_mi), "power_used": float(opt.power_used), "p_total": float(accepted.p_total),
            "goals_met": bool(opt.goals_met), "mi_shortfall": np.asarray(opt.mi_shortfall, dtype=float),
            "reason": str(opt.reason)}
