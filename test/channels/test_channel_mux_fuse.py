"""ChannelMux.fuse: per-channel primary source, stale sources, fallback and hold, on an
injected clock (no sleeps, no ROS): the logic the channel_mux node only wires to its
subscriptions and timer."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros import defaults
from steer_ros.channels.channel_mux import SOURCE_CODE, ChannelMux, parse_sources

SIM, SDR = SOURCE_CODE["sim"], SOURCE_CODE["sdr"]
STALE = 1.0  # stale_after_s in these tests


class FakeClock:
    """A monotonic clock the test advances by hand."""

    def __init__(self, t: float = 100.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


def estimate(value: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gain, noise_var, gain_var) with every gain = value, distinct per source."""
    return np.full(n, value), np.full(n, value / 10), np.full(n, value / 100)


def make(sources, on_stale="fallback", clock=None) -> tuple[ChannelMux, FakeClock]:
    clock = clock or FakeClock()
    return ChannelMux(parse_sources(sources, len(sources)), STALE, on_stale, clock=clock), clock


def feed(mux: ChannelMux, source: str, value: float) -> None:
    mux.update(source, *estimate(value, mux.n))


def test_defaults_come_from_defaults_module():
    mux = ChannelMux(["sim"])
    assert mux.stale_after_s == defaults.STALE_AFTER_S and mux.on_stale == defaults.MUX_ON_STALE


