"""``steer-ros sdr-synth``: write a SigMF recording of pilot frames through a known channel.

Example::

    steer-ros sdr-synth --gains 0.25,0.5,1,2 --snr-db 20 --cfo 3000 --out rec.sigmf-meta
    steer-ros sdr-synth --gains 0.25,0.5,1,2 --gains-after 2,1,0.5,0.25 --change-at 1.0 \\
        --duration 2 --out change.sigmf-meta

--snr-db is the SNR of a unit-gain subchannel (noise_var = 10^(-snr_db/10)), so
subchannel i sees gain_i / noise_var. The truth goes into the annotations (see
``steer_ros.sdr.synth``).
"""

from __future__ import annotations

import argparse

from steer_ros import defaults


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", ",").split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sdr-synth",
        help="write a SigMF recording of SDR pilot frames with a known channel",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--gains", type=_floats, default=None, help="|h_i|^2 per subchannel, comma-separated (default: design gains)"
    )
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("--snr-db", type=float, default=20.0, help="SNR of a unit-gain subchannel, dB (default 20)")
    noise.add_argument("--noise-var", type=float, default=None, help="noise variance per sample instead of --snr-db")
    p.add_argument("--cfo", type=float, default=0.0, help="carrier frequency offset, Hz (default 0)")
    p.add_argument("--sample-rate", type=float, default=defaults.SDR_SAMPLE_RATE, help="samples/s")
    p.add_argument("--center-freq", type=float, default=defaults.SDR_CENTER_FREQ, help="Hz (metadata)")
    p.add_argument("--duration", type=float, default=1.0, help="seconds of signal (default 1)")
    p.add_argument("--gains-after", type=_floats, default=None, help="gains after --change-at")
    p.add_argument("--change-at", type=float, default=None, help="time of the gain change, s")
    p.add_argument("--offset", type=int, default=0, help="samples dropped at the start (begin mid-frame)")
    p.add_argument("--datatype", choices=("cf32_le", "ci16_le"), default="cf32_le")
    p.add_argument("--subcarriers-per-channel", type=int, default=defaults.SDR_SUBCARRIERS_PER_CHANNEL)
    p.add_argument("--seed", type=int, default=0, help="noise and channel-phase seed")
    p.add_argument("--out", required=True, help="output path, e.g. rec.sigmf-meta")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from steer_ros.sdr.frame import PilotFrame
    from steer_ros.sdr.synth import noise_var_for_snr_db, synthesize, write_recording

    gains = np.asarray(args.gains if args.gains is not None else defaults.design_gains(), float)
    frame = PilotFrame.contiguous(n_channels=gains.size, subcarriers_per_channel=args.subcarriers_per_channel)
    noise_var = args.noise_var if args.noise_var is not None else noise_var_for_snr_db(args.snr_db)
    n_frames = max(1, int(round(args.duration * args.sample_rate / frame.frame_len)))
    spacing = frame.subcarrier_spacing_hz(args.sample_rate)
    if abs(args.cfo) > frame.max_cfo_subcarriers * spacing:
        print(f"warning: |cfo| {abs(args.cfo):.0f} Hz exceeds the documented range "
              f"{frame.max_cfo_subcarriers * spacing:.0f} Hz")
    change = None
    if args.gains_after is not None:
        if args.change_at is None:
            raise SystemExit("--gains-after needs --change-at")
        change = int(round(args.change_at * args.sample_rate / frame.frame_len))
    syn = synthesize(
        gains, noise_var, args.cfo, n_frames, args.sample_rate, frame, offset=args.offset,
        seed=args.seed, gains_after=args.gains_after, change_at_frame=change,
    )
    path = write_recording(args.out, syn, datatype=args.datatype, center_freq=args.center_freq)
    print(f"wrote {path} ({syn.samples.size} samples, {n_frames} frames, {args.datatype}, "
          f"noise_var {noise_var:.4g}, cfo {args.cfo:g} Hz)")
    return 0
