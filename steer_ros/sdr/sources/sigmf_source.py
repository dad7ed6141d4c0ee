"""``sigmf``: play a SigMF recording, once or looped, in real time or as fast as possible."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from steer_ros import defaults
from steer_ros.sdr.sources.base import Source, SourceError

SUPPORTED = ("cf32_le", "ci16_le")


class SigMFSource(Source):
    """Blocks of ``block_samples`` from a recording.

    realtime=True paces blocks at the recording's ``core:sample_rate`` (a block is
    returned when its last sample would have arrived); False returns them at once.
    loop=True wraps to the start forever (``position`` is the index in the file,
    ``samples_read`` counts on). ci16_le is scaled to [-1, 1) by the sigmf package,
    then divided by ``steer_ros:sample_scale`` when the recording has it.
    ``truth`` (list of synth.TruthSegment) and ``frame`` (PilotFrame or None) come from
    the metadata of recordings written by ``steer_ros.sdr.synth``.
    """

    kind = "sigmf"

    def __init__(
        self,
        path: str | Path,
        loop: bool = False,
        realtime: bool = True,
        block_samples: int = defaults.SDR_BLOCK_SAMPLES,
    ) -> None:
        super().__init__()
        import sigmf

        from steer_ros.sdr.frame import PilotFrame
        from steer_ros.sdr.synth import EXT, read_truth

        if block_samples < 1:
            raise ValueError(f"block_samples must be >= 1, got {block_samples}")
        try:
            self._file = sigmf.fromfile(str(path), skip_checksum=True)
        except Exception as exc:  # the package raises several types
            raise SourceError(f"cannot open SigMF recording {path}: {exc}") from exc
        datatype = self._file.get_global_field(sigmf.DATATYPE_KEY)
        if datatype not in SUPPORTED:
            raise SourceError(f"{path}: datatype {datatype!r} not supported (only {SUPPORTED})")
        self.datatype = datatype
        self.sample_rate = float(self._file.get_global_field(sigmf.SAMPLE_RATE_KEY, defaults.SDR_SAMPLE_RATE))
        captures = self._file.get_captures()
        self.center_freq = captures[0].get(sigmf.FREQUENCY_KEY) if captures else None
        self._scale = float(self._file.get_global_field(f"{EXT}:sample_scale", 1.0))
        frame = self._file.get_global_field(f"{EXT}:frame")
        self.frame = PilotFrame.from_dict(frame) if frame else None
        meta_path = sigmf.sigmffile.get_sigmf_filenames(str(path))["meta_fn"]
        self.truth = read_truth(meta_path) if Path(meta_path).is_file() else []
        self.n_samples = int(self._file.sample_count)
        if self.n_samples == 0:
            raise SourceError(f"{path}: the recording holds no samples")
        self.loop = bool(loop)
        self.realtime = bool(realtime)
        self.block_samples = int(block_samples)
        self.position = 0
        self._t0: float | None = None

    def read(self, timeout_s: float = defaults.SDR_SOURCE_TIMEOUT_S) -> np.ndarray | None:
        if self.closed:
            return None
        if self.position >= self.n_samples:
            if not self.loop:
                return None
            self.position = 0
        count = min(self.block_samples, self.n_samples - self.position)
        if self.realtime:
            if self._t0 is None:
                self._t0 = time.monotonic()
            due = self._t0 + (self.samples_read + count) / self.sample_rate
            wait = due - time.monotonic()
            if wait > timeout_s:
                time.sleep(max(timeout_s, 0.0))
                return np.zeros(0, np.complex64)
            if wait > 0:
                time.sleep(wait)
        block = self._file.read_samples(self.position, count)
        if self._scale != 1.0:
            block = block / np.float32(self._scale)
        self.position += count
        self.samples_read += count
        return np.ascontiguousarray(block, dtype=np.complex64)
