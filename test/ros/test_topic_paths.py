"""Every topic of the graph is plottable by field path.

rqt_plot (and any tool that addresses fields as ``/topic/field[index]``) resolves a
path to a topic of the graph that is a path prefix of it, then reads the rest as
fields. Its ROS 2 branch takes the first such topic in the graph's (sorted) list, its
ROS 1 branch the longest; when one topic's name is a prefix of another's, the first
reading sends ``/steer/command/raw/weights[0]`` to ``/steer/command`` and fails. So
no topic name is a path prefix of another; the deprecated alias
``steer/command/raw`` (published until 0.4.0) is the one listed exception.

The paths checked are every ``rqt_plot`` path the README and docs/ suggest, plus
the raw proposals' fields, resolved on the live mixed graph (every node, every topic)
and read from the real messages it publishes.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.ros

REPO = Path(__file__).resolve().parents[2]
# Fields of the raw proposals: plottable because no topic name is a prefix of steer/command_raw's.
RAW_PATHS = ("/steer/command_raw/weights[0]", "/steer/command_raw/p_total", "/steer/command_raw/latency_s")
RQT_PLOT_LINE = re.compile(r"rqt_plot((?:\s+/[\w/\[\]]+)+)")


def documented_paths() -> set[str]:
    """Every field path given to ``rqt_plot`` in README.md and docs/*.md on the graph's
    own topics (``/steer/...``); a path in a namespace (``/radio1/steer/...``) is the
    same topic under another graph."""
    paths: set[str] = set()
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for match in RQT_PLOT_LINE.finditer(page.read_text()):
            paths.update(p for p in match.group(1).split() if p.startswith("/steer/"))
    return paths


def prefix_pairs(names) -> list[tuple[str, str]]:
    """(a, b) for every topic a that is a path prefix of topic b."""
    names = sorted(set(names))
    return [(a, b) for a in names for b in names if b.startswith(a.rstrip("/") + "/")]


def matching_topics(path: str, graph_topics: dict[str, list[str]]) -> list[str]:
    """The topics a field path can resolve to: the topic itself or a path prefix of it."""
    return [t for t in sorted(graph_topics) if path == t or path.startswith(t + "/")]


def field_evaluator(rest: str):
    """``/a/b[3]`` -> a function message -> float(message.a.b[3])."""
    steps = []
    for part in (p for p in rest.split("/") if p):
        m = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", part)
        if m is None:
            raise ValueError(f"bad field reference {part!r}")
        steps.append((m.group(1), None if m.group(2) is None else int(m.group(2))))

    def evaluate(message) -> float:
        value = message
        for name, index in steps:
            value = getattr(value, name)
            if index is not None:
                value = value[index]
        return float(value)

    return evaluate


def test_topic_constants_obey_the_prefix_rule():
    from steer_ros.ros import topics

    names = {v for k, v in vars(topics).items() if k.isupper() and isinstance(v, str)}
    current = names - set(topics.DEPRECATED_ALIASES)
    assert topics.COMMAND_RAW == "steer/command_raw"
    assert prefix_pairs(current) == []
    # The alias is the one exception, and it breaks the rule only against steer/command.
    assert prefix_pairs(names) == [(topics.COMMAND, topics.COMMAND_RAW_DEPRECATED)]


def test_documented_paths_include_the_raw_proposals():
    paths = documented_paths()
    assert "/steer/command_raw/weights[0]" in paths, "docs: suggest plotting the raw proposals"
    assert {"/steer/allocation/total_mi", "/steer/summary/mi_mean_group[0]"} <= paths
    assert not [p for p in paths if p.startswith("/steer/command/raw")], "docs suggest the deprecated alias"


def test_every_documented_field_path_resolves_and_plots_on_the_live_graph(domain_id):
    from rosutil import SpunNode, wait_until

    from steer_ros.ros import topics
    from steer_ros.ros.bringup import running_graph
    from steer_ros.ros.recording.definitions import message_class
    from steer_ros.ros.recording.recorder import STEER_TOPICS

    paths = sorted(documented_paths() | set(RAW_PATHS))
    extra = {"navigator": {"period_s": 0.25}}
    with running_graph(graph="mixed", config="mixed.yaml", domain_id=domain_id, extra_parameters=extra), \
            SpunNode("rqt_plot_like", domain_id) as probe:
        expected = {"/" + name.lstrip("/") for name in STEER_TOPICS} | {"/steer/command/raw"}

        def graph_topics() -> dict[str, list[str]]:
            return {name: types for name, types in probe.node.get_topic_names_and_types()
                    if name.startswith("/steer/") or name == topics.DIAGNOSTICS}

        wait_until(lambda: expected <= set(graph_topics()), 20.0, f"every topic of the graph: {sorted(expected)}")
        live = graph_topics()
        deprecated = {"/" + t for t in topics.DEPRECATED_ALIASES}
        assert prefix_pairs(set(live) - deprecated) == [], "a topic name is a path prefix of another"

        values: dict[str, list[float]] = {p: [] for p in paths}
        lock = threading.Lock()
        for path in paths:
            matches = matching_topics(path, live)
            # One topic only: the ROS 2 (first match) and ROS 1 (longest match) readings agree.
            assert len(matches) == 1, f"{path} resolves to {matches or 'no topic'}"
            topic = matches[0]
            evaluate = field_evaluator(path[len(topic):])
            qos = STEER_TOPICS[topic.lstrip("/")][1]

            def on_message(msg, p=path, f=evaluate):
                with lock:
                    values[p].append(f(msg))

            probe.node.create_subscription(message_class(live[topic][0]), topic, on_message, qos)
        wait_until(lambda: all(values.values()), 20.0,
                   f"a value for every path; none yet for {[p for p, v in values.items() if not v]}")
        # The deprecated alias still resolves to steer/command first: the reason for the rename.
        assert matching_topics("/steer/command/raw/weights[0]", live)[0] == "/steer/command"
    with lock:
        assert values["/steer/command_raw/weights[0]"][0] >= 0.0
        assert values["/steer/allocation/total_mi"][0] > 0.0
