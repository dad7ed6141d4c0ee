"""The sdr_estimator's worker (steer_ros.sdr.sdr_runner), without ROS: reopening with a
backoff, ending, failing mid-stream, losing sync, and the unit calibration."""

import time

import numpy as np
import pytest

from steer_ros.sdr.estimator import ChannelEstimate
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.pipeline import SdrPipeline
from steer_ros.sdr.sdr_runner import ENDED, RUNNING, WAITING, SdrRunner, calibrate, open_pipeline
from steer_ros.sdr.sources import Source, SourceError
from steer_ros.sdr.synth import synthesize, write_recording

FRAME = PilotFrame.contiguous(n_channels=4)
GAINS = np.array([0.5, 1.0, 2.0, 4.0])


def wait_for(runner, predicate, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not predicate(runner.snapshot()):
        assert time.monotonic() < deadline, f"timed out; last snapshot {runner.snapshot()}"
        time.sleep(0.01)
    return runner.snapshot()


class ListSource(Source):
    """Blocks from a list, then ``then``: 'end' (None), 'raise' (SourceError) or 'zeros'."""

    kind = "list"

    def __init__(self, blocks, then="end"):
        super().__init__()
        self._blocks = list(blocks)
        self.then = then
        self.frame = FRAME

    def read(self, timeout_s=1.0):
        if self._blocks:
            return self._blocks.pop(0).astype(np.complex64)
        if self.then == "raise":
            raise SourceError("device unplugged")
        if self.then == "zeros":
            time.sleep(0.005)
            return np.zeros(4 * FRAME.frame_len, np.complex64)
        return None


def signal_blocks(n_frames=60):
    x = synthesize(GAINS, 0.01, 500.0, n_frames, 1e6, FRAME, offset=123, seed=3).samples
    return np.array_split(x, 10)


def test_missing_recording_is_retried_with_a_doubling_backoff_then_opened(tmp_path):
    path = tmp_path / "later.sigmf-meta"
    times = []

    def opener():
        times.append(time.monotonic())
        return open_pipeline("sigmf", {"path": str(path), "realtime": False, "loop": True}, FRAME)

    runner = SdrRunner(opener, f"sigmf path={str(path)!r}", backoff_s=0.05, backoff_max_s=0.2).start()
    try:
        snap = wait_for(runner, lambda s: s.failures >= 4)
        assert snap.state in (WAITING, "opening") and str(path) in snap.error and snap.estimate is None
        gaps = np.diff(times[:4])
        assert gaps[1] > 1.6 * 0.05 and gaps[2] > 1.6 * 0.1, gaps  # 0.05, 0.1, 0.2, 0.2 ...
        write_recording(path, synthesize(GAINS, 0.01, 0.0, 40, 1e6, FRAME, seed=1))
        snap = wait_for(runner, lambda s: s.state == RUNNING and s.estimate is not None and s.estimate.n_frames >= 30)
        assert snap.error == "" and snap.opens == 1
        assert np.all(np.abs(snap.estimate.gain - GAINS) <= 5 * np.sqrt(snap.estimate.gain_var))
    finally:
        runner.stop()
    assert runner.snapshot().state == "stopped"


def test_a_recording_played_once_ends_and_is_not_reopened():
    opens = []

    def opener():
        opens.append(1)
        return SdrPipeline(ListSource(signal_blocks()))

    runner = SdrRunner(opener, "list", backoff_s=0.01).start()
    snap = wait_for(runner, lambda s: s.state == ENDED)
    time.sleep(0.1)
    assert len(opens) == 1 and snap.estimate is None and snap.status.frames >= 55 and snap.status.ended
    runner.stop()


def test_a_live_source_that_ends_or_fails_is_reopened():
    opens = []

    def opener():
        opens.append(1)
        return SdrPipeline(ListSource(signal_blocks(), then="raise" if len(opens) == 1 else "end"))

    runner = SdrRunner(opener, "soapy args='x'", reopen_on_end=True, backoff_s=0.01, backoff_max_s=0.02).start()
    try:
        wait_for(runner, lambda s: len(opens) >= 3)
        snap = runner.snapshot()
        assert snap.opens >= 2 and snap.failures >= 1  # the SourceError mid-stream
    finally:
        runner.stop()


def test_lost_sync_clears_the_window():
    runner = SdrRunner(lambda: SdrPipeline(ListSource(signal_blocks(), then="zeros")), "list").start()
    try:
        wait_for(runner, lambda s: s.estimate is not None and s.estimate.n_frames >= 55)
        snap = wait_for(runner, lambda s: s.resyncs >= 1 and s.status.sync_lost)
        assert snap.estimate is None and snap.state == RUNNING
    finally:
        runner.stop()


def test_calibrate_puts_gains_in_the_optimizers_units():
    f = PilotFrame.contiguous(n_channels=2)
    e = ChannelEstimate(gain=np.array([2.0, -0.01]), noise_var=np.array([0.01, 0.03]),
                        gain_var=np.array([1e-4, 1e-4]), n_frames=64, cfo_hz=0.0, last_start=0)
    gain, noise, gvar = calibrate(e, f, pilot_power=1.0)
    np.testing.assert_allclose(gain, [2.0, 0.0])
    np.testing.assert_allclose(noise, e.noise_var)
    np.testing.assert_allclose(gvar, e.gain_var)
    gain, noise, gvar = calibrate(e, f, pilot_power=100.0, noise_floor=1.0)
    k = 1.0 / 0.02
    np.testing.assert_allclose(noise, [0.5, 1.5])
    np.testing.assert_allclose(gain, [2.0 * k / 100, 0.0])
    np.testing.assert_allclose(gain / noise, [2.0 / 0.01 / 100, 0.0])  # SNR per unit power unchanged
    dof = 64 * 6 * 7
    rel = (0.01**2 + 0.03**2) / dof / 0.04**2
    np.testing.assert_allclose(gvar, (k / 100) ** 2 * 1e-4 + gain**2 * rel)
    with pytest.raises(ValueError, match="pilot_power"):
        calibrate(e, f, pilot_power=0.0)
