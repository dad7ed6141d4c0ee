import numpy as np
import pytest

from steer_ros.defaults import design_gains
from steer_ros.system1.baselines import b0, b1, gaussian_waterfilling
from steer_ros.system1.certified_optimum import certified_optimum


def test_b1_below_b0_at_design_defaults():
    g = design_gains()
    r0 = b0(g, 1.0, 40.0)
    r1 = b1(g, 1.0, np.full(8, 1 / 8), 40.0)
    assert r1.total_mi < r0.total_mi - 0.5
    assert r0.total_mi == pytest.approx(certified_optimum(g, 1.0, None, 40.0).total_mi, abs=1e-9)
    assert r0.power.sum() <= 40.0 * (1 + 1e-12) and r1.power.sum() == pytest.approx(40.0)
    # B1 over-feeds the strong channels
    assert r1.power[-1] > r0.power[-1] and r1.power[0] < r0.power[0]


def test_waterfilling_is_the_gaussian_optimum():
    """Water level structure, and it beats random feasible points on sum w log(1 + c P)."""
    rng = np.random.default_rng(4)
    for _ in range(50):
        n = int(rng.integers(1, 10))
        c = 10 ** rng.uniform(-3, 2, n)
        w = rng.uniform(0, 1, n)
        w[rng.random(n) < 0.2] = 0
        if w.sum() == 0:
            w[0] = 1
        pt = float(10 ** rng.uniform(-2, 2))
        p = gaussian_waterfilling(c, 1.0, w, pt)
        assert p.sum() == pytest.approx(pt, rel=1e-10)
        assert np.all(p >= 0) and np.all(p[w == 0] == 0)
        active = p > 0
        mu = (p[active] + 1 / c[active]) / w[active]
        assert np.ptp(mu) <= 1e-9 * mu.max()
        assert np.all(w[~active] * mu[0] <= 1 / c[~active] + 1e-12)
        def f(q, w=w, c=c):
            return np.sum(w * np.log1p(c * q))
        for _ in range(20):
            q = rng.dirichlet(np.ones(n)) * pt
            assert f(p) >= f(q) - 1e-12


def test_edge_cases_and_validation():
    assert np.all(gaussian_waterfilling([1.0, 2.0], 1.0, [0, 0], 5.0) == 0)
    assert np.all(gaussian_waterfilling([0.0, 0.0], 1.0, [1, 1], 5.0) == 0)
    r = b1([1.0, 2.0], [1.0, 1.0], [1.0, 1.0], 1e6, "16qam")
    assert r.total_mi == pytest.approx(8.0, abs=1e-9)
    with pytest.raises(ValueError, match="weights"):
        b1([1.0, 2.0], 1.0, [1.0, np.nan], 1.0)
    with pytest.raises(ValueError, match="p_total"):
        b0([1.0, 2.0], 1.0, -1.0)
