"""``zmq``: subscribe to a GNU Radio ZeroMQ PUB sink of complex64 samples (pyzmq)."""

from __future__ import annotations

import numpy as np

from steer_ros import defaults
from steer_ros.sdr.sources.base import Source, SourceError

ITEM = np.dtype(np.complex64)


class ZmqSource(Source):
    """SUB socket connected to ``address``; every message is raw complex64 items
    (``zeromq.pub_sink(gr.sizeof_gr_complex, 1, address, ..., pass_tags=False)``).

    A PUB socket drops messages for slow subscribers, and messages sent before the
    subscription took effect are lost: the stream may begin anywhere in a frame.
    ``read`` returns everything queued (up to max_samples) after waiting up to
    timeout_s for the first message.
    """

    kind = "zmq"

    def __init__(
        self,
        address: str = defaults.SDR_ZMQ_ADDRESS,
        sample_rate: float = defaults.SDR_SAMPLE_RATE,
        center_freq: float | None = None,
        max_samples: int = 1 << 20,
        hwm: int = 1000,
    ) -> None:
        super().__init__()
        import zmq

        self._zmq = zmq
        self.address = address
        self.sample_rate = float(sample_rate)
        self.center_freq = center_freq
        self.max_samples = int(max_samples)
        self._ctx = zmq.Context()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.RCVHWM, int(hwm))
        self._sock.setsockopt(zmq.LINGER, 0)
        try:
            self._sock.connect(address)
        except zmq.ZMQError as exc:
            self.close()
            raise SourceError(f"cannot connect a ZeroMQ SUB socket to {address!r}: {exc}") from exc
        self._sock.setsockopt(zmq.SUBSCRIBE, b"")
        self._rest = b""

    def read(self, timeout_s: float = defaults.SDR_SOURCE_TIMEOUT_S) -> np.ndarray | None:
        if self.closed:
            return None
        zmq = self._zmq
        if not self._sock.poll(int(max(timeout_s, 0.0) * 1000)):
            return np.zeros(0, np.complex64)
        parts = [self._rest]
        n = len(self._rest)
        while n < self.max_samples * ITEM.itemsize:
            try:
                msg = self._sock.recv(zmq.NOBLOCK, copy=True)
            except zmq.Again:
                break
            parts.append(msg)
            n += len(msg)
        data = b"".join(parts)
        usable = len(data) - len(data) % ITEM.itemsize
        self._rest = data[usable:]
        block = np.frombuffer(data[:usable], dtype=ITEM).copy()
        self.samples_read += block.size
        return block

    def close(self) -> None:
        if not self.closed:
            self._sock.close(linger=0)
            self._ctx.term()
        super().close()
