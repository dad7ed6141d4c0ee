"""The Source interface shared by every sample source."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

from steer_ros import defaults


class SourceError(RuntimeError):
    """A source could not be opened or failed while streaming."""


class Source(ABC):
    """A stream of complex64 baseband samples.

    Attributes: kind, sample_rate (samples/s), center_freq (Hz or None), overflows
    (samples or blocks known lost: device overflows, full queues), samples_read.
    """

    kind: str = ""
    sample_rate: float = defaults.SDR_SAMPLE_RATE
    center_freq: float | None = None

    def __init__(self) -> None:
        self.overflows = 0
        self.samples_read = 0
        self.closed = False

    @abstractmethod
    def read(self, timeout_s: float = defaults.SDR_SOURCE_TIMEOUT_S) -> np.ndarray | None:
        """Next block (complex64, 1-D); empty if none within timeout_s; None at the end."""

    def close(self) -> None:
        self.closed = True

    def blocks(self, timeout_s: float = defaults.SDR_SOURCE_TIMEOUT_S) -> Iterator[np.ndarray]:
        """Non-empty blocks until the end of the stream (forever for live sources)."""
        while True:
            block = self.read(timeout_s)
            if block is None:
                return
            if block.size:
                yield block

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
