"""channel_mux keeps its hold state across a parameter change (the node path: a
``ros2 param set`` reaches ChannelMux.reconfigured). The core logic is unit-tested
ROS-free in test/channels/test_channel_mux_fuse.py; this checks the node's wiring."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ros]


class FakeClock:
    def __init__(self, t: float = 100.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_a_parameter_change_keeps_the_held_channels(domain_id):
    import rclpy
    from rclpy.context import Context
    from rclpy.parameter import Parameter

    from steer_ros.msg import ChannelState
    from steer_ros.ros.nodes.channel_mux_node import ChannelMuxNode

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    node = ChannelMuxNode(context=context, parameter_overrides=[
        Parameter("sources", Parameter.Type.STRING_ARRAY, ["sim", "sdr"]),
        Parameter("on_stale", Parameter.Type.STRING, "hold"),
        Parameter("stale_after_s", Parameter.Type.DOUBLE, 1.0),
    ])  # not spun: the test drives on_input() and the mux itself
    try:
        def state(value: float) -> ChannelState:
            return ChannelState(gain=[value] * 2, noise_var=[1.0] * 2, source=[0] * 2, gain_var=[0.0] * 2)

        node.on_input("sim", state(1.0))
        clock = FakeClock()
        node.mux.clock = clock
        node.on_input("sim", state(1.0))
        node.on_input("sdr", state(2.0))
        assert node.mux.fuse().gain.tolist() == [1.0, 2.0]
        clock.t += 1.5
        node.on_input("sim", state(4.0))
        assert node.mux.fuse().gain.tolist() == [4.0, 2.0]  # sdr stale: held

        result = node.set_parameters([Parameter("stale_after_s", Parameter.Type.DOUBLE, 1.2)])[0]
        assert result.successful, result.reason
        assert node.mux.stale_after_s == 1.2 and node.mux.clock is clock
        fused = node.mux.fuse()
        assert fused is not None and fused.gain.tolist() == [4.0, 2.0], "the held sdr value was lost"
        assert fused.stale == [1]
    finally:
        node.destroy_node()
        rclpy.shutdown(context=context)
