"""When System 1 steps and publishes: the optimizer node's timing, free of ROS.

Python timers arrive late under load, so the optimizer does not step once per timer
callback. :class:`StepPacer` counts the steps *due* at ``rate_hz`` since its start and
hands them out in bursts, catching up on stalls of up to ``max_catchup_s``; beyond
that it restarts its schedule and counts the steps it gave up (``steps_dropped``),
so a frozen process does not come back to a minute of backlog. Every clock is
injected (monotonic seconds), so the pacing is unit-tested deterministically.

:class:`PublishLimiter` spaces the allocations published after input events (a new
channel state or command runs a burst of steps and publishes at once) to at most
``max_hz``; a publish it holds back stays pending until the next chance. channel_mux
spaces its fused channel states with the same class.

:func:`paired_reading` reads two clocks back to back, so an allocation's ROS stamp and
the step schedule agree to well under a step.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from steer_ros import defaults

__all__ = ["PublishLimiter", "StepPacer", "paired_reading"]

T = TypeVar("T")


class StepPacer:
    """Steps due at ``rate_hz`` since the first :meth:`due` call.

    Args:
        rate_hz: nominal System 1 steps per second (> 0).
        max_catchup_s: the longest stall caught up on (steps beyond it are dropped).
        clock: monotonic seconds, used when :meth:`due` gets no ``now``.
    """

    def __init__(self, rate_hz: float, max_catchup_s: float = defaults.OPTIMIZER_MAX_CATCHUP_S,
                 clock: Callable[[], float] = time.monotonic):
        if not rate_hz > 0:
            raise ValueError(f"rate_hz must be > 0, got {rate_hz}")
        self.rate_hz = float(rate_hz)
        self.max_burst = max(1, int(rate_hz * max_catchup_s))  # steps caught up at once, at most
        self.clock = clock
        self.steps_dropped = 0  # cumulative
        self._start: float | None = None
        self._done = 0

    @property
    def running(self) -> bool:
        return self._start is not None

    def due(self, now: float | None = None) -> int:
        """Steps due at ``now`` that have not run yet (0 or more, at most ``max_burst``).

        The caller runs them and reports them with :meth:`ran`. When more than
        ``max_burst`` are due, the excess is added to ``steps_dropped`` and the schedule
        restarts so that it is on time again once these have run.
        """
        now = self.clock() if now is None else now
        if self._start is None:
            self._start, self._done = now, 0
        due = int((now - self._start) * self.rate_hz) - self._done
        if due > self.max_burst:
            # Restart so that the max_burst steps handed out now are the ones due at
            # ``now``: the schedule continues on time from here.
            self.steps_dropped += due - self.max_burst
            self._start, self._done, due = now - self.max_burst / self.rate_hz, 0, self.max_burst
        return max(due, 0)

    def ran(self, steps: int) -> None:
        """Count ``steps`` run against the schedule (more than were due puts the
        schedule ahead: the next ticks then run fewer)."""
        self._done += max(int(steps), 0)

    def stop(self) -> None:
        """Nothing to step (no channels yet): the schedule restarts at the next :meth:`due`."""
        self._start = None


class PublishLimiter:
    """At most ``max_hz`` event publishes per second; a held-back one stays pending."""

    def __init__(self, max_hz: float, clock: Callable[[], float] = time.monotonic):
        if not max_hz > 0:
            raise ValueError(f"max_hz must be > 0, got {max_hz}")
        self.min_interval_s = 1.0 / float(max_hz)
        self.clock = clock
        self.pending = False
        self._last: float | None = None

    def request(self, now: float | None = None) -> bool:
        """Ask to publish now: True (and recorded) if allowed, else it stays pending."""
        now = self.clock() if now is None else now
        if self._last is not None and now - self._last < self.min_interval_s:
            self.pending = True
            return False
        self._last, self.pending = now, False
        return True

    def poll(self, now: float | None = None) -> bool:
        """True when a pending publish may go out now (and records it)."""
        return self.pending and self.request(now)

    def published(self, now: float | None = None) -> None:
        """A publish happened anyway (the periodic timer): it counts for the spacing."""
        self._last = self.clock() if now is None else now
        self.pending = False


def paired_reading(read: Callable[[], T], clock: Callable[[], float] = time.monotonic,
                   tolerance_s: float = 1e-4, attempts: int = 3) -> tuple[T, float]:
    """``(read(), monotonic seconds)`` of one instant.

    The monotonic clock is read on both sides of ``read()``; if the thread was
    preempted in between (the two readings differ by more than ``tolerance_s``) it is
    tried again, up to ``attempts`` times. Returns the midpoint of the last pair.
    """
    for _ in range(max(attempts, 1)):
        before = clock()
        value = read()
        after = clock()
        if after - before < tolerance_s:
            break
    return value, 0.5 * (before + after)
