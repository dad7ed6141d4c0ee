"""Per-channel mixing of simulated and SDR channel estimates (the channel_mux core).

Each channel i is assigned a primary source (``sim`` or ``sdr``). The fused state
takes channel i from its primary source while that source is fresh (updated within
``stale_after_s``). When it goes stale the channel either falls back to the other
source (if that one is fresh) or holds its last fused value (``on_stale``), and the
fused state reports which channels are stale and why.

Times are seconds on one monotonic clock: ``now`` where given, else the mux's
``clock`` (``time.monotonic`` unless injected, e.g. a test's fake clock).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from steer_ros import defaults

SOURCES = ("sim", "sdr")
SOURCE_CODE = {"sim": 0, "sdr": 1}  # = ChannelState.SOURCE_SIMULATED / SOURCE_SDR
ON_STALE = ("fallback", "hold")


@dataclass
class SourceEstimate:
    """The latest estimate from one source; arrays (N,)."""

    gain: np.ndarray
    noise_var: np.ndarray
    gain_var: np.ndarray
    received_at: float


@dataclass
class FusedState:
    """The mux output; ``source`` holds SOURCE_CODE values, ``stale`` channel indices."""

    gain: np.ndarray
    noise_var: np.ndarray
    source: np.ndarray
    gain_var: np.ndarray
    stale: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_sources(spec: list[str] | tuple[str, ...] | str, n: int) -> list[str]:
    """Per-channel primary sources from a list (one per channel) or a single name."""
    names = [spec] * n if isinstance(spec, str) else list(spec)
    if len(names) == 0:
        names = ["sim"] * n
    if len(names) == 1 and n > 1:
        names = names * n
    if len(names) != n:
        raise ValueError(f"sources: expected {n} entries (one per channel) or one, got {len(names)}")
    bad = [s for s in names if s not in SOURCES]
    if bad:
        raise ValueError(f"sources: each entry must be one of {SOURCES}, got {bad[0]!r}")
    return names


class ChannelMux:
    """Fuses the latest sim and SDR estimates per channel."""

    def __init__(
        self,
        sources: list[str],
        stale_after_s: float = defaults.STALE_AFTER_S,
        on_stale: str = defaults.MUX_ON_STALE,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not stale_after_s > 0:
            raise ValueError(f"stale_after_s must be > 0, got {stale_after_s}")
        if on_stale not in ON_STALE:
            raise ValueError(f"on_stale must be one of {ON_STALE}, got {on_stale!r}")
        self.sources = list(sources)
        names = np.asarray(self.sources, dtype=object)
        # Channel masks per source, once: fuse() runs on every input (up to kHz rates, N
        # in the thousands), so it must not loop over channels in Python.
        self._masks = {source: np.asarray(names == source, dtype=bool) for source in SOURCES}
        self.stale_after_s = float(stale_after_s)
        self.on_stale = on_stale
        self.clock = clock
        self.latest: dict[str, SourceEstimate] = {}
        self._last_fused: FusedState | None = None

    @property
    def n(self) -> int:
        return len(self.sources)

    def reconfigured(
        self, sources: list[str] | None = None, stale_after_s: float | None = None, on_stale: str | None = None
    ) -> "ChannelMux":
        """A mux with the given settings changed (None keeps one), the same N and clock,
        this one's latest estimates and its last fused state: a parameter change must not
        make held channels forget their value (they would jump to the other source, or
        the mux would publish nothing until both sources are fresh)."""
        mux = ChannelMux(
            self.sources if sources is None else sources,
            self.stale_after_s if stale_after_s is None else stale_after_s,
            self.on_stale if on_stale is None else on_stale,
            self.clock,
        )
        if mux.n != self.n:
            raise ValueError(f"sources: expected {self.n} entries (one per channel), got {mux.n}")
        mux.latest = dict(self.latest)
        mux._last_fused = self._last_fused
        return mux

    def update(self, source: str, gain, noise_var, gain_var, now: float | None = None) -> None:
        """Store a validated estimate of all N channels from ``source`` (received ``now``)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
        gain = np.asarray(gain, dtype=float)
        if gain.shape[0] != self.n:
            raise ValueError(f"gain: {source} sent {gain.shape[0]} channels, the mux maps {self.n}")
        now = self.clock() if now is None else float(now)
        self.latest[source] = SourceEstimate(gain, np.asarray(noise_var, float), np.asarray(gain_var, float), now)

    def is_fresh(self, source: str, now: float | None = None) -> bool:
        """Whether ``source`` sent an estimate within ``stale_after_s`` of ``now``."""
        now = self.clock() if now is None else now
        est = self.latest.get(source)
        return est is not None and now - est.received_at <= self.stale_after_s

    def fuse(self, now: float | None = None) -> FusedState | None:
        """The fused state at ``now``, or None while some channel has no value yet."""
        now = self.clock() if now is None else now
        n = self.n
        gain = np.full(n, np.nan)
        noise = np.full(n, np.nan)
        gain_var = np.zeros(n)
        code = np.zeros(n, dtype=np.uint8)
        stale: list[int] = []
        notes: list[str] = []
        fresh = {s: self.is_fresh(s, now) for s in SOURCES}
        for source in SOURCES:
            mine = self._masks[source]
            if not mine.any():
                continue
            other = SOURCES[1 - SOURCES.index(source)]
            if fresh[source]:
                take, idx = self.latest[source], mine
            else:
                stale.extend(np.flatnonzero(mine).tolist())
                # With nothing to hold yet (start-up), the other source is used in either mode.
                if fresh[other] and (self.on_stale == "fallback" or self._last_fused is None):
                    take, idx = self.latest[other], mine
                    notes.append(f"{source} stale: {int(mine.sum())} channels fall back to {other}")
                else:
                    take, idx = None, mine
                    notes.append(f"{source} stale: {int(mine.sum())} channels hold their last value")
            if take is not None:
                gain[idx], noise[idx], gain_var[idx] = take.gain[idx], take.noise_var[idx], take.gain_var[idx]
                code[idx] = SOURCE_CODE[source if take is self.latest.get(source) else other]
            elif self._last_fused is not None:
                gain[idx], noise[idx] = self._last_fused.gain[idx], self._last_fused.noise_var[idx]
                gain_var[idx], code[idx] = self._last_fused.gain_var[idx], self._last_fused.source[idx]
        if np.isnan(gain).any():
            return None
        fused = FusedState(gain, noise, code, gain_var, sorted(stale), notes)
        self._last_fused = fused
        return fused
