"""The pilot estimator against known truth (the accuracy of docs/design.md section 6)."""

import numpy as np
import pytest

from steer_ros.sdr.accuracy import equal_snr_table, format_table, mixed_snr_table
from steer_ros.sdr.estimator import PilotEstimator, cramer_rao_gain
from steer_ros.sdr.frame import PilotFrame
from steer_ros.sdr.synth import synthesize


@pytest.fixture(scope="module")
def mixed_rows():
    return mixed_snr_table(snrs_db=(-5, 0, 5, 10, 15, 20, 25), windows=250, window=16, seed=11)


@pytest.fixture(scope="module")
def equal_rows():
    return equal_snr_table(snrs_db=(0, 10, 25), trials=60, window=16, seed=12)


def test_gain_variance_within_1p5_crb_at_snr_0_db_and_above(mixed_rows, equal_rows):
    print(format_table(mixed_rows, "mixed"))
    print(format_table(equal_rows, "equal"))
    for r in mixed_rows + equal_rows:
        if r.snr_db >= 0:
            assert r.var_over_crb <= 1.5, r
            # gain_var is the estimator's own error variance: it must match reality.
            assert 0.7 <= r.reported_over_crb / r.var_over_crb <= 1.45, r


def test_noise_variance_unbiased_within_5_percent(mixed_rows, equal_rows):
    for r in mixed_rows + equal_rows:
        assert abs(r.noise_bias) <= 0.05, r


def test_gain_bias_small(mixed_rows, equal_rows):
    for r in mixed_rows + equal_rows:
        assert abs(r.gain_bias) <= (0.03 if r.snr_db >= 0 else 0.05), r


def test_detection_at_least_99_percent_at_0_db_and_above(mixed_rows, equal_rows):
    for r in mixed_rows + equal_rows:
        assert r.detection_rate >= 0.99, r


@pytest.mark.parametrize("cfo_sub", [-1.5, 1.5])
@pytest.mark.parametrize("offset", [0, 1, 479, 959])
def test_detection_at_cfo_range_edges_and_offsets(cfo_sub, offset):
    f = PilotFrame()
    syn = synthesize(np.ones(8), 1.0, cfo_sub / 64, 12, 1.0, f, offset=offset, seed=offset + 3)
    est = PilotEstimator(f, sample_rate=1.0)
    batch = est.process(syn.samples)
    every = np.arange(12) * f.frame_len - offset  # the first may start before sample 0
    complete = every[(every >= 0) & (every + f.frame_len + f.n_fft <= syn.samples.size)]
    near = np.abs(batch.start[:, None] - every[None, :]).min(axis=1)
    assert np.all(near <= f.cp_len // 2)  # every detection is a real frame, well timed
    found = np.abs(complete[:, None] - batch.start[None, :]).min(axis=1)
    assert np.all(found <= f.cp_len // 2)  # every complete frame is found
    assert np.allclose(batch.cfo, cfo_sub, atol=0.05)


def test_no_false_alarms_on_noise():
    rng = np.random.default_rng(5)
    est = PilotEstimator(PilotFrame())
    for scale in (1.0, 1e3):
        x = scale * (rng.standard_normal(500_000) + 1j * rng.standard_normal(500_000))
        assert len(est.process(x)) == 0
    assert est.estimate() is None
    assert est.samples_since_frame == 1_000_000


def test_chunking_does_not_change_results():
    f = PilotFrame()
    syn = synthesize(np.linspace(0.3, 3, 8), 0.1, 2000.0, 60, 1e6, f, offset=333, seed=2)
    ref = PilotEstimator(f, window_frames=100, sample_rate=1e6)
    ref.process(syn.samples)
    rng = np.random.default_rng(0)
    est = PilotEstimator(f, window_frames=100, sample_rate=1e6, block_samples=4 * f.frame_len)
    i = 0
    while i < syn.samples.size:
        n = int(rng.integers(1, 5000))
        est.process(syn.samples[i : i + n])
        i += n
    a, b = ref.estimate(), est.estimate()
    assert a.n_frames == b.n_frames == 58
    assert np.allclose(a.gain, b.gain) and np.allclose(a.noise_var, b.noise_var)
    assert abs(a.cfo_hz - 2000.0) < 20


def test_estimate_follows_a_gain_change():
    f = PilotFrame()
    g0, g1 = np.linspace(0.25, 2.25, 8), np.linspace(2.25, 0.25, 8)
    syn = synthesize(g0, 0.05, -3000.0, 200, 1e6, f, seed=4, gains_after=g1, change_at_frame=100)
    est = PilotEstimator(f, window_frames=32, sample_rate=1e6)
    cut = syn.truth[1].start
    est.process(syn.samples[:cut])
    e0 = est.estimate()
    assert np.all(np.abs(e0.gain - g0) <= 4 * np.sqrt(e0.gain_var))
    est.process(syn.samples[cut : cut + 40 * f.frame_len])
    e1 = est.estimate()
    assert np.all(np.abs(e1.gain - g1) <= 4 * np.sqrt(e1.gain_var))
    assert e1.last_start > cut
    assert est.samples_since_frame < 2 * f.frame_len
    est.process(np.zeros(10 * f.frame_len))  # the source goes quiet: sync lost
    assert est.samples_since_frame > 9 * f.frame_len
    assert np.all(e1.gain_clipped >= 0)


def test_other_frame_shapes():
    f = PilotFrame.contiguous(n_channels=4, subcarriers_per_channel=20, n_fft=128, cp_len=32, n_pilot_symbols=4)
    g = np.array([0.5, 1.0, 2.0, 4.0])
    syn = synthesize(g, 0.02, 500.0, 80, 1e6, f, offset=100, seed=6)
    est = PilotEstimator(f, window_frames=64, sample_rate=1e6)
    est.process(syn.samples)
    e = est.estimate()
    assert e.n_frames == 64
    assert np.all(np.abs(e.gain - g) <= 4 * np.sqrt(e.gain_var))
    assert np.allclose(e.noise_var, 0.02, rtol=0.1)


def test_crb_and_validation():
    assert cramer_rao_gain(2.0, 0.5, 100) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="window_frames"):
        PilotEstimator(window_frames=0)
    with pytest.raises(ValueError, match="1-D"):
        PilotEstimator().process(np.zeros((2, 2), complex))
