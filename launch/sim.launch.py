"""ros2 launch steer_ros sim.launch.py [config:=FILE] [backend:=rules|openai|scripted]
[llm_base_url:=URL] [llm_model:=NAME] [policy:="..."] [approval:=auto|confirm]
[approval_timeout_s:=S] [namespace:=radio1]
[record:=true [record_out:=run.mcap]]

Starts the simulated steer_ros graph: channel_sim, channel_mux, optimizer, navigator
and guardrail, with the parameters of ``config`` (default: config/sim.yaml). The
node list and the argument-to-parameter mapping come from steer_ros.ros.graph, shared
with `steer-ros sim`, the launch-free bringup. record:=true also starts
`steer-ros record` (every steer topic and /diagnostics into a rosbag2-compatible MCAP
file, finalized when the launch stops).
"""

from steer_ros.ros.launch_description import graph_launch_description


def generate_launch_description():
    return graph_launch_description("sim")
