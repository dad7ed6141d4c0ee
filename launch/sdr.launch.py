"""ros2 launch steer_ros sdr.launch.py [sdr_recording:=rec.sigmf-meta] [config:=FILE]
[backend:=rules|openai|scripted] [llm_base_url:=URL] [llm_model:=NAME] [policy:="..."]
[namespace:=radio1] [record:=true [record_out:=run.mcap]]

Starts the mixed steer_ros graph: channel_sim, sdr_estimator, channel_mux, optimizer,
navigator and guardrail, with the parameters of ``config`` (default:
config/mixed.yaml: channels 1-4 from the SDR estimator, 5-8 simulated, falling back
to the simulator when the SDR source stops). ``sdr_recording`` is the SigMF
recording the estimator plays (default: the config's bundled recording); for a live
GNU Radio stream or a SoapySDR device, set the estimator's ``source`` in the config.
The node list and the argument-to-parameter mapping come from steer_ros.ros.graph,
shared with `steer-ros sim --config config/mixed.yaml`, the launch-free bringup.
record:=true also starts `steer-ros record`, as in sim.launch.py.
"""

from steer_ros.ros.launch_description import graph_launch_description


def generate_launch_description():
    return graph_launch_description("mixed")