def test_fresh_primaries_are_taken_per_channel():
    mux, _ = make(["sim", "sdr", "sim", "sdr"])
    feed(mux, "sim", 1.0)
    feed(mux, "sdr", 2.0)
    fused = mux.fuse()
    np.testing.assert_array_equal(fused.gain, [1.0, 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(fused.noise_var, [0.1, 0.2, 0.1, 0.2])
    np.testing.assert_array_equal(fused.gain_var, [0.01, 0.02, 0.01, 0.02])
    np.testing.assert_array_equal(fused.source, [SIM, SDR, SIM, SDR])
    assert fused.stale == [] and fused.notes == []


def test_nothing_until_every_channel_has_a_value():
    mux, _ = make(["sim", "sdr"], on_stale="hold")
    assert mux.fuse() is None
    # Hold with nothing held yet: the sdr channel takes sim at start-up, in either mode.
    feed(mux, "sim", 1.0)
    fused = mux.fuse()
    np.testing.assert_array_equal(fused.gain, [1.0, 1.0])
    np.testing.assert_array_equal(fused.source, [SIM, SIM])
    assert fused.stale == [1]


def test_only_sdr_channels_and_no_sdr_yet_is_none():
    mux, _ = make(["sdr", "sdr"])
    assert mux.fuse() is None
    feed(mux, "sdr", 3.0)
    assert mux.fuse().gain.tolist() == [3.0, 3.0]


def test_freshness_boundary_on_the_injected_clock():
    mux, clock = make(["sim"])
    feed(mux, "sim", 1.0)
    clock.advance(STALE)
    assert mux.is_fresh("sim")  # exactly stale_after_s old: still fresh
    clock.advance(1e-9)
    assert not mux.is_fresh("sim")
    assert not mux.is_fresh("sdr")  # never heard from
    # An explicit ``now`` overrides the clock.
    assert mux.is_fresh("sim", now=clock.t - 0.5)


def test_stale_primary_falls_back_to_the_fresh_other_source():
    mux, clock = make(["sim", "sdr", "sdr"])
    feed(mux, "sim", 1.0)
    feed(mux, "sdr", 2.0)
    clock.advance(0.8)
    feed(mux, "sim", 5.0)  # sim keeps coming, sdr goes silent
    clock.advance(0.5)  # sdr is 1.3 s old, sim 0.5 s
    fused = mux.fuse()
    np.testing.assert_array_equal(fused.gain, [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(fused.source, [SIM, SIM, SIM])  # the source actually used
    assert fused.stale == [1, 2]
    assert fused.notes == ["sdr stale: 2 channels fall back to sim"]
    # SDR resumes: its channels return to it.
    feed(mux, "sdr", 7.0)
    fused = mux.fuse()
    np.testing.assert_array_equal(fused.gain, [5.0, 7.0, 7.0])
    np.testing.assert_array_equal(fused.source, [SIM, SDR, SDR])
    assert fused.stale == []


def test_stale_primary_holds_its_last_value_in_hold_mode():
    mux, clock = make(["sim", "sdr"], on_stale="hold")
    feed(mux, "sim", 1.0)
    feed(mux, "sdr", 2.0)
    assert mux.fuse().gain.tolist() == [1.0, 2.0]
    clock.advance(0.9)
    feed(mux, "sim", 4.0)
    clock.advance(0.9)  # sdr 1.8 s old: stale; sim fresh, but hold does not take it
    fused = mux.fuse()
    np.testing.assert_array_equal(fused.gain, [4.0, 2.0])
    np.testing.assert_array_equal(fused.noise_var, [0.4, 0.2])
    np.testing.assert_array_equal(fused.gain_var, [0.04, 0.02])
    np.testing.assert_array_equal(fused.source, [SIM, SDR])  # held from sdr
    assert fused.stale == [1]
    assert fused.notes == ["sdr stale: 1 channels hold their last value"]


def test_both_stale_hold_in_fallback_mode_too():
    mux, clock = make(["sim", "sdr"], on_stale="fallback")
    feed(mux, "sim", 1.0)
    feed(mux, "sdr", 2.0)
    mux.fuse()
    clock.advance(5.0)
    fused = mux.fuse()
    np.testing.assert_array_equal(fused.gain, [1.0, 2.0])
    np.testing.assert_array_equal(fused.source, [SIM, SDR])
    assert fused.stale == [0, 1]
    assert len(fused.notes) == 2 and all("hold their last value" in note for note in fused.notes)


def test_both_stale_before_any_fuse_is_none():
    mux, clock = make(["sim", "sdr"])
    feed(mux, "sim", 1.0)
    feed(mux, "sdr", 2.0)
    clock.advance(5.0)  # nothing fused while fresh: nothing to hold
    assert mux.fuse() is None


def test_a_held_value_is_the_last_fused_one_not_the_last_received():
    """After a fallback, a hold keeps the fallback value: what the subscribers last saw."""
    mux, clock = make(["sdr"], on_stale="fallback")
    feed(mux, "sdr", 2.0)
    feed(mux, "sim", 9.0)
    mux.fuse()
    clock.advance(1.5)
    feed(mux, "sim", 3.0)
    assert mux.fuse().gain.tolist() == [3.0]  # fell back to sim
    clock.advance(1.5)  # now both are stale
    fused = mux.fuse()
    assert fused.gain.tolist() == [3.0] and fused.source.tolist() == [SIM]


def test_fuse_is_vectorized_over_many_interleaved_channels():
    n = 4096
    sources = ["sdr" if i % 3 == 0 else "sim" for i in range(n)]
    mux, clock = make(sources)
    sim_gain = np.arange(n, dtype=float) + 1
    mux.update("sim", sim_gain, np.ones(n), np.zeros(n))
    mux.update("sdr", -sim_gain, np.full(n, 2.0), np.full(n, 0.5))
    fused = mux.fuse()
    is_sdr = np.arange(n) % 3 == 0
    np.testing.assert_array_equal(fused.gain, np.where(is_sdr, -sim_gain, sim_gain))
    np.testing.assert_array_equal(fused.source, np.where(is_sdr, SDR, SIM))
    clock.advance(2.0)
    mux.update("sim", sim_gain * 2, np.ones(n), np.zeros(n))
    fused = mux.fuse()
    assert fused.stale == np.flatnonzero(is_sdr).tolist()
    np.testing.assert_array_equal(fused.gain, sim_gain * 2)


def test_update_refuses_unknown_sources_and_wrong_lengths():
    mux, _ = make(["sim", "sim"])
    with pytest.raises(ValueError, match="source must be one of"):
        mux.update("radar", *estimate(1.0, 2))
    with pytest.raises(ValueError, match="sdr sent 3 channels, the mux maps 2"):
        mux.update("sdr", *estimate(1.0, 3))
    assert mux.latest == {}  # nothing stored by a refused update


@pytest.mark.parametrize("kwargs, message", [
    ({"stale_after_s": 0.0}, "stale_after_s must be > 0"),
    ({"stale_after_s": float("nan")}, "stale_after_s must be > 0"),
    ({"on_stale": "drop"}, "on_stale must be one of"),
])
def test_constructor_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ChannelMux(["sim"], **kwargs)


@pytest.mark.parametrize("spec, n, expected", [
    ("sdr", 3, ["sdr", "sdr", "sdr"]),
    (["sdr"], 2, ["sdr", "sdr"]),
    ([], 2, ["sim", "sim"]),
    (["sim", "sdr"], 2, ["sim", "sdr"]),
])
def test_parse_sources(spec, n, expected):
    assert parse_sources(spec, n) == expected


def test_parse_sources_refuses_bad_specs():
    with pytest.raises(ValueError, match="expected 3 entries"):
        parse_sources(["sim", "sdr"], 3)
    with pytest.raises(ValueError, match="got 'gps'"):
        parse_sources(["sim", "gps"], 2)


# A parameter change (ros2 param set /channel_mux stale_after_s / on_stale / sources)
# rebuilds the mux through reconfigured(); the held state must survive it.


def _holding_mux() -> tuple[ChannelMux, FakeClock]:
    """A hold-mode mux whose sdr channel is stale and holds 2.0 while sim moves on."""
    mux, clock = make(["sim", "sdr"], on_stale="hold")
    feed(mux, "sim", 1.0)
    feed(mux, "sdr", 2.0)
    mux.fuse()
    clock.advance(1.5)
    feed(mux, "sim", 4.0)
    assert mux.fuse().gain.tolist() == [4.0, 2.0]
    return mux, clock


def test_hold_survives_a_parameter_change():
    mux, clock = _holding_mux()
    mux = mux.reconfigured(stale_after_s=1.2)  # still stale under the new limit
    fused = mux.fuse()
    assert fused is not None
    np.testing.assert_array_equal(fused.gain, [4.0, 2.0])  # held, not replaced by sim's 4.0
    np.testing.assert_array_equal(fused.source, [SIM, SDR])
    assert fused.stale == [1]


def test_hold_survives_a_parameter_change_when_both_sources_are_stale():
    mux, clock = _holding_mux()
    clock.advance(5.0)
    mux = mux.reconfigured(on_stale="hold", sources=["sim", "sdr"])
    fused = mux.fuse()
    assert fused is not None, "the mux forgot what it held and publishes nothing"
    np.testing.assert_array_equal(fused.gain, [4.0, 2.0])
    assert fused.stale == [0, 1]


def test_reconfigured_applies_the_new_settings():
    mux, clock = _holding_mux()
    moved = mux.reconfigured(on_stale="fallback")
    assert moved.clock is clock and moved.stale_after_s == STALE
    assert moved.fuse().gain.tolist() == [4.0, 4.0]  # now the stale sdr channel falls back
    swapped = mux.reconfigured(sources=["sdr", "sim"])
    fused = swapped.fuse()
    # Channel 0 (now sdr, stale) holds its last value; channel 1 (now sim) takes sim.
    assert fused.gain.tolist() == [4.0, 4.0] and fused.stale == [0]
    longer = mux.reconfigured(stale_after_s=10.0)  # sdr is fresh again under 10 s
    assert longer.fuse().gain.tolist() == [4.0, 2.0] and longer.fuse().stale == []
    with pytest.raises(ValueError, match="expected 2 entries"):
        mux.reconfigured(sources=["sim"] * 3)
    with pytest.raises(ValueError, match="on_stale must be one of"):
        mux.reconfigured(on_stale="drop")
