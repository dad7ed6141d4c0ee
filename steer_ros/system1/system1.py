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
from steer_ros.system1 import goal_optimum as _go
from steer_ros.system1.certified_optimum import validate_problem
from steer_ros.system1.goal import Goal, Objective, ResolvedGoal, check_goal
from steer_ros.system1.ranked_goal import RankedGoalTracker
from steer_ros.system2.snapshot import SystemSnapshot

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



# ln(lambda) stays where exp() neither underflows nor overflows. With one useful
# channel saturating (all other weights 0) the search drives lambda towards 0 without
# end; once exp(ln lambda) underflowed to 0, 0 * (1/b = inf) of the useless channels
# gave NaN and the table lookup an out-of-range index (found by the fault drills: a
# stranger's command [0, ..., 0, 1] crashed the node after 92 steps).
_LOG_LAM_LIMIT = 700.0


def _clamp_log_lam(ell: float) -> float:
    return -_LOG_LAM_LIMIT if ell < -_LOG_LAM_LIMIT else (_LOG_LAM_LIMIT if ell > _LOG_LAM_LIMIT else ell)

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
        self._goal: ResolvedGoal | None = None
        self._ranked: RankedGoalTracker | None = None  # a goal by ranked selector, re-resolved per update
        self.ranked_hysteresis_db = defaults.RANKED_HYSTERESIS_DB
        self._g_family = None
        self._g_theta = None
        self._gain = np.zeros(0)
        self.set_channels(gain, noise_var)
        p = self._check_budget(p_total)
        self._p_total = p
        self.set_command(weights, p)
        self._power = np.full(self.n, p / self.n)  # equal power to start

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
        if hasattr(self, "_weights"):
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
            w = getattr(self, "_weights", None)
            if w is None:
                w = np.full(self.n, 1.0 / self.n)
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
                self._power = _go.project_box(self._power, self._g_lo, self._g_hi, p)

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
        self._g_theta = None
        self._g_family = None
        if rg is not None:
            self._g_snr_f = self._snr_for_mi(rg.floors)
            self._g_snr_u = self._snr_for_mi(np.minimum(rg.caps, self.table.bits))
            self._g_budget = None

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
        if not hasattr(self, "_log_lam"):
            self._log_lam = None
        if getattr(self, "_goal", None) is not None:
            self._refresh_goal()

    def _refresh_goal(self) -> None:
        """Per-command / per-channel caches of the goal path: the boxes [L, U], which
        response family the step uses, and its constants (module docstring)."""
        rg, c, n = self._goal, self._c, self.n
        lo = _go._div(self._g_snr_f, c, np.where(rg.floors > 0, np.inf, 0.0))
        hi = _go._div(self._g_snr_u, c, np.where(rg.caps > 0, np.inf, 0.0))
        lo = np.where(rg.off, 0.0, lo)
        hi = np.where(rg.off, 0.0, hi)
        self._g_unreachable = ~np.isfinite(lo)
        lo = np.where(self._g_unreachable, 0.0, lo)  # dropped, reported short
        live = (c > 0) & ~rg.off
        if self.mode == "pga":  # keep the gradient alive where the box allows
            lifted = np.where(live & (hi >= self._p_floor), np.maximum(lo, self._p_floor), lo)
            if float(lifted.sum()) <= self._p_total:
                lo = lifted
        sum_lo = float(lo.sum())
        floors = np.where(self._g_unreachable, 0.0, rg.floors)
        if sum_lo > self._p_total:
            family = "ratio"
            sel = (floors > 0) & (c > 0)
            self._g_sel = sel
            self._g_f = floors[sel]
            self._g_inv_c_sel = 1.0 / c[sel]
            self._g_lo, self._g_hi = np.zeros(n), lo
            self._g_bounds = (0.0, 1.0, 0.25)
        else:
            self._g_lo, self._g_hi = lo, hi
            if rg.objective == Objective.MAX_MIN:
                family = "level"
                active = live & ~_go._dead(c, self._p_total)
                self._g_active = active
                self._g_inv_c_act = np.where(active, self._inv_c, 0.0)
                self._g_bounds = (-_LOG_LAM_LIMIT, math.log(self.table.snr_sat), 2.0)
            else:
                family = "kkt"
                b = np.where(live, (self._weights if rg.objective == Objective.WEIGHTED_SUM else 1.0) * c, 0.0)
                with np.errstate(divide="ignore"):
                    self._g_log_b_s = np.log(b) * self.table.inv_dr
                    self._g_inv_b = 1.0 / b
                self._g_useful = bool(np.any(b > 0))
                self._g_bounds = (-_LOG_LAM_LIMIT, _LOG_LAM_LIMIT, 2.0)
        if family != self._g_family:
            self._g_theta = None
        self._g_family = family
        self._g_sum_lo = float(self._g_lo.sum())
        if rg.objective == Objective.MIN_POWER and family == "kkt":
            self._g_budget = self._least_budget(lo, hi, live)

    def _least_budget(self, lo: np.ndarray, hi: np.ndarray, live: np.ndarray) -> float:
        """min_power: the certified least budget B* in [sum L, P_total] whose
        equal-weight boxed optimum reaches sum_mi_min (P_total if none does: the most
        sum MI P_total gives). Solved here, once per command or channel update (a few
        boxed water-fillings: about ten vectorized solves), not per step."""
        rg, sum_lo = self._goal, float(lo.sum())
        if math.isnan(rg.sum_mi_min) or rg.sum_mi_min <= 0:
            return sum_lo
        c = np.where(live, self._c, 0.0)
        _, f_max, _ = _go._sum_mi_at(self.table, c, lo, hi, self._p_total)
        if f_max < rg.sum_mi_min:
            return self._p_total
        return min(_go._least_budget(self.table, c, lo, hi, rg.sum_mi_min, sum_lo, self._p_total), self._p_total)

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
            if self.mode == "pga" and self._g_family == "kkt" and self._goal.objective == Objective.WEIGHTED_SUM:
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
            ell = _clamp_log_lam(ell + d)
        self._log_lam = _clamp_log_lam(ell + d)
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
    def _goal_response(self, theta: float):
        """(T, sum T, d sum T / d theta) of the goal's response family at theta; T is
        inside the boxes and sum T increases with theta.

        kkt (weighted_sum, min_power): theta = -ln lambda,
        T = clip(I'^{-1}(lambda / b_i) / c_i, L, U); level (max_min): theta = ln sigma,
        T = clip(sigma / c_i, L, U) on the active channels; ratio (floors that do not
        fit): theta = r, T = I^{-1}(r f_i) / c_i on the floored channels."""
        fam = self._g_family
        lo, hi = self._g_lo, self._g_hi
        if fam == "kkt":
            tab = self.table
            ell = -theta
            gap = np.maximum(tab.slope_top - math.exp(ell) * self._g_inv_b, 1e-300)
            x = ((ell - tab.r0) * tab.inv_dr - self._g_log_b_s) - np.log(gap) * tab.inv_dr
            x = np.minimum(np.maximum(x, 0.0), tab.inv_top)
            k = x.astype(np.intp)
            sl = tab.inv_slope[k]
            p = np.exp(tab.inv_t[k] + (x - k) * sl) * self._inv_c
            t = np.minimum(np.maximum(p, lo), hi)
            free = (p > lo) & (p < hi)
            ds = -float(np.dot(np.where(free, p * sl, 0.0), self._dt_scale / gap))
            return t, float(t.sum()), ds
        if fam == "level":
            p = math.exp(theta) * self._g_inv_c_act
            t = np.where(self._g_active, np.minimum(np.maximum(p, lo), hi), lo)
            free = self._g_active & (p > lo) & (p < hi)
            return t, float(t.sum()), float(np.sum(p[free]))
        # ratio
        f = self._g_f
        snr = self.table.snr_for_mi(theta * f)
        t = np.zeros(self.n)
        t[self._g_sel] = snr * self._g_inv_c_sel
        _, d1, _ = self.table.derivatives(np.minimum(snr, self.table.snr_hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            ds = float(np.sum(np.where(d1 > 0, f * self._g_inv_c_sel / d1, np.inf)))
        return t, float(t.sum()), ds

    def _goal_initial_theta(self) -> float:
        fam = self._g_family
        if fam == "kkt":
            b = 1.0 / self._g_inv_b
            useful = b > 0
            if not np.any(useful):
                return 0.0
            _, d1, _ = self.table.derivatives(self._c[useful] * self._power[useful])
            m = b[useful] * d1
            m = m[m > 0]
            return -math.log(float(np.median(m))) if m.size else 0.0
        if fam == "level":
            sic = float(np.sum(self._g_inv_c_act))
            return math.log(max(self._p_total / sic, 1e-300)) if sic > 0 else 0.0
        return 0.5

    def _step_goal(self) -> None:
        """One step toward the goal's optimum: the response family's Newton on theta
        (warm-started, at most newton_iters evaluations), the response fitted to the
        budget inside the boxes, the damped move P <- P + beta (T - P) (convex
        combination of two points of the box-and-budget set: feasible); min_power
        spends the least budget B* (see :meth:`_least_budget`)."""
        p_total = self._p_total
        lo, hi = self._g_lo, self._g_hi
        if self._floor_changed:  # new goal, channels or budget: into the new box first
            self._power = _go.project_box(self._power, lo, hi, p_total)
            self._floor_changed = False
        fam = self._g_family
        rg = self._goal
        budget = self._g_budget if (fam == "kkt" and rg.objective == Objective.MIN_POWER) else p_total
        if fam == "kkt" and not self._g_useful:
            self._power = _go.project_box(self._power, lo, hi, p_total)
            return
        th_lo, th_hi, trust = self._g_bounds
        th = self._g_theta if self._g_theta is not None else self._goal_initial_theta()
        th = min(max(th, th_lo), th_hi)
        log_budget = math.log(budget) if budget > 0 else -745.0
        last = self.newton_iters - 1
        d = 0.0
        for i in range(self.newton_iters):
            t, s, ds = self._goal_response(th)
            g = math.log(s) - log_budget if s > 0 else -745.0
            if abs(g) <= 1e-12 or budget <= self._g_sum_lo:
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
        self._g_theta = min(max(th + d, th_lo), th_hi)
        # fit the response to the budget inside the boxes
        if s > budget:
            free_sum = s - self._g_sum_lo
            kappa = (budget - self._g_sum_lo) / free_sum if free_sum > 0 else 0.0
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
            power = _go.project_box(power, lo, hi, p_total)
        self._power = power

    def _step_pga_goal(self) -> None:
        """pga with a weighted-sum goal: the gradient step, then the exact power-space
        projection onto the box-and-budget set (:func:`goal_optimum.project_box`)."""
        a = np.sqrt(self._power)
        _, d1 = self.estimator.mi_and_grad(self._c * self._power)
        grad = self._weights * d1 * 2.0 * self._c * a
        a = a + self.eta * grad
        self._power = _go.project_box(a * a, self._g_lo, self._g_hi, self._p_total)
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
        lam = getattr(self, "_log_lam", None)
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
        return self._goal is None or (self._g_family != "ratio" and not bool(np.any(self._g_unreachable)))

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
        return _go.goal_shortfall(self.mi(), self._goal)[2]

    def goal_optimum(self) -> "_go.GoalOptimum":
        """The certified optimum of the command in force on the current channels."""
        return _go.goal_optimum(self._gain, self._noise_var, self._weights, self._p_total,
                                self.goal_as_goal(), self.constellation)

    def optimality_gap(self, optimum: "_go.GoalOptimum | None" = None) -> float:
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
        if opt.objective == Objective.MIN_POWER:
            if not opt.feasible:  # sum_mi_min out of reach: the most sum MI at P_total
                return float(opt.total_mi - np.sum(mi))
            return float(np.sum(self._power) - opt.power_used)
        return float(opt.weighted_mi - self.weighted_mi())

    def goal_as_goal(self) -> Goal:
        """The goal in force as a :class:`Goal` (``Goal()`` for the plain weighted sum)."""
        rg = self._goal
        if rg is None:
            return Goal()
        return Goal(rg.objective, rg.floors, rg.caps, rg.off, rg.sum_mi_min)

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
