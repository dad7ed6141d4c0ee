"""The guardrail between navigator and optimizer (docs/design.md section 5), a pure deterministic
pipeline over :class:`~steer_ros.system2.steer_decision.SteerDecision` values.

For a proposal ``raw`` with status OK and the command in force ``current``:

1. structural: only (w, P_total) pass; length must equal N, every weight finite,
   P_total finite or NaN (NaN = keep the current budget);
2. negatives -> 0; all-zero -> uniform; normalize to sum w = 1;
   P_total clamped to [P_min, P_max];
3. EMA:  w <- (1-alpha) w_cur + alpha w_new,  P <- (1-alpha) P_cur + alpha P_new;
4. fallback: on any failure the current command is kept (status FALLBACK);
5. the reasoning, policy, backend and latency travel with the result.

Goals (``raw.goal``, per-channel arrays) are checked in step 1 and smoothed in step 3
(:mod:`steer_ros.system2.goal_check`: floors and caps within [0, log2 M] of the
``constellation``, floor <= cap (off wins over a floor: noted, not refused), min_power only with
floors or sum_mi_min, and, given the channel state, feasibility at P_max, e.g.
``"infeasible_goal: floors need P = 57.3 > P_max = 40"``). Floors, caps and the
sum-MI floor are EMA'd in bits; the objective and the off set switch at once.

Escalation: a proposal with ``escalate`` set (the reply's ``"escalate": {"P_total": x}``)
while System 1 reports INFEASIBLE (``status``, from the allocation) takes its budget at
once, without the EMA, clamped to [P_min, P_max]: ``"escalated: P_total 40 -> 57.3
(System 1 INFEASIBLE)"``, or ``"escalation_clamped: P_total 40 -> 100 (asked 1000 >
P_max 100; System 1 INFEASIBLE)"``. At any other status (or none known) it is an
ordinary P_total, smoothed, with the note ``escalation ignored at status CONVERGED``.
An EMA on the budget would otherwise keep the navigator from ever reaching a least
budget above the one in force.

Every result has a status and a ``"code: detail"`` string, e.g.
``"adjusted: clamped p_total 1e+09 -> 40"``. The current command itself is
sanitized first (bounds re-applied), so the guardrail is safe on commands from
strangers; :meth:`Guardrail.enforce` applies the bounds alone (no EMA) for the
optimizer's defence in depth.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros import defaults
from steer_ros.radio.constellations import get_constellation
from steer_ros.system1.goal import Goal
from steer_ros.system1.status import AllocationStatus
from steer_ros.system2.goal_check import GoalError, check_goal, sanitize_goal, smooth_goal
from steer_ros.system2.goal_text import describe_goal
from steer_ros.system2.readback import safe_readback
from steer_ros.system2.steer_decision import Status, SteerDecision


class Guardrail:
    """Bounds and smoothing of steering commands.

    Args:
        p_min, p_max: budget limits, 0 < p_min <= p_max (linear power).
        alpha: EMA factor in (0, 1]; 1 = no smoothing.
        constellation: the optimizer's constellation; its log2 M bounds floors and caps.
    """

    def __init__(
        self,
        p_min: float = defaults.P_MIN,
        p_max: float = defaults.P_MAX,
        alpha: float = defaults.EMA_ALPHA,
        constellation: str = defaults.CONSTELLATION,
    ):
        for name, value in (("p_min", p_min), ("p_max", p_max), ("alpha", alpha)):
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if p_min <= 0:
            raise ValueError(f"p_min must be > 0, got {p_min}")
        if p_max < p_min:
            raise ValueError(f"p_max must be >= p_min ({p_min}), got {p_max}")
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self.p_min = float(p_min)
        self.p_max = float(p_max)
        self.alpha = float(alpha)
        self.constellation = get_constellation(constellation).name
        self.max_mi_bits = get_constellation(constellation).bits

    # -- public -------------------------------------------------------------------
    def apply(self, raw: SteerDecision, current: SteerDecision, n: int | None = None,
              gain=None, noise_var=None, status: int | None = None) -> SteerDecision:
        """The accepted command for proposal ``raw`` given the command in force, with
        its read-back (:mod:`steer_ros.system2.readback`; the budget change from
        ``current``). The command kept on a refusal is read back as well: the sentence
        always says what System 1 will do. ``status``: System 1's AllocationStatus
        (None = not known), for escalation (module docstring).
        """
        result = self._apply(raw, current, n, gain, noise_var, status)
        return result.with_(readback=safe_readback(result, int(np.asarray(result.weights).shape[0]), current))

    def _apply(self, raw: SteerDecision, current: SteerDecision, n: int | None = None,
               gain=None, noise_var=None, status: int | None = None) -> SteerDecision:
        """The accepted command for proposal ``raw`` given the command in force.

        ``status``: System 1's AllocationStatus (None = not known), for escalation
        (module docstring).

        ``n`` is the number of channels in force; default: the length of
        ``current.weights`` (or of ``raw.weights`` if the current one is empty). A
        current command of another length is reset to uniform weights of length n.
        ``gain`` / ``noise_var`` (N,): the channel state, for the goal's feasibility
        at P_max (skipped without them).
        """
        system1_status = status  # the name "status" is the proposal's below
        cur_w, cur_p, cur_notes = self._sanitize_current(current, raw, n)
        n = cur_w.shape[0]
        cur_goal, goal_note = self._sanitize_current_goal(current, n)
        if goal_note:
            cur_notes = cur_notes + [goal_note]
        carried = dict(
            reasoning=_text(getattr(raw, "reasoning", "")),
            policy=_text(getattr(raw, "policy", "")),
            backend=_text(getattr(raw, "backend", "")),
            latency_s=_latency(getattr(raw, "latency_s", 0.0)),
        )

        def keep(status: Status, detail: str) -> SteerDecision:
            return SteerDecision(
                weights=cur_w, p_total=cur_p, status=status, status_detail=detail, goal=cur_goal,
                extras={"notes": cur_notes}, **carried,
            )

        if n == 0:
            return keep(Status.REJECTED, "rejected: no channels")
        try:
            status = Status(int(getattr(raw, "status", Status.OK)))
        except (ValueError, TypeError):
            return keep(Status.FALLBACK, f"invalid_status: {getattr(raw, 'status', None)!r}")
        raw_detail = _text(getattr(raw, "status_detail", ""))
        if status == Status.FALLBACK:
            return keep(Status.FALLBACK, raw_detail or "fallback: the proposal was unusable")
        if status == Status.REJECTED:
            return keep(Status.REJECTED, raw_detail or "rejected: the proposal was refused")
        if status == Status.KEPT:
            return keep(Status.KEPT, raw_detail or "kept: the backend kept the current command")

        checked = self._bound(getattr(raw, "weights", None), getattr(raw, "p_total", math.nan), n, cur_p)
        if isinstance(checked, str):
            return keep(Status.FALLBACK, checked)
        new_w, new_p, notes = checked
        try:
            new_goal = check_goal(getattr(raw, "goal", Goal()), n, self.max_mi_bits, self.p_max,
                                  gain, noise_var, self.constellation)
        except GoalError as err:
            return keep(Status.FALLBACK, str(err))
        # How the proposal was read other than literally: the navigator's notes (the
        # reply's dialect, ...) then the goal's (off wins over floors, ...).
        notes = _proposal_notes(raw_detail) + list(new_goal.extras.get("notes", ())) + notes
        a = self.alpha
        w = (1.0 - a) * cur_w + a * new_w
        w = w / w.sum()
        p = float(np.clip((1.0 - a) * cur_p + a * new_p, self.p_min, self.p_max))
        goal = smooth_goal(cur_goal, new_goal, a, n)
        notes = cur_notes + notes
        escalation = ""
        if bool(getattr(raw, "escalate", False)):
            escalation, p, notes = self._escalate(raw, cur_p, p, notes, system1_status)
        detail = ("adjusted: " + "; ".join(notes)) if notes else "ok: accepted"
        if escalation:
            detail = escalation + ("; " + "; ".join(notes) if notes else "")
        if not (goal.is_plain and cur_goal.is_plain):
            detail += f"; goal {describe_goal(goal)}" if not goal.is_plain else "; goal cleared"
        if a < 1.0:
            detail += f" (EMA alpha {a:g})"
        return SteerDecision(
            weights=w, p_total=p, status=Status.OK, status_detail=detail, goal=goal,
            extras={"notes": notes, "proposed_weights": new_w, "proposed_p_total": new_p,
                    "proposed_goal": new_goal},
            escalate=bool(escalation), **carried,
        )

    def _escalate(self, raw: SteerDecision, cur_p: float, smoothed_p: float, notes: list[str], status):
        """(detail head, p_total, notes) of an escalation: at once while INFEASIBLE
        (module docstring), else the smoothed budget with a note."""
        try:
            asked = float(raw.p_total)
        except (TypeError, ValueError):
            asked = math.nan
        name = "unknown" if status is None else _status_name(status)
        if status is None or int(status) != AllocationStatus.INFEASIBLE or math.isnan(asked):
            return "", smoothed_p, notes + [f"escalation ignored at status {name}: an ordinary P_total"]
        notes = [x for x in notes if not x.startswith("clamped p_total")]
        p = float(min(max(asked, self.p_min), self.p_max))
        if asked > self.p_max:
            head = (f"escalation_clamped: P_total {cur_p:g} -> {p:g} (asked {asked:g} > P_max {self.p_max:g}; "
                    "System 1 INFEASIBLE)")
        else:
            head = f"escalated: P_total {cur_p:g} -> {p:g} (System 1 INFEASIBLE)"
        return head, p, notes

    def enforce(self, cmd: SteerDecision, n: int, current_p_total: float = math.nan) -> SteerDecision:
        """The bounds alone, no smoothing: for commands of unknown origin.

        Returns the sanitized command with status OK (detail lists adjustments), or
        status REJECTED with the input unchanged when it cannot be made valid (wrong
        length, non-finite weight, a goal that fails the checks other than
        feasibility: the optimizer tracks a goal that becomes infeasible after a fade
        and reports the shortfall); the caller then keeps its current command.
        A NaN budget becomes ``current_p_total`` (clamped), or ``p_max`` if that is NaN too.
        """
        fallback_p = current_p_total if _finite(current_p_total) else self.p_max
        fallback_p = float(np.clip(fallback_p, self.p_min, self.p_max))
        checked = self._bound(getattr(cmd, "weights", None), getattr(cmd, "p_total", math.nan), n, fallback_p)
        if isinstance(checked, str):
            return cmd.with_(status=Status.REJECTED, status_detail=checked)
        w, p, notes = checked
        try:
            goal = check_goal(getattr(cmd, "goal", Goal()), n, self.max_mi_bits, self.p_max,
                              constellation=self.constellation)
        except GoalError as err:
            return cmd.with_(status=Status.REJECTED, status_detail=str(err))
        detail = ("adjusted: " + "; ".join(notes)) if notes else "ok: within bounds"
        return cmd.with_(weights=w, p_total=p, goal=goal, status=Status.OK, status_detail=detail)

    # -- pipeline stages ----------------------------------------------------------
    def _bound(self, weights, p_total, n: int, keep_p: float):
        """(w, p, notes) within bounds, or a "code: detail" string on failure."""
        try:
            w = np.array(weights, dtype=float).ravel()
        except (TypeError, ValueError) as err:
            return f"not_a_number: weights are not numbers ({type(err).__name__})"
        if w.shape[0] != n:
            return f"wrong_length: expected {n} weights, got {w.shape[0]}"
        bad = np.flatnonzero(~np.isfinite(w))
        if bad.size:
            return f"non_finite: weight {bad[0] + 1} is {w[bad[0]]}"
        try:
            p = float(p_total)
        except (TypeError, ValueError):
            return f"bad_p_total: {p_total!r} is not a number"
        if math.isinf(p):
            return f"non_finite: p_total is {p}"
        notes: list[str] = []
        negative = int(np.count_nonzero(w < 0))
        if negative:
            w = np.maximum(w, 0.0)
            notes.append(f"clipped {negative} negative weight{'s' if negative > 1 else ''} to 0")
        total = float(w.sum())
        if total <= 0.0 or not math.isfinite(total):
            if total > 0.0:  # overflow of huge finite weights: rescale first
                w = w / np.max(w)
                total = float(w.sum())
            else:
                w = np.full(n, 1.0 / n)
                total = 1.0
                notes.append("all-zero weights -> uniform")
        w = w / total  # only ratios matter: normalizing is routine, not an adjustment
        if math.isnan(p):
            p = keep_p
        elif p < self.p_min or p > self.p_max:
            clamped = min(max(p, self.p_min), self.p_max)
            notes.append(f"clamped p_total {p:g} -> {clamped:g}")
            p = clamped
        return w, float(p), notes

    def _sanitize_current_goal(self, current: SteerDecision, n: int) -> tuple[Goal, str]:
        """The goal in force, or ``Goal()`` with a note when it does not fit n channels."""
        goal = getattr(current, "goal", None)
        if goal is None:
            return Goal(), ""
        try:
            return sanitize_goal(goal, n, self.max_mi_bits), ""
        except GoalError as err:
            return Goal(), f"current goal invalid ({err}): cleared"

    def _sanitize_current(self, current: SteerDecision, raw: SteerDecision, n: int | None):
        notes: list[str] = []
        try:
            w = np.array(getattr(current, "weights", None), dtype=float).ravel()
        except (TypeError, ValueError):
            w = np.empty(0)
        if n is None:
            n = w.shape[0]
            if n == 0:
                try:
                    n = np.array(getattr(raw, "weights", None), dtype=float).ravel().shape[0]
                except (TypeError, ValueError):
                    n = 0
        n = int(n)
        if w.shape[0] == n and n and np.all(np.isfinite(w)):
            if np.any(w < 0):
                w = np.maximum(w, 0.0)
                notes.append("current weights: negatives clipped")
            total = float(w.sum())
            if not 0.0 < total < math.inf:
                w = np.full(n, 1.0 / n)
                notes.append(f"current weights invalid for N={n}: reset to uniform")
            elif abs(total - 1.0) > 1e-12:
                w = w / total
        elif n:
            w = np.full(n, 1.0 / n)
            notes.append(f"current weights invalid for N={n}: reset to uniform")
        else:
            w = np.empty(0)
        try:
            p = float(getattr(current, "p_total", math.nan))
        except (TypeError, ValueError):
            p = math.nan
        if not math.isfinite(p):
            notes.append(f"current p_total {p} invalid: using p_max {self.p_max:g}")
            p = self.p_max
        elif p < self.p_min or p > self.p_max:
            clamped = min(max(p, self.p_min), self.p_max)
            notes.append(f"current p_total {p:g} clamped to {clamped:g}")
            p = clamped
        return w, float(p), notes


def _status_name(status) -> str:
    try:
        return AllocationStatus(int(status)).name
    except (ValueError, TypeError):
        return f"{status!r}"


def _proposal_notes(detail: str) -> list[str]:
    """The notes of a proposal's ``"adjusted: a; b | parsed ..."`` detail (how the
    navigator read the reply), without the summary after ``" | "``."""
    if not detail.startswith("adjusted: "):
        return []
    head = detail[len("adjusted: "):].split(" | ", 1)[0]
    return [part.strip() for part in head.split("; ") if part.strip()]


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _latency(value) -> float:
    return float(value) if _finite(value) else 0.0
