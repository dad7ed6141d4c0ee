"""Sample sources: SigMF playback, ZeroMQ subscription, SoapySDR failure modes; sdr-synth."""

import argparse
import json
import os
import socket
import stat
import threading
import time

import numpy as np
import pytest

from steer_ros.cli import sdr_synth
from steer_ros.sdr.estimator import PilotEstimator
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.sources import SourceError, open_source
from steer_ros.sdr.synth import read_truth, synthesize, write_recording

GAINS = np.array([0.25, 0.5, 1.0, 2.0])


@pytest.fixture(scope="module")
def syn():
    f = PilotFrame.contiguous(n_channels=4)
    return synthesize(GAINS, 0.01, 4000.0, 150, 1e6, f, offset=200, seed=1,
                      gains_after=GAINS[::-1], change_at_frame=75)


@pytest.mark.parametrize("datatype", ["cf32_le", "ci16_le"])
def test_sigmf_roundtrip_and_estimate(tmp_path, syn, datatype):
    meta = write_recording(tmp_path / "rec", syn, datatype=datatype)
    assert meta.name == "rec.sigmf-meta"
    truth = read_truth(meta)
    assert [t.start for t in truth] == [0, 75 * syn.frame.frame_len - 200]
    assert np.allclose(truth[1].gain, GAINS[::-1])
    src = open_source("sigmf", path=str(meta), realtime=False, block_samples=10_000)
    assert src.frame == syn.frame and src.sample_rate == 1e6 and src.truth[0].noise_var == 0.01
    x = np.concatenate(list(src.blocks()))
    assert x.dtype == np.complex64 and x.size == syn.samples.size
    tol = 1e-6 if datatype == "cf32_le" else 2e-3  # ci16: scaled back by steer_ros:sample_scale
    assert np.max(np.abs(x - syn.samples)) < tol * np.max(np.abs(syn.samples))
    assert src.read() is None  # end of a recording played once
    est = PilotEstimator(src.frame, window_frames=64, sample_rate=src.sample_rate)
    est.process(x[: truth[1].start])
    e = est.estimate()
    assert np.all(np.abs(e.gain - GAINS) <= 4 * np.sqrt(e.gain_var))
    assert np.allclose(e.noise_var, 0.01, rtol=0.1)
    assert abs(e.cfo_hz - 4000.0) < 50


def test_sigmf_loop_and_realtime(tmp_path, syn):
    meta = write_recording(tmp_path / "rec.sigmf-meta", syn)
    n = syn.samples.size
    src = open_source("sigmf", path=str(meta), loop=True, realtime=False, block_samples=50_000)
    total = sum(src.read().size for _ in range(2 * n // 50_000 + 2))
    assert total > 2 * n and src.position < n
    rt = open_source("sigmf", path=str(meta), realtime=True, block_samples=20_000)
    t0 = time.monotonic()
    got = sum(rt.read().size for _ in range(6))  # 120 ms of signal at 1 MS/s
    assert got == 120_000 and 0.10 <= time.monotonic() - t0 < 1.0


def test_sigmf_errors(tmp_path):
    with pytest.raises(SourceError, match="cannot open"):
        open_source("sigmf", path=str(tmp_path / "missing.sigmf-meta"))
    with pytest.raises(ValueError, match="kind"):
        open_source("uhd")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_zmq_source_receives_complex64():
    import zmq

    address = f"tcp://127.0.0.1:{_free_port()}"
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.bind(address)
    src = open_source("zmq", address=address, sample_rate=1e6)
    payload = (np.arange(1000) * (1 + 2j)).astype(np.complex64)
    stop = threading.Event()

    def publish():
        while not stop.is_set():
            pub.send(payload.tobytes())
            time.sleep(0.01)

    t = threading.Thread(target=publish, daemon=True)
    t.start()
    try:
        block = np.zeros(0, np.complex64)
        deadline = time.monotonic() + 5
        while block.size < 2000 and time.monotonic() < deadline:
            block = np.concatenate([block, src.read(0.5)])
        assert block.size >= 2000 and block.size % 1000 == 0
        assert np.array_equal(block[:1000], payload)
    finally:
        stop.set()
        t.join()
        src.close()
        pub.close(linger=0)
        ctx.term()
    assert src.read() is None


def test_zmq_read_times_out_empty():
    src = open_source("zmq", address=f"tcp://127.0.0.1:{_free_port()}")
    t0 = time.monotonic()
    assert src.read(0.2).size == 0 and time.monotonic() - t0 < 1.0
    src.close()


def test_soapy_without_device_fails_fast_naming_args():
    args = "driver=rtlsdr,serial=steer-ros-test"
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="driver=rtlsdr,serial=steer-ros-test"):
        open_source("soapy", args=args, open_timeout_s=20.0)
    assert time.monotonic() - t0 < 20.0


def test_soapy_hanging_driver_times_out(tmp_path):
    fake = tmp_path / "hanging-python"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="driver=hackrf.*no answer within 0.5 s"):
        open_source("soapy", args="driver=hackrf", python=str(fake), open_timeout_s=0.5)
    assert time.monotonic() - t0 < 5.0


def test_soapy_missing_module_is_clear(tmp_path):
    import sys

    with pytest.raises(SourceError, match="driver=airspy.*SoapySDR is not importable"):
        open_source("soapy", args="driver=airspy", python=sys.executable)


def test_sdr_synth_cli(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="steer-ros")
    sdr_synth.register(parser.add_subparsers())
    out = tmp_path / "rec.sigmf-meta"
    args = parser.parse_args([
        "sdr-synth", "--gains", "0.25,0.5,1,2", "--snr-db", "20", "--cfo", "3000",
        "--duration", "0.2", "--gains-after", "2,1,0.5,0.25", "--change-at", "0.1",
        "--datatype", "ci16_le", "--out", str(out),
    ])
    assert args.func(args) == 0
    assert "wrote" in capsys.readouterr().out
    meta = json.loads(out.read_text())
    assert meta["global"]["core:datatype"] == "ci16_le"
    truth = read_truth(out)
    assert len(truth) == 2 and truth[0].noise_var == pytest.approx(0.01) and truth[0].cfo_hz == 3000
    assert os.path.getsize(out.with_suffix(".sigmf-data")) == 4 * sum(t.count for t in truth)
    src = open_source("sigmf", path=str(out), realtime=False)
    est = PilotEstimator(src.frame, window_frames=64, sample_rate=src.sample_rate)
    for block in src.blocks():
        est.process(block)
    e = est.estimate()  # the last 64 frames are all after the change
    assert np.all(np.abs(e.gain - truth[1].gain) <= 4 * np.sqrt(e.gain_var))
