"""Mutual information of square QAM over AWGN, and its derivatives (docs/design.md section 2).

Channel (one subchannel, complex baseband)::

    y = sqrt(snr) x + n,   x uniform on a unit-energy square QAM (E|x|^2 = 1),
    n ~ CN(0, 1),          snr = |h|^2 P / sigma^2   (linear, not dB).

All mutual informations are in **bits**, derivatives in bits per unit of linear snr.

Estimators (one interface: ``.mi(snr)``, ``.mi_and_grad(snr)``, vectorized over any
array shape of ``snr``):

``exact`` (:class:`ExactEstimator`)
    A square M-QAM is two independent m-PAM rails (m = sqrt(M)), each seeing a
    real channel ``y = sqrt(snr) u + z`` with unit-energy rail points u and
    z ~ N(0, 1) (half the symbol energy and half the noise: the per-rail snr equals
    the symbol snr). Hence ``I(snr) = 2 I_rail(snr)`` with::

        I_rail = log m - (1/m) sum_j E_z log sum_k exp(-(sqrt(snr)(u_j - u_k) + z)^2/2 + z^2/2)

    evaluated by probabilists' Gauss-Hermite quadrature (``n_nodes`` nodes, 128 by
    default: error < 1e-7 bits for QPSK, 16- and 64-QAM from -20 to 40 dB; 64 nodes
    are *not* enough for 1e-6) and a logsumexp over the rail points. Derivatives by
    I-MMSE (Guo, Shamai, Verdu, IEEE Trans. IT 2005) and its second-order companion
    (Guo, Wu, Shamai, Verdu, IEEE Trans. IT 2011)::

        dI/dsnr   = mmse_rail(snr) / ln 2,        mmse_rail = E[Var(U | Y)]
        d2I/dsnr2 = -E[Var(U | Y)^2] / ln 2

    For QPSK this is the closed form ``dI/dsnr = (1 - E_z tanh(snr + sqrt(snr) z)) / ln 2``.
    I(0) = 0, I'(0) = 1/ln 2, I''(0) = -1/ln 2 for every unit-energy constellation.

``table`` (:class:`TableEstimator`)
    The exact estimator tabulated once per constellation on a uniform grid in
    log snr and interpolated by cubic Hermite polynomials (value and derivative
    both tabulated), so a call costs a few vectorized array operations. Checked in
    the tests against ``exact`` to 1e-8 bits. Also holds the inverse of I'
    (``snr_for_slope``), used by the KKT solvers (``optimum``, ``optimizer``).

``mc`` (:class:`MonteCarloEstimator`)
    The paper's Monte-Carlo estimate, for any constellation X of M points::

        I = log2 M - 1/(M K) sum_x sum_k log2 sum_x' exp(-|sqrt(snr)(x - x') + n_k|^2 + |n_k|^2),

    n_k ~ CN(0, 1), K samples per point, computed with a logsumexp and differentiated
    with torch autograd. Seedable; noisy (its standard error is ``mi_with_stderr``).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from steer_ros import defaults
from steer_ros.radio.constellations import Constellation, get_constellation

__all__ = [
    "ESTIMATORS",
    "ExactEstimator",
    "TableEstimator",
    "MonteCarloEstimator",
    "MITable",
    "make_estimator",
    "get_table",
]

LN2 = math.log(2.0)
_LOG_ZERO = -800.0  # ln of a number that exp() rounds to 0
ESTIMATORS = defaults.ESTIMATORS


def _as_snr(snr) -> np.ndarray:
    arr = np.asarray(snr, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("snr must be finite and >= 0")
    return arr


def _constellation(constellation) -> Constellation:
    if isinstance(constellation, Constellation):
        return constellation
    return get_constellation(constellation)


# --------------------------------------------------------------------------------------
# exact: Gauss-Hermite quadrature over the two PAM rails, I-MMSE derivatives
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _gh(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and weights normalised to sum to one
    (so ``sum w f(z) ~= E f(z)``, z ~ N(0, 1))."""
    z, w = hermegauss(n_nodes)
    return z, w / w.sum()


