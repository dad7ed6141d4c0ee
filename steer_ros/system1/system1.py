"""System 1: the always-feasible fast optimizer (docs/design.md section 3).

Problem (c_i = gain_i / noise_var_i = |h_i|^2 / sigma_i^2, P_i = a_i^2)::

    maximize F(a; w) = sum_i w_i I(c_i a_i^2)   s.t.  sum_i a_i^2 <= P_total,  a_i >= a_min.

State: the amplitudes a (N,). Inputs: gains, noise variances, weights (normalised to
sum 1; only ratios matter) and P_total, replaceable between any two steps. One
:meth:`System1.step` per tick, of bounded cost (fixed iteration counts, no
convergence loops). **After every step** ``a_i >= a_floor`` and
``sum a_i^2 <= P_total`` (to float rounding), whatever it was handed.

Amplitude floor. ``a_floor = min(a_min, sqrt(P_total / N))``: when the budget is too
small for N floors (``N a_min^2 > P_total``) the floor is scaled down so that it
always fits -- feasibility of the budget wins over the floor; the allocation is then
equal power.

Projection. Both modes end with the Euclidean projection onto
``{a >= a_floor, sum a^2 <= P_total}``: ``a_i <- max(a_floor, s a_i)`` with the
scale ``s`` in (0, 1] found exactly (sorting, no iteration). Where no channel hits
the floor this is the paper's l2-ball scaling ``a <- a sqrt(P_total / sum a^2)``.

Modes:

``"pga"`` -- the paper's plain projected gradient ascent on the amplitudes::

    a <- a + eta grad_a F,  grad_a F_i = w_i I'(c_i a_i^2) 2 c_i a_i
    a <- max(a, a_floor);  project

  with the gradient from the chosen estimator ("exact", "table" or "mc": the
  paper-faithful baseline is "mc" with K = 1000).

``"default"`` -- a KKT-guided step in power space that uses the separable structure
(one coupling constraint). I is concave in snr, so the problem is concave in P and
its optimum is mercury/water-filling (Lozano, Tulino, Verdu 2006):
``P_i(lambda) = max(p_floor, (I')^{-1}(lambda / (w_i c_i)) / c_i)``. Per step:

  1. evaluate the KKT response ``T = P(lambda)`` (tabulated inverse of I', see
     :class:`steer_ros.radio.mutual_information.MITable`) and ``d sum T / d ln lambda``; while the budget
     mismatch ``|ln(sum T / P_total)|`` exceeds ``KKT_NEWTON_TOL``, take a
     safeguarded Newton step on ln lambda (trust region +-2) and evaluate again, at
     most ``KKT_NEWTON_ITERS`` evaluations per step. The multiplier is warm-started
     across steps (one more Newton update is kept for the next step), so at steady
     state a step costs a single evaluation, and after a change of channels or
     command a few;
  2. rescale T's above-floor part so that ``sum T = P_total`` exactly (T is then
     feasible and optimal up to second order in the multiplier error);
  3. damped move ``P <- P + beta (T - P)`` (beta = ``KKT_DAMPING``): a convex
     combination of two feasible points is feasible, and by concavity of F along the
     segment the gap to the optimum shrinks by at least the factor (1 - beta) per
     step once lambda has converged;
  4. project (only active after a budget cut or a floor change).

  Its fixed point is the KKT point itself, so the steady-state gap is the table's
  accuracy (~1e-9 bits per channel). The reported MI always comes from the exact
  tables, whatever the estimator.

References: Lozano, Tulino, Verdu, IEEE Trans. IT 52(7) 2006 (mercury/water-filling);
Guo, Shamai, Verdu, IEEE Trans. IT 51(4) 2005 (I-MMSE).
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros import defaults
from steer_ros.radio.mutual_information import get_table, make_estimator
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system1 import goal_optimum as go
from steer_ros.system1.alpha_fair import alpha_utility
from steer_ros.system1.certified_optimum import validate_problem
from steer_ros.system1.goal import Goal, Objective, ResolvedGoal, check_goal
from steer_ros.system1.ranked_goal import RankedGoalTracker
from steer_ros.system1.responses import GoalPath, KktResponse, RatioResponse, clamp_log_lam, goal_path

__all__ = ["MODES", "System1", "project_power"]

MODES = defaults.OPTIMIZER_MODES


def project_power(power: np.ndarray, p_floor: float, p_total: float) -> np.ndarray:
    """Euclidean projection, in amplitude space, of ``a = sqrt(power)`` onto
    ``{a >= sqrt(p_floor), sum a^2 <= p_total}``, returned as powers (N,).

    Requires ``N p_floor <= p_total``. ``a_i <- max(a_floor, s a_i)`` with the largest
    s in (0, 1] that fits the budget, computed exactly by sorting."""
    p = np.maximum(power, p_floor)
    total = float(p.sum())
    if total <= p_total:
        return p
    n = p.shape[0]
    srt = np.sort(p)[::-1]  # descending powers
    csum = np.cumsum(srt)  # top-k sums
    k = np.arange(1, n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = (p_total - (n - k) * p_floor) / csum  # scale^2 if the top k stay above floor
    nxt = np.append(srt[1:], 0.0)
    ok = (s2 * srt >= p_floor) & (s2 * nxt <= p_floor) & (s2 > 0)
    idx = np.flatnonzero(ok)
    s2k = float(s2[idx[0]]) if idx.size else float(p_total / total)
    out = np.maximum(p * s2k, p_floor)
    over = float(out.sum()) - p_total
    if over > 0:  # float rounding: take it off the channels above the floor
        free = out - p_floor
        fsum = float(free.sum())
        if fsum > over:
            out = p_floor + free * (1.0 - over / fsum)
        else:  # everything on the (scaled-down) floor: equal power, rounded down
            out = np.full(n, p_total / n * (1.0 - 4e-16 * n))
    return out



class System1:
    """The fast loop: projected ascent / KKT-guided steps on the allocation.

    Args:
        gain: (N,) |h_i|^2 >= 0 (linear).
        noise_var: (N,) or scalar sigma_i^2 > 0.
        weights: (N,) >= 0, normalised to sum 1 (None = equal; all zero = no
            preference, the allocation is left where it is).
        p_total: budget > 0 (linear power).
        mode: "default" (KKT-guided) or "pga" (the paper's plain PGA).
        estimator: "exact", "table" or "mc" -- the gradient source of "pga";
            "default" uses the exact tables and refuses "mc".
        constellation: "qpsk", "16qam" or "64qam".
        a_min: amplitude floor (see the module docstring for tiny budgets).
        eta: PGA step size. damping: default-mode beta in (0, 1].
        newton_iters: default-mode cap on Newton steps on ln lambda per step (>= 1);
            a step stops early once the budget mismatch is below KKT_NEWTON_TOL, so at
            steady state a step costs one KKT evaluation.
        estimator_kw: extra keyword arguments for the estimator (e.g. n_samples, seed).
    """

    def __init__(
        self,
        gain,
        noise_var=defaults.NOISE_VAR,
        weights=None,
        p_total: float = defaults.P_TOTAL,
        mode: str = defaults.OPTIMIZER_MODE,
        estimator: str = defaults.ESTIMATOR,
        constellation: str = defaults.CONSTELLATION,
        a_min: float = defaults.A_MIN,
        eta: float = defaults.PGA_STEP_SIZE,
        damping: float = defaults.KKT_DAMPING,
        newton_iters: int = defaults.KKT_NEWTON_ITERS,
        estimator_kw: dict | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode == "default" and estimator == "mc":
            raise ValueError(
                "estimator 'mc' needs mode 'pga' (the default mode's KKT step uses the "
                "exact estimator's tables)"
            )
        if not (math.isfinite(a_min) and a_min >= 0):
            raise ValueError(f"a_min must be finite and >= 0, got {a_min}")
        if not (math.isfinite(eta) and eta > 0):
            raise ValueError(f"eta must be finite and > 0, got {eta}")
        if not (0 < damping <= 1):
            raise ValueError(f"damping must be in (0, 1], got {damping}")
        if int(newton_iters) < 1:
            raise ValueError(f"newton_iters must be >= 1, got {newton_iters}")
        self.mode = mode
        self.constellation = constellation
        self.table = get_table(constellation)
        self.estimator = make_estimator(estimator, constellation, **(estimator_kw or {}))
        self.a_min = float(a_min)
        self.eta = float(eta)
        self.damping = float(damping)
        self.newton_iters = int(newton_iters)
        self._newton_tol = defaults.KKT_NEWTON_TOL
        self.step_count = 0
        self._power = np.zeros(0)
        # the plain (weights-only) path's per-command constants, set by _refresh
        self._weights = np.zeros(0)
        self._p_total = self._check_budget(p_total)
        self._a_floor = self._p_floor = 0.0
        self._log_b = self._log_b_s = self._inv_b = self._inv_c = np.zeros(0)
        self._dt_scale = self._log_budget = 0.0
        self._useful = False
        self._floor_changed = True
        self._log_lam: float | None = None  # the plain path's warm-started ln lambda
        # the goal path: the goal in force (None = plain), its floor and cap snrs
        # I^{-1}(f), I^{-1}(u) (per goal), its boxes and response family (per goal and
        # channel update), and the family's warm-started theta
        self._goal: ResolvedGoal | None = None
        self._goal_snr_f = self._goal_snr_u = np.zeros(0)
        self._unreachable = np.zeros(0, dtype=bool)
        self._path: GoalPath | None = None
        self._theta: float | None = None
        self._budget = math.nan  # what the goal step spends (min_power: the least budget)
        self._gain = self._noise_var = self._c = np.zeros(0)
        self._ranked: RankedGoalTracker | None = None  # a goal by ranked selector, re-resolved per update
        self.ranked_hysteresis_db = defaults.RANKED_HYSTERESIS_DB
        self.set_channels(gain, noise_var)
        self.set_command(weights, self._p_total)
        self._power = np.full(self.n, self._p_total / self.n)  # equal power to start

    # -- inputs ----------------------------------------------------------------------
    def set_channels(self, gain, noise_var=defaults.NOISE_VAR) -> None:
        """Replace gains |h|^2 and noise variances (validated; ValueError naming the
        field, state unchanged). If N changes, weights become equal and the budget is
        split equally."""
        gain, noise_var, _, _ = validate_problem(gain, noise_var)
        resized = gain.shape[0] != self._gain.shape[0]
        self._gain, self._noise_var = gain, noise_var
        self._c = gain / noise_var
        if resized and self._power.shape[0]:
            self._weights = np.full(self.n, 1.0 / self.n)
            self._power = np.full(self.n, self._p_total / self.n)
            self._log_lam = None
            self._ranked = None
            self._set_goal_state(None)  # per-channel goal arrays no longer fit
        elif self._ranked is not None:
            self._track_ranked()
        if self._weights.shape[0] == self.n:
            self._refresh()

    def set_command(self, weights=None, p_total: float = math.nan, goal: Goal | None = None) -> None:
        """Replace weights (None = keep), budget (NaN = keep) and goal (None = keep;
        ``Goal()`` = back to the plain weighted sum), used from the next step.
        Validated before anything changes: ValueError naming ``weights``, ``p_total``
        or the goal field (:class:`GoalError`); on error the previous command stays in
        force. A goal that is infeasible on the current channels is accepted: System 1
        then does the best feasible thing (module docstring) and reports the short
        floors (:attr:`goals_met`, :attr:`mi_shortfall`)."""
        if weights is None:
            w = self._weights if self._weights.shape[0] == self.n else np.full(self.n, 1.0 / self.n)
        else:
            _, _, w, _ = validate_problem(self._gain, self._noise_var, weights)
            s = float(w.sum())
            w = w / s if s > 0 else w
        p = math.nan if p_total is None else self._check_budget_or_nan(p_total)
        p = self._p_total if math.isnan(p) else self._check_budget(p)
        rg = None
        ranked = None
        if goal is not None:
            if getattr(goal, "selectors", None) is not None and goal.selectors.ranked:
                ranked = RankedGoalTracker(goal, self.n, self._c, self.ranked_hysteresis_db)
                goal = ranked.current  # resolved on the channels in force now
            rg = check_goal(goal, self.n, self.table.bits)
        self._weights, self._p_total = w, p
        if goal is not None:
            self._ranked = ranked
            self._set_goal_state(None if goal.is_plain else rg)
        self._refresh()
        if self._power.shape[0] == self.n:  # feasible at once (a budget cut), not only after step()
            if self._goal is None:
                self._power = project_power(self._power, self._p_floor, p)
            else:
                self._power = go.project_box(self._power, self._path.lo, self._path.hi, p)

    def _snr_for_mi(self, bits: np.ndarray) -> np.ndarray:
        """I^{-1} of per-channel bits, computed once per distinct value: goals hold a
        few levels (0, a floor, inf) over N channels, and a ranked goal is reinstalled
        at every channel update that moves its sets."""
        levels, where = np.unique(bits, return_inverse=True)
        return self.table.snr_for_mi(levels)[where.reshape(bits.shape)]

    def _track_ranked(self) -> None:
        """A goal by ranked selector follows the channels: re-resolved on the new c_i
        (steer_ros.system1.ranked_goal: the hysteresis rule), installed when a set moved.
        A goal the fade makes infeasible is tracked as the best feasible (a shortfall)."""
        goal = self._ranked.update(self._c)
        if goal is not None:
            self._set_goal_state(check_goal(goal, self.n, self.table.bits))

    @property
    def ranked_goal(self) -> "RankedGoalTracker | None":
        """The tracker of a goal by ranked selector in force (None otherwise)."""
        return self._ranked

    def _set_goal_state(self, rg: ResolvedGoal | None) -> None:
        """Install a checked goal (None = plain): the floor and cap snrs I^{-1}(f),
        I^{-1}(u) are computed here once, the power boxes at every refresh."""
        self._goal = rg
        self._theta = None
        self._path = None
        if rg is not None:
            self._goal_snr_f = self._snr_for_mi(rg.floors)
            self._goal_snr_u = self._snr_for_mi(np.minimum(rg.caps, self.table.bits))

    @classmethod
    def _check_budget_or_nan(cls, p_total) -> float:
        try:
            p = float(p_total)
        except (TypeError, ValueError):
            raise ValueError(f"p_total must be a number, got {p_total!r}") from None
        return p if math.isnan(p) else cls._check_budget(p)

    @staticmethod
    def _check_budget(p_total) -> float:
        try:
            p = float(p_total)
        except (TypeError, ValueError):
            raise ValueError(f"p_total must be a number, got {p_total!r}") from None
        if not math.isfinite(p) or p <= 0:
            raise ValueError(f"p_total must be finite and > 0, got {p_total}")
        return p

    def _refresh(self) -> None:
        """Per-command caches: floors, ln(w c), 1/c."""
        n = self.n
        self._a_floor = min(self.a_min, math.sqrt(self._p_total / n))
        self._p_floor = min(self._a_floor**2, self._p_total / n)
        b = self._weights * self._c
        with np.errstate(divide="ignore"):
            self._log_b = np.log(b)  # -inf for useless channels: KKT power 0
            self._inv_b = 1.0 / b  # inf for useless channels
            self._inv_c = np.where(self._c > 0, 1.0 / np.where(self._c > 0, self._c, 1.0), 0.0)
        self._log_b_s = self._log_b * self.table.inv_dr
        self._dt_scale = self.table.inv_dr * self.table.slope_top
        self._log_budget = math.log(self._p_total)
        self._useful = bool(np.any(b > 0))
        self._floor_changed = True  # project once at the next step
        if self._goal is not None:
            self._refresh_goal()

    def _refresh_goal(self) -> None:
        """Per-command / per-channel state of the goal path: the boxes [L, U] and the
        response family (:func:`steer_ros.system1.responses.goal_path`); theta is kept
        when the family stays the same kind."""
        rg, c = self._goal, self._c
        lo = go.div_or(self._goal_snr_f, c, np.where(rg.floors > 0, np.inf, 0.0))
        hi = go.div_or(self._goal_snr_u, c, np.where(rg.caps > 0, np.inf, 0.0))
        pcap = go.power_caps_of(rg, self.n)
        lo = np.where(rg.off, 0.0, lo)
        hi = np.where(rg.off, 0.0, np.minimum(hi, pcap))
        self._unreachable = ~np.isfinite(lo) | (lo > pcap * (1.0 + 1e-12))
        lo = np.where(self._unreachable, 0.0, lo)  # dropped, reported short
        if self.mode == "pga":  # keep the gradient alive where the box allows
            live = (c > 0) & ~rg.off
            lifted = np.where(live & (hi >= self._p_floor), np.maximum(lo, self._p_floor), lo)
            if float(lifted.sum()) <= self._p_total:
                lo = lifted
        path = goal_path(rg, self.table, c, self._inv_c, self._weights, lo, hi, self._unreachable, self._p_total,
                         self.constellation)
        if type(path) is not type(self._path):
            self._theta = None
        self._path = path
        self._budget = self._p_total
        if rg.objective == Objective.MIN_POWER and isinstance(path, KktResponse):
            self._budget = self._least_budget(path)

    def _least_budget(self, path: KktResponse) -> float:
        """min_power: the certified least budget B* in [sum L, P_total] whose
        equal-weight boxed optimum reaches sum_mi_min (P_total if none does: the most
        sum MI P_total gives). Solved here, once per command or channel update (a few
        boxed water-fillings: about ten vectorized solves), not per step."""
        rg, lo, hi = self._goal, path.lo, path.hi
        if math.isnan(rg.sum_mi_min) or rg.sum_mi_min <= 0:
            return path.sum_lo
        c = np.where((self._c > 0) & ~rg.off, self._c, 0.0)
        _, f_max, _ = go.sum_mi_at(self.table, c, lo, hi, self._p_total)
        if f_max < rg.sum_mi_min:
            return self._p_total
        return min(go.least_budget(self.table, c, lo, hi, rg.sum_mi_min, path.sum_lo, self._p_total), self._p_total)

    def _initial_log_multiplier(self) -> float:
        """ln lambda guess from the current allocation: the median marginal utility
        w_i c_i I'(c_i P_i) of the useful channels (used once after a reset)."""
        useful = self._weights * self._c > 0
        _, d1, _ = self.table.derivatives(self._c[useful] * self._power[useful])
        m = (self._weights * self._c)[useful] * d1
        m = m[m > 0]
        if m.size == 0:
            return float(np.max(self._log_b[useful])) + math.log(1e-6)
        return math.log(float(np.median(m)))

    # -- the step ----------------------------------------------------------------------
    def step(self) -> None:
        """One bounded-cost iteration; feasible afterwards (module docstring)."""
        if self._goal is not None:
            if (self.mode == "pga" and isinstance(self._path, KktResponse)
                    and self._goal.objective == Objective.WEIGHTED_SUM):
                self._step_pga_goal()
            else:
                self._step_goal()
        elif self.mode == "default":
            self._step_kkt()
        else:
            self._step_pga()
        self.step_count += 1

    def _kkt_response(self, log_lam: float):
        """T_i = max(p_floor, snr_i(lambda) / c_i), plus what d(sum T)/d ln lambda
        needs (see :meth:`_kkt_slope`).

        The inverse-slope table lookup of :meth:`MITable.log_snr_for_log_slope`,
        written out with per-command constants folded in (this is the hot path: about
        15 vectorized operations, no masks: useless channels have 1/b = inf and land
        on the table's snr = 0 end)."""
        tab = self.table
        gap = np.maximum(tab.slope_top - math.exp(log_lam) * self._inv_b, 1e-300)
        x = ((log_lam - tab.r0) * tab.inv_dr - self._log_b_s) - np.log(gap) * tab.inv_dr
        x = np.minimum(np.maximum(x, 0.0), tab.inv_top)
        k = x.astype(np.intp)
        sl = tab.inv_slope[k]
        p = np.exp(tab.inv_t[k] + (x - k) * sl) * self._inv_c
        return np.maximum(p, self._p_floor), (p, sl, gap)

    def _kkt_slope(self, parts) -> float:
        """d(sum_i snr_i(lambda)/c_i) / d ln lambda (floors ignored: they only make the
        Newton step slightly shorter)."""
        p, sl, gap = parts
        return float(np.dot(p * sl, self._dt_scale / gap))

    def _step_kkt(self) -> None:
        p_total, p_floor = self._p_total, self._p_floor
        if not self._useful:
            self._power = project_power(self._power, p_floor, p_total)
            return  # no preference: keep the allocation
        if self._log_lam is None:
            self._log_lam = self._initial_log_multiplier()
        ell = self._log_lam
        log_budget = self._log_budget
        tol = self._newton_tol
        last = self.newton_iters - 1
        # Bracket of ln lambda within this step (sum T decreases in lambda): where Newton
        # leaves it, or stops halving |g| once bracketed, bisect. Without it Newton can
        # cycle between two multipliers when a channel's response switches on steeply
        # (a deep fade ending): seen as an 80 ms, 0.4-bit gap under jakes fading.
        lo, hi, g_prev = -math.inf, math.inf, math.inf
        for i in range(self.newton_iters):
            t, parts = self._kkt_response(ell)
            s = float(t.sum())
            g = math.log(s) - log_budget if s > 0 else -745.0  # s = 0 only if a_min = 0
            if abs(g) <= 1e-12:  # converged: no Newton update needed
                d, ds = 0.0, -1.0
                break
            if g > 0:
                lo = ell if ell > lo else lo
            else:
                hi = ell if ell < hi else hi
            ds = self._kkt_slope(parts)
            if ds < 0:
                d = -g * s / ds
                d = -2.0 if d < -2.0 else (2.0 if d > 2.0 else d)  # trust region
            else:
                d = -1.0 if g < 0 else 1.0  # all floored / all saturated: search
            if hi < math.inf and lo > -math.inf and (not lo < ell + d < hi or abs(g) > 0.5 * g_prev):
                d = 0.5 * (lo + hi) - ell
            g_prev = abs(g)
            if i == last or abs(g) < tol:
                break
            ell = clamp_log_lam(ell + d)
        self._log_lam = clamp_log_lam(ell + d)
        # the response t, rescaled above the floor to spend exactly the budget
        # (feasible, optimal to second order), then the damped move
        # P <- (1 - beta) P + beta (p_floor + kappa (t - p_floor)), in this form: with
        # nearly every channel on the floor kappa can be ~1e13, and the expanded
        # beta kappa t + beta p_floor (1 - kappa) then cancels to below the floor
        n = t.shape[0]
        room = p_total - p_floor * n
        free_sum = s - p_floor * n
        beta = self.damping
        if free_sum > 0 and (free_sum > room or ds < 0):
            kappa = room / free_sum
            power = (1.0 - beta) * self._power + beta * (p_floor + kappa * (t - p_floor))
        else:
            power = (1.0 - beta) * self._power + beta * t
        if self._floor_changed or float(power.sum()) > p_total:
            power = project_power(power, p_floor, p_total)
            self._floor_changed = False
        self._power = power

    # -- the goal path (a goal other than the plain weighted sum) ------------------------
    def _step_goal(self) -> None:
        """One step toward the goal's optimum: the response family's Newton on theta
        (warm-started, at most newton_iters evaluations), the response fitted to the
        budget inside the boxes, the damped move P <- P + beta (T - P) (convex
        combination of two points of the box-and-budget set: feasible); min_power
        spends the least budget B* (see :meth:`_least_budget`)."""
        path, p_total = self._path, self._p_total
        lo, hi = path.lo, path.hi
        if self._floor_changed:  # new goal, channels or budget: into the new box first
            self._power = go.project_box(self._power, lo, hi, p_total)
            self._floor_changed = False
        if not path.useful:
            self._power = go.project_box(self._power, lo, hi, p_total)
            return
        budget = self._budget
        th_lo, th_hi, trust = path.bounds
        th = self._theta if self._theta is not None else path.initial_theta(self._power, p_total)
        th = min(max(th, th_lo), th_hi)
        log_budget = math.log(budget) if budget > 0 else -745.0
        last = self.newton_iters - 1
        d = 0.0
        for i in range(self.newton_iters):
            t, s, ds = path.response(th)
            g = math.log(s) - log_budget if s > 0 else -745.0
            if abs(g) <= 1e-12 or budget <= path.sum_lo:
                d, ds = 0.0, 0.0
                break
            if ds > 0 and math.isfinite(ds):
                d = -g * s / ds
                d = -trust if d < -trust else (trust if d > trust else d)
            else:
                d = trust if g < 0 else -trust
            if i == last or abs(g) < self._newton_tol:
                break
            th = min(max(th + d, th_lo), th_hi)
        self._theta = min(max(th + d, th_lo), th_hi)
        # fit the response to the budget inside the boxes
        if s > budget:
            free_sum = s - path.sum_lo
            kappa = (budget - path.sum_lo) / free_sum if free_sum > 0 else 0.0
            t = lo + kappa * (t - lo)
        elif s < budget and ds > 0:
            free = (t > lo) & (t < hi)
            room = float(np.sum((t - lo)[free]))
            if room > 0:
                kappa = 1.0 + (budget - s) / room
                t = np.where(free, np.minimum(lo + kappa * (t - lo), hi), t)
        beta = self.damping
        power = (1.0 - beta) * self._power + beta * t
        if float(power.sum()) > p_total:
            power = go.project_box(power, lo, hi, p_total)
        self._power = power

    def _step_pga_goal(self) -> None:
        """pga with a weighted-sum goal: the gradient step, then the exact power-space
        projection onto the box-and-budget set (:func:`goal_optimum.project_box`)."""
        a = np.sqrt(self._power)
        _, d1 = self.estimator.mi_and_grad(self._c * self._power)
        grad = self._weights * d1 * 2.0 * self._c * a
        a = a + self.eta * grad
        self._power = go.project_box(a * a, self._path.lo, self._path.hi, self._p_total)
        self._floor_changed = False

    def _step_pga(self) -> None:
        a = np.sqrt(self._power)
        snr = self._c * self._power
        _, d1 = self.estimator.mi_and_grad(snr)
        grad = self._weights * d1 * 2.0 * self._c * a
        a = np.maximum(a + self.eta * grad, self._a_floor)
        self._power = project_power(a * a, self._p_floor, self._p_total)

    # -- outputs ------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self._gain.shape[0])

    @property
    def gain(self) -> np.ndarray:
        return self._gain.copy()

    @property
    def noise_var(self) -> np.ndarray:
        return self._noise_var.copy()

    @property
    def weights(self) -> np.ndarray:
        return self._weights.copy()

    @property
    def p_total(self) -> float:
        return self._p_total

    @property
    def power(self) -> np.ndarray:
        """P_i = a_i^2 (N,), linear."""
        return self._power.copy()

    @property
    def amplitude(self) -> np.ndarray:
        """a_i (N,)."""
        return np.sqrt(self._power)

    @property
    def a_floor(self) -> float:
        """The amplitude floor in force: min(a_min, sqrt(P_total / N))."""
        return self._a_floor

    @property
    def multiplier(self) -> float:
        """Default mode's current lambda (weighted bits per unit power); NaN otherwise."""
        lam = self._log_lam
        return math.exp(lam) if (lam is not None and self.mode == "default") else math.nan

    def mi(self) -> np.ndarray:
        """Per-channel MI (N,) in bits, exact (tabulated), at the current allocation."""
        return self.table.mi(self._c * self._power)

    def weighted_mi(self) -> float:
        """F = sum w_i I_i (weights normalised to sum 1), bits."""
        return float(np.dot(self._weights, self.mi()))

    # -- goal outputs ---------------------------------------------------------------
    @property
    def goal(self) -> ResolvedGoal | None:
        """The checked goal in force (None = the plain weighted sum)."""
        return self._goal

    @property
    def objective(self) -> Objective:
        return Objective.WEIGHTED_SUM if self._goal is None else self._goal.objective

    @property
    def goal_feasible(self) -> bool:
        """False when the floors in force cannot all be met within P_total on the
        current channels (System 1 then maximizes min_i I_i / f_i)."""
        return self._goal is None or (not isinstance(self._path, RatioResponse) and not bool(np.any(self._unreachable)))

    @property
    def mi_shortfall(self) -> np.ndarray:
        """(N,) bits below each floor at the current allocation, 0 where met."""
        if self._goal is None:
            return np.zeros(self.n)
        return np.maximum(self._goal.floors - self.mi(), 0.0)

    @property
    def goals_met(self) -> bool:
        """Every floor and cap and sum_mi_min met (within GOAL_MET_TOL_BITS)."""
        if self._goal is None:
            return True
        return go.goal_shortfall(self.mi(), self._goal)[2]

    def goal_optimum(self) -> "go.GoalOptimum":
        """The certified optimum of the command in force on the current channels."""
        return go.goal_optimum(self._gain, self._noise_var, self._weights, self._p_total,
                                self.goal_as_goal(), self.constellation)

    def optimality_gap(self, optimum: "go.GoalOptimum | None" = None) -> float:
        """Certified optimum minus the current value: bits of sum_i w_i I_i (weights
        normalised) for weighted_sum, bits of the max-min level for max_min (the
        smallest MI over the active channels whose cap is above the optimal level),
        and for min_power the power used above the certified least power (negative
        while the goal is not yet reached; if sum_mi_min is out of reach within
        P_total, bits of sum MI below the most P_total gives). When the floors do not
        fit, the gap of the fallback's min_i I_i / f_i (a fraction of the floors)."""
        opt = optimum or self.goal_optimum()
        mi = self.mi()
        if not math.isnan(opt.floor_ratio):  # floors do not fit: min_i I_i / f_i
            f = np.where(np.isfinite(opt.lower) & (self._c > 0), self._goal.floors, 0.0)
            on = f > 0
            return float(opt.floor_ratio - np.min(mi[on] / f[on])) if np.any(on) else 0.0
        if opt.objective == Objective.MAX_MIN:
            active = (self._c > 0) & ~self._goal.off
            active[opt.excluded] = False
            active &= self._goal.caps > opt.level + 1e-12
            return float(opt.level - np.min(mi[active])) if np.any(active) else 0.0
        if opt.objective == Objective.ALPHA_FAIR:
            fair = (self._c > 0) & ~self._goal.off & (self._weights > 0) & (opt.upper > 0)
            return float(opt.value - np.sum(self._weights[fair] * alpha_utility(mi[fair], self._goal.alpha)))
        if opt.objective == Objective.MIN_POWER:
            if not opt.feasible:  # sum_mi_min out of reach: the most sum MI at P_total
                return float(opt.total_mi - np.sum(mi))
            return float(np.sum(self._power) - opt.power_used)
        return float(opt.weighted_mi - self.weighted_mi())

    def goal_as_goal(self) -> Goal:
        """The goal in force as a :class:`Goal` (``Goal()`` for the plain weighted sum)."""
        rg = self._goal
        return Goal() if rg is None else rg.as_goal()

    def snapshot(self) -> SystemSnapshot:
        return SystemSnapshot(
            gain=self.gain,
            noise_var=self.noise_var,
            power=self.power,
            mi=self.mi(),
            weights=self.weights,
            p_total=self._p_total,
            goal=self.goal_as_goal(),
            goals_met=self.goals_met,
            mi_shortfall=None if self._goal is None else self.mi_shortfall,
        )
