"""An SdrPipeline in a background thread, for a node that must never block or crash.

:class:`SdrRunner` opens the source, steps the pipeline and, after every block,
replaces a :class:`RunnerSnapshot` (estimate, health, state, last error) that the
node reads at its own rate. It never raises out of its thread:

* the source cannot be opened (file not found, no SDR device, ...): state
  ``waiting``, the error names the source, and it retries after a backoff that
  doubles from ``backoff_s`` up to ``backoff_max_s``;
* the source fails while streaming (SourceError from ``read``): closed, same retry;
* the stream ends (``read`` returns None): a recording played once stays ``ended``;
  a live source (``reopen_on_end``) is reopened after the backoff;
* no samples for ``stale_after_s`` (a ZeroMQ publisher gone) or no frame for
  ``sync_lost_frames`` frame lengths: the window is cleared, so no estimate is
  offered until fresh frames fill it again (the mux falls back meanwhile).

:func:`open_pipeline` builds the pipeline a node asks for: ``open_source(kind, ...)``
and a :class:`PilotEstimator` on the recording's own frame (SigMF metadata written by
``steer-ros sdr-synth``) or on the frame the parameters describe.

:func:`calibrate` turns a window estimate (receiver units) into the optimizer's
units. The pilots are sent at ``pilot_power`` per subcarrier, so the receiver sees
gain_rx = |h|^2 * pilot_power * c and noise_rx = sigma^2 * c for an unknown receiver
scale c (an uncalibrated ADC). Published: gain = k * gain_rx / pilot_power,
noise_var = k * noise_rx, gain_var = k^2 * gain_var_rx / pilot_power^2 (plus the
variance k's own estimate adds), with k = noise_floor / mean(noise_rx) when
noise_floor > 0 (else 1): the SNR per unit power, gain / noise_var = |h|^2 / sigma^2,
is what the optimizer uses, and it does not depend on k.

Nothing here imports ROS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from steer_ros import defaults
from steer_ros.sdr.estimator import ChannelEstimate, PilotEstimator
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.pipeline import SdrPipeline, SdrStatus
from steer_ros.sdr.sources import SourceError, open_source

OPENING, RUNNING, WAITING, ENDED, STOPPED = "opening", "running", "waiting", "ended", "stopped"

NOISE_VAR_FLOOR = 1e-30  # a noiseless recording still gives a valid (positive) noise_var


@dataclass(frozen=True)
class RunnerSnapshot:
    """What the runner knows, taken at ``at`` (the runner's clock).

    state: opening | running | waiting (to retry after a failure) | ended | stopped.
    estimate: the window estimate, None while the window is empty (start, after a
    stale gap or lost sync). error: the newest failure, naming the source; "" once
    the source streams again. retry_at: when the next open is due (waiting only).
    """

    state: str
    estimate: ChannelEstimate | None
    status: SdrStatus | None
    error: str
    opens: int
    failures: int
    resyncs: int
    retry_at: float
    at: float
    frame: PilotFrame | None
    sample_rate: float


def open_pipeline(
    kind: str,
    source_params: dict,
    frame: PilotFrame,
    window_frames: int = defaults.SDR_WINDOW_FRAMES,
    frame_from_metadata: bool = True,
    stale_after_s: float = defaults.STALE_AFTER_S,
    sync_lost_frames: float = defaults.SDR_SYNC_LOST_FRAMES,
) -> SdrPipeline:
    """Open the source and an estimator on its frame (the recording's if it has one
    and ``frame_from_metadata``, else ``frame``). Raises SourceError / ValueError."""
    source = open_source(kind, **source_params)
    try:
        own = getattr(source, "frame", None)
        use = own if (frame_from_metadata and own is not None) else frame
        estimator = PilotEstimator(use, window_frames=window_frames, sample_rate=source.sample_rate)
        return SdrPipeline(source, estimator, stale_after_s=stale_after_s, sync_lost_frames=sync_lost_frames)
    except BaseException:
        source.close()
        raise


def calibrate(estimate: ChannelEstimate, frame: PilotFrame, pilot_power: float = defaults.SDR_PILOT_POWER,
              noise_floor: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gain, noise_var, gain_var) in the optimizer's units (see the module docstring);
    gain is clipped at 0 (the unbiased estimate dips below 0 on a dead subchannel).

    With noise_floor > 0, k is itself estimated: noise_var_i has relative variance
    1 / (F K_i (S - 1)), so the mean over the N subchannels has relative variance
    r = sum_i noise_i^2 / (F K_i (S - 1)) / (sum_i noise_i)^2, and gain_var gains the
    term gain^2 r (to first order, k and the gain estimate treated as independent).
    """
    if not pilot_power > 0:
        raise ValueError(f"pilot_power must be > 0, got {pilot_power}")
    noise = np.maximum(np.asarray(estimate.noise_var, float), NOISE_VAR_FLOOR)
    gain_var = np.asarray(estimate.gain_var, float) / pilot_power**2
    gain = estimate.gain_clipped / pilot_power
    if noise_floor > 0:
        k = noise_floor / float(np.mean(noise))
        dof = estimate.n_frames * frame.subcarriers_per_channel * (frame.n_pilot_symbols - 1)
        rel_var_k = float(np.sum(noise**2 / dof) / np.sum(noise) ** 2)
        gain, noise, gain_var = k * gain, k * noise, k**2 * gain_var + (k * gain) ** 2 * rel_var_k
    return gain, np.maximum(noise, NOISE_VAR_FLOOR), gain_var


class SdrRunner:
    """Runs ``open_pipeline()`` -> ``SdrPipeline.step`` in a daemon thread.

    ``describe`` names the source in every error ("sigmf path=rec.sigmf-meta").
    ``snapshot()`` is cheap and thread-safe (an atomically replaced value).
    """

    def __init__(
        self,
        open_pipeline: Callable[[], SdrPipeline],
        describe: str,
        reopen_on_end: bool = False,
        backoff_s: float = defaults.SDR_REOPEN_BACKOFF_S,
        backoff_max_s: float = defaults.SDR_REOPEN_BACKOFF_MAX_S,
        read_timeout_s: float = defaults.SDR_READ_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < backoff_s <= backoff_max_s:
            raise ValueError(f"backoff_s must be in (0, backoff_max_s={backoff_max_s}], got {backoff_s}")
        self._open = open_pipeline
        self.describe = describe
        self.reopen_on_end = bool(reopen_on_end)
        self.backoff_s = float(backoff_s)
        self.backoff_max_s = float(backoff_max_s)
        self.read_timeout_s = float(read_timeout_s)
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pipeline: SdrPipeline | None = None
        self._opens = self._failures = self._resyncs = 0
        self._error = ""
        self._last_status: SdrStatus | None = None
        self._last_frame: PilotFrame | None = None
        self._last_rate = float("nan")
        self._snapshot = RunnerSnapshot(OPENING, None, None, "", 0, 0, 0, float("nan"), clock(), None, float("nan"))

    # -- control ----------------------------------------------------------------------
    def start(self) -> "SdrRunner":
        self._thread = threading.Thread(target=self._run, name="sdr-runner", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._close()
        self._publish(STOPPED)

    def snapshot(self) -> RunnerSnapshot:
        return self._snapshot

    # -- the thread -------------------------------------------------------------------
    def _run(self) -> None:
        delay = self.backoff_s
        while not self._stop.is_set():
            self._publish(OPENING)
            try:
                self._pipeline = self._open()
            except Exception as exc:  # SourceError, OSError, ValueError, a driver's own type
                self._failures += 1
                self._error = f"cannot open {self.describe}: {_text(exc)}"
                delay = self._wait(delay)
                continue
            self._opens += 1
            delay = self.backoff_s
            outcome = self._stream()
            self._close()
            if outcome == ENDED and not self.reopen_on_end:
                self._publish(ENDED)
                return
            if outcome == ENDED:
                self._error = f"{self.describe}: the stream ended"
            delay = self._wait(delay)
        self._publish(STOPPED)

    def _stream(self) -> str:
        """Step the pipeline until it ends, fails or the runner stops."""
        pipe = self._pipeline
        stale_before = False
        while not self._stop.is_set():
            try:
                pipe.step(self.read_timeout_s)
            except Exception as exc:  # a source failing mid-stream (device unplugged)
                self._failures += 1
                self._error = f"{self.describe} failed while streaming: {_text(exc)}"
                return WAITING
            if pipe.ended:
                self._publish(RUNNING)  # keep the final health (ended) for the snapshot
                return ENDED
            status = pipe.status()
            fresh_samples = status.seconds_since_samples < self.read_timeout_s
            if stale_before and fresh_samples or status.sync_lost and pipe.estimator.frames_detected:
                # Samples again after a gap, or frames gone: the window describes an old channel.
                pipe.estimator.reset()
                self._resyncs += 1
            stale_before = status.stale
            if fresh_samples:
                self._error = ""
            self._publish(RUNNING)
        return STOPPED

    def _wait(self, delay: float) -> float:
        """Sleep ``delay`` (or until stopped) in state waiting; the next delay."""
        self._publish(WAITING, retry_at=self._clock() + delay)
        self._stop.wait(delay)
        return min(2.0 * delay, self.backoff_max_s)

    def _close(self) -> None:
        pipe, self._pipeline = self._pipeline, None
        if pipe is not None:
            try:
                pipe.close()
            except Exception:  # closing a broken source must not take the thread down
                pass

    def _publish(self, state: str, retry_at: float = float("nan")) -> None:
        pipe = self._pipeline
        estimate = None
        if pipe is not None:  # the health of the last pipeline stays shown after it closes
            estimate, self._last_status = pipe.estimate(), pipe.status()
            self._last_frame, self._last_rate = pipe.estimator.frame, pipe.estimator.sample_rate
        self._snapshot = RunnerSnapshot(state, estimate, self._last_status, self._error, self._opens, self._failures,
                                        self._resyncs, retry_at, self._clock(), self._last_frame, self._last_rate)


def _text(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, SourceError) else f"{type(exc).__name__}: {text}"