def rail_quadrature(
    snr: np.ndarray, unit_rail: np.ndarray, n_nodes: int = defaults.MI_GH_NODES, chunk: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I, dI/dsnr and d2I/dsnr2 (bits) of the square QAM whose unit-energy rail is
    ``unit_rail`` (m,), at ``snr`` (S,) linear. Returns three (S,) arrays.

    Uses the mirror symmetry of PAM (u_j <-> -u_j, z <-> -z): only the first half of
    the transmitted rail points is averaged. Memory is bounded by ``chunk``.
    """
    snr = np.asarray(snr, dtype=float).ravel()
    z, w = _gh(n_nodes)
    u = np.asarray(unit_rail, dtype=float)
    m = u.shape[0]
    half = u[: m // 2] if m % 2 == 0 else u
    diff = half[:, None] - u[None, :]  # (j, k)
    out_i = np.empty_like(snr)
    out_d1 = np.empty_like(snr)
    out_d2 = np.empty_like(snr)
    zz = z[None, None, :, None]
    for start in range(0, snr.shape[0], chunk):
        s = np.sqrt(snr[start : start + chunk])[:, None, None, None]  # (S,1,1,1)
        t = s * diff[None, :, None, :] + zz  # (S, j, n, k)
        e = 0.5 * (zz * zz - t * t)  # log-likelihood ratios vs the sent point
        emax = e.max(axis=-1, keepdims=True)
        p = np.exp(e - emax)
        norm = p.sum(axis=-1, keepdims=True)
        lse = (np.log(norm) + emax)[..., 0]  # (S, j, n)
        p /= norm
        mean_u = p @ u  # (S, j, n)  E[U | y]
        var_u = np.maximum(p @ (u * u) - mean_u * mean_u, 0.0)  # Var(U | y)
        sl = slice(start, start + s.shape[0])
        out_i[sl] = 2.0 * (math.log(m) - (lse @ w).mean(axis=1)) / LN2
        out_d1[sl] = (var_u @ w).mean(axis=1) / LN2
        out_d2[sl] = -((var_u * var_u) @ w).mean(axis=1) / LN2
    return out_i, out_d1, out_d2


class _DerivativeEstimator:
    """mi() and mi_and_grad() from a ``derivatives(snr) -> (I, I', I'')`` method."""

    def mi(self, snr) -> np.ndarray:
        """I(snr) in bits, ``snr``'s shape."""
        return self.derivatives(snr)[0]

    def mi_and_grad(self, snr) -> tuple[np.ndarray, np.ndarray]:
        """(I, dI/dsnr) in bits and bits per unit linear snr."""
        i, d1, _ = self.derivatives(snr)
        return i, d1


class ExactEstimator(_DerivativeEstimator):
    """Deterministic MI of a square QAM by Gauss-Hermite quadrature (module docstring).

    Args:
        constellation: name or :class:`Constellation`.
        n_nodes: Gauss-Hermite nodes (probabilists'), default ``MI_GH_NODES``.
    """

    name = "exact"

    def __init__(self, constellation="qpsk", n_nodes: int = defaults.MI_GH_NODES):
        self.constellation = _constellation(constellation)
        if int(n_nodes) < 2:
            raise ValueError(f"n_nodes must be >= 2, got {n_nodes}")
        self.n_nodes = int(n_nodes)

    def derivatives(self, snr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(I, dI/dsnr, d2I/dsnr2) in bits, each of ``snr``'s shape."""
        arr = _as_snr(snr)
        i, d1, d2 = rail_quadrature(arr, self.constellation.unit_rail, self.n_nodes)
        return i.reshape(arr.shape), d1.reshape(arr.shape), d2.reshape(arr.shape)


# --------------------------------------------------------------------------------------
# table: cubic Hermite interpolation of the exact estimator in log snr
# --------------------------------------------------------------------------------------
class MITable:
    """Tabulated I, I', I'' of one constellation on a uniform grid in t = ln snr.

    Grid: ``t in [ln SNR_LO, ln SNR_HI]`` with step ``MI_TABLE_STEP``. Below SNR_LO
    the Taylor expansion ``I ~= (snr - snr^2/2)/ln 2`` is used (error O(snr^3)); above
    SNR_HI the MI is saturated (``I = log2 M``, I' = I'' = 0; the tabulated
    ``log2 M - I(SNR_HI)`` is below 1e-12 bits for every constellation here).

    Inverse slope: ``snr_for_slope(v)`` solves ``I'(snr) = v`` (bits) for
    ``0 < v < 1/ln 2`` on a uniform grid in ``ln v``, linear in ``ln snr``; it returns
    0 for ``v >= 1/ln 2`` and ``SNR_HI`` below the smallest tabulated slope.
    """

    def __init__(self, constellation="qpsk", n_nodes: int = defaults.MI_GH_NODES):
        self.constellation = _constellation(constellation)
        self.bits = self.constellation.bits
        lo, hi, h = defaults.MI_TABLE_SNR_LO, defaults.MI_TABLE_SNR_HI, defaults.MI_TABLE_STEP
        n = int(math.ceil((math.log(hi) - math.log(lo)) / h)) + 1
        self.t0 = math.log(lo)
        self.h = (math.log(hi) - math.log(lo)) / (n - 1)
        self.inv_h = 1.0 / self.h
        self.snr_lo, self.snr_hi = lo, hi
        t = self.t0 + self.h * np.arange(n)
        snr = np.exp(t)
        i, d1, d2 = rail_quadrature(snr, self.constellation.unit_rail, n_nodes)
        # monotone clean-up in the far tail where quadrature underflows
        d1 = np.maximum(np.minimum.accumulate(d1), 0.0)
        i = np.minimum(np.maximum.accumulate(i), self.bits)
        self.n = n
        self.i = i
        self.di_dt = d1 * snr  # dI/dt
        self.d1 = d1
        self.dd1_dt = d2 * snr  # dI'/dt
        self.d2 = d2
        # inverse of the slope, tabulated against r = ln v - ln(1/ln 2 - v), v = I':
        # r ~ -ln snr + const as snr -> 0 and r ~ ln v at saturation, so t(r) is
        # smooth at both ends and linear interpolation is accurate everywhere.
        self.slope_top = 1.0 / LN2
        keep = d1 > defaults.MI_TABLE_MIN_SLOPE
        vf = d1[keep]
        rf = (np.log(vf) - np.log(np.maximum(self.slope_top - vf, 1e-300)))[::-1]  # increasing
        tf = t[keep][::-1]
        ok = np.concatenate(([True], np.diff(rf) > 0))
        rf, tf = rf[ok], tf[ok]
        nr = defaults.MI_INV_TABLE_SIZE
        self.r0 = float(rf[0])
        self.dr = (float(rf[-1]) - self.r0) / (nr - 1)
        self.inv_dr = 1.0 / self.dr
        tg = np.interp(self.r0 + self.dr * np.arange(nr), rf, tf)
        # one more grid point past the top (snr < SNR_LO) with t = -800 (snr = 0):
        # index clamping then needs no masks for inactive channels (x -> top -> 0)
        tg = np.append(tg, _LOG_ZERO)
        self.inv_t = tg
        self.inv_slope = np.append(np.diff(tg), 0.0)
        self.inv_top = float(tg.shape[0] - 1)
        self.snr_sat = float(np.exp(tf[0]))  # slopes below I'(snr_sat): saturated
        self.slope_sat = float(np.exp(rf[0]) * self.slope_top / (1.0 + np.exp(rf[0])))
        # per-cell cubic coefficients of I(t) for the fast :meth:`mi`
        y0, y1 = i[:-1], i[1:]
        m0, m1 = self.h * self.di_dt[:-1], self.h * self.di_dt[1:]
        self._c0, self._c1 = y0, m0
        self._c2 = 3 * (y1 - y0) - 2 * m0 - m1
        self._c3 = 2 * (y0 - y1) + m0 + m1

    # -- forward ---------------------------------------------------------------
    def mi(self, snr: np.ndarray) -> np.ndarray:
        """I(snr) in bits (any shape, >= 0): the cubic Hermite interpolant of
        :meth:`derivatives` with precomputed per-cell coefficients (fast path)."""
        snr = np.asarray(snr, dtype=float)
        x = (np.log(np.maximum(snr, 1e-300)) - self.t0) * self.inv_h
        x = np.minimum(np.maximum(x, 0.0), self.n - 1 - 1e-9)
        k = x.astype(np.intp)
        f = x - k
        i = ((self._c3[k] * f + self._c2[k]) * f + self._c1[k]) * f + self._c0[k]
        i = np.where(snr < self.snr_lo, (snr - 0.5 * snr * snr) / LN2, i)
        return np.where(snr >= self.snr_hi, self.bits, i)

    def derivatives(self, snr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(I, I', I'') in bits at ``snr`` (any shape, >= 0), by cubic Hermite
        interpolation in ln snr (I'' by linear interpolation)."""
        snr = np.asarray(snr, dtype=float)
        with np.errstate(divide="ignore"):
            x = (np.log(np.maximum(snr, 1e-300)) - self.t0) * self.inv_h
        x = np.clip(x, 0.0, self.n - 1 - 1e-9)
        k = x.astype(np.intp)
        f = x - k
        k1 = k + 1
        f2 = f * f
        f3 = f2 * f
        h00 = 2 * f3 - 3 * f2 + 1
        h10 = f3 - 2 * f2 + f
        h01 = -2 * f3 + 3 * f2
        h11 = f3 - f2
        h = self.h
        i = h00 * self.i[k] + h10 * h * self.di_dt[k] + h01 * self.i[k1] + h11 * h * self.di_dt[k1]
        d1 = h00 * self.d1[k] + h10 * h * self.dd1_dt[k] + h01 * self.d1[k1] + h11 * h * self.dd1_dt[k1]
        d2 = self.d2[k] + f * (self.d2[k1] - self.d2[k])
        low = snr < self.snr_lo
        if np.any(low):
            s = snr[low]
            i[low] = (s - 0.5 * s * s) / LN2
            d1[low] = (1.0 - s) / LN2
            d2[low] = -1.0 / LN2
        high = snr >= self.snr_hi
        if np.any(high):
            i[high] = self.bits
            d1[high] = 0.0
            d2[high] = 0.0
        return i, d1, d2

    # -- inverse slope ---------------------------------------------------------
    def log_snr_for_log_slope(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Solve ln I'(snr) = u (I' in bits), vectorized.

        Returns (snr, t = ln snr, dt/du). Where ``u >= ln(1/ln 2)`` (no snr has that
        slope) snr = 0 (t = -800) and dt/du = 0; below the table (saturation)
        snr = ``snr_sat``. Between SNR_LO and 0 the last grid cell interpolates
        linearly in ln snr down to t = -800 (powers below SNR_LO / c are noise).
        """
        u = np.minimum(u, 700.0)  # exp stays finite; such slopes map to snr = 0 anyway
        gap = np.maximum(self.slope_top - np.exp(u), 1e-300)  # <= 0: no such snr -> 0
        x = np.minimum(np.maximum((u - np.log(gap) - self.r0) * self.inv_dr, 0.0), self.inv_top)
        k = x.astype(np.intp)
        sl = self.inv_slope[k]
        t = self.inv_t[k] + (x - k) * sl
        snr = np.exp(t)
        dt_du = sl * self.inv_dr * (self.slope_top / gap)
        return snr, t, dt_du

    # -- inverse MI ------------------------------------------------------------
    def snr_for_mi(self, bits) -> np.ndarray:
        """I^{-1}: the snr >= 0 with I(snr) = ``bits`` (any shape), the exact inverse of
        :meth:`mi`. 0 where bits <= 0, inf where bits >= log2 M (never reached).

        The grid cell is found by ``searchsorted`` on the (non-decreasing) tabulated I,
        then the cell's cubic is inverted by safeguarded Newton in the cell fraction
        (4 iterations from linear interpolation: |mi(snr_for_mi(b)) - b| < 1e-13 bits).
        Below the table (b < I(SNR_LO) ~ 1.4e-10) the Taylor form
        ``snr = 1 - sqrt(1 - 2 b ln 2)`` inverts ``(snr - snr^2/2)/ln 2``."""
        f = np.asarray(bits, dtype=float)
        flat = np.atleast_1d(f).ravel()
        k = np.clip(np.searchsorted(self.i, flat, side="right") - 1, 0, self.n - 2)
        y0, y1 = self.i[k], self.i[k + 1]
        c0, c1, c2, c3 = self._c0[k], self._c1[k], self._c2[k], self._c3[k]
        dy = y1 - y0
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(dy > 0, (flat - y0) / dy, 0.0)
        u = np.clip(u, 0.0, 1.0)
        for _ in range(4):
            val = ((c3 * u + c2) * u + c1) * u + c0 - flat
            der = (3.0 * c3 * u + 2.0 * c2) * u + c1
            with np.errstate(divide="ignore", invalid="ignore"):
                u = np.clip(np.where(der > 0, u - val / der, u), 0.0, 1.0)
        snr = np.exp(self.t0 + (k + u) * self.h)
        with np.errstate(invalid="ignore"):
            taylor = 1.0 - np.sqrt(np.maximum(1.0 - 2.0 * LN2 * flat, 0.0))
        snr = np.where(flat < self.i[0], taylor, snr)
        snr = np.where(flat <= 0.0, 0.0, snr)
        snr = np.where(flat >= self.bits, np.inf, snr)
        snr = np.where(np.isnan(flat), np.nan, snr)
        return snr.reshape(f.shape) if f.ndim else snr.reshape(())

    def snr_for_slope(self, v: np.ndarray) -> np.ndarray:
        """snr >= 0 with I'(snr) = v (bits per unit snr); 0 where v >= 1/ln 2."""
        v = np.asarray(v, dtype=float)
        with np.errstate(divide="ignore"):
            return self.log_snr_for_log_slope(np.log(np.maximum(v, 1e-300)))[0]


@functools.lru_cache(maxsize=8)
def get_table(constellation: str = "qpsk") -> MITable:
    """The (cached, built once per process) :class:`MITable` of a constellation."""
    return MITable(get_constellation(constellation).name)


class TableEstimator(_DerivativeEstimator):
    """Fast deterministic estimator: the exact one, tabulated (see :class:`MITable`)."""

    name = "table"

    def __init__(self, constellation="qpsk"):
        self.constellation = _constellation(constellation)
        self.table = get_table(self.constellation.name)

    def derivatives(self, snr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arr = _as_snr(snr)
        i, d1, d2 = self.table.derivatives(arr.ravel())
        return i.reshape(arr.shape), d1.reshape(arr.shape), d2.reshape(arr.shape)


# --------------------------------------------------------------------------------------
# mc: the paper's Monte-Carlo estimator, torch autograd
# --------------------------------------------------------------------------------------
class MonteCarloEstimator:
    """The paper's Monte-Carlo MI estimate for any constellation (module docstring).

    Args:
        constellation: name or :class:`Constellation`.
        n_samples: K, noise samples per constellation point (default ``MC_SAMPLES``).
        seed: seeds a private torch generator; every call draws fresh noise from it,
            so a sequence of calls is reproducible but each estimate is noisy.
        max_elements: bound on the size of one intermediate tensor (memory).
    """

    name = "mc"

    def __init__(
        self,
        constellation="qpsk",
        n_samples: int = defaults.MC_SAMPLES,
        seed: int | None = 0,
        max_elements: int = 4_000_000,
    ):
        import torch

        self._torch = torch
        self.constellation = _constellation(constellation)
        if int(n_samples) < 2:
            raise ValueError(f"n_samples must be >= 2, got {n_samples}")
        self.n_samples = int(n_samples)
        self.generator = torch.Generator()
        self.generator.manual_seed(0 if seed is None else int(seed))
        self.max_elements = int(max_elements)
        pts = torch.tensor(self.constellation.points, dtype=torch.complex128)
        self._diff = pts[:, None] - pts[None, :]  # (M, M') x - x'

    def _chunk(self, s, noise):
        """(S, M, K) per-sample terms log2 sum_x' exp(...) for s = sqrt(snr) (S,)."""
        torch = self._torch
        sc = s.to(torch.complex128)[:, None, None, None]
        nz = noise[:, :, None, :]  # (S, M, 1, K)
        d = sc * self._diff[None, :, :, None] + nz  # (S, M, M', K)
        e = -(d.real**2 + d.imag**2) + (nz.real**2 + nz.imag**2)
        return torch.logsumexp(e, dim=2) / LN2

    def _run(self, snr, grad: bool):
        """Estimate (and differentiate) chunk by chunk over channels: channels are
        independent, so a chunk's backward pass needs only that chunk's graph and the
        memory stays bounded by ``max_elements``."""
        torch = self._torch
        arr = _as_snr(snr)
        flat = np.sqrt(np.maximum(arr.ravel(), 1e-12))
        m, k = self._diff.shape[0], self.n_samples
        noise = torch.complex(
            torch.randn(flat.shape[0], m, k, generator=self.generator, dtype=torch.float64),
            torch.randn(flat.shape[0], m, k, generator=self.generator, dtype=torch.float64),
        ) * math.sqrt(0.5)  # CN(0, 1), K samples per point and channel
        mi = np.empty(flat.shape[0])
        se = np.empty(flat.shape[0])
        d_snr = np.empty(flat.shape[0]) if grad else None
        step = max(1, self.max_elements // (m * m * k))
        for a in range(0, flat.shape[0], step):
            s = torch.tensor(flat[a : a + step], dtype=torch.float64, requires_grad=grad)
            with torch.set_grad_enabled(grad):
                v = self._chunk(s, noise[a : a + step])  # (S, M, K)
                est = self.constellation.bits - v.mean(dim=(1, 2))
                if grad:
                    (d_s,) = torch.autograd.grad(est.sum(), s)
                    d_snr[a : a + step] = (d_s / (2.0 * s)).detach().numpy()
            mi[a : a + step] = est.detach().numpy()
            se[a : a + step] = v.detach().std(dim=(1, 2)).numpy() / math.sqrt(m * k)
        return mi.reshape(arr.shape), (d_snr.reshape(arr.shape) if grad else None), se.reshape(arr.shape)

    def mi(self, snr) -> np.ndarray:
        """Monte-Carlo I(snr) in bits (fresh noise on every call)."""
        return self._run(snr, grad=False)[0]

    def mi_with_stderr(self, snr) -> tuple[np.ndarray, np.ndarray]:
        """(I, its standard error) in bits."""
        mi, _, se = self._run(snr, grad=False)
        return mi, se

    def mi_and_grad(self, snr) -> tuple[np.ndarray, np.ndarray]:
        """(I, dI/dsnr) by torch autograd through the estimate (w.r.t. sqrt(snr),
        then the chain rule; snr is floored at 1e-12)."""
        mi, d, _ = self._run(snr, grad=True)
        return mi, d


def mc_standard_error(snr, constellation="qpsk", n_samples: int = defaults.MC_SAMPLES,
                      n_nodes: int = defaults.MI_GH_NODES) -> np.ndarray:
    """True standard error (bits) of :class:`MonteCarloEstimator` with K = n_samples,
    by quadrature: for square QAM the per-sample term ``log2 sum_x' exp(...)`` is the
    sum of two independent rail terms L_re + L_im, so its variance is
    ``2 Var(L_rail)`` over a uniform point and Gaussian noise, and the estimate's
    standard error is ``sqrt(2 Var(L_rail) / (M K))``. (The empirical standard error
    underestimates it at high snr, where rare error events dominate the estimate.)"""
    arr = _as_snr(snr)
    const = _constellation(constellation)
    z, w = _gh(n_nodes)
    u = const.unit_rail
    s = np.sqrt(arr.ravel())[:, None, None, None]
    zz = z[None, None, :, None]
    t = s * (u[:, None] - u[None, :])[None, :, None, :] + zz
    lse = np.logaddexp.reduce(0.5 * (zz * zz - t * t), axis=-1) / LN2  # (S, m, n)
    mean = (lse @ w).mean(axis=1)
    var = np.maximum(((lse * lse) @ w).mean(axis=1) - mean * mean, 0.0)
    return np.sqrt(2.0 * var / (const.size * int(n_samples))).reshape(arr.shape)


def make_estimator(name: str = defaults.ESTIMATOR, constellation="qpsk", **kw):
    """Estimator by name: "exact", "table" or "mc" (keyword arguments go to it)."""
    if name == "exact":
        return ExactEstimator(constellation, **kw)
    if name == "table":
        return TableEstimator(constellation, **kw)
    if name == "mc":
        return MonteCarloEstimator(constellation, **kw)
    raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, got {name!r}")
