"""ros2 launch steer_ros fleet.launch.py radios:=4 [config:=fleet.yaml]

A fleet on one host: radios radio1 .. radioK (each the simulated graph in its
namespace, its optimizer in the fleet) and the coordinator, with the parameters of
``config`` (default config/fleet.yaml; keep the coordinator's reserves and the
radios' fleet_reserve equal, and sum_k a_k R_k <= cap, or the coordinator refuses to
start). `steer-ros fleet` runs the same without ros2 launch (docs/fleet.md).
"""

from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription
from steer_ros.fleet.config import radio_names
from steer_ros.ros.graph import GRAPHS, resolve_config


def _nodes(context):
    config = str(resolve_config(LaunchConfiguration("config").perform(context), "radio"))
    radios = int(LaunchConfiguration("radios").perform(context))
    nodes = [Node(package="steer_ros", executable=spec.name, name=spec.name, namespace=name,
                  parameters=[config], output="screen", emulate_tty=True)
             for name in radio_names(radios) for spec in GRAPHS["radio"]]
    nodes += [Node(package="steer_ros", executable=spec.name, name=spec.name, parameters=[config, {"radios": radios}],
                   output="screen", emulate_tty=True) for spec in GRAPHS["coordinator"]]
    return nodes


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("radios", default_value="4", description="Number of radios K (radio1 .. radioK)."),
        DeclareLaunchArgument("config", default_value=PathJoinSubstitution(
            [FindPackageShare("steer_ros"), "config", "fleet.yaml"]), description="Parameters file of the fleet."),
        OpaqueFunction(function=_nodes),
    ])
