"""The launch description of a steer_ros graph, shared by launch/*.launch.py.

Each launch file names its graph in steer_ros.ros.graph; the node list, the launch
arguments and the argument-to-parameter mapping come from there, as they do for
`steer-ros sim`, the launch-free bringup, so the two cannot drift apart. Imports
the ROS 2 launch packages: only launch files import this module.
"""

import time

from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription
from steer_ros.ros.graph import DEFAULT_CONFIG, GRAPHS, launch_arguments, parameter_overrides, resolve_config


def _nodes(context, graph: str):
    # A bare name (config:=fading.yaml) is looked up in the installed package's
    # config/; a file that cannot be found, or one written for the other graph, stops
    # the launch with an error naming it (launch_ros would only warn and run defaults).
    config = str(resolve_config(LaunchConfiguration("config").perform(context), graph))
    namespace = LaunchConfiguration("namespace").perform(context)
    overrides = parameter_overrides(
        graph, **{name: LaunchConfiguration(name).perform(context) for name in launch_arguments(graph)})
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
        for spec in GRAPHS[graph]
    ]
    if LaunchConfiguration("record").perform(context).strip().lower() in ("true", "1", "yes"):
        from steer_ros.ros.recording.recorder import recorder_command

        out = LaunchConfiguration("record_out").perform(context) or time.strftime("steer_%Y%m%d-%H%M%S.mcap")
        nodes.append(ExecuteProcess(cmd=recorder_command(out, namespace=namespace), name="recorder",
                                    output="screen", sigterm_timeout="10"))
    return nodes


def graph_launch_description(graph: str) -> LaunchDescription:
    """Launch arguments and one Node per executable of ``graph`` (steer_ros.ros.graph)."""
    arguments = [
        DeclareLaunchArgument(
            "config",
            default_value=PathJoinSubstitution([FindPackageShare("steer_ros"), "config", DEFAULT_CONFIG[graph]]),
            description="Parameters file (ROS 2 YAML) for every node of the graph.",
        ),
        DeclareLaunchArgument(
            "namespace", default_value="", description="Namespace of the whole graph (one per radio)."
        ),
        DeclareLaunchArgument(
            "record",
            default_value="false",
            description="true: record every steer topic and /diagnostics (steer-ros record).",
        ),
        DeclareLaunchArgument(
            "record_out",
            default_value="",
            description="Recording file (default: steer_<date>-<time>.mcap in the working directory).",
        ),
    ]
    arguments += [
        DeclareLaunchArgument(name, default_value="", description=description)
        for name, (_, _, description) in launch_arguments(graph).items()
    ]
    return LaunchDescription(arguments + [OpaqueFunction(function=_nodes, args=[graph])])
