import math
import time

import numpy as np
import pytest
from scipy.optimize import minimize

from steer_ros.defaults import design_gains
from steer_ros.radio.mutual_information import ExactEstimator
from steer_ros.system1.certified_optimum import certified_optimum, min_budget_for_sum_mi


def slsqp_best(gain, noise_var, weights, p_total, name, rng, starts=6):
    """Independent general-purpose solver: SLSQP from many random starts."""
    est = ExactEstimator(name)
    c = gain / noise_var
    n = gain.size

    def f(p):
        return -float(np.dot(weights, est.mi(c * np.maximum(p, 0))))

    def jac(p):
        return -weights * c * est.mi_and_grad(c * np.maximum(p, 0))[1]

    cons = [{"type": "ineq", "fun": lambda p: p_total - p.sum(), "jac": lambda p: -np.ones(n)}]
    best = -np.inf
    for _ in range(starts):
        x0 = rng.dirichlet(np.ones(n)) * p_total
        res = minimize(f, x0, jac=jac, method="SLSQP", bounds=[(0, p_total)] * n,
                       constraints=cons, options={"ftol": 1e-15, "maxiter": 1000})
        p = np.clip(res.x, 0, None)
        if p.sum() > p_total:
            p *= p_total / p.sum()
        best = max(best, -f(p))
    return best


@pytest.mark.parametrize("name", ["qpsk", "16qam", "64qam"])
def test_matches_slsqp_multistart(name):
    rng = np.random.default_rng({"qpsk": 1, "16qam": 2, "64qam": 3}[name])
    est = ExactEstimator(name)
    for _ in range(6):
        n = int(rng.integers(2, 7))
        gain = 10 ** rng.uniform(-4, 1, n)  # includes deep fades
        gain[rng.random(n) < 0.15] = 1e-7
        noise = 10 ** rng.uniform(-0.5, 0.5, n)
        w = rng.uniform(0, 1, n)
        w[rng.random(n) < 0.3] = 0.0  # zero weights
        if w.sum() == 0:
            w[0] = 1.0
        p_total = float(10 ** rng.uniform(-1, 2))
        res = certified_optimum(gain, noise, w, p_total, name)
        assert res.power.sum() <= p_total * (1 + 1e-12)
        assert np.all(res.power >= 0)
        assert np.all(res.power[w == 0] == 0)
        ours = float(np.dot(w, est.mi(gain / noise * res.power)))  # scored exactly
        ref = slsqp_best(gain, noise, w, p_total, name, rng)
        assert ours >= ref - 1e-6, (ours, ref)
        assert abs(ours - res.weighted_mi) < 1e-6


def test_design_defaults_kkt():
    g = design_gains()
    res = certified_optimum(g, 1.0, np.full(8, 1 / 8), 40.0)
    assert res.power.sum() == pytest.approx(40.0, rel=1e-12)
    # KKT: w c I'(snr) equal on the active set
    _, d1 = ExactEstimator().mi_and_grad(res.snr)
    marg = g * d1 / 8
    assert np.all(res.power > 0)
    assert np.ptp(marg) / marg.mean() < 1e-3
    assert res.multiplier == pytest.approx(marg.mean(), rel=1e-3)
    assert 14.0 < res.total_mi < 16.0
    # weaker channels get more power in this regime (mercury/water-filling)
    assert np.all(np.diff(res.power) < 0)


def test_edge_cases():
    g = np.array([1.0, 2.0, 0.0])
    assert np.all(certified_optimum(g, 1.0, [0, 0, 0], 10.0).power == 0)
    assert np.all(certified_optimum(g, 1.0, [1, 1, 1], 0.0).power == 0)
    r = certified_optimum(g, 1.0, [0, 1, 1], 10.0)
    assert r.power[0] == 0 and r.power[2] == 0 and r.power[1] == pytest.approx(10.0)
    # everything saturates: power left unspent, MI at log2 M
    r = certified_optimum([1.0, 1.0], 1.0, [1, 1], 1e6)
    assert r.total_mi == pytest.approx(4.0, abs=1e-9) and r.power.sum() <= 1e6
    # single channel takes the whole budget
    assert certified_optimum([0.3], 2.0, [1.0], 5.0).power[0] == pytest.approx(5.0)


@pytest.mark.parametrize("field,kw", [
    ("gain", dict(gain=[1, -1])), ("gain", dict(gain=[1, np.nan])),
    ("noise_var", dict(noise_var=[1, 0])), ("weights", dict(weights=[1, -0.1])),
    ("weights", dict(weights=[1, 1, 1])), ("p_total", dict(p_total=-1.0)),
    ("p_total", dict(p_total=math.inf)),
])
def test_validation(field, kw):
    args = dict(gain=[1.0, 2.0], noise_var=[1.0, 1.0], weights=[0.5, 0.5], p_total=1.0)
    args.update(kw)
    with pytest.raises(ValueError, match=field):
        certified_optimum(**args)


def test_cheap_at_n8():
    g = design_gains()
    w = np.full(8, 1 / 8)
    certified_optimum(g, 1.0, w, 40.0)
    best = np.inf
    for _ in range(5):  # best of 5 batches: robust to other processes on the machine
        t = time.perf_counter()
        for _ in range(100):
            certified_optimum(g, 1.0, w, 40.0)
        best = min(best, (time.perf_counter() - t) / 100)
    assert best < 1e-3


def test_min_budget_for_sum_mi():
    g = design_gains()
    p = min_budget_for_sum_mi(g, 1.0, 10.0)
    assert certified_optimum(g, 1.0, None, p).total_mi == pytest.approx(10.0, abs=1e-6)
    assert certified_optimum(g, 1.0, None, p * (1 - 1e-4)).total_mi < 10.0
    assert min_budget_for_sum_mi(g, 1.0, 0.0) == 0.0
    p2 = min_budget_for_sum_mi(g, 1.0, 15.99, "qpsk")
    assert certified_optimum(g, 1.0, None, p2).total_mi == pytest.approx(15.99, abs=1e-6)
    with pytest.raises(ValueError, match="unreachable"):
        min_budget_for_sum_mi(g, 1.0, 16.0)
    with pytest.raises(ValueError, match="unreachable"):
        min_budget_for_sum_mi([1.0, 0.0], 1.0, 3.0)
    p3 = min_budget_for_sum_mi(g, 1.0, 30.0, "16qam")
    assert certified_optimum(g, 1.0, None, p3, "16qam").total_mi == pytest.approx(30.0, abs=1e-6)
