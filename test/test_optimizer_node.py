"""The optimizer node's published step count agrees with its stamp, whoever else is
stepping System 1 at the time: the fault drills and the graph tests measure the step
rate as (step difference) / (stamp difference) on the optimizer's own clock."""

from __future__ import annotations

import sys
import threading

import pytest

pytestmark = [pytest.mark.ros]


def test_published_step_count_is_the_one_due_at_the_stamp(domain_id):
    import rclpy
    from rclpy.context import Context
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from rosutil import SpunNode, wait_until
    from steer_ros import defaults
    from steer_ros.msg import AllocationState, ChannelState
    from steer_ros.nodes import topics
    from steer_ros.nodes.optimizer import OptimizerNode

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    node = OptimizerNode(context=context)  # not spun: this test drives step() and publish() itself
    received: list[AllocationState] = []
    old_interval = sys.getswitchinterval()
    try:
        with SpunNode("step_stamp_probe", domain_id) as probe:
            probe.node.create_subscription(AllocationState, topics.ALLOCATION, received.append,
                                           QoSProfile(depth=5000, reliability=ReliabilityPolicy.RELIABLE))
            wait_until(lambda: node.pub.get_subscription_count() >= 1, 10.0, "the probe to match steer/allocation")
            n = defaults.N_CHANNELS
            node.on_channels(ChannelState(gain=[1.0] * n, noise_var=[1.0] * n, source=[0] * n, gain_var=[0.0] * n))
            node.step()
            assert node.system1 is not None

            # A second thread steps System 1 as fast as it can (the step timer under a
            # busy executor), and long GIL slices let it run ahead of a publish that was
            # interrupted between its stamp and its step count.
            sys.setswitchinterval(0.02)
            stop = threading.Event()

            def hammer() -> None:
                while not stop.is_set():
                    node.step()

            stepper = threading.Thread(target=hammer, daemon=True)
            stepper.start()
            try:
                for _ in range(400):
                    node.publish()
            finally:
                stop.set()
                stepper.join(timeout=5.0)
            sys.setswitchinterval(old_interval)
            wait_until(lambda: len(received) >= 300, 10.0, "300 allocations at the probe")
    finally:
        sys.setswitchinterval(old_interval)
        node.destroy_node()
        context.try_shutdown()

    rate = node.params.values.rate_hz
    stamps = [m.header.stamp.sec + 1e-9 * m.header.stamp.nanosec for m in received]
    # Consecutive allocations: the steps taken match the stamps' difference to within
    # the integer rounding at each end (an input change adds at most one step).
    errors = [(b.step - a.step) - rate * (tb - ta)
              for a, b, ta, tb in zip(received, received[1:], stamps, stamps[1:])]
    worst = max(errors, key=abs)
    assert abs(worst) <= 2.0, f"a published step count is {worst:+.1f} steps off its stamp ({len(errors)} pairs)"
    assert received[-1].step > received[0].step
