"""The optimizer node's published step count agrees with its stamp, whoever else is
stepping System 1 at the time: the fault drills and the graph tests measure the step
rate as (step difference) / (stamp difference) on the optimizer's own clock."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = [pytest.mark.ros]


class WatchedLock:
    """A re-entrant lock that also says when a thread had to wait for it."""

    def __init__(self):
        self._lock = threading.RLock()
        self.contended = threading.Event()

    def acquire(self) -> bool:
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()
        return True

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> "WatchedLock":
        return self.acquire() and self

    def __exit__(self, *exc) -> None:
        self.release()


@pytest.mark.realtime  # delivery over DDS against the clock: load-sensitive on 2 cores
def test_a_publish_held_up_by_a_step_tick_still_publishes_the_count_due_at_its_stamp(domain_id):
    """The step timer holds System 1 when a publish comes; while the publish waits,
    steps fall due and the tick takes them. The publication that follows must carry
    a step count and a stamp of the same instant (it carried a count 0.2 s ahead of
    its stamp when the stamp was read before the wait)."""
    import rclpy
    from rclpy.context import Context
    from rclpy.parameter import Parameter
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from rosutil import SpunNode, wait_until

    from steer_ros import defaults
    from steer_ros.msg import AllocationState, ChannelState
    from steer_ros.ros import topics
    from steer_ros.ros.nodes.optimizer_node import OptimizerNode

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    # Not spun: this test drives step() and publish() itself (no event bursts, which
    # would publish from on_channels).
    node = OptimizerNode(context=context, parameter_overrides=[Parameter("event_burst_steps", value=0)])
    node.state_lock = WatchedLock()
    received: list[AllocationState] = []
    hold_s = 0.2
    try:
        with SpunNode("step_stamp_probe", domain_id) as probe:
            sub = probe.node.create_subscription(AllocationState, topics.ALLOCATION, received.append,
                                                 QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE))
            # Both ends matched (a volatile reader drops what was sent before it matched).
            wait_until(lambda: node.pub.get_subscription_count() >= 1 and sub.get_publisher_count() >= 1, 10.0,
                       "the probe and the optimizer to match on steer/allocation")
            n = defaults.N_CHANNELS
            node.on_channels(ChannelState(gain=[1.0] * n, noise_var=[1.0] * n, source=[0] * n, gain_var=[0.0] * n))
            node.step()
            assert node.system1 is not None
            node.publish()  # the reference: nothing else stepping
            wait_until(lambda: len(received) == 1, 10.0, "the reference allocation at the probe")

            with node.state_lock:  # a step tick is running ...
                publisher = threading.Thread(target=node.publish)
                publisher.start()  # ... when the publish comes
                assert node.state_lock.contended.wait(10.0), "the publish never waited for the step tick"
                time.sleep(hold_s)  # the tick runs long: steps fall due meanwhile (time must pass here)
                node.step()  # and the tick takes them
            publisher.join(timeout=10.0)
            assert not publisher.is_alive()
            wait_until(lambda: len(received) == 2, 10.0, "the held-up allocation at the probe")
    finally:
        node.destroy_node()
        context.try_shutdown()

    before, after = received[0], received[1]
    stamp = [m.header.stamp.sec + 1e-9 * m.header.stamp.nanosec for m in (before, after)]
    rate = node.params.values.rate_hz
    error = (after.step - before.step) - rate * (stamp[1] - stamp[0])
    # integer rounding at each end; a count read ahead of its stamp is off by ~rate * hold_s = 100
    assert abs(error) <= 2.0, f"the held-up publication's step count is {error:+.1f} steps off its stamp"
