"""ros2 launch steer_ros coordinator.launch.py radios:=4 [config:=fleet.yaml]

The fleet coordinator: grants radio1 .. radioK their budgets by price, under leases
(docs/fleet.md). The radios run radio.launch.py, here or on other hosts.
"""

from steer_ros.ros.launch_description import graph_launch_description


def generate_launch_description():
    return graph_launch_description("coordinator")
