"""`steer-ros fleet`: a fleet on one host without ros2 launch (docs/fleet.md).

One process per radio (its nodes in one process, as `steer-ros sim` runs them, in the
namespace radioK) and one for the coordinator, all from one generated params file:
the user's config (default config/fleet.yaml) with the number of radios, the cap and
the reserves made consistent between the coordinator and every radio, and per-radio
gains where the config gives none (radio k: the default gains / k).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from steer_ros import defaults
from steer_ros.fleet.config import fleet_config, radio_names
from steer_ros.ros.graph import resolve_config

__all__ = ["fleet_params", "start_fleet", "stop_fleet", "write_fleet_params"]


def fleet_params(radios: int, config: str | Path | None = None, cap: float | None = None,
                 gains: list | None = None, radio_nodes: dict | None = None,
                 coordinator_params: dict | None = None) -> dict:
    """The params mapping of a fleet: ``config`` (a path or a name in config/) with
    ``radios`` radios, ``cap`` (None: the config's), reserves = the config's if they
    fit, else FLEET_RESERVE_FRACTION x C / K; ``gains`` (one list per radio) override
    the config's; ``radio_nodes`` {param: value} are set on every radio's optimizer,
    ``coordinator_params`` on the coordinator (before the reserves are checked).
    FleetConfigError if the result breaks the cap."""
    data = yaml.safe_load(Path(resolve_config(config or "fleet.yaml", "radio")).read_text()) or {}
    coord = data.setdefault("/**/fleet_coordinator", {}).setdefault("ros__parameters", {})
    opt = data.setdefault("/**/optimizer", {}).setdefault("ros__parameters", {})
    coord["radios"] = int(radios)
    coord.update(coordinator_params or {})
    if cap is not None:
        coord["cap"] = float(cap)
    c = float(coord.get("cap", defaults.FLEET_CAP))
    reserve = coord.get("reserve") or []
    a = coord.get("a") or [1.0]
    if cap is not None or not reserve:
        reserve = [defaults.FLEET_RESERVE_FRACTION * c / radios / (a[0] if len(a) == 1 else 1.0)]
    cfg = fleet_config(radios, c, a=a if len(a) in (1, radios) else 1.0, reserve=reserve,
                       p_max=coord.get("p_max") or defaults.P_MAX, p_min=coord.get("p_min") or 0.0,
                       rho=coord.get("rho") or 1.0)
    coord["reserve"] = [float(r) for r in cfg.reserve]
    # The fleet navigator reads the fleet as the coordinator is configured.
    nav = data.setdefault("/**/fleet_navigator", {}).setdefault("ros__parameters", {})
    # (copies: a shared list would be written as a YAML alias, which rcl refuses)
    nav.update({key: list(coord[key]) if isinstance(coord[key], list) else coord[key]
                for key in ("radios", "cap", "a", "rho", "p_min", "p_max", "reserve") if key in coord})
    opt.update(radio_nodes or {})
    for i, name in enumerate(radio_names(radios)):
        key = f"/{name}/optimizer"
        per = data.setdefault(key, {}).setdefault("ros__parameters", {})
        per["fleet_reserve"] = float(cfg.reserve[i])
        per["fleet_p_max"] = float(cfg.p_max[i])
        sim = data.setdefault(f"/{name}/channel_sim", {}).setdefault("ros__parameters", {})
        if gains is not None:
            sim["gain"] = [float(g) for g in gains[i]]
        elif "gain" not in sim:
            sim["gain"] = [float(g) / (i + 1) for g in defaults.design_gains()]
    return data


def write_fleet_params(data: dict, directory: str | Path | None = None) -> Path:
    directory = Path(directory or tempfile.mkdtemp(prefix="steer-fleet-"))
    path = directory / "fleet.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def start_fleet(params: Path, radios: int, nodes: str = "", log_dir: Path | None = None,
                env: dict | None = None, coordinator: bool = True) -> dict[str, subprocess.Popen]:
    """Start the radios and the coordinator as `steer-ros sim` processes; {name: Popen}."""
    procs = {}
    log_dir = Path(log_dir or params.parent)
    base = [sys.executable, "-m", "steer_ros.cli", "sim", "--config", str(params)]
    for name in radio_names(radios):
        cmd = base + ["--graph", "radio", "--namespace", name] + (["--nodes", nodes] if nodes else [])
        procs[name] = subprocess.Popen(cmd, stdout=open(log_dir / f"{name}.log", "w"), stderr=subprocess.STDOUT,
                                       env=env)
    if coordinator:
        procs["coordinator"] = start_coordinator(params, log_dir, env)
    return procs


def start_coordinator(params: Path, log_dir: Path, env: dict | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "steer_ros.cli", "sim", "--config", str(params), "--graph", "coordinator"]
    return subprocess.Popen(cmd, stdout=open(Path(log_dir) / "coordinator.log", "a"), stderr=subprocess.STDOUT,
                            env=env)


def stop_fleet(procs: dict[str, subprocess.Popen], timeout: float = 10.0) -> None:
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout
    for p in procs.values():
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
