"""Sample sources behind one interface: ``open_source(kind, **params) -> Source``.

kind      params (defaults from ``steer_ros.defaults``)
``sigmf``  path (.sigmf-meta/.sigmf-data/.sigmf), loop=False, realtime=True,
           block_samples. cf32_le and ci16_le, read with the ``sigmf`` package.
``zmq``    address (a GNU Radio ``zeromq.pub_sink`` of complex64, pass_tags=False),
           sample_rate, center_freq (informational; ZMQ carries samples only).
``soapy``  args (SoapySDR device args, e.g. "driver=rtlsdr"), sample_rate,
           center_freq, gain_db, channel, python (interpreter that has
           ``SoapySDR``, default /usr/bin/python3), open_timeout_s. The device runs
           in a child process, so this process never imports SoapySDR; without a
           device ``open_source`` raises SourceError naming the args within
           open_timeout_s.

Every source yields complex64 blocks from ``read(timeout_s)``: a non-empty block, an
empty one when nothing arrived within timeout_s, or None at the end of the stream.
"""

from __future__ import annotations

from steer_ros.sdr.sources.base import Source, SourceError

KINDS = ("sigmf", "zmq", "soapy")


def open_source(kind: str, **params) -> Source:
    """Open a source of the given kind (see the module docstring for params)."""
    if kind == "sigmf":
        from steer_ros.sdr.sources.sigmf_source import SigMFSource

        return SigMFSource(**params)
    if kind == "zmq":
        from steer_ros.sdr.sources.zmq_source import ZmqSource

        return ZmqSource(**params)
    if kind == "soapy":
        from steer_ros.sdr.sources.soapy_source import SoapySource

        return SoapySource(**params)
    raise ValueError(f"source kind must be one of {KINDS}, got {kind!r}")


__all__ = ["KINDS", "Source", "SourceError", "open_source"]
