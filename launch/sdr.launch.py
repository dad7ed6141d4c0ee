"""ros2 launch steer_ros sdr.launch.py [sdr_recording:=rec.sigmf-meta] [config:=FILE]
[backend:=rules|openai|scripted] [llm_base_url:=URL] [llm_model:=NAME] [policy:="..."]
[namespace:=radio1] [record:=true [record_out:=run.mcap]]

Starts the mixed steer_ros graph: channel_sim, sdr_estimator, channel_mux, optimizer,
navigator and guardrail, with the parameters of ``config`` (default:
config/mixed.yaml: channels 1-4 from the SDR estimator, 5-8 simulated, falling back
to the simulator when the SDR source stops). ``sdr_recording`` is the SigMF
recording the estimator plays (default: the config's bundled recording); for a live
GNU Radio stream or a SoapySDR device, set the estimator's ``source`` in the config.
The node list and the argument-to-parameter mapping come from steer_ros.graph,
shared with `steer-ros sim --config config/mixed.yaml`, the launch-free bringup.
record:=true also starts `steer-ros record`, as in sim.launch.py.
"""

import time

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from steer_ros.graph import DEFAULT_CONFIG, GRAPHS, launch_arguments, parameter_overrides

GRAPH = "mixed"


def _nodes(context):
    config = LaunchConfiguration("config").perform(context)
    namespace = LaunchConfiguration("namespace").perform(context)
    overrides = parameter_overrides(
        GRAPH, **{name: LaunchConfiguration(name).perform(context) for name in launch_arguments(GRAPH)})
    nodes = [
        Node(
            package="steer_ros",
            executable=spec.name,
            name=spec.name,
            namespace=namespace,
            parameters=[config, overrides.get(spec.name, {})],
            output="screen",
            emulate_tty=True,
        )
        for spec in GRAPHS[GRAPH]
    ]
    if LaunchConfiguration("record").perform(context).strip().lower() in ("true", "1", "yes"):
        from steer_ros.recording.recorder import recorder_command

        out = LaunchConfiguration("record_out").perform(context) or time.strftime("steer_%Y%m%d-%H%M%S.mcap")
        nodes.append(ExecuteProcess(cmd=recorder_command(out, namespace=namespace), name="recorder",
                                    output="screen", sigterm_timeout="10"))
    return nodes


def generate_launch_description():
    arguments = [
        DeclareLaunchArgument(
            "config",
            default_value=PathJoinSubstitution([FindPackageShare("steer_ros"), "config", DEFAULT_CONFIG[GRAPH]]),
            description="Parameters file (ROS 2 YAML) for every node of the graph.",
        ),
        DeclareLaunchArgument("namespace", default_value="", description="Namespace of the whole graph (one per radio)."),
        DeclareLaunchArgument("record", default_value="false",
                              description="true: record every steer topic and /diagnostics (steer-ros record)."),
        DeclareLaunchArgument("record_out", default_value="",
                              description="Recording file (default: steer_<date>-<time>.mcap in the working directory)."),
    ]
    arguments += [
        DeclareLaunchArgument(name, default_value="", description=description)
        for name, (_, _, description) in launch_arguments(GRAPH).items()
    ]
    return LaunchDescription(arguments + [OpaqueFunction(function=_nodes)])
