"""The pilot frame: geometry, periodicities, normalisation, seeded sequences."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from steer_ros.sdr.frame import PilotFrame, contiguous_map, seeded_qpsk

REPO = Path(__file__).resolve().parents[2]


def test_default_geometry():
    f = PilotFrame()
    assert (f.n_fft, f.cp_len, f.n_pilot_symbols, f.n_channels) == (64, 16, 8, 8)
    assert f.frame_len == 160 + 160 + 8 * 80 == 960
    assert f.used_bins.size == 48 and np.all(f.subcarriers_per_channel == 6)
    assert f.subchannel_of[0] == -1  # DC unused
    # Subchannel 0 is the lowest frequency group, ascending.
    signed = np.fft.fftfreq(64, 1 / 64).astype(int)
    assert np.all(np.diff(f.used_channel) >= 0)
    assert np.all(np.diff(signed[f.used_bins]) > 0)


def test_time_structure():
    f = PilotFrame()
    x = f.modulate()
    sts = x[: f.sts_len]
    assert np.allclose(sts[16:], sts[:-16])  # period n_fft/4
    lts = x[f.lts_start : f.lts_start + f.lts_len]
    assert np.allclose(lts[64:], lts[:-64])  # guard + 2 symbols, period n_fft
    sym = x[f.pilot_start :].reshape(8, 80)
    assert np.allclose(sym[:, :16], sym[:, -16:])  # cyclic prefix
    # Equal mean power over one period of every field (Parseval: 48 used / 64 bins).
    p = [np.mean(np.abs(v) ** 2) for v in (sts, lts[32:96], sym[:, 16:])]
    assert np.allclose(p, 48 / 64, rtol=1e-9)


def test_unitary_model_y_equals_h_x():
    f = PilotFrame()
    h = np.exp(1j * np.arange(8)) * np.sqrt(np.linspace(0.25, 2.25, 8))
    x = f.modulate(f.subcarrier_response(h))
    win = x[f.pilot_start + 16 : f.pilot_start + 80]
    Y = np.fft.fft(win) / 8.0
    assert np.allclose(Y[f.used_bins], h[f.used_channel] * f.pilot_values[0])


def test_seeded_sequences_are_fixed_and_unit_modulus():
    a = seeded_qpsk(7, "pilots", 100)
    assert np.allclose(np.abs(a), 1.0)
    assert np.array_equal(a, seeded_qpsk(7, "pilots", 100))
    assert not np.array_equal(a, seeded_qpsk(8, "pilots", 100))
    # Golden values: a change here breaks every recording and every peer process.
    assert np.allclose(a[:4] * np.sqrt(2), [-1 + 1j, 1 + 1j, 1 + 1j, 1 + 1j])
    assert np.array_equal(seeded_qpsk(7, "pilots", 4), a[:4])


def test_roundtrip_and_validation():
    f = PilotFrame.contiguous(n_channels=4, subcarriers_per_channel=10, n_fft=128, cp_len=32)
    assert PilotFrame.from_dict(json.loads(json.dumps(f.to_dict()))) == f
    with pytest.raises(ValueError, match="cp_len"):
        PilotFrame(cp_len=0)
    with pytest.raises(ValueError, match="n_pilot_symbols"):
        PilotFrame(n_pilot_symbols=1)
    with pytest.raises(ValueError, match="do not fit"):
        contiguous_map(8, 8, 64)
    with pytest.raises(ValueError, match="DC"):
        PilotFrame(subchannel_of=np.roll(contiguous_map(8, 6, 64), 1))


@pytest.mark.skipif(not shutil.which("/usr/bin/python3"), reason="no /usr/bin/python3")
def test_system_python_builds_the_same_frame(tmp_path):
    """GNU Radio's interpreter (Debian numpy 1.x) must build bit-identical frames."""
    out = tmp_path / "frame.bin"
    code = (
        "import sys, numpy as np; sys.path.insert(0, %r);"
        "from steer_ros.sdr.frame import PilotFrame; f = PilotFrame();"
        "f.modulate(f.subcarrier_response(np.linspace(1, 2, 8) + 0j)).astype('<c16').tofile(%r)"
    ) % (str(REPO), str(out))
    r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=60)
    if r.returncode and "No module named 'numpy'" in r.stderr:
        pytest.skip("system python has no numpy")
    assert r.returncode == 0, r.stderr
    f = PilotFrame()
    ours = f.modulate(f.subcarrier_response(np.linspace(1, 2, 8) + 0j))
    assert np.allclose(np.fromfile(out, "<c16"), ours, atol=1e-12)
