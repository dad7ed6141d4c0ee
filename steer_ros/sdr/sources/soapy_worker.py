"""Child process of ``SoapySource``: opens a SoapySDR device and streams its samples.

Run by an interpreter that has Debian's ``python3-soapysdr`` (/usr/bin/python3), as a
plain script: it imports only the standard library, numpy and SoapySDR, never
steer_ros. argv[1] is a JSON object: args, sample_rate, center_freq, gain_db,
channel, block_samples.

Protocol on stdout: one JSON line, {"ok": true, "sample_rate": ..., "driver": ...}
or {"ok": false, "error": "..."} (then exit 1); after "ok", frames of an 8-byte
header (int32 n, int32 flags, little endian) and n complex64 samples. flags bit 0:
the device reported an overflow before this block. n = -1: a fatal stream error;
its JSON text follows as the next line. The child exits when stdout closes.
"""

import json
import struct
import sys


def main() -> int:
    cfg = json.loads(sys.argv[1])
    out = sys.stdout.buffer

    def fail(msg: str) -> int:
        out.write((json.dumps({"ok": False, "error": msg}) + "\n").encode())
        out.flush()
        return 1

    try:
        import numpy as np
        import SoapySDR
        from SoapySDR import SOAPY_SDR_CF32, SOAPY_SDR_OVERFLOW, SOAPY_SDR_RX, SOAPY_SDR_TIMEOUT
    except ImportError as exc:
        return fail(f"SoapySDR is not importable by {sys.executable} ({exc}); install python3-soapysdr")
    args = cfg["args"]
    try:
        found = SoapySDR.Device.enumerate(args)
        if not found:
            return fail(f"no SoapySDR device matches args {args!r}")
        dev = SoapySDR.Device(args)
        ch = int(cfg["channel"])
        dev.setSampleRate(SOAPY_SDR_RX, ch, float(cfg["sample_rate"]))
        dev.setFrequency(SOAPY_SDR_RX, ch, float(cfg["center_freq"]))
        dev.setGain(SOAPY_SDR_RX, ch, float(cfg["gain_db"]))
        stream = dev.setupStream(SOAPY_SDR_RX, SOAPY_SDR_CF32, [ch])
        dev.activateStream(stream)
        rate = dev.getSampleRate(SOAPY_SDR_RX, ch)
        driver = dev.getDriverKey()
    except Exception as exc:  # SoapySDR raises RuntimeError and others
        return fail(f"cannot open SoapySDR device {args!r}: {exc}")
    out.write((json.dumps({"ok": True, "sample_rate": rate, "driver": driver}) + "\n").encode())
    out.flush()
    buf = np.empty(int(cfg["block_samples"]), np.complex64)
    flags = 0
    try:
        while True:
            sr = dev.readStream(stream, [buf], buf.size, timeoutUs=100000)
            if sr.ret > 0:
                out.write(struct.pack("<ii", sr.ret, flags))
                out.write(buf[: sr.ret].tobytes())
                out.flush()
                flags = 0
            elif sr.ret == SOAPY_SDR_OVERFLOW:
                flags = 1
            elif sr.ret != SOAPY_SDR_TIMEOUT:
                out.write(struct.pack("<ii", -1, 0))
                out.write((json.dumps({"error": f"readStream returned {sr.ret}"}) + "\n").encode())
                out.flush()
                return 1
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    finally:
        try:
            dev.deactivateStream(stream)
            dev.closeStream(stream)
        except Exception:
            pass


if __name__ == "__main__":
    sys.exit(main())
