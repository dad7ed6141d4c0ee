"""Source -> estimator pipeline and its health flags (what the sdr_estimator node wraps)."""

import numpy as np

from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.pipeline import SdrPipeline
from steer_ros.sdr.sources import open_source
from steer_ros.sdr.synth import synthesize, write_recording


def test_pipeline_follows_recording_and_reports_health(tmp_path):
    f = PilotFrame.contiguous(n_channels=4)
    g = np.array([0.5, 1.0, 2.0, 4.0])
    syn = synthesize(g, 0.05, 1000.0, 120, 1e6, f, offset=50, seed=9)
    meta = write_recording(tmp_path / "rec", syn)
    now = [0.0]
    pipe = SdrPipeline(open_source("sigmf", path=str(meta), realtime=False), clock=lambda: now[0])
    assert pipe.estimate() is None and np.isnan(pipe.status().min_snr_db)
    while not pipe.ended:
        pipe.step(0.1)
    e, s = pipe.estimate(), pipe.status()
    assert np.all(np.abs(e.gain - g) <= 4 * np.sqrt(e.gain_var))
    assert s.frames >= 118 and not s.sync_lost and s.ended and s.stale
    assert s.min_snr_db > 9.0 and s.overflows == 0
    pipe.estimator.process(np.zeros(20 * f.frame_len))  # the signal disappears
    assert pipe.status().sync_lost
    pipe.close()


def test_pipeline_stale_when_no_samples_arrive():
    now = [0.0]
    pipe = SdrPipeline(open_source("zmq", address="tcp://127.0.0.1:1"), stale_after_s=1.0, clock=lambda: now[0])
    assert pipe.step(0.05) == 0 and not pipe.status().stale
    now[0] = 2.0
    s = pipe.status()
    assert s.stale and not s.ended and s.seconds_since_samples == 2.0
    pipe.close()
