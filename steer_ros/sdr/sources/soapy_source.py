"""``soapy``: a SoapySDR device, driven from a child process (``soapy_worker.py``).

The child runs under the interpreter that has Debian's python3-soapysdr (built for
Debian's numpy 1.x), so this process never imports SoapySDR and no ABI can clash.
Opening waits at most ``open_timeout_s`` for the child's first line; a missing
device, a missing SoapySDR or a driver that hangs all end in SourceError naming the
device args.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from steer_ros import defaults
from steer_ros.sdr.sources.base import Source, SourceError

WORKER = Path(__file__).with_name("soapy_worker.py")


def default_python() -> str:
    """/usr/bin/python3 where it exists (Debian's SoapySDR), else this interpreter."""
    return defaults.SDR_SOAPY_PYTHON if Path(defaults.SDR_SOAPY_PYTHON).exists() else sys.executable


class SoapySource(Source):
    kind = "soapy"

    def __init__(
        self,
        args: str = "",
        sample_rate: float = defaults.SDR_SAMPLE_RATE,
        center_freq: float = defaults.SDR_CENTER_FREQ,
        gain_db: float = defaults.SDR_RX_GAIN_DB,
        channel: int = 0,
        block_samples: int = defaults.SDR_BLOCK_SAMPLES,
        python: str | None = None,
        open_timeout_s: float = defaults.SDR_SOAPY_OPEN_TIMEOUT_S,
        queue_blocks: int = 64,
    ) -> None:
        super().__init__()
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be > 0, got {sample_rate}")
        self.args = str(args)
        self.sample_rate = float(sample_rate)
        self.center_freq = float(center_freq)
        python = python or default_python()
        if shutil.which(python) is None:
            raise SourceError(f"cannot open SoapySDR device {self.args!r}: interpreter {python} not found")
        cfg = {
            "args": self.args,
            "sample_rate": self.sample_rate,
            "center_freq": self.center_freq,
            "gain_db": float(gain_db),
            "channel": int(channel),
            "block_samples": int(block_samples),
        }
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        self._proc = subprocess.Popen(
            [python, str(WORKER), json.dumps(cfg)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._queue: queue.Queue = queue.Queue(maxsize=queue_blocks)
        hello: queue.Queue = queue.Queue()
        self._error: str | None = None
        self._thread = threading.Thread(target=self._pump, args=(hello,), daemon=True)
        self._thread.start()
        try:
            first = hello.get(timeout=open_timeout_s)
        except queue.Empty:
            self._kill()
            raise SourceError(
                f"cannot open SoapySDR device {self.args!r}: no answer within {open_timeout_s:.1f} s"
            ) from None
        if not first.get("ok"):
            self._kill()
            err = first.get("error") or "the SoapySDR child exited"
            raise SourceError(err if self.args in err else f"SoapySDR device {self.args!r}: {err}")
        self.sample_rate = float(first.get("sample_rate", self.sample_rate))
        self.driver = first.get("driver", "")

    def _pump(self, hello: queue.Queue) -> None:
        try:
            self._pump_frames(hello)
        except (OSError, ValueError):  # the pipe was closed by close()
            pass
        finally:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass

    def _pump_frames(self, hello: queue.Queue) -> None:
        out = self._proc.stdout
        line = out.readline()
        try:
            first = json.loads(line) if line else {}
        except ValueError:
            first = {"ok": False, "error": f"unexpected output {line[:200]!r}"}
        if not line:
            err = self._proc.stderr.read().decode(errors="replace").strip()[-500:]
            first = {"ok": False, "error": f"the SoapySDR child exited: {err}"}
        hello.put(first)
        if not first.get("ok"):
            return
        while True:
            head = out.read(8)
            if len(head) < 8:
                break
            n, flags = struct.unpack("<ii", head)
            if n < 0:
                self._error = out.readline().decode(errors="replace").strip()
                break
            block = np.frombuffer(out.read(8 * n), dtype=np.complex64)
            if flags & 1:
                self.overflows += 1
            try:
                self._queue.put_nowait(block)
            except queue.Full:
                self.overflows += 1

    def read(self, timeout_s: float = defaults.SDR_SOURCE_TIMEOUT_S) -> np.ndarray | None:
        if self.closed:
            return None
        try:
            block = self._queue.get(timeout=max(timeout_s, 0.0))
        except queue.Empty:
            return np.zeros(0, np.complex64)
        if block is None:
            self.closed = True
            if self._error:
                raise SourceError(f"SoapySDR device {self.args!r}: {self._error}")
            return None
        self.samples_read += block.size
        return block

    def _kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait(timeout=5)
        for f in (self._proc.stdout, self._proc.stderr):
            if f:
                f.close()

    def close(self) -> None:
        if not self.closed:
            self._kill()
        super().close()
