"""System 1: the always-feasible fast optimizer (DESIGN 2).

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
from steer_ros.system1.certified_optimum import validate_problem
from steer_ros.system2.snapshot import SystemSnapshot

__all__ = ["MODES", "System1", "project_power"]

MODES = ("default", "pga")


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
        if hasattr(self, "_weights"):
            self._refresh()

    def set_command(self, weights=None, p_total: float = math.nan) -> None:
        """Replace weights (None = keep) and budget (NaN = keep), used from the next
        step. Validated before anything changes: ValueError naming ``weights`` or
        ``p_total``; on error the previous command stays in force."""
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
        self._weights, self._p_total = w, p
        self._refresh()
        if self._power.shape[0] == self.n:  # feasible at once (a budget cut), not only after step()
            self._power = project_power(self._power, self._p_floor, p)

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
        if self.mode == "default":
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

    def snapshot(self) -> SystemSnapshot:
        return SystemSnapshot(
            gain=self.gain,
            noise_var=self.noise_var,
            power=self.power,
            mi=self.mi(),
            weights=self.weights,
            p_total=self._p_total,
        )
