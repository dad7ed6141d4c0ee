"""The optimizer's timing (steer_ros.system1.step_pacer), on injected clocks: no
threads, no sleeps, no ROS."""

from __future__ import annotations

import pytest

from steer_ros.system1.step_pacer import PublishLimiter, StepPacer, paired_reading


def run_ticks(pacer: StepPacer, times) -> list[int]:
    """Tick at each instant, run what is due, return the counts."""
    counts = []
    for now in times:
        due = pacer.due(now)
        pacer.ran(due)
        counts.append(due)
    return counts


def test_steps_due_follow_the_rate_not_the_ticks():
    pacer = StepPacer(500.0, max_catchup_s=2.0)
    # Irregular ticks (a jittery executor): the total follows the wall clock.
    times = [0.0, 0.010, 0.0235, 0.030, 0.071, 0.080, 0.1]
    counts = run_ticks(pacer, times)
    assert counts[0] == 0
    assert sum(counts) == 50  # 0.1 s at 500 Hz
    assert counts[4] == int(0.071 * 500) - int(0.030 * 500)  # a late tick catches up
    assert pacer.steps_dropped == 0


def test_a_tick_with_nothing_due_runs_nothing():
    pacer = StepPacer(100.0)
    assert run_ticks(pacer, [0.0, 0.001, 0.002, 0.0099]) == [0, 0, 0, 0]


def test_extra_steps_put_the_schedule_ahead_until_time_catches_up():
    pacer = StepPacer(100.0)
    pacer.due(0.0)
    pacer.ran(3)  # e.g. a forced step after an input, and two more
    assert pacer.due(0.025) == 0  # 2 due, 3 done
    assert pacer.due(0.041) == 1  # 4 due, 3 done


def test_a_stall_longer_than_the_catch_up_cap_drops_the_excess_and_counts_it():
    pacer = StepPacer(500.0, max_catchup_s=2.0)
    assert pacer.max_burst == 1000
    run_ticks(pacer, [0.0, 0.01])
    due = pacer.due(5.01)  # a 5 s stall: 2500 steps due, 1000 caught up
    assert due == 1000
    assert pacer.steps_dropped == 2500 - 1000
    pacer.ran(due)
    # Back on schedule at once: the next ticks step at the nominal rate (a restart that
    # counted the catch-up against the new schedule stalled stepping for another 2 s).
    counts = run_ticks(pacer, [5.0205, 5.0305, 5.0405])  # off the step boundaries (float rounding)
    assert counts == [5, 5, 5]
    assert pacer.steps_dropped == 1500


def test_stop_restarts_the_schedule():
    pacer = StepPacer(100.0)
    run_ticks(pacer, [0.0, 0.5])
    pacer.stop()
    assert not pacer.running
    assert pacer.due(10.0) == 0  # nothing was due while stopped
    assert pacer.due(10.05) == 5
    assert pacer.steps_dropped == 0


def test_the_default_clock_is_used_without_now():
    ticks = iter([1.0, 1.5])
    pacer = StepPacer(10.0, clock=lambda: next(ticks))
    assert pacer.due() == 0
    assert pacer.due() == 5


@pytest.mark.parametrize("rate", [0.0, -1.0])
def test_a_rate_that_is_not_positive_is_refused(rate):
    with pytest.raises(ValueError, match="rate_hz"):
        StepPacer(rate)


def test_publish_limiter_spaces_event_publishes_and_keeps_one_pending():
    limiter = PublishLimiter(200.0)  # 5 ms apart
    assert limiter.request(0.000)
    assert not limiter.request(0.002) and limiter.pending
    assert not limiter.poll(0.004) and limiter.pending
    assert limiter.poll(0.0051) and not limiter.pending
    assert not limiter.poll(0.020)  # nothing pending: nothing to publish


def test_publish_limiter_counts_timer_publishes_for_the_spacing():
    limiter = PublishLimiter(100.0)
    limiter.published(1.0)
    assert not limiter.request(1.005)
    limiter.published(1.006)  # the periodic timer published meanwhile: nothing pending
    assert not limiter.pending
    assert limiter.request(1.017)


def test_paired_reading_retries_when_preempted_between_the_clocks():
    readings = iter([0.0, 0.5, 1.0, 1.00001])  # a 0.5 s gap, then a tight pair
    value, at = paired_reading(lambda: "stamp", clock=lambda: next(readings), tolerance_s=1e-3)
    assert value == "stamp"
    assert at == pytest.approx(1.000005)
