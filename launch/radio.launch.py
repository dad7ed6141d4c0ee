"""ros2 launch steer_ros radio.launch.py namespace:=radio3 [config:=fleet.yaml]
[backend:=...] [policy:="..."]

One radio of a fleet on this host: channel_sim, channel_mux, optimizer (in the fleet:
its budget held to the coordinator's grant), navigator and guardrail, in the radio's
namespace. Start coordinator.launch.py on the coordinating host (docs/fleet.md).
"""

from steer_ros.ros.launch_description import graph_launch_description


def generate_launch_description():
    return graph_launch_description("radio")
