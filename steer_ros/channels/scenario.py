"""Channel scenarios for the simulator: what |h_i|^2 and sigma_i^2 are at time t.

Every scenario is a pure, seeded function of (t, step), so a run is reproducible and
the simulator node only samples it. Gains are |h_i|^2 (linear), noise variances
sigma_i^2 (linear), times in seconds since the scenario started.

Scenarios:
- ``static``: the base gains, forever.
- ``reversal``: the base gains until ``reversal_time_s`` (or ``reversal_step``), then
  every gain reversed, h_i <-> h_{N+1-i} (the resilience experiment, docs/design.md section 7).
- ``rayleigh``: block Rayleigh fading: |h_i|^2 = base_i * E_i with E_i ~ Exp(1),
  i.i.d. across channels, redrawn every ``coherence_time_s`` (one block).
- ``random_walk``: each gain's dB value takes a Gaussian step of ``walk_std_db`` per
  block of ``coherence_time_s``, reflected into [base − range, base + range] dB.
- ``schedule``: piecewise-constant gains from a list of (time, gains) pairs.
- ``jakes``: continuous Doppler fading, independent per subchannel (Clarke/Jakes
  spectrum, Rician with ``k_factor_db`` > -100): gain_i(t) = gain_i |h_i(t)|^2.
- ``tdl``: a 3GPP TR 38.901 TDL-A..E profile, each tap fading as in ``jakes``, mapped to
  the subchannels f_i = i * ``subchannel_spacing_hz``: gain_i(t) = gain_i |H(f_i, t)|^2.
- ``mu_mimo_zf``: a multi-user MIMO downlink, ``antennas`` = M transmit antennas and the
  K = N channels its single-antenna users (K <= M), every antenna-user coefficient fading
  as in ``jakes``; gain_k(t) = gain_k g_k(t) with the zero-forcing gain
  g_k = 1 / [(H H^H)^-1]_kk ~ Gamma(M - K + 1, 1) (:mod:`steer_ros.channels.mu_mimo`).

For ``jakes`` and ``tdl`` E|h|^2 = 1, so ``gain`` stays the large-scale mean |h_i|^2 and
every existing configuration keeps its meaning (see :mod:`steer_ros.channels.fading`).
For ``mu_mimo_zf`` ``gain`` is each user's large-scale gain, and the array adds its mean
zero-forcing gain M - K + 1 on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from steer_ros import defaults
from steer_ros.channels.fading import FadingParams, make_fading
from steer_ros.validation import check_positive_array

SCENARIOS = ("static", "reversal", "rayleigh", "random_walk", "schedule", "jakes", "tdl", "mu_mimo_zf")
FADING_SCENARIOS = ("jakes", "tdl", "mu_mimo_zf")


@dataclass(frozen=True)
class ScenarioConfig(FadingParams):
    """Parameters of a channel scenario (see the module docstring). The jakes / tdl /
    mu_mimo_zf parameters are the inherited :class:`FadingParams` fields, declared once there."""

    scenario: str = defaults.CHANNEL_SCENARIO
    gain: tuple[float, ...] = ()  # empty = the default gains (docs/design.md section 1)
    noise_var: tuple[float, ...] = ()  # empty = NOISE_VAR on every channel
    n_channels: int = defaults.N_CHANNELS
    reversal_time_s: float = defaults.REVERSAL_TIME_S
    reversal_step: int = -1  # >= 0: reverse at this publish step instead of a time
    coherence_time_s: float = defaults.COHERENCE_TIME_S
    walk_std_db: float = defaults.WALK_STD_DB
    walk_range_db: float = defaults.WALK_RANGE_DB
    schedule: tuple[tuple[float, tuple[float, ...]], ...] = field(default_factory=tuple)
    seed: int = 0

    def fading_params(self) -> FadingParams:
        """The jakes / tdl / mu_mimo_zf parameters, validated (InvalidInput naming the bad one)."""
        return FadingParams(**{f.name: getattr(self, f.name) for f in fields(FadingParams)}).validated()


class ChannelScenario:
    """Samples a scenario: ``at(t, step) -> (gain, noise_var)``, both (N,) arrays."""

    def __init__(self, config: ScenarioConfig):
        if config.scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {SCENARIOS}, got {config.scenario!r}")
        n = len(config.gain) if config.gain else int(config.n_channels)
        if n < 1:
            raise ValueError(f"n_channels must be >= 1, got {n}")
        self.config = config
        self.base_gain = check_positive_array(
            "gain", config.gain if config.gain else defaults.design_gains(n), n, allow_zero=True
        )
        self.noise_var = check_positive_array(
            "noise_var", config.noise_var if config.noise_var else np.full(n, defaults.NOISE_VAR), n
        )
        if config.scenario in ("rayleigh", "random_walk") and not config.coherence_time_s > 0:
            raise ValueError(f"coherence_time_s must be > 0, got {config.coherence_time_s}")
        self._schedule = self._checked_schedule(config.schedule, n) if config.scenario == "schedule" else []
        self._walk_cache: dict[int, np.ndarray] = {}
        self.fading = (make_fading(config.scenario, n, config.fading_params(), config.seed)
                       if config.scenario in FADING_SCENARIOS else None)

    @property
    def n(self) -> int:
        return int(self.base_gain.shape[0])

    @staticmethod
    def _checked_schedule(schedule, n: int) -> list[tuple[float, np.ndarray]]:
        if not schedule:
            raise ValueError("schedule must list at least one (time, gains) pair for the schedule scenario")
        rows = []
        for k, (t, gains) in enumerate(schedule):
            rows.append((float(t), check_positive_array(f"schedule[{k}].gains", gains, n, allow_zero=True)))
        times = [t for t, _ in rows]
        if times != sorted(times):
            raise ValueError(f"schedule times must increase, got {times}")
        return rows

    def at(self, t: float, step: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(gain, noise_var) at time t seconds (and publish step ``step``)."""
        c = self.config
        if c.scenario == "static":
            gain = self.base_gain
        elif c.scenario == "reversal":
            reversed_now = step >= c.reversal_step if c.reversal_step >= 0 else t >= c.reversal_time_s
            gain = self.base_gain[::-1] if reversed_now else self.base_gain
        elif c.scenario == "rayleigh":
            block = int(t // c.coherence_time_s)
            fading = np.random.default_rng([c.seed, block]).exponential(1.0, self.n)
            gain = self.base_gain * fading
        elif self.fading is not None:
            gain = self.base_gain * self.fading.gain_at(float(t))
        elif c.scenario == "random_walk":
            gain = self.base_gain * 10.0 ** (self._walk_db(int(t // c.coherence_time_s)) / 10.0)
        else:
            gain = self._schedule[0][1]
            for t_k, g_k in self._schedule:
                if t >= t_k:
                    gain = g_k
        return np.array(gain, dtype=float), self.noise_var.copy()

    def gains(self, times) -> np.ndarray:
        """gain at many instants, (T, N): vectorized for the fading scenarios (the same
        values :meth:`at` gives one by one), sampled one by one otherwise (step = index)."""
        times = np.asarray(times, dtype=float).reshape(-1)
        if self.fading is not None:
            return self.base_gain * self.fading.gain_at(times)
        return np.stack([self.at(float(t), k)[0] for k, t in enumerate(times)]) if times.size else np.zeros((0, self.n))

    def _walk_db(self, block: int) -> np.ndarray:
        """Offset in dB after ``block`` steps of the reflected Gaussian walk (seeded)."""
        c = self.config
        if block <= 0:
            return np.zeros(self.n)
        if block in self._walk_cache:
            return self._walk_cache[block]
        start = max((b for b in self._walk_cache if b < block), default=0)
        offset = self._walk_cache.get(start, np.zeros(self.n)).copy()
        for b in range(start + 1, block + 1):
            offset += np.random.default_rng([c.seed, b]).normal(0.0, c.walk_std_db, self.n)
            offset = _reflect(offset, c.walk_range_db)
        self._walk_cache = {block: offset}
        return offset


def _reflect(offset: np.ndarray, limit: float) -> np.ndarray:
    """``offset`` (dB) reflected at +-``limit`` until it lies in [-limit, limit].

    One reflection at each wall covers steps up to 4 * limit (the usual case, kept as
    is so seeded runs stay bit-identical); a wider step, or limit = 0, folds the rest
    with the reflection's period 4 * limit (a zero range pins the gain at its base).
    """
    offset = np.where(offset > limit, 2 * limit - offset, offset)
    offset = np.where(offset < -limit, -2 * limit - offset, offset)
    outside = np.abs(offset) > limit
    if outside.any():
        if limit <= 0:
            return np.zeros_like(offset)
        folded = np.mod(offset + limit, 4 * limit)  # in [0, 4 limit): a triangle wave
        folded = np.where(folded > 2 * limit, 4 * limit - folded, folded) - limit
        offset = np.where(outside, folded, offset)
    return offset


def reversed_gains(gain: np.ndarray) -> np.ndarray:
    """h_i <-> h_{N+1-i}: the gain reversal of docs/design.md section 7."""
    return np.asarray(gain, dtype=float)[::-1].copy()
