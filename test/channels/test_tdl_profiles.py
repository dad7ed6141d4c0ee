"""The 3GPP TR 38.901 TDL tables (Tables 7.7.2-1..5) and their subchannel mapping."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros.channels.tdl_profiles import PROFILES, TDL_NAMES, get_profile, rms_delay_spread, steering
from steer_ros.validation import InvalidInput


@pytest.mark.parametrize("name", TDL_NAMES)
def test_every_profile_has_unit_rms_delay_spread(name):
    # The standard normalizes each profile's delays to an RMS delay spread of 1; computed
    # here from the raw table rows (LOS and Rayleigh rows alike), not from taps().
    rows = PROFILES[name].rows
    delays = np.array([d for d, _, _ in rows])
    powers = 10.0 ** (np.array([p for _, p, _ in rows]) / 10.0)
    assert abs(rms_delay_spread(delays, powers) - 1.0) < 0.01


def test_tap_counts_and_first_tap_match_the_tables():
    # Table rows: A 23, B 23, C 24, D 13 taps (+1 LOS row), E 14 taps (+1 LOS row).
    counts = {name: len(PROFILES[name].taps()[0]) for name in TDL_NAMES}
    assert counts == {"A": 23, "B": 23, "C": 24, "D": 13, "E": 14}
    assert [PROFILES[n].los for n in TDL_NAMES] == [False, False, False, True, True]
    a_delays, a_powers, _ = PROFILES["A"].taps()
    assert a_delays[1] == 0.3819 and np.argmax(a_powers) == 1  # the 0 dB tap of TDL-A


@pytest.mark.parametrize("name", ["D", "E"])
def test_los_profiles_k_factor_agrees_with_their_rows(name):
    profile = PROFILES[name]
    _, powers, k = profile.taps()
    assert 10 * np.log10(k) == pytest.approx(profile.k_factor_db, abs=0.01)
    assert abs(10 * np.log10(powers.sum())) < 1e-12
    # the merged Rician first tap (-0.2 dB + -13.5 dB, -0.03 dB + -22.03 dB: ~0 dB) dominates
    assert powers[0] > 0.85 and powers[0] == powers.max()


def test_tdl_a_frequency_correlation_at_100_ns():
    # |R(df)| = |sum_l p_l exp(-j 2 pi df tau_l)|: 0.856 at 1 MHz, 0.744 at 2 MHz (issue values)
    delays, powers, _ = get_profile("A").taps()
    s = steering(delays * 100e-9, powers, np.array([0.0, 1e6, 2e6]))
    r = np.sqrt(powers) @ s  # sum_l p_l exp(-j 2 pi f tau_l)
    assert abs(r[0]) == pytest.approx(1.0)
    assert abs(r[1]) == pytest.approx(0.856, abs=0.001)
    assert abs(r[2]) == pytest.approx(0.744, abs=0.001)


def test_profile_names():
    assert get_profile("tdl-c") is PROFILES["C"]
    with pytest.raises(InvalidInput, match="tdl_profile"):
        get_profile("F")
