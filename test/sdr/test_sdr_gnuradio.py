"""Live: GNU Radio flowgraph -> ZeroMQ -> estimator, against the flowgraph's channel.

tools/gr_pilot_stream.py runs under /usr/bin/python3 (Debian's gnuradio, numpy 1.x);
this test runs in the project venv and only talks ZeroMQ to it. CI installs
gnuradio from apt and sets STEER_REQUIRE_GNURADIO=1; elsewhere the test skips,
saying why (the ``gnuradio`` fixture, test/conftest.py).
"""

import json
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from steer_ros.sdr.estimator import PilotEstimator
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.sources import open_source

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("cfo_hz", [5000.0, -12000.0])
def test_flowgraph_gains_match_within_reported_variance(cfo_hz, gnuradio):
    rate = 500_000.0
    address = f"tcp://127.0.0.1:{_free_port()}"
    gains = [0.25, 0.5, 1.0, 2.0, 0.1, 3.0]
    cmd = [gnuradio, str(REPO / "tools" / "gr_pilot_stream.py"),
           "--gains", ",".join(map(str, gains)), "--snr-db", "12", "--cfo", str(cfo_hz),
           "--sample-rate", str(rate), "--address", address, "--seconds", "30"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        truth = json.loads(line)
        frame = PilotFrame.from_dict(truth["frame"])
        src = open_source("zmq", address=address, sample_rate=rate)
        est = PilotEstimator(frame, window_frames=128, sample_rate=rate)
        deadline = time.monotonic() + 20
        while est.frames_detected < 160 and time.monotonic() < deadline:
            est.process(src.read(1.0))
        src.close()
        e = est.estimate()
        assert e is not None and e.n_frames == 128, f"only {est.frames_detected} frames in 20 s"
        sigma = np.sqrt(e.gain_var)
        z = (e.gain - np.asarray(truth["gain"])) / sigma
        print("gain", e.gain, "sigma", sigma, "z", z, "noise", e.noise_var, "cfo", e.cfo_hz)
        assert np.all(np.abs(z) <= 4.0)
        assert np.allclose(e.noise_var, truth["noise_var"], rtol=0.1)
        assert abs(e.cfo_hz - cfo_hz) < 0.01 * rate / frame.n_fft
    finally:
        proc.terminate()
        proc.wait(timeout=10)
