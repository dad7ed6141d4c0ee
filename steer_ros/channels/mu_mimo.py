"""Multi-user MIMO downlink with a zero-forcing precoder: the K users' effective gains.

M transmit antennas serve K <= M single-antenna users over the channel H (K x M). The
zero-forcing precoder V = H^H (H H^H)^-1 makes HV = I: user k receives only its own
symbol, y_k = sqrt(q_k) x_k + n_k, while the array radiates P_k = q_k ||v_k||^2 =
q_k [(H H^H)^-1]_kk for it. In terms of the radiated power each user is one parallel
channel of gain

    g_k = 1 / [(H H^H)^-1]_kk,

under sum_k P_k <= P_total: the package's power-allocation problem with the K users as
its K channels (docs/design.md, "Multi-user MIMO downlink"). g_k is the squared distance
of h_k (row k of H) from the span of the other K - 1 rows; for i.i.d. CN(0, 1) entries
that is the energy of a CN(0, I) vector in M - K + 1 dimensions, so
g_k ~ Gamma(M - K + 1, 1), mean and variance M - K + 1 (Tse and Viswanath, Fundamentals
of Wireless Communication, 2005, ch. 8).

Computed through the QR factorization H^H = Q R (R is K x K upper triangular, H H^H =
R^H R): [(H H^H)^-1]_kk = ||row k of R^-1||^2. R has the condition number of H, not its
square as H H^H has, and no explicit inverse of H H^H is formed.
"""

from __future__ import annotations

import numpy as np

from steer_ros import defaults
from steer_ros.validation import InvalidInput

__all__ = ["ANTENNAS_RANGE", "AntennaError", "check_antennas", "gamma_moments", "zf_gains"]

#: Accepted range (inclusive) of ``antennas`` (M); the channel_sim node declares it.
ANTENNAS_RANGE: tuple[int, int] = (1, defaults.MU_MIMO_MAX_ANTENNAS)


class AntennaError(InvalidInput):
    """A refused ``antennas`` (M) of the ``mu_mimo_zf`` scenario. ``code`` is the reason
    code (``bad_antennas``: not an integer; ``antennas_out_of_range``; ``too_few_antennas``:
    fewer antennas than users); ``str(err)`` is ``"code: detail"``, the detail naming the
    values."""

    def __init__(self, code: str, detail: str):
        super().__init__("antennas", detail)
        self.code = code
        self.args = (f"{code}: {detail}",)


def check_antennas(antennas, users: int | None = None) -> int:
    """``antennas`` as an int, or AntennaError: an integer (not a bool), within
    ANTENNAS_RANGE, and, with ``users`` (K = n_channels) given, at least K."""
    if isinstance(antennas, bool) or not isinstance(antennas, (int, np.integer)):
        raise AntennaError("bad_antennas", f"antennas must be an integer, got {antennas!r}")
    m = int(antennas)
    lo, hi = ANTENNAS_RANGE
    if not lo <= m <= hi:
        raise AntennaError("antennas_out_of_range", f"antennas must be in [{lo}, {hi}], got {m}")
    if users is not None and int(users) > m:
        raise AntennaError("too_few_antennas", f"antennas M = {m} < users K = n_channels = {int(users)}: "
                                               "zero-forcing separates at most M users")
    return m


def zf_gains(h: np.ndarray) -> np.ndarray:
    """g_k = 1 / [(H H^H)^-1]_kk for every user: ``h`` is (..., K, M) with K <= M, the
    result (..., K), real and >= 0. Vectorized over the leading axes (one batched QR and
    one batched triangular solve); a rank-deficient H (some user in the span of the
    others, probability 0 for fading channels) gives g = 0 for every user of that H."""
    h = np.asarray(h)
    k, m = h.shape[-2], h.shape[-1]
    if k > m:
        raise ValueError(f"zero-forcing needs K <= M, got H of shape {h.shape}")
    r = np.linalg.qr(np.conj(np.swapaxes(h, -1, -2)), mode="r")  # (..., K, K), H^H = Q R
    diag = np.abs(np.diagonal(r, axis1=-2, axis2=-1))  # (..., K)
    scale = np.max(diag, axis=-1, keepdims=True)
    singular = np.any(diag <= scale * (k * np.finfo(float).eps), axis=-1) | (scale[..., 0] == 0)
    if np.any(singular):  # R made invertible there; those H get g = 0 below
        r = r.copy()
        fixed = r[singular]
        fixed[..., np.arange(k), np.arange(k)] = 1.0
        r[singular] = fixed
    eye = np.broadcast_to(np.eye(k, dtype=r.dtype), r.shape)
    r_inv = np.linalg.solve(r, eye)  # R^-1, (..., K, K)
    diag_inv = np.sum(np.abs(r_inv) ** 2, axis=-1)  # [(H H^H)^-1]_kk = ||row k of R^-1||^2
    g = 1.0 / diag_inv
    g[singular] = 0.0
    return g


def gamma_moments(antennas: int, users: int) -> tuple[float, float]:
    """(mean, variance) of g_k for i.i.d. CN(0, 1) entries: both M - K + 1."""
    d = int(antennas) - int(users) + 1
    if d < 1:
        raise ValueError(f"need K <= M, got M = {antennas}, K = {users}")
    return float(d), float(d)
