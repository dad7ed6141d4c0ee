"""The ROS 2 layer: everything that imports rclpy or launch. Node wrappers
(:mod:`.nodes`), topics and QoS, message conversions, parameters and diagnostics, the
graph description, the in-process bringup, the launch description, node processes,
DDS domain locks and recording."""
