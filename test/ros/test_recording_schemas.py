"""Recordings made before the goal fields (0.1.0 message schemas) still load and plot:
they are decoded by their embedded schema and the new fields read as "none". ROS-free:
the MCAP files are written with mcap_ros2 from the message definitions."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("mcap_ros2.writer")
from mcap_ros2.writer import Writer

from steer_ros.ros.recording.plots import load_series, summary
from steer_ros.ros.recording.reader import Recording, field_or_none

MSG_DIR = Path(__file__).resolve().parents[2] / "msg"
_SEP = "=" * 80
_DEPS = (f"{_SEP}\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
         f"{_SEP}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n")

#: The 0.1.0 definitions (comments dropped).
OLD = {
    "AllocationState": ("std_msgs/Header header\nuint64 step\nfloat64[] power\nfloat64[] mi\nfloat64[] weights\n"
                        "float64[] gain\nfloat64 total_mi\nfloat64 weighted_mi\nfloat64 power_used\n"
                        "float64 p_total\nfloat64 mi_spread\nfloat64 optimality_gap\n"),
    "SteerCommand": ("uint8 STATUS_OK=0\nuint8 STATUS_FALLBACK=1\nuint8 STATUS_REJECTED=2\nuint8 STATUS_KEPT=3\n"
                     "std_msgs/Header header\nfloat64[] weights\nfloat64 p_total\nstring reasoning\nstring policy\n"
                     "string backend\nuint8 status\nstring status_detail\nfloat64 latency_s\n"),
}

HEADER = {"stamp": {"sec": 0, "nanosec": 0}, "frame_id": ""}
ALLOC = {"header": HEADER, "step": 1, "power": [20.0, 20.0], "mi": [1.5, 1.9], "weights": [0.5, 0.5],
         "gain": [1.0, 2.0], "total_mi": 3.4, "weighted_mi": 1.7, "power_used": 40.0, "p_total": 40.0,
         "mi_spread": 0.4, "optimality_gap": 0.0}
COMMAND = {"header": HEADER, "weights": [0.5, 0.5], "p_total": 40.0, "reasoning": "r", "policy": "p",
           "backend": "rules", "status": 0, "status_detail": "ok: accepted", "latency_s": 0.0}


def write(path: Path, definitions: dict[str, str], alloc: dict, command: dict) -> Path:
    with open(path, "wb") as f:
        writer = Writer(f)
        schemas = {name: writer.register_msgdef(f"steer_ros/msg/{name}", text.rstrip("\n") + "\n" + _DEPS)
                   for name, text in definitions.items()}
        for k in range(3):
            writer.write_message("/steer/command", schemas["SteerCommand"], command, log_time=k * 10**8)
            writer.write_message("/steer/allocation", schemas["AllocationState"], alloc, log_time=k * 10**8 + 1)
        writer.finish()
    return path


def test_an_old_recording_reads_the_new_fields_as_none(tmp_path):
    path = write(tmp_path / "old.mcap", OLD, ALLOC, COMMAND)
    with Recording(path) as rec:
        msgs = list(rec.messages(decode=True))
    command = next(m.decoded for m in msgs if m.topic == "/steer/command")
    alloc = next(m.decoded for m in msgs if m.topic == "/steer/allocation")
    assert field_or_none(command, "objective") == 0 and tuple(field_or_none(command, "mi_floor")) == ()
    assert math.isnan(field_or_none(command, "sum_mi_min"))
    assert field_or_none(command, "readback") == ""
    assert field_or_none(alloc, "goals_met") is True and tuple(field_or_none(alloc, "mi_shortfall")) == ()
    with pytest.raises(AttributeError, match="no field 'bogus'"):
        field_or_none(alloc, "bogus")
    s = load_series(path)
    assert s.t.size == 3 and s.goals_met.all() and summary(s)["goals_unmet_fraction"] == 0.0


def test_a_new_recording_carries_the_goal_fields(tmp_path):
    defs = {name: "\n".join(line.split("#")[0].rstrip() for line in (MSG_DIR / f"{name}.msg").read_text().splitlines())
            for name in OLD}
    alloc = {**ALLOC, "goals_met": False, "mi_shortfall": [0.2, 0.0]}
    command = {**COMMAND, "objective": 1, "mi_floor": [1.7, 0.0], "mi_cap": [], "off": [False, False],
               "sum_mi_min": float("nan"), "readback": "channel 2 off; MI at least 1.7 bits on 1; budget 40"}
    path = write(tmp_path / "new.mcap", defs, alloc, command)
    with Recording(path) as rec:
        decoded = [m.decoded for m in rec.messages(decode=True)]
    cmd = next(d for d in decoded if hasattr(d, "reasoning"))
    assert field_or_none(cmd, "objective") == 1 and list(field_or_none(cmd, "mi_floor")) == [1.7, 0.0]
    assert field_or_none(cmd, "readback") == "channel 2 off; MI at least 1.7 bits on 1; budget 40"
    s = load_series(path)
    assert not s.goals_met.any() and summary(s)["goals_unmet_fraction"] == 1.0
