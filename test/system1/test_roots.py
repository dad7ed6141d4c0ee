"""The one bracketed root finder of the certified solvers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steer_ros.system1.roots import bracketed_newton, vector_newton


def cubic(x):
    return x ** 3 - 2.0, 3.0 * x * x, ("payload", x)


def test_newton_finds_a_root_and_returns_its_payload():
    root = bracketed_newton(cubic, 0.0, 4.0, 3.0, increasing=True, ftol=1e-14)
    assert root.x == pytest.approx(2 ** (1 / 3), abs=1e-14)
    assert root.payload == ("payload", root.x)
    assert root.iterations < 12  # Newton, not bisection (60 halvings for 1e-15)


def test_a_decreasing_function_and_a_bad_derivative_fall_back_to_bisection():
    # no derivative at all: bisection alone, still to the tolerance, inside the bracket
    root = bracketed_newton(lambda x: (1.0 - x, math.nan, None), -3.0, 5.0, 4.0, increasing=False, ftol=1e-12,
                            max_iter=200)
    assert root.x == pytest.approx(1.0, abs=1e-11)


def test_the_closed_bracket_returns_the_requested_side():
    # a step function: no |g| <= ftol anywhere, the bracket closes at the jump (x = 1)
    def step(x):
        return (-1.0 if x < 1.0 else 1.0), 0.0, None

    low = bracketed_newton(step, 0.0, 3.0, 0.5, increasing=True, ftol=0.0)
    high = bracketed_newton(step, 0.0, 3.0, 0.5, increasing=True, ftol=0.0, closed_side="positive")
    assert low.x < 1.0 <= high.x and high.x - low.x < 1e-14
    nan_side = bracketed_newton(lambda x: (math.nan if x > 2 else x - 2.5, 1.0, None), 0.0, 4.0, 3.0,
                                increasing=True, ftol=0.0)  # nan counts as "too large"
    assert nan_side.x == pytest.approx(2.0, abs=1e-13)


def test_vector_newton_solves_many_roots_at_once():
    targets = np.array([0.1, 1.0, 5.0, 30.0])
    x = vector_newton(lambda x: (np.exp(x) - targets, np.exp(x)), np.full(4, -10.0), np.full(4, 10.0),
                      np.zeros(4), increasing=True, iters=60)
    np.testing.assert_allclose(x, np.log(targets), atol=1e-13)
