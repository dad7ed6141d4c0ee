"""Domain ids held one after another in one process differ: a graph torn down a moment ago
never meets the next test in its domain (a ghost publisher in a recording)."""

from __future__ import annotations

from steer_ros.ros.domain_lock import DOMAIN_RANGE, exclusive_domain_id


def test_consecutive_holds_in_one_process_use_different_domains():
    seen = []
    for _ in range(3):
        with exclusive_domain_id() as domain:
            assert domain in DOMAIN_RANGE
            seen.append(domain)
    assert len(set(seen)) == 3


def test_a_held_domain_is_not_handed_out_twice():
    with exclusive_domain_id() as first, exclusive_domain_id() as second:
        assert first != second
