"""The fleet core: demand curves, the coordinator's solve against the central
optimum, configuration and curve refusals, and leases on the radio side."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steer_ros.fleet.config import FleetConfigError, fleet_config
from steer_ros.fleet.demand import DemandError, check_demand_curve, demand_at, demand_curve
from steer_ros.fleet.lease import Grant, GrantRefused, RadioLease
from steer_ros.fleet.solve import RadioProblem, allocate, central_optimum, curve_set, radio_value
from steer_ros.radio.mutual_information import get_table
from steer_ros.system1.certified_optimum import certified_optimum
from steer_ros.system1.goal import Goal


def _radios(k: int, n: int, seed: int = 1) -> list[RadioProblem]:
    rng = np.random.default_rng(seed)
    return [RadioProblem(rng.gamma(2.0, 0.5 * (i + 1) / k, n)) for i in range(k)]


def test_demand_curve_is_the_kkt_response():
    """At each grid price, the certified optimum at the curve's budget has that multiplier."""
    gain = np.linspace(0.2, 3.0, 8)
    curve = demand_curve(gain, 1.0, None, budget_max=40.0)
    assert np.all(np.diff(curve.price) > 0) and np.all(np.diff(curve.budget) <= 0)
    for j in (3, 20, 40):
        opt = certified_optimum(gain, 1.0, np.ones(8), float(curve.budget[j]))
        assert opt.multiplier == pytest.approx(curve.price[j], rel=1e-3)


def test_demand_curve_respects_goal_boxes_and_min_power():
    gain = np.linspace(0.2, 3.0, 8)
    off = np.zeros(8, dtype=bool)
    off[0] = True
    curve = demand_curve(gain, 1.0, None, budget_max=40.0, goal=Goal(off=off))
    assert curve.budget[0] <= 40.0
    floors = np.full(8, 0.5)
    mp = demand_curve(gain, 1.0, None, budget_max=40.0, goal=Goal(objective="min_power", mi_floor=floors))
    assert np.ptp(mp.budget) == 0 and 0 < mp.budget[0] < 40.0  # inelastic: the least budget


@pytest.mark.parametrize("k,n", [(4, 8), (16, 64)])
def test_coordinator_solve_matches_central_optimum(k, n):
    radios = _radios(k, n)
    cfg = fleet_config(k, cap=4.0 * k * n / 8, reserve=0.0)
    curves = [demand_curve(r.gain, 1.0, None, budget_max=float(cfg.p_max[0])) for r in radios]
    mu, grants = allocate(curve_set(curves), cfg)
    assert float(grants.sum()) <= cfg.cap
    opt = central_optimum(radios, cfg)
    fleet = sum(radio_value(r, g) for r, g in zip(radios, grants, strict=True))
    assert (opt.sum_mi.sum() - fleet) / k < 1e-4  # bits per radio
    assert fleet > sum(radio_value(r, cfg.cap / k) for r in radios)  # beats the equal split
    one = certified_optimum(np.concatenate([r.gain for r in radios]), 1.0, np.ones(k * n), cfg.cap)
    assert opt.sum_mi.sum() == pytest.approx(one.total_mi, abs=1e-8)  # the certificate


def test_solve_with_priorities_coefficients_and_boxes():
    radios = _radios(4, 8, seed=3)
    cfg = fleet_config(4, cap=20.0, a=[1.0, 0.5, 2.0, 1.0], rho=[1.0, 3.0, 1.0, 1.0], p_min=[0, 0, 0, 6.0],
                       p_max=[40, 40, 40, 7.0], reserve=0.5)
    curves = [demand_curve(r.gain, 1.0, None, budget_max=float(cfg.p_max[i])) for i, r in enumerate(radios)]
    _, grants = allocate(curve_set(curves), cfg)
    assert float(np.dot(cfg.a, grants)) <= cfg.cap
    assert np.all(grants >= cfg.lower - 1e-12) and np.all(grants <= cfg.p_max + 1e-12)
    opt = central_optimum(radios, cfg)
    assert np.allclose(grants, opt.budgets, rtol=2e-3, atol=1e-3)
    assert 6.0 <= grants[3] <= 7.0


def test_inactive_radio_is_held_at_its_fixed_grant():
    radios = _radios(3, 8)
    cfg = fleet_config(3, cap=30.0, reserve=1.0)
    curves = [demand_curve(r.gain, 1.0, None, budget_max=30.0) for r in radios]
    _, grants = allocate(curve_set(curves), cfg, active=np.array([True, False, True]), fixed=np.array([0, 7.5, 0]))
    assert grants[1] == 7.5 and grants.sum() <= 30.0 + 1e-9


