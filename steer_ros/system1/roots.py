"""One bracketed root finder for the certified solvers (not the real-time path).

:func:`bracketed_newton` solves ``g(x) = 0`` for a monotone ``g`` on a bracket
``[lo, hi]``: a Newton step from the current point when it lands strictly inside the
bracket, else the midpoint (so it never leaves the bracket and never does worse than
bisection); every evaluation shrinks the bracket by the sign of ``g``. The solvers of
:mod:`certified_optimum` and :mod:`goal_optimum` (budget-spending multipliers,
levels, ratios and least budgets) are all this one loop with their own ``g``.

:func:`vector_newton` is its per-element form for many independent scalar roots at
once (alpha_fair's per-channel response), with a fixed number of iterations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Root", "bracketed_newton", "vector_newton"]


@dataclass(frozen=True)
class Root:
    """x: the root found; payload: what ``fun`` returned with it; iterations: evaluations."""

    x: float
    payload: Any
    iterations: int


def bracketed_newton(fun: Callable[[float], tuple[float, float, Any]], lo: float, hi: float, x0: float, *,
                     increasing: bool, ftol: float, xtol_rel: float = 1e-15, xtol_abs: float = 1.0,
                     max_iter: int = 200, closed_side: str = "nonpositive") -> Root:
    """Root of a monotone ``g`` on ``[lo, hi]`` by Newton inside a bisection bracket.

    ``fun(x) -> (g, dg, payload)``: the value, its derivative (``nan`` or the wrong
    sign = no Newton step) and anything the caller wants back with the root. Stops
    when ``|g| <= ftol`` or the bracket is narrower than
    ``xtol_rel * max(xtol_abs, |x|)``; the root is the last point evaluated, or when
    the bracket closes first, its end on ``closed_side``: ``"nonpositive"`` (where
    ``g <= 0``) or ``"positive"`` (where ``g > 0``, e.g. the least budget that meets a
    target). ``g`` may be ``nan`` (treated as too large)."""
    x = min(max(x0, lo), hi)
    g, dg, payload = fun(x)
    it = 1
    while True:
        if abs(g) <= ftol:
            return Root(x, payload, it)
        big = not (g <= 0.0)  # nan counts as "too large"
        if big == increasing:
            hi = x
        else:
            lo = x
        if hi - lo <= xtol_rel * max(xtol_abs, abs(x)) or it >= max_iter:
            end = lo if increasing == (closed_side == "nonpositive") else hi
            if end != x:
                g, dg, payload = fun(end)
                it += 1
            return Root(end, payload, it)
        xn = x - g / dg if (dg != 0.0 and math.isfinite(dg) and math.isfinite(g)) else math.nan
        x = xn if lo < xn < hi else 0.5 * (lo + hi)
        g, dg, payload = fun(x)
        it += 1


def vector_newton(fun: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], lo: np.ndarray, hi: np.ndarray,
                  x0: np.ndarray, *, increasing: bool, iters: int = 60) -> np.ndarray:
    """Elementwise roots of monotone ``g`` with brackets ``[lo, hi]`` (arrays):
    ``fun(x) -> (g, dg)`` elementwise; Newton where it stays strictly inside the
    bracket, the midpoint elsewhere; ``iters`` rounds (each halves a bracket at worst).
    Elements whose bracket is empty or already met keep their ``x0``."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    x = np.minimum(np.maximum(np.asarray(x0, dtype=float), lo), hi)
    for _ in range(iters):
        g, dg = fun(x)
        big = ~(g <= 0.0)
        up = big == increasing
        hi = np.where(up, x, hi)
        lo = np.where(up, lo, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = x - g / dg
        inside = np.isfinite(xn) & (xn > lo) & (xn < hi)
        x = np.where(g == 0.0, x, np.where(inside, xn, 0.5 * (lo + hi)))
    return x
