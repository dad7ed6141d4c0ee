"""Host drills: a fleet on hosts (network namespaces, :mod:`steer_ros.lab.hosts`), the
coordinator on one host and one radio per host, real DDS between them; the network
and the processes fail one row at a time.

Every radio's budget in force is recorded on the radio's own host (a listener next to
it, so a cut cable does not hide what the radio did), stamped by the radio, and the
cap ``sum_k a_k B_k(t) <= C`` is checked at every stamp over the whole drill
(:mod:`.cap_invariant`); after the fault the fleet must re-converge: every radio's
budget back within ``reconverge_tol`` of its budget before the fault (the channels do
not change during a drill, so neither does the fleet optimum).

Rows (category ``host``): the coordinator killed and restarted; a radio's host cut off
(its cable pulled) and reconnected; a radio killed and restarted; grants delayed or
lost (``tc netem`` on the coordinator's host, skipped with the reason where the kernel
lacks it; the coordinator's cable flapping, which runs everywhere); a stranger on its
own host publishing grants (a stale epoch, a budget above the radio's box); a stranger
publishing a radio's demand curve malformed (NaN, non-monotone, absurd); a
configuration whose reserves exceed the cap (refused at start).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from steer_ros.lab.faults.cap_invariant import check_cap, missing_reports
from steer_ros.lab.faults.catalogue import Fault
from steer_ros.lab.faults.drill_harness import DrillHarness
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.lab.hosts import EventStream, Hosts, hosts_missing, netem_missing


@dataclass
class HostDrillSettings:
    """The fleet a host drill runs, and how long each fault lasts."""

    radios: int = 3
    cap: float = 60.0  # C, shared supply (a_k = 1): 3 radios that each would use up to P_max = 40
    lease_s: float = 3.0
    partition_s: float = 10.0  # a radio's cable pulled this long (longer than a lease: it falls back)
    down_s: float = 2.0  # a killed process stays down this long
    netem_s: float = 5.0  # delay / loss held this long
    netem_delay_ms: float = 500.0
    netem_loss_pct: float = 50.0
    flap_s: float = 6.0  # the coordinator's cable flaps this long:
    flap_period_s: float = 1.0  # pulled flap_down_s of every flap_period_s
    flap_down_s: float = 0.4
    settle_s: float = 1.0  # the budgets must hold still this long to count as converged
    reconverge_tol: float = 0.01  # |B_k - B_k(before)| <= this x C after the fault
    start_timeout_s: float = 90.0
    reconverge_timeout_s: float = 60.0


def _f(x) -> float:
    return float(x) if x is not None else math.nan


@dataclass
class BudgetSample:
    """A radio's budget in force as it published it: stamp (the radio's clock, s),
    budget, epoch of the grant (0: the reserve), arrival time t (wall clock, s), the
    radio's start (its clock, s) and the report's number since then."""

    stamp: float
    budget: float
    epoch: int
    t: float
    refusal: str = ""
    started: float = math.nan
    seq: int = -1


@dataclass
class FleetWiring:
    """The fleet's processes and topics (docs/fleet.md): what a drill starts and reads.

    Each radio runs its graph in one process (``steer-ros sim --graph radio
    --namespace radio<k>``, its nodes ``radio_nodes``: the drills need no navigator,
    whose budget requests only ever lower a radio's budget below its grant), the
    coordinator another (``--graph coordinator``), all from one params file made by
    :func:`steer_ros.ros.fleet_bringup.fleet_params`."""

    radio_nodes: str = "channel_sim,channel_mux,optimizer"
    budget_topic: str = "fleet/budget_in_force"  # topics.FLEET_IN_FORCE, under /radio<k>
    budget_type: str = "BudgetInForce"
    grant_topic: str = "fleet/grant"  # topics.FLEET_GRANT
    grant_type: str = "BudgetGrant"
    demand_topic: str = "fleet/demand"  # topics.FLEET_DEMAND
    demand_type: str = "DemandCurve"
    diagnostics_type: str = "diagnostic_msgs/msg/DiagnosticArray"

    def radio_command(self, params: Path, name: str) -> list[str]:
        return [sys.executable, "-m", "steer_ros.cli", "sim", "--config", str(params), "--graph", "radio",
                "--namespace", name, *(["--nodes", self.radio_nodes] if self.radio_nodes else [])]

    def coordinator_command(self, params: Path) -> list[str]:
        return [sys.executable, "-m", "steer_ros.cli", "sim", "--config", str(params), "--graph", "coordinator"]

    @staticmethod
    def budget_sample(event: dict) -> BudgetSample:
        msg = event["msg"]
        stamp = msg["header"]["stamp"]
        started = msg.get("started", {"sec": 0, "nanosec": 0})
        return BudgetSample(stamp=stamp["sec"] + 1e-9 * stamp["nanosec"], budget=_f(msg["budget"]),
                            epoch=int(msg.get("epoch", 0)), t=float(event["t"]), refusal=msg.get("last_refusal", ""),
                            started=started["sec"] + 1e-9 * started["nanosec"], seq=int(msg.get("seq", -1)))


def fleet_params_file(radios: int, cap: float, lease_s: float, directory: Path,
                      coordinator: dict | None = None) -> Path:
    """The fleet's params file (config/fleet.yaml with ``radios``, ``cap`` and reserves
    made consistent), the coordinator's parameters overridden by ``coordinator``."""
    from steer_ros.ros.fleet_bringup import fleet_params, write_fleet_params

    data = fleet_params(radios, None, cap)
    coord = data["/**/fleet_coordinator"]["ros__parameters"]
    coord["lease_s"] = float(lease_s)
    coord.update(coordinator or {})
    directory.mkdir(parents=True, exist_ok=True)
    return write_fleet_params(data, directory)