def test_solve_at_1024_radios_is_vectorized():
    rng = np.random.default_rng(0)
    k = 1024
    base = demand_curve(np.linspace(0.2, 3, 8), 1.0, None, budget_max=100.0)
    curves = [type(base)(base.price * s, base.budget) for s in rng.uniform(0.3, 3.0, k)]
    cfg = fleet_config(k, cap=8.0 * k, p_max=100.0, reserve=1.0)
    mu, grants = allocate(curve_set(curves), cfg)
    assert float(grants.sum()) <= cfg.cap and float(grants.sum()) > 0.999 * cfg.cap and mu > 0


def test_reserves_above_the_cap_are_refused():
    with pytest.raises(FleetConfigError, match="reserves_exceed_cap"):
        fleet_config(4, cap=10.0, reserve=3.0)
    with pytest.raises(FleetConfigError, match="bad_fleet_config"):
        fleet_config(4, cap=10.0, rho=[1, 2])


@pytest.mark.parametrize("price,budget,code", [
    ([1, 2, 3], [5, 4, float("nan")], "not_finite"),
    ([1, 2, 3], [5, 6, 4], "non_monotone"),
    ([1, 3, 2], [5, 4, 3], "non_monotone"),
    ([1, 2, 3], [5e9, 4, 3], "absurd"),
    ([-1, 2, 3], [5, 4, 3], "absurd"),
    ([1, 2], [5, 4, 3], "wrong_length"),
    ([1], [5], "too_few_points"),
])
def test_bad_demand_curves_are_refused_with_a_code(price, budget, code):
    with pytest.raises(DemandError) as err:
        check_demand_curve(price, budget, budget_cap=100.0)
    assert err.value.code == code and str(err.value).startswith(code + ": ")


def test_demand_at_interpolates_in_logs():
    curve = check_demand_curve([1.0, 4.0], [16.0, 1.0])
    assert demand_at(curve, 2.0) == pytest.approx(4.0)
    assert demand_at(curve, 100.0) == pytest.approx(1.0) and demand_at(curve, 0.01) == pytest.approx(16.0)


def _grant(epoch, budget, issued=10.0, lease=3.0, radio="radio1"):
    return Grant(radio, epoch, budget, lease, issued, issued + lease)


def test_lease_runs_out_to_the_reserve_minus_skew():
    lease = RadioLease("radio1", reserve=2.0, p_max=50.0, skew_s=0.25, boot=0.0)
    lease.offer(_grant(5, 20.0), now=10.1)
    assert lease.budget_at(10.2) == 20.0
    assert lease.budget_at(12.74) == 20.0 and lease.budget_at(12.75) == 2.0  # 10 + 3 - 0.25
    lease.offer(_grant(6, 10.0, issued=12.0), now=14.0)  # delayed: the stamped expiry bounds it
    assert lease.budget_at(14.7) == 10.0 and lease.budget_at(14.75) == 2.0


@pytest.mark.parametrize("grant,now,code", [
    (_grant(4, 10.0), 10.1, "stale_epoch"),
    (_grant(9, 60.0), 10.1, "above_box"),
    (_grant(9, float("nan")), 10.1, "bad_grant"),
    (_grant(9, 10.0, radio="radio2"), 10.1, "wrong_radio"),
    (_grant(9, 10.0, issued=0.1), 10.1, "before_boot"),
    (_grant(9, 10.0), 13.0, "expired"),
])
def test_bad_grants_are_refused_and_counted(grant, now, code):
    lease = RadioLease("radio1", reserve=2.0, p_max=50.0, skew_s=0.25, boot=1.0)
    lease.offer(_grant(5, 20.0), now=10.0)
    with pytest.raises(GrantRefused) as err:
        lease.offer(grant, now)
    assert err.value.code == code and lease.refused[code] == 1
    assert lease.budget_at(10.2) == 20.0 and lease.epoch == 5  # unchanged


def test_central_optimum_sum_is_certified_total_table_consistent():
    radios = _radios(2, 4)
    cfg = fleet_config(2, cap=6.0, reserve=0.0)
    opt = central_optimum(radios, cfg)
    table = get_table("qpsk")
    assert math.isclose(sum(float(table.mi(r.gain * p).sum()) for r, p in zip(radios, opt.power, strict=True)),
                        float(opt.sum_mi.sum()), rel_tol=1e-12)
    assert float(opt.budgets.sum()) == pytest.approx(6.0, rel=1e-9)
