#!/usr/bin/python3
"""Stream the steer_ros SDR pilot frame live from a GNU Radio flowgraph over ZeroMQ.

Run with the system python that has Debian's gnuradio (never from the project venv)::

    /usr/bin/python3 tools/gr_pilot_stream.py --gains 0.25,0.5,1,2 --snr-db 15 \\
        --cfo 5000 --address tcp://127.0.0.1:5555

Flowgraph (real GNU Radio 3.10 blocks)::

    blocks.vector_source_c(frame, repeat=True)     one frame, channel gains applied
      -> blocks.throttle(sample_rate)               real-time pacing
      -> channels.channel_model(noise_voltage, frequency_offset = cfo/fs,
                                epsilon = 1, taps = [1])   AWGN + CFO
      -> zeromq.pub_sink(complex64, address, pass_tags=False)

The per-subchannel gains are applied when the frame is built
(``PilotFrame.modulate`` with h_i = sqrt(gain_i) e^{j theta_i}, theta_i seeded):
``channel_model``'s FIR taps cannot make a flat-per-subchannel response within the
cyclic prefix. channel_model's complex noise has variance noise_voltage^2, so
noise_voltage = sqrt(noise_var). On start the script prints one JSON line with
the channel it applies ({"gain": [...], "noise_var": ..., "cfo_hz": ..., ...}),
then runs for --seconds (0: until SIGINT/SIGTERM).
"""

import argparse
import json
import os
import signal
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gnuradio import blocks, channels, gr, zeromq

from steer_ros import defaults
from steer_ros.sdr.frame import PilotFrame


class PilotStream(gr.top_block):
    def __init__(self, frame_samples, sample_rate, noise_var, cfo_hz, address, seed):
        gr.top_block.__init__(self, "steer_ros pilot stream")
        self.src = blocks.vector_source_c([complex(v) for v in frame_samples], True, 1, [])
        self.throttle = blocks.throttle(gr.sizeof_gr_complex, sample_rate, True)
        self.channel = channels.channel_model(
            noise_voltage=float(np.sqrt(noise_var)),
            frequency_offset=float(cfo_hz / sample_rate),
            epsilon=1.0,
            taps=[1.0 + 0.0j],
            noise_seed=int(seed),
            block_tags=False,
        )
        self.sink = zeromq.pub_sink(gr.sizeof_gr_complex, 1, address, 100, False, -1, "")
        self.connect(self.src, self.throttle, self.channel, self.sink)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gains", default=None, help="|h_i|^2, comma-separated (default: design gains)")
    p.add_argument("--snr-db", type=float, default=20.0, help="SNR of a unit-gain subchannel, dB")
    p.add_argument("--noise-var", type=float, default=None, help="noise variance instead of --snr-db")
    p.add_argument("--cfo", type=float, default=0.0, help="carrier frequency offset, Hz")
    p.add_argument("--sample-rate", type=float, default=defaults.SDR_SAMPLE_RATE)
    p.add_argument("--subcarriers-per-channel", type=int, default=defaults.SDR_SUBCARRIERS_PER_CHANNEL)
    p.add_argument("--address", default=defaults.SDR_ZMQ_ADDRESS)
    p.add_argument("--seconds", type=float, default=0.0, help="run time, 0 = until stopped")
    p.add_argument("--seed", type=int, default=1, help="channel phase and noise seed")
    a = p.parse_args(argv)

    gains = (np.asarray([float(v) for v in a.gains.split(",")]) if a.gains else defaults.design_gains())
    frame = PilotFrame.contiguous(n_channels=gains.size, subcarriers_per_channel=a.subcarriers_per_channel)
    noise_var = a.noise_var if a.noise_var is not None else 10.0 ** (-a.snr_db / 10.0)
    theta = np.random.RandomState(a.seed).uniform(0, 2 * np.pi, gains.size)
    samples = frame.modulate(frame.subcarrier_response(np.sqrt(gains) * np.exp(1j * theta)))
    tb = PilotStream(samples, a.sample_rate, noise_var, a.cfo, a.address, a.seed)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    tb.start()
    print(json.dumps({
        "gain": gains.tolist(), "noise_var": noise_var, "cfo_hz": a.cfo,
        "sample_rate": a.sample_rate, "address": a.address, "frame": frame.to_dict(),
        "gnuradio": gr.version(),
    }), flush=True)
    t_end = time.monotonic() + a.seconds if a.seconds > 0 else float("inf")
    while not stop and time.monotonic() < t_end:
        time.sleep(0.05)
    tb.stop()
    tb.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