def fleet_missing() -> str:
    """Why the fleet cannot run on hosts here ("" when it can)."""
    reason = hosts_missing()
    if reason:
        return reason
    try:
        from steer_ros.msg import BudgetInForce  # noqa: F401 - imported only to learn whether it is built
        from steer_ros.ros.fleet_bringup import fleet_params  # noqa: F401 - imported only to learn whether it loads
    except ImportError as exc:
        return f"fleet nodes not built: {exc}"
    return ""


class FleetOnHosts:
    """The coordinator on host ``coordinator``, radio k on host ``radio<k>`` (and a
    ``stranger`` host for the injections); each radio watched from its own host."""

    def __init__(self, domain_id: int, s: HostDrillSettings, wiring: FleetWiring, log_dir: Path,
                 coordinator_parameters: dict | None = None):
        self.domain_id = domain_id
        self.s = s
        self.w = wiring
        self.log_dir = log_dir
        self.radio_names = [f"radio{k}" for k in range(1, s.radios + 1)]
        self.params = fleet_params_file(s.radios, s.cap, s.lease_s, log_dir, coordinator_parameters)
        self.hosts = Hosts(["coordinator", *self.radio_names, "stranger"])
        self.procs: dict[str, subprocess.Popen] = {}
        self.watch: dict[str, EventStream] = {}
        self.diagnostics: EventStream | None = None
        self.starts: dict[str, int] = {}

    # -- processes ---------------------------------------------------------------------
    def env(self, **extra) -> dict:
        from steer_ros.ros.domain_lock import host_env

        return host_env(self.domain_id, **extra)

    def _start(self, name: str, host: str, command: list[str]) -> subprocess.Popen:
        self.starts[name] = self.starts.get(name, 0) + 1
        log = open(self.log_dir / f"{name}.{self.starts[name]}.log", "w")
        proc = self.hosts[host].popen(command, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs[name] = proc
        return proc

    def start_coordinator(self) -> subprocess.Popen:
        return self._start("coordinator", "coordinator", self.w.coordinator_command(self.params))

    def start_radio(self, name: str) -> subprocess.Popen:
        return self._start(name, name, self.w.radio_command(self.params, name))

    def check_alive(self) -> None:
        """RuntimeError naming a fleet process that exited (and its log's last lines)."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                log = self.log_dir / f"{name}.{self.starts[name]}.log"
                tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:]) if log.is_file() else ""
                raise RuntimeError(f"process_died: {name} exited {proc.returncode}: {tail[-400:]}")

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.kill()  # SIGKILL: no clean-up, like kill -9
        proc.wait(timeout=10)

    def probe(self, host: str, args: list[str]) -> EventStream:
        proc = self.hosts[host].popen([sys.executable, "-m", "steer_ros.lab.host_probe", *args], env=self.env(),
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return EventStream(proc, f"{host}: host_probe {args[0]}")

    def __enter__(self) -> "FleetOnHosts":
        self.hosts.__enter__()
        try:
            for name in self.radio_names:
                # transient local: a radio's reports from before the listener matched its
                # (re)started writer arrive too (topics.fleet_in_force_qos)
                self.watch[name] = self.probe(name, ["listen", "--transient-local", self.w.budget_type,
                                                     f"/{name}/{self.w.budget_topic}"])
            self.diagnostics = self.probe("coordinator", ["listen", self.w.diagnostics_type, "/diagnostics"])
            for stream in (*self.watch.values(), self.diagnostics):
                stream.wait(self.s.start_timeout_s, "ready", event="ready")
            self.start_coordinator()
            for name in self.radio_names:
                self.start_radio(name)
        except BaseException:
            self.hosts.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:  # every report received, for a timeline after the fact
            with open(self.log_dir / "budget_in_force.jsonl", "w") as f:
                for name in self.radio_names:
                    for x in self.samples(name):
                        f.write(json.dumps({"radio": name, **x.__dict__}) + "\n")
        finally:
            self.hosts.close()

    # -- what the radios published -------------------------------------------------------
    def samples(self, name: str) -> list[BudgetSample]:
        return [self.w.budget_sample(e) for e in self.watch[name].select(event="msg")]

    def latest(self) -> dict[str, BudgetSample | None]:
        return {n: (s[-1] if (s := self.samples(n)) else None) for n in self.radio_names}

    def reserve_s(self, name: str, t0: float, t1: float) -> float:
        """Seconds of [t0, t1] that ``name`` spent on its reserve (epoch 0), from its stamps."""
        points = sorted((x.stamp, x.epoch) for x in self.samples(name))
        total = 0.0
        for (ta, ea), (tb, _) in zip(points, points[1:] + [(t1, 0)], strict=True):
            lo, hi = max(ta, t0), min(tb, t1)
            if ea == 0 and hi > lo:
                total += hi - lo
        return total

    def first_grant(self, name: str) -> float:
        """The stamp of ``name``'s first budget from a grant (inf if none yet)."""
        return min((x.stamp for x in self.samples(name) if x.epoch > 0), default=math.inf)

    def all_reported(self) -> float:
        """The first stamp at which every radio had reported a budget in force (inf
        until each has): the cap can be vouched for from there on."""
        firsts = [min((x.stamp for x in self.samples(n)), default=math.inf) for n in self.radio_names]
        return max(firsts)

    def cap_check(self, t0: float, t1: float):
        """The cap over [t0, t1], t0 no earlier than every radio's first report."""
        t0 = max(t0, self.all_reported())
        samples = {n: self.samples(n) for n in self.radio_names}
        gaps = {n: missing_reports([(x.stamp, x.started, x.seq) for x in v]) for n, v in samples.items()}
        return check_cap({n: [(x.stamp, x.budget) for x in v] for n, v in samples.items()}, self.s.cap, t0, t1,
                         gaps=gaps)

    def wait_converged(self, timeout_s: float, since: float, target: dict[str, float] | None = None,
                       what: str = "the fleet to converge") -> tuple[float, dict[str, float]]:
        """(time, budgets): the first time after ``since`` that every radio runs on a
        grant (epoch > 0) and its budget has held still (within tol) for settle_s (and is
        within tol of ``target``, if given)."""
        tol = self.s.reconverge_tol * self.s.cap
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            now = time.time()
            ok, budgets = True, {}
            for name in self.radio_names:
                recent = [x for x in self.samples(name) if x.t >= max(since, now - self.s.settle_s)]
                if (not recent or recent[-1].epoch <= 0 or now - since < self.s.settle_s
                        or max(x.budget for x in recent) - min(x.budget for x in recent) > tol
                        or (target is not None and abs(recent[-1].budget - target[name]) > tol)):
                    ok = False
                    break
                budgets[name] = recent[-1].budget
            if ok:
                return now, budgets
            time.sleep(0.1)
        raise TimeoutError(f"timeout: {what} within {timeout_s:g} s; last budgets {self.latest()}")

    def wait_planned(self, timeout_s: float, since: float) -> float:
        """The arrival time of the coordinator's first /diagnostics after ``since`` with a
        valid curve from every radio and every grant at its plan (``plan_gap`` within
        tol): before that the budgets may hold still on their way (a radio granted its
        reserve while the others' decreases are confirmed, a curve not yet in)."""
        tol = self.s.reconverge_tol * self.s.cap
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            for d in self.diagnostics_since(since):
                v = d["values"]
                if ("fleet_coordinator" in d["name"] and v.get("curves_valid") == str(self.s.radios)
                        and float(v.get("plan_gap", "inf")) <= tol):
                    return d["t"]
            time.sleep(0.2)
        raise TimeoutError(f"timeout: the coordinator's grants at its plan within {timeout_s:g} s")

    def rise_during(self, others: list[str], t0: float, t1: float) -> tuple[float, float, dict[str, float]]:
        """(seconds after t0 until the sum of ``others``' budgets in force first rose
        above its value at t0 by more than tol, or inf; the largest rise of that sum in
        [t0, t1]; each one's largest rise), from their stamps."""
        tol = 1e-6 * self.s.cap
        series = {n: sorted((x.stamp, x.budget) for x in self.samples(n)) for n in others}
        base = {n: next((b for t, b in reversed(p) if t <= t0), math.nan) for n, p in series.items()}
        stamps = sorted({t for p in series.values() for t, _ in p if t0 < t <= t1})
        first, most = math.inf, 0.0
        each = {n: 0.0 for n in others}
        for t in stamps:
            now = {n: next((b for ts, b in reversed(p) if ts <= t), math.nan) for n, p in series.items()}
            up = sum(now.values()) - sum(base.values())
            if up > tol and not math.isfinite(first):
                first = t - t0
            most = max(most, up)
            for n in others:
                each[n] = max(each[n], now[n] - base[n])
        return first, most, each

    def diagnostics_since(self, t0: float) -> list[dict]:
        """Every diagnostic status (name, level, message, values as a dict) since t0."""
        out = []
        for e in self.diagnostics.select(event="msg", where=lambda e: e["t"] >= t0):
            for st in e["msg"].get("status", []):
                out.append({"name": st.get("name", ""), "level": st.get("level"), "message": st.get("message", ""),
                            "values": {kv["key"]: kv["value"] for kv in st.get("values", [])}, "t": e["t"]})
        return out


class HostDrills(DrillHarness):
    """The ``host`` rows (see the module docstring)."""

    host_settings: HostDrillSettings = HostDrillSettings()
    wiring: FleetWiring = FleetWiring()

    def run_host(self, faults: Sequence[Fault]) -> list[RowResult]:
        reason = fleet_missing()
        if reason:
            return [self._skip_row(f, reason) for f in faults]
        s = self.host_settings
        results = []
        log_dir = Path(tempfile.mkdtemp(prefix="steer_ros_host_drills_"))
        self.log(f"host: coordinator + {s.radios} radios on {s.radios + 2} network namespaces, cap {s.cap:g}, "
                 f"lease {s.lease_s:g} s ({len(faults)} rows; logs {log_dir})")
        live = [f for f in faults if f.action != "bad_config"]
        for fault in (f for f in faults if f.action == "bad_config"):
            results.append(self._guard(fault, lambda f=fault: self._bad_config_row(f, log_dir)))
        if live:
            with FleetOnHosts(self.domain_id, s, self.wiring, log_dir) as fleet:
                t_start = time.time()
                t_plan = fleet.wait_planned(s.start_timeout_s, t_start)
                t_conv, budgets = fleet.wait_converged(s.start_timeout_s, t_plan, what="the fleet to start")
                first_grant = {n: round(fleet.first_grant(n) - t_start, 3) for n in fleet.radio_names}
                self.log(f"  fleet converged {t_conv - t_start:.2f} s after the start: {budgets}; "
                         f"first grant in force at each radio (s from launch): {first_grant}")
                for i, fault in enumerate(live):
                    start_s = t_conv - t_start if i == 0 else math.nan  # reported on the first row
                    results.append(self._guard(fault, lambda f=fault, t=start_s: self._live_row(f, fleet, budgets, t)))
                    if i == 0:
                        results[-1].extras = {**(results[-1].extras or {}), "first_grant_s": first_grant}
                # The whole run, every row and the gaps between them: one more check.
                run = fleet.cap_check(t_start, time.time())
                self.log(f"  the whole host run ({time.time() - t_start:.0f} s): {run.describe()}")
                last = next(r for r in reversed(results) if r.category == "host" and r.outcome != "SKIPPED")
                last.extras = {**(last.extras or {}), "run_worst_margin": run.worst_margin, "run_changes": run.changes,
                               "run_s": time.time() - t_start}
                if not run.held:
                    last.failures = [*(last.failures or []), f"whole run: {run.describe()}"]
                    last.passed = False
        by_name = {r.name: r for r in results}
        return [by_name[f.name] for f in faults]

    def _guard(self, fault: Fault, run) -> RowResult:
        try:
            return run()
        except Exception as exc:  # a row that breaks is reported, the others still run
            return self._error_row(fault, exc)

    def _skip_row(self, fault: Fault, reason: str) -> RowResult:
        r = RowResult(fault.name, fault.category, outcome="SKIPPED", detail=reason[:300], passed=True, failures=[])
        self.log(f"  {fault.name}: skipped ({reason})")
        return r

    # -- the rows --------------------------------------------------------------------------
    def _live_row(self, fault: Fault, fleet: FleetOnHosts, before: dict[str, float], start_s: float) -> RowResult:
        s = self.host_settings
        if fault.action.startswith("netem") and netem_missing():
            return self._skip_row(fault, netem_missing())
        target = fault.payload.get("radio", "radio1")
        t_in = time.time()
        detail = ""
        failures: list[str] = []
        if fault.action == "partition":
            fleet.hosts.cut(target)
            time.sleep(s.partition_s)  # the partition itself: the drill is that it lasts
            fleet.hosts.reconnect(target)
            t_reconnect = time.time()
            fell = [x for x in fleet.samples(target) if x.stamp >= t_in and x.epoch == 0]
            others = [n for n in fleet.radio_names if n != target]
            rise_s, rise, each = fleet.rise_during(others, t_in, t_reconnect)
            # DDS deadline / liveliness on the radio's topics: the coordinator reports it lost.
            lost = [d for d in fleet.diagnostics_since(t_in) if "fleet_coordinator" in d["name"]
                    and target in d["message"] and "no word" in d["message"]]
            detail = (f"{target} cut {s.partition_s:g} s: "
                      + (f"on its reserve {fell[0].stamp - t_in:.2f} s after the cut" if fell
                         else "never fell back to its reserve")
                      + (f", reported lost by the coordinator after {lost[0]['t'] - t_in:.1f} s" if lost
                         else ", NOT reported lost in /diagnostics")
                      + (f"; the others' budgets up {rise:.3g} ({', '.join(f'{n} +{v:.3g}' for n, v in each.items())}) "
                         f"from {rise_s:.2f} s after the cut" if math.isfinite(rise_s)
                         else "; the others' budgets never rose during the cut"))
            partition = {"others_rise_s": rise_s, "others_rise": rise, "others_rise_each": each,
                         "reserve_after_s": fell[0].stamp - t_in if fell else math.nan}
            if not lost:
                failures.append(f"the coordinator never reported {target} lost in /diagnostics")
            if not math.isfinite(rise_s):
                failures.append(f"{target}'s share never reached the others during its {s.partition_s:g} s cut")
        elif fault.action in ("kill_coordinator", "kill_radio"):
            name = "coordinator" if fault.action == "kill_coordinator" else target
            fleet.kill(name)
            time.sleep(s.down_s)
            fleet.start_coordinator() if name == "coordinator" else fleet.start_radio(name)
            detail = f"{name} killed, restarted after {s.down_s:g} s"
        elif fault.action.startswith("netem"):
            if fault.action == "netem_delay":
                fleet.hosts.netem("coordinator", delay_ms=s.netem_delay_ms)
                detail = f"grants delayed {s.netem_delay_ms:g} ms for {s.netem_s:g} s"
            else:
                fleet.hosts.netem("coordinator", loss_pct=s.netem_loss_pct)
                detail = f"{s.netem_loss_pct:g}% of the coordinator's packets lost for {s.netem_s:g} s"
            time.sleep(s.netem_s)
            fleet.hosts.clear_netem("coordinator")
        elif fault.action == "flap":
            cycles = 0
            while time.time() - t_in < s.flap_s:
                fleet.hosts.cut("coordinator")
                time.sleep(s.flap_down_s)
                fleet.hosts.reconnect("coordinator")
                time.sleep(s.flap_period_s - s.flap_down_s)
                cycles += 1
            detail = f"coordinator's cable pulled {s.flap_down_s:g} s of every {s.flap_period_s:g} s, {cycles} times"
        elif fault.action in ("stranger_grant", "malformed_demand"):
            detail = self._inject(fault, fleet, target, t_in)
            if "NOT reported" in detail:
                failures.append(detail[detail.index("NOT reported"):])
        else:
            raise ValueError(f"unknown host drill action {fault.action!r}")
        t_out = time.time()
        t_back, after = fleet.wait_converged(s.reconverge_timeout_s, t_out, target=before,
                                             what=f"the fleet to re-converge after {fault.name}")
        check = fleet.cap_check(t_in - 1.0, t_back)
        r = RowResult(fault.name, fault.category, window_s=t_back - t_in, nominal_rate_hz=math.nan)
        r.allocations = sum(len([x for x in fleet.samples(n) if t_in - 1.0 <= x.stamp <= t_back])
                            for n in fleet.radio_names)
        r.violations = 0 if check.held else 1
        r.recovery_s = t_back - t_out
        r.outcome = fault.outcome if check.held else "CAP_BROKEN"
        r.detail = f"{detail}; {check.describe()}"
        during = {n: [x.budget for x in fleet.samples(n) if t_in <= x.stamp <= t_out] for n in fleet.radio_names}
        r.extras = {"worst_margin": check.worst_margin, "cap": s.cap, "budgets_before": before,
                    "budgets_min_during": {n: min(v, default=math.nan) for n, v in during.items()},
                    "budgets_max_during": {n: max(v, default=math.nan) for n, v in during.items()},
                    "reserve_s_during": {n: round(fleet.reserve_s(n, t_in, t_out), 3) for n in fleet.radio_names},
                    "budgets_after": after, "budgets_at_worst": check.budgets_worst, "budget_changes": check.changes}
        if math.isfinite(start_s):
            r.extras["fleet_start_s"] = start_s
        if fault.action == "partition":
            r.extras.update(partition)
        if not check.held:
            failures.append(check.describe())
        if fault.action == "partition" and "never fell back" in detail:
            failures.append(f"{target} kept its grant past its lease while cut off")
        return self._judge_host(fault, r, failures)

    def _inject(self, fault: Fault, fleet: FleetOnHosts, target: str, t_in: float) -> str:
        """A stranger's messages, one kind at a time: each sent 3 times, then its
        refusal awaited (the radio's budget in force names its last refusal at once; the
        coordinator counts refused curves by code in /diagnostics, every second)."""
        w = self.wiring
        if fault.action == "stranger_grant":
            topic, msg_type = f"/{target}/{w.grant_topic}", w.grant_type
        else:
            topic, msg_type = f"/{target}/{w.demand_topic}", w.demand_type
        seen = []
        for fields, code in zip(fault.payload["messages"], fault.payload["codes"], strict=True):
            t_sent = time.time()
            out = fleet.probe("stranger", ["publish", msg_type, topic, json.dumps(fields), "3"])
            out.wait(60.0, "the stranger's messages out", event="published")
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline:
                if (any(code in x.refusal for x in fleet.samples(target) if x.t >= t_sent)
                        or any(code in d["message"] or any(code in k or code in v for k, v in d["values"].items())
                               for d in fleet.diagnostics_since(t_sent))):
                    seen.append(code)
                    break
                time.sleep(0.1)
        missing = [c for c in fault.payload["codes"] if c not in seen]
        return (f"{3 * len(seen + missing)} messages on {topic} from a stranger host; refused and reported: "
                f"{', '.join(seen) or 'none'}" + (f"; NOT reported: {', '.join(missing)}" if missing else ""))

    def _bad_config_row(self, fault: Fault, log_dir: Path) -> RowResult:
        s = self.host_settings
        t_in = time.time()
        fleet = FleetOnHosts(self.domain_id, s, self.wiring, log_dir / fault.name,
                             coordinator_parameters=fault.payload["params"])
        with fleet.hosts:
            proc = fleet.start_coordinator()
            try:
                code = proc.wait(timeout=30.0)
            except subprocess.TimeoutExpired:
                code = None
        log = "".join(p.read_text(errors="replace") for p in (log_dir / fault.name).glob("coordinator.*.log"))
        refused = code not in (None, 0) and fault.detail in log
        r = RowResult(fault.name, fault.category, window_s=time.time() - t_in, nominal_rate_hz=math.nan)
        r.outcome = fault.outcome if refused else ("STARTED" if code is None else f"EXIT {code}")
        line = next((ln for ln in log.splitlines() if fault.detail in ln), "")
        r.detail = (line[line.index(fault.detail):][:200] if line else f"exit {code}; no {fault.detail!r} in its log")
        r.recovery_s = 0.0
        return self._judge_host(fault, r, [] if refused else [f"the coordinator did not refuse: {r.detail}"])

    def _judge_host(self, fault: Fault, r: RowResult, failures: list[str]) -> RowResult:
        if r.outcome != fault.outcome:
            failures.append(f"outcome {r.outcome!r}, expected {fault.outcome!r}")
        if fault.detail and fault.action != "bad_config" and fault.detail not in r.detail:
            failures.append(f"detail {r.detail!r} does not contain {fault.detail!r}")
        if not math.isfinite(r.recovery_s):
            failures.append("no re-convergence observed")
        r.failures = failures
        r.passed = not failures
        self.log(f"  {r.name}: {'ok' if r.passed else 'FAILED: ' + '; '.join(failures)} ({r.detail})")
        return r
