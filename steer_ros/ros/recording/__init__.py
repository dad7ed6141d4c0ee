"""Record, replay and watch a steer_ros run.

- :mod:`.recorder` — :class:`Recorder`, a node writing every steer topic and
  /diagnostics into a rosbag2-compatible MCAP file (``steer-ros record``);
  :func:`recording` / :func:`attach` put one on an in-process Graph's executor,
  :func:`record` runs one in this process, :func:`spawn` as a child process.
- :mod:`.reader` — :class:`Recording`: topics, counts, raw and decoded messages
  (no ROS needed; reads files whose recorder was killed).
- :mod:`.plots` — :func:`plot_recording`: PNG figures (``steer-ros plot``).
- :mod:`.replay` — :class:`Replayer` / :func:`replay`: republish a recording
  (``steer-ros replay``).
- :mod:`.foxglove_bridge` — :class:`FoxgloveBridge`: a live Foxglove WebSocket server
  (``steer-ros foxglove``) and the saved layout.
- :mod:`.definitions`, :mod:`.qos` — the rosbag2 conventions both sides share.

Names are imported lazily, so ``from steer_ros.ros.recording import plot_recording``
does not import rclpy.

Example (in-process graph, as ``make demo`` does)::

    from steer_ros.ros.bringup import running_graph
    from steer_ros.ros.recording import plot_recording, recording

    with running_graph() as graph, recording(graph, "out/demo/run.mcap") as rec:
        ...  # drive the graph
    plot_recording("out/demo/run.mcap", "out/demo/plots")
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Recorder": "recorder",
    "attach": "recorder",
    "detach": "recorder",
    "recording": "recorder",
    "record": "recorder",
    "spawn": "recorder",
    "stop": "recorder",
    "recover": "recover",
    "Recording": "reader",
    "open_recording": "reader",
    "independent_counts": "reader",
    "plot_recording": "plots",
    "load_series": "plots",
    "Replayer": "replay",
    "replay": "replay",
    "FoxgloveBridge": "foxglove_bridge",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
