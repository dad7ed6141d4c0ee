"""Source -> estimator, with the health a node reports: what ``sdr_estimator`` wraps.

A node runs ``step()`` in a loop (a thread or a timer) and publishes ``estimate()``
as ChannelState (source = SDR, gain, noise_var, gain_var) and ``status()`` as
diagnostics. Nothing here imports ROS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from steer_ros import defaults
from steer_ros.sdr.estimator import ChannelEstimate, PilotEstimator
from steer_ros.sdr.sources import Source


@dataclass(frozen=True)
class SdrStatus:
    """Health of the SDR path.

    sync_lost: no frame within ``sync_lost_frames`` frame lengths of received
    samples; stale: no samples for ``stale_after_s``; ended: the source finished
    (a recording played once); overflows: the source's count of lost blocks;
    min_snr_db: the weakest subchannel's estimated SNR (estimation quality), NaN
    before the first frame.
    """

    frames: int
    samples: int
    overflows: int
    sync_lost: bool
    stale: bool
    ended: bool
    seconds_since_samples: float
    min_snr_db: float


class SdrPipeline:
    def __init__(
        self,
        source: Source,
        estimator: PilotEstimator | None = None,
        stale_after_s: float = defaults.STALE_AFTER_S,
        sync_lost_frames: float = defaults.SDR_SYNC_LOST_FRAMES,
        clock=time.monotonic,
    ) -> None:
        frame = getattr(source, "frame", None)
        self.source = source
        self.estimator = estimator or PilotEstimator(frame, sample_rate=source.sample_rate)
        self.stale_after_s = float(stale_after_s)
        self.sync_lost_frames = float(sync_lost_frames)
        self._clock = clock
        self._last_samples_t = clock()
        self.ended = False

    def step(self, timeout_s: float = defaults.SDR_SOURCE_TIMEOUT_S) -> int:
        """Read one block (waiting up to timeout_s) and feed it; returns frames found."""
        if self.ended:
            return 0
        block = self.source.read(timeout_s)
        if block is None:
            self.ended = True
            return 0
        if block.size == 0:
            return 0
        self._last_samples_t = self._clock()
        return len(self.estimator.process(block))

    def estimate(self) -> ChannelEstimate | None:
        return self.estimator.estimate()

    def status(self) -> SdrStatus:
        est = self.estimator
        e = est.estimate()
        since = self._clock() - self._last_samples_t
        return SdrStatus(
            frames=est.frames_detected,
            samples=est.samples_in,
            overflows=int(self.source.overflows),
            sync_lost=est.samples_since_frame > self.sync_lost_frames * est.frame.frame_len,
            stale=self.ended or since > self.stale_after_s,
            ended=self.ended,
            seconds_since_samples=float(since),
            min_snr_db=float(np.min(e.snr_db)) if e is not None else float("nan"),
        )

    def close(self) -> None:
        self.source.close()
