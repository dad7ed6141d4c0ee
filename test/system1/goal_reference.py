"""An independent reference solver for goal instances: multi-start scipy SLSQP on the
power vector with the MI constraints written out (no boxes, no KKT structure), and a
random instance generator shared by the goal tests."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize

from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.goal import Goal, Objective


def random_instance(rng: np.random.Generator, objective: str = "weighted_sum", n: int | None = None,
                    tight: bool = False, alpha: float = 1.0, power_caps: bool = False, floors: bool = True):
    """(gain, weights, p_total, goal): N in 5..64, gains over 20 dB, random weights,
    ~30% floored, ~30% capped, ~10% off; ``tight`` shrinks the budget so that some
    instances are infeasible. ``power_caps``: ~40% of the channels get a power cap
    in [0.2, 2] x P_total / N, above the power of its channel's floor; ``floors``
    False: no floors (nor MI caps)."""
    n = int(rng.integers(5, 65)) if n is None else n
    gain = 10 ** rng.uniform(-1, 1, n)
    w = rng.uniform(0.1, 1.0, n)
    floors_on = floors
    floors = np.where(rng.random(n) < 0.3, rng.uniform(0.2, 1.5, n), 0.0)
    caps = np.where(rng.random(n) < 0.3, rng.uniform(0.6, 1.9, n), np.inf)
    caps = np.maximum(caps, floors)
    off = (rng.random(n) < 0.1) & (floors == 0)
    p_total = float(rng.uniform(0.2, 1.0) if tight else rng.uniform(0.5, 3.0)) * n
    smin = float(rng.uniform(0.3, 1.2) * n) if objective == "min_power" else math.nan
    if not floors_on:
        floors, caps = np.zeros(n), np.full(n, np.inf)
    pcap = None
    if power_caps:
        table = get_table("qpsk")
        need = table.snr_for_mi(floors) / gain
        pcap = np.where(rng.random(n) < 0.4, rng.uniform(0.2, 2.0, n) * p_total / n, np.inf)
        pcap = np.where(np.isfinite(pcap), np.maximum(pcap, 1.05 * need), pcap)
    goal = Goal(Objective.parse(objective), floors, caps, off, smin, alpha=alpha, power_cap=pcap)
    return gain, w, p_total, goal


def _mi(c, p, table):
    return table.mi(c * np.maximum(p, 0.0))


def _dmi(c, p, table):
    return c * table.derivatives(c * np.maximum(p, 0.0))[1]


def slsqp(gain, weights, p_total, goal: Goal, constellation="qpsk", starts: int = 6, seed: int = 0,
          maxiter: int = 300, floor_starts: bool = False):
    """Best of ``starts`` SLSQP runs from random feasible-budget points. Returns
    (value, power): weighted_sum -> sum w_i I_i (w normalized); max_min -> the level t
    (variables P and t, I_i >= min(t, u_i) on the channels not off); min_power ->
    sum P; alpha_fair -> sum w_i U_alpha(I_i) (w normalized; channels that can carry
    no MI -- off, or a zero cap -- left out). Power caps are bounds on P. None if no
    run converged. ``maxiter``: SLSQP iterations per start."""
    table = get_table(constellation)
    rng = np.random.default_rng(seed)
    c = np.asarray(gain, float)
    n = c.shape[0]
    w = np.asarray(weights, float) / np.sum(weights)
    fl, cp = goal.floors(n), goal.caps(n)
    off = goal.off_mask(n)
    capped = np.isfinite(cp)
    obj = Objective.parse(goal.objective)
    k = n + (1 if obj == Objective.MAX_MIN else 0)

    def P(x):
        return x[:n]

    cons = [{"type": "ineq", "fun": lambda x: p_total - P(x).sum(),
             "jac": lambda x: -np.concatenate([np.ones(n), np.zeros(k - n)])}]
    fm = fl > 0
    if fm.any():
        cons.append({"type": "ineq", "fun": lambda x: (_mi(c, P(x), table) - fl)[fm],
                     "jac": lambda x: np.hstack([np.diag(_dmi(c, P(x), table))[fm], np.zeros((fm.sum(), k - n))])})
    if capped.any():
        cons.append({"type": "ineq", "fun": lambda x: (cp - _mi(c, P(x), table))[capped],
                     "jac": lambda x: np.hstack([-np.diag(_dmi(c, P(x), table))[capped],
                                                 np.zeros((capped.sum(), k - n))])})
    if obj == Objective.MAX_MIN:
        act = ~off
        # a channel at its power cap leaves the min like one at its MI cap
        cp_level = np.minimum(cp, table.mi(c * np.minimum(goal.power_caps(n), 1e100)))

        def lev(x):
            return _mi(c, P(x), table)[act] - np.minimum(x[n], cp_level[act])

        def lev_j(x):
            j = np.zeros((act.sum(), k))
            j[:, :n] = np.diag(_dmi(c, P(x), table))[act]
            j[:, n] = -(x[n] < cp_level[act]).astype(float)
            return j

        cons.append({"type": "ineq", "fun": lev, "jac": lev_j})

        def f(x):
            return -x[n]

        def fj(x):
            g = np.zeros(k)
            g[n] = -1.0
            return g
    elif obj == Objective.MIN_POWER:
        if not math.isnan(goal.sum_mi_min):
            cons.append({"type": "ineq", "fun": lambda x: _mi(c, P(x), table).sum() - goal.sum_mi_min,
                         "jac": lambda x: _dmi(c, P(x), table)})

        def f(x):
            return P(x).sum()

        def fj(x):
            return np.ones(n)
    elif obj == Objective.ALPHA_FAIR:
        alpha = float(goal.alpha)
        fair = ~off & (cp > 0)

        def util(x):
            m = np.maximum(_mi(c, P(x), table)[fair], 1e-300)
            return np.log(m) if alpha == 1.0 else m ** (1.0 - alpha) / (1.0 - alpha)

        def f(x):
            return -float(np.dot(w[fair], util(x)))

        def fj(x):
            g = np.zeros(n)
            m = np.maximum(_mi(c, P(x), table)[fair], 1e-300)
            g[fair] = -w[fair] * m ** (-alpha) * _dmi(c, P(x), table)[fair]
            return g
    else:
        def f(x):
            return -float(np.dot(w, _mi(c, P(x), table)))

        def fj(x):
            return -w * _dmi(c, P(x), table)

    pcap = goal.power_caps(n)
    floor_p = 1e-9 * p_total / n if obj == Objective.ALPHA_FAIR else 0.0  # U_alpha(0) = -inf for alpha >= 1
    bounds = [(0.0, 0.0) if o else (min(floor_p, pc), min(p_total, pc)) for o, pc in zip(off, pcap, strict=True)]
    bounds += [(0.0, table.bits)] if k > n else []
    # floor_starts: from the floors' power plus a random share of the rest (a start
    # that meets the floors, when they fit; SLSQP's own constraints do the rest)
    start = np.where(fm & ~off, table.snr_for_mi(fl) / c, 0.0) if floor_starts else np.zeros(n)
    if not np.all(np.isfinite(start)) or start.sum() >= p_total:
        start = np.zeros(n)
    best = None
    for _ in range(starts):
        x0 = start + rng.dirichlet(np.ones(n)) * (p_total - start.sum()) * 0.99
        x0 = np.clip(x0, [b[0] for b in bounds[:n]], [b[1] for b in bounds[:n]])
        x0[off] = 0.0
        if k > n:
            x0 = np.append(x0, 0.0)
        r = minimize(f, x0, jac=fj, bounds=bounds, constraints=cons, method="SLSQP",
                     options={"maxiter": maxiter, "ftol": 1e-13})
        viol = max([0.0] + [float(-np.min(cn["fun"](r.x))) for cn in cons])
        if viol > 1e-8:
            continue
        if best is None or r.fun < best.fun:
            best = r
    if best is None:
        return None
    val = -best.fun if obj != Objective.MIN_POWER else best.fun
    return float(val), best.x[:n]
