"""ros2 launch steer_ros sim.launch.py [config:=FILE] [backend:=rules|openai|scripted]
[llm_base_url:=URL] [llm_model:=NAME] [policy:="..."] [namespace:=radio1]

Starts the simulated steer_ros graph: channel_sim, channel_mux, optimizer, navigator
and guardrail, with the parameters of ``config`` (default: config/sim.yaml). The
node list and the argument-to-parameter mapping come from steer_ros.graph, shared
with `steer-ros sim`, the launch-free bringup.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from steer_ros.graph import DEFAULT_CONFIG, GRAPHS, launch_arguments, parameter_overrides

GRAPH = "sim"


def _nodes(context):
    config = LaunchConfiguration("config").perform(context)
    namespace = LaunchConfiguration("namespace").perform(context)
    overrides = parameter_overrides(
        GRAPH, **{name: LaunchConfiguration(name).perform(context) for name in launch_arguments(GRAPH)})
    return [
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


def generate_launch_description():
    arguments = [
        DeclareLaunchArgument(
            "config",
            default_value=PathJoinSubstitution([FindPackageShare("steer_ros"), "config", DEFAULT_CONFIG[GRAPH]]),
            description="Parameters file (ROS 2 YAML) for every node of the graph.",
        ),
        DeclareLaunchArgument("namespace", default_value="", description="Namespace of the whole graph (one per radio)."),
    ]
    arguments += [
        DeclareLaunchArgument(name, default_value="", description=description)
        for name, (_, _, description) in launch_arguments(GRAPH).items()
    ]
    return LaunchDescription(arguments + [OpaqueFunction(function=_nodes)])
