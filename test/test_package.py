"""The ROS package is well formed: package.xml, its declared dependencies, and the
executables CMakeLists installs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from catkin_pkg.package import parse_package

REPO = Path(__file__).resolve().parents[1]

# Top-level Python import -> the rosdep key package.xml must declare for it.
ROSDEP_KEYS = {
    "numpy": "python3-numpy",
    "scipy": "python3-scipy",
    "yaml": "python3-yaml",
    "lark": "python3-lark",
    "openai": "python3-openai",
    "matplotlib": "python3-matplotlib",
    "torch": "python3-pytorch-pip",
    "zmq": "python3-zmq",
    "sigmf": "python3-sigmf-pip",
    "mcap": "python3-mcap-pip",
    "mcap_ros2": "python3-mcap-ros2-support-pip",
    "rosbags": "python3-rosbags-pip",
    "foxglove": "python3-foxglove-sdk-pip",
    "websockets": "python3-websockets",
    "rclpy": "rclpy",
    "std_msgs": "std_msgs",
    "std_srvs": "std_srvs",
    "json5": "python3-json5",
    "json_repair": "python3-json-repair-pip",
    "diagnostic_msgs": "diagnostic_msgs",
    "builtin_interfaces": "builtin_interfaces",
    "rcl_interfaces": "rcl_interfaces",
    "launch": "launch",
    "launch_ros": "launch_ros",
    "ament_index_python": "ament_index_python",
    "SoapySDR": "soapysdr",
    "gnuradio": "gnuradio",
    "pmt": "gnuradio",
}


def _package():
    return parse_package(str(REPO / "package.xml"))


def test_package_xml_parses_and_is_an_interface_package():
    package = _package()
    package.validate()
    assert package.name == "steer_ros"
    assert package.package_format == 3
    assert package.get_build_type() == "ament_cmake"
    assert "rosidl_interface_packages" in [g.name for g in package.member_of_groups]
    build_tools = {d.name for d in package.buildtool_depends}
    assert "rosidl_default_generators" in build_tools
    assert "rosidl_default_runtime" in {d.name for d in package.exec_depends}


def _imported_top_levels(paths: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return found


def test_package_xml_declares_every_python_import():
    sources = sorted(REPO.glob("steer_ros/**/*.py")) + sorted(REPO.glob("launch/*.py"))
    imports = _imported_top_levels([p for p in sources if p.is_file()])
    declared = {d.name for d in _package().exec_depends + _package().build_export_depends + _package().build_depends}
    own = {"steer_ros"}
    missing, unknown = [], []
    for module, where in sorted(imports.items()):
        if module in sys.stdlib_module_names or module in own or module == "__future__":
            continue
        key = ROSDEP_KEYS.get(module)
        if key is None:
            unknown.append(f"{module} (imported in {where.relative_to(REPO)})")
        elif key not in declared:
            missing.append(f"{key} (for 'import {module}' in {where.relative_to(REPO)})")
    assert not unknown, f"add these imports to ROSDEP_KEYS and package.xml: {unknown}"
    assert not missing, f"package.xml lacks: {missing}"
    assert "numpy" in imports, "the scan found no imports at all"


def _declared_nodes() -> list[str]:
    """The node executables: one per steer_ros/ros/nodes/*_node.py (CMakeLists.txt globs them)."""
    text = (REPO / "CMakeLists.txt").read_text()
    assert "steer_ros/ros/nodes/*_node.py" in text, "CMakeLists.txt must glob the node modules"
    return sorted(p.name[: -len("_node.py")] for p in (REPO / "steer_ros" / "ros" / "nodes").glob("*_node.py"))


def test_graph_description_names_every_node_module():
    from steer_ros.ros.graph import GRAPHS

    described = sorted({spec.name for specs in GRAPHS.values() for spec in specs})
    assert described == _declared_nodes(), "steer_ros/ros/graph.py and steer_ros/ros/nodes/*_node.py disagree"


def _install_prefix() -> Path:
    """The sourced install space's steer_ros prefix (install/ or install-kilted/)."""
    from ament_index_python.packages import get_package_prefix

    return Path(get_package_prefix("steer_ros"))


@pytest.mark.ros
def test_every_installed_node_executable_starts():
    declared = _declared_nodes()
    lib = _install_prefix() / "lib" / "steer_ros"
    installed = sorted(p.name for p in lib.glob("*")) if lib.is_dir() else []
    assert installed == sorted(declared), f"install/lib/steer_ros holds {installed}, CMakeLists declares {declared}"
    for name in declared:
        result = subprocess.run([str(lib / name), "--help"], capture_output=True, text=True, timeout=60, env=os.environ)
        assert result.returncode == 0, f"{name} --help failed: {result.stderr[-2000:]}"
        assert name in result.stdout or "usage" in result.stdout.lower(), result.stdout


@pytest.mark.ros
def test_steer_ros_command_is_installed_and_runs():
    exe = _install_prefix() / "bin" / "steer-ros"
    assert os.access(exe, os.X_OK), f"{exe} is missing or not executable"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage: steer-ros" in result.stdout
