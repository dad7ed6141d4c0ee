"""sdr_estimator: pilot-based channel estimates from a real or recorded radio, published
as ChannelState (source = SDR on every channel, gain, noise_var, gain_var) on
steer/channel/sdr at publish_hz.

The samples come from ``source``: ``sigmf`` (a recording, e.g. from
``steer-ros sdr-synth``; its own frame is read from the metadata), ``zmq`` (a GNU Radio
ZeroMQ PUB sink, e.g. tools/gr_pilot_stream.py) or ``soapy`` (a SoapySDR device). The
source and the estimator run in a worker thread (steer_ros.sdr.sdr_runner), never in the
executor. A source that cannot be opened or dies does not stop the node: /diagnostics
names it and the error, and the node reopens it with a doubling backoff (a recording
played once that has ended stays ended). Nothing is published while there is no
fresh estimate (start-up, stale source, lost sync, ended), so channel_mux falls back.

Diagnostics: state, frames in the window, min_snr_db (estimation quality), sync lost,
overflows, stale / ended, the source's last error.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.msg import ChannelState
from steer_ros.ros import topics
from steer_ros.ros.conversions import channel_state_msg
from steer_ros.ros.diagnostics import ERROR, WARN, DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.sdr_runner import ENDED, OPENING, RUNNING, WAITING, SdrRunner, calibrate, open_pipeline
from steer_ros.sdr.sources import KINDS

SOURCE_SDR = ChannelState.SOURCE_SDR
OVERFLOW_WARN_S = 5.0  # an overflow keeps the node at WARN this long

PARAMS = [
    Param("source", defaults.SDR_SOURCE, "Sample source.", choices=KINDS, read_only=True),
    # sigmf
    Param("path", defaults.SDR_RECORDING, "sigmf: the recording (.sigmf-meta/.sigmf-data); relative paths are "
          "tried in the working directory, then in the package's config/ (default: the bundled recording).",
          read_only=True),
    Param("loop", True, "sigmf: play the recording forever (false: once, then the node reports 'ended').",
          read_only=True),
    Param("realtime", True, "sigmf: pace samples at the recording's sample rate (false: as fast as possible).",
          read_only=True),
    # zmq
    Param("zmq_address", defaults.SDR_ZMQ_ADDRESS, "zmq: the GNU Radio ZeroMQ PUB sink to subscribe to.",
          read_only=True),
    # soapy (sample_rate also labels the zmq stream)
    Param("soapy_args", "", "soapy: SoapySDR device args, e.g. 'driver=rtlsdr'.", read_only=True),
    Param("sample_rate", defaults.SDR_SAMPLE_RATE, "soapy / zmq: samples per second.", min=1.0, read_only=True),
    Param("center_freq", defaults.SDR_CENTER_FREQ, "soapy: centre frequency, Hz.", min=0.0, read_only=True),
    Param("gain_db", defaults.SDR_RX_GAIN_DB, "soapy: receive gain, dB.", read_only=True),
    # the frame
    Param("frame_from_metadata", True, "sigmf: use the recording's own pilot frame when its metadata has one "
          "(steer_ros:frame); the frame parameters below otherwise.", read_only=True),
    Param("n_channels", defaults.N_CHANNELS, "Subchannels N in the pilot frame.", min=1, max=1024, read_only=True),
    Param("subcarriers_per_channel", defaults.SDR_SUBCARRIERS_PER_CHANNEL, "Subcarriers per subchannel (K).",
          min=1, read_only=True),
    Param("n_fft", defaults.SDR_N_FFT, "FFT size of the pilot frame.", min=16, read_only=True),
    Param("cp_len", defaults.SDR_CP_LEN, "Cyclic prefix of each pilot symbol, samples.", min=1, read_only=True),
    Param("pilot_symbols", defaults.SDR_PILOT_SYMBOLS, "Pilot OFDM symbols per frame (S).", min=2, read_only=True),
    Param("pilot_seed", defaults.SDR_PILOT_SEED, "Seed of the known pilot sequences.", min=0, read_only=True),
    # the estimate and its publication
    Param("window_frames", defaults.SDR_WINDOW_FRAMES, "Frames averaged into one estimate.", min=1, max=100000,
          read_only=True),
    Param("min_frames", defaults.SDR_MIN_FRAMES, "Publish once the window holds this many frames (capped at "
          "window_frames).", min=1),
    Param("pilot_power", defaults.SDR_PILOT_POWER, "Pilot power per subcarrier in the optimizer's power units; "
          "published gain = estimated gain / pilot_power.", min=1e-12),
    Param("noise_floor", 0.0, "> 0: rescale every estimate so the mean noise_var is this (receiver units are "
          "arbitrary; gain / noise_var is unchanged). 0: publish the receiver's units.", min=0.0),
    Param("publish_hz", defaults.SDR_PUBLISH_HZ, "ChannelState rate on steer/channel/sdr.", min=0.1, max=1000.0,
          read_only=True),
    Param("stale_after_s", defaults.STALE_AFTER_S, "No samples for this long: the source is stale.", min=1e-3,
          read_only=True),
    Param("reopen_backoff_s", defaults.SDR_REOPEN_BACKOFF_S, "First wait before reopening a failed source "
          "(doubles up to reopen_backoff_max_s).", min=1e-3, read_only=True),
    Param("reopen_backoff_max_s", defaults.SDR_REOPEN_BACKOFF_MAX_S, "Longest wait between reopen attempts.",
          min=1e-3, read_only=True),
]


def resolve_recording(path: str) -> str:
    """``path`` as given if it exists, else relative to the package's config/ (where
    the bundled recordings live), else as given (the open fails and says so)."""
    from steer_ros.resources import config_dir

    if not path or Path(path).is_absolute() or Path(path).exists():
        return path
    candidate = config_dir() / path
    return str(candidate) if candidate.exists() else path


def source_setup(v) -> tuple[dict, str]:
    """(open_source keyword arguments, a description naming the source) from the parameters."""
    if v.source == "sigmf":
        path = resolve_recording(v.path)
        return ({"path": path, "loop": v.loop, "realtime": v.realtime},
                f"sigmf recording path={path!r}" if path else "sigmf recording (parameter 'path' is empty)")
    if v.source == "zmq":
        return {"address": v.zmq_address, "sample_rate": v.sample_rate}, f"zmq stream address={v.zmq_address!r}"
    return ({"args": v.soapy_args, "sample_rate": v.sample_rate, "center_freq": v.center_freq, "gain_db": v.gain_db},
            f"SoapySDR device args={v.soapy_args!r}")


class SdrEstimatorNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("sdr_estimator", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        v = self.params.values
        if v.reopen_backoff_s > v.reopen_backoff_max_s:
            raise ValueError(f"parameter 'reopen_backoff_s' ({v.reopen_backoff_s}) must be <= "
                             f"'reopen_backoff_max_s' ({v.reopen_backoff_max_s})")
        try:
            frame = PilotFrame.contiguous(n_channels=v.n_channels, subcarriers_per_channel=v.subcarriers_per_channel,
                                          n_fft=v.n_fft, cp_len=v.cp_len, n_pilot_symbols=v.pilot_symbols,
                                          seed=v.pilot_seed)
        except ValueError as exc:
            raise ValueError(f"{self.get_fully_qualified_name()}: the frame parameters do not make a pilot frame: "
                             f"{exc}") from None
        if v.source == "sigmf" and not v.path:
            raise ValueError(f"{self.get_fully_qualified_name()}: parameter 'path' is empty: source 'sigmf' needs "
                             "a recording")
        source_params, self.describe = source_setup(v)
        self.published = 0
        self._overflows_seen, self._overflow_at = 0, -math.inf
        self._last_stamp: int | None = None
        self.pub = self.create_publisher(ChannelState, topics.CHANNEL_SDR, topics.STREAM)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.runner = SdrRunner(
            lambda: open_pipeline(v.source, source_params, frame, v.window_frames,
                                  frame_from_metadata=v.frame_from_metadata, stale_after_s=v.stale_after_s),
            self.describe, reopen_on_end=v.source != "sigmf", backoff_s=v.reopen_backoff_s,
            backoff_max_s=v.reopen_backoff_max_s,
        ).start()
        self.timer = self.create_timer(1.0 / v.publish_hz, self.publish)
        self.get_logger().info(f"estimating channels from {self.describe}")

    def publish(self) -> None:
        snap = self.runner.snapshot()
        self._report(snap)
        e, v = snap.estimate, self.params.values
        if snap.state != RUNNING or e is None or snap.status is None or snap.status.stale or snap.status.sync_lost:
            return
        if e.n_frames < min(v.min_frames, v.window_frames) or e.last_start == self._last_stamp:
            return  # too few frames yet, or nothing new since the last publication
        gain, noise_var, gain_var = calibrate(e, snap.frame, v.pilot_power, v.noise_floor)
        self.pub.publish(channel_state_msg(gain, noise_var, np.full(gain.shape[0], SOURCE_SDR, np.uint8), gain_var,
                                           stamp=self.get_clock().now().to_msg()))
        self._last_stamp = e.last_start
        self.published += 1

    def _report(self, snap) -> None:
        d, s = self.diagnostics, snap.status
        if snap.error:
            level = ERROR if snap.state in (WAITING, OPENING) or s is None else WARN
            retry = {WAITING: f"; retrying in {max(snap.retry_at - snap.at, 0):.1f} s", OPENING: "; retrying now"}
            d.problem("source", snap.error + retry.get(snap.state, ""), level)
        else:
            d.clear("source")
        if snap.state == ENDED:
            d.problem("ended", f"{self.describe} ended (loop is false): nothing more to estimate")
        else:
            d.clear("ended")
        running = snap.state == RUNNING and s is not None
        if running and s.stale:
            d.problem("stale", f"no samples from {self.describe} for {s.seconds_since_samples:.1f} s")
        else:
            d.clear("stale")
        if running and not s.stale and s.sync_lost:
            d.problem("sync", f"sync lost: no pilot frame found in the samples from {self.describe}")
        else:
            d.clear("sync")
        if s is not None and s.overflows > self._overflows_seen:
            self._overflows_seen, self._overflow_at = s.overflows, snap.at
        if snap.at - self._overflow_at < OVERFLOW_WARN_S:
            d.problem("overflow", f"overflow: {self._overflows_seen} sample blocks lost from {self.describe}")
        else:
            d.clear("overflow")
        e = snap.estimate
        if running and e is not None and np.min(e.snr_db) < defaults.SDR_QUALITY_MIN_SNR_DB:
            weakest = int(np.argmin(e.snr_db))
            d.problem("quality", f"low estimation quality: subchannel {weakest + 1} at {e.snr_db[weakest]:.1f} dB SNR "
                      f"(< {defaults.SDR_QUALITY_MIN_SNR_DB:g} dB), gain_var {e.gain_var[weakest]:.3g}")
        else:
            d.clear("quality")

    def _diag_values(self) -> dict:
        snap = self.runner.snapshot()
        s, e = snap.status, snap.estimate
        return {
            "state": snap.state,
            "source": self.describe,
            "published": self.published,
            "frames_in_window": e.n_frames if e is not None else 0,
            "frames_detected": s.frames if s else 0,
            "min_snr_db": float(np.min(e.snr_db)) if e is not None else math.nan,
            "cfo_hz": e.cfo_hz if e is not None else math.nan,
            "sync_lost": s.sync_lost if s else False,
            "stale": s.stale if s else False,
            "ended": snap.state == ENDED,
            "overflows": s.overflows if s else 0,
            "seconds_since_samples": s.seconds_since_samples if s else math.nan,
            "opens": snap.opens,
            "failures": snap.failures,
            "resyncs": snap.resyncs,
            "n_channels": snap.frame.n_channels if snap.frame is not None else 0,
            "sample_rate": snap.sample_rate,
        }

    def close(self) -> None:
        self.runner.stop()


def main(args=None) -> int:
    return run_node(SdrEstimatorNode, args)
