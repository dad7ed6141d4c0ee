"""The ROS-free core imports no ROS module.

Every module under ``steer_ros/`` outside the ROS layer (``steer_ros/ros/``) and the
tooling (``steer_ros/lab/``, ``steer_ros/cli/``) is imported in a fresh interpreter in
which ``rclpy``, ``launch``, ``launch_ros``, ``rosidl_runtime_py`` (and the other ROS Python packages
in ``BLOCKED``) cannot be imported: a meta-path finder installed before anything else
raises ImportError for them and records who asked. Any attempt fails the test, naming
the core module and the chain of module-level imports that led to it, even when the
core module caught the ImportError.

An import inside a function runs only when called, so a second check reads every
import statement of the core (function bodies included) and refuses the ROS packages
and the ROS layer / tooling (``steer_ros.ros``, ``steer_ros.lab``, ``steer_ros.cli``):
the core may be used by them, never the reverse.

The modules are found by walking the source tree, so a new core module is covered
without editing this file.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "steer_ros"
NOT_CORE = ("ros", "lab", "cli")  # the ROS layer and the tooling: allowed to import ROS
BLOCKED = ("rclpy", "launch", "launch_ros", "rosidl_runtime_py", "rcl_interfaces", "rosidl_parser",
           "rosbag2_py", "builtin_interfaces", "std_msgs", "diagnostic_msgs")

# Runs in the child: block the ROS packages, import each core module, report as JSON.
CHILD = r"""
import importlib, json, sys, traceback

BLOCKED = set(json.loads(sys.argv[1]))
MODULES = json.loads(sys.argv[2])
attempts = []


def _chain():
    # The modules whose top level is executing, outermost first: the import chain.
    names, frame = [], sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            name = frame.f_globals.get("__name__", "?")
            if name != "__main__" and (not names or names[-1] != name):
                names.append(name)
        frame = frame.f_back
    return list(reversed(names))


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            attempts.append({"module": name, "chain": _chain()})
            raise ModuleNotFoundError(f"{name} is blocked: the core must import no ROS module", name=name)
        return None


sys.meta_path.insert(0, Blocker())
for blocked in list(sys.modules):
    if blocked.split(".")[0] in BLOCKED:
        del sys.modules[blocked]

report = {}
for module in MODULES:
    del attempts[:]
    error = None
    try:
        importlib.import_module(module)
    except BaseException as exc:  # every failure is reported
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    report[module] = {"error": error, "attempts": list(attempts)}
print(json.dumps(report))
"""


def core_modules() -> list[str]:
    """Dotted names of every core module, found by walking steer_ros/ (packages too)."""
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        parts = rel.parts
        if len(parts) > 1 and parts[1] in NOT_CORE:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if "__pycache__" in parts:
            continue
        names.append(".".join(parts))
    return names


def _format(module: str, result: dict) -> str:
    lines = []
    for attempt in result["attempts"]:
        chain = " -> ".join(attempt["chain"] + [attempt["module"]])
        lines.append(f"{module} imports {attempt['module']}: {chain}")
    if result["error"] and not result["attempts"]:
        lines.append(f"{module} fails to import: {result['error']}")
    return "\n".join(lines)


def test_core_modules_are_found_by_walking_the_tree():
    modules = core_modules()
    # Spot checks that the walk reaches every core area and leaves out the ROS layer.
    for expected in ("steer_ros", "steer_ros.defaults", "steer_ros.validation",
                     "steer_ros.radio.mutual_information", "steer_ros.channels.channel_mux",
                     "steer_ros.system1.system1", "steer_ros.system2.backends.openai_backend",
                     "steer_ros.sdr.estimator"):
        assert expected in modules
    assert not [m for m in modules if m.split(".")[1:2] and m.split(".")[1] in NOT_CORE]


def test_core_imports_without_ros():
    modules = core_modules()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(BLOCKED), json.dumps(modules)],
        capture_output=True, text=True, timeout=240, cwd=PACKAGE_DIR.parent,
    )
    assert proc.returncode == 0, f"the import child failed:\n{proc.stderr[-4000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(report) == sorted(modules)
    leaks = [_format(m, r) for m, r in report.items() if r["attempts"] or r["error"]]
    assert not leaks, "core modules that need ROS (or fail to import):\n" + "\n".join(leaks)


def test_the_blocker_catches_a_leak(tmp_path):
    """The child reports a module that imports rclpy, with its chain (the test can fail)."""
    pkg = tmp_path / "leaky"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "inner.py").write_text("try:\n    import rclpy.node\nexcept ImportError:\n    pass\n")
    (pkg / "outer.py").write_text("from leaky import inner\n")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(BLOCKED), json.dumps(["leaky.outer"])],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])["leaky.outer"]
    assert result["error"] is None  # caught by the module, and still reported:
    assert result["attempts"] == [{"module": "rclpy", "chain": ["leaky.outer", "leaky.inner"]}]
    assert _format("leaky.outer", result) == "leaky.outer imports rclpy: leaky.outer -> leaky.inner -> rclpy"


def _imported_names(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import statement in the file, nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _refused(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in BLOCKED or (parts[0] == "steer_ros" and len(parts) > 1 and parts[1] in NOT_CORE)


def test_no_core_module_imports_ros_or_the_ros_layer_even_lazily():
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent)
        if rel.parts[1] in NOT_CORE:
            continue
        lines = {}
        for line, module in _imported_names(path):
            if _refused(module):
                lines.setdefault(line, module)  # the statement's module, not each name
        offenders.extend(f"{rel}:{line} imports {module}" for line, module in sorted(lines.items()))
    assert not offenders, "the core imports ROS or the ROS layer / tooling:\n" + "\n".join(offenders)


def test_the_import_scan_sees_nested_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from steer_ros.ros.graph import config_dir\n    import rclpy.node\n")
    names = [m for _, m in _imported_names(source)]
    assert [m for m in names if _refused(m)] == ["steer_ros.ros.graph", "steer_ros.ros.graph.config_dir", "rclpy.node"]


def test_system1_imports_nothing_from_system2():
    """System 1 stands alone: the navigator (System 2) uses it, never the reverse."""
    offenders = []
    for path in sorted((PACKAGE_DIR / "system1").rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent)
        offenders.extend(f"{rel}:{line} imports {module}" for line, module in _imported_names(path)
                         if module.startswith("steer_ros.system2"))
    assert not offenders, "System 1 imports System 2:\n" + "\n".join(offenders)
