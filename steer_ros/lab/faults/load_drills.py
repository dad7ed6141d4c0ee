"""The load drills: one process per node, a load generator in place of channel_sim at
N = 4096 and 1 kHz, or the real channel_sim fading (``scenario: jakes``, N = 8) at
1 kHz into a mux at ``max_publish_hz`` 1000; also the soak (`make soak`, either row)."""

from __future__ import annotations

import math
import os
import time
from typing import Sequence

from steer_ros.lab.faults.catalogue import Fault
from steer_ros.lab.faults.drill_harness import DrillHarness, external_monitor, process_rss
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.ros.domain_lock import isolated_env


class LoadDrills(DrillHarness):
    # -- load row -----------------------------------------------------------------------
    def run_load(self, faults: Sequence[Fault], soak_s: float = 0.0) -> list[RowResult]:
        return [self._load_row(f, soak_s) for f in faults]

    def _load_row(self, fault: Fault, soak_s: float = 0.0) -> RowResult:
        import json
        import signal
        import subprocess
        import sys

        from steer_ros.ros.node_processes import ProcessGraph

        s = self.s
        n, rate = int(fault.payload["n_channels"]), float(fault.payload["rate_hz"])
        sim_params = fault.payload.get("channel_sim")  # the real channel_sim (else the load generator)
        window = soak_s or s.load_window_s
        source = (f"channel_sim ({', '.join(f'{k} {v}' for k, v in sim_params.items())})" if sim_params else
                  "a load generator in place of channel_sim (Rayleigh, every update new)")
        self.log(f"load: one process per node; {source} publishes N = {n} channels at {rate:g} Hz; "
                 f"navigator (rules) every {s.nav_period_s:g} s; {window:g} s measured")
        params = {"navigator": {"period_s": s.nav_period_s}}
        for node in ("channel_sim", "channel_mux"):
            if fault.payload.get(node):
                params[node] = dict(fault.payload[node])
        nodes = ["channel_mux", "optimizer", "navigator", "guardrail"] + (["channel_sim"] if sim_params else [])
        env = isolated_env(self.domain_id)
        loadgen = None
        out = ""
        try:
            with ProcessGraph(self.domain_id, parameters=params, nodes=nodes) as graph, \
                    external_monitor(self.domain_id) as monitor:
                if not sim_params:
                    loadgen = subprocess.Popen([sys.executable, "-m", "steer_ros.lab.faults.loadgen", "--n", str(n),
                                                "--rate", str(rate)], env=env, stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
                monitor.wait_for(lambda m: (a := m.latest_allocation()) is not None and a.gain.shape[0] == n,
                                 s.start_timeout_s, f"an allocation with N = {n}\n{graph.logs()}")
                t_warm = time.monotonic()
                monitor.wait_for(lambda m: time.monotonic() - t_warm >= s.load_warmup_s
                                 and "published" in m.diagnostic("/channel_mux")
                                 and "steps" in m.diagnostic("/optimizer")
                                 and (not sim_params or "published" in m.diagnostic("/channel_sim")),
                                 s.load_warmup_s + 10, "warm-up and the nodes' first diagnostics")
                pids = {name: p.proc.pid for name, p in graph.nodes.items()}
                if loadgen is not None:
                    pids["loadgen"] = loadgen.pid
                rss_start = {name: process_rss(pid) for name, pid in pids.items()}
                diag_start = {name: monitor.diagnostic(f"/{name}") for name in graph.nodes}
                sim_start = self._fresh_counter(monitor, "channel_sim", "published") if sim_params else None
                load_start = os.getloadavg()[0]
                t_in = time.monotonic()
                samples = [(0.0, rss_start)]
                next_sample = t_in + 60.0
                while time.monotonic() - t_in < window:
                    time.sleep(min(0.5, max(0.0, t_in + window - time.monotonic())))
                    if soak_s and time.monotonic() >= next_sample:
                        samples.append(
                            (time.monotonic() - t_in, {name: process_rss(pid) for name, pid in pids.items()})
                        )
                        self.log(f"  soak {samples[-1][0]:.0f} s: " + ", ".join(
                            f"{k} {v.get('VmRSS', 0):.0f}" for k, v in samples[-1][1].items()) + " MiB RSS")
                        next_sample += 60.0
                t_out = time.monotonic()
                sim_end = self._fresh_counter(monitor, "channel_sim", "published") if sim_params else None
                rss_end = {name: process_rss(pid) for name, pid in pids.items()}
                diag_end = {name: monitor.diagnostic(f"/{name}") for name in graph.nodes}
                alive = {name: p.alive for name, p in graph.nodes.items()}
                r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, t_out)
                if loadgen is not None:
                    loadgen.send_signal(signal.SIGTERM)
                    out = loadgen.communicate(timeout=10)[0]
        except Exception as exc:  # a row that breaks is reported; the other rows still run
            return self._error_row(fault, exc)
        finally:
            if loadgen is not None and loadgen.poll() is None:
                loadgen.kill()
                loadgen.wait()
        def counter_rate(node: str, key: str) -> float:
            a, b = diag_start[node].get(key), diag_end[node].get(key)
            return (int(b) - int(a)) / (t_out - t_in) if a is not None and b is not None else math.nan

        if sim_params:  # channel_sim's own publish counter, read on fresh reports at both ends
            (ta, na), (tb, nb) = sim_start, sim_end
            gen = {"rate_hz": (nb - na) / (tb - ta) if tb > ta else math.nan, "source": "channel_sim",
                   "scenario": diag_end["channel_sim"].get("scenario"),
                   "doppler_hz": diag_end["channel_sim"].get("doppler_hz")}
        else:
            try:
                lines = [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")]
                gen = lines[-1]
                ticks = [(x["t"], x["published"]) for x in lines if "t" in x and t_in - 1.0 <= x["t"] <= t_out + 1.0]
                (ta, na), (tb, nb) = ticks[0], ticks[-1]
                gen["rate_hz"] = (nb - na) / (tb - ta)  # over the measured window, not the start-up
            except (ValueError, IndexError, KeyError, ZeroDivisionError):
                gen = {"rate_hz": math.nan, "output": out[-500:]}

        mux_in = counter_rate("channel_mux", "published") + counter_rate("channel_mux", "coalesced")
        mux_hz = counter_rate("channel_mux", "published")
        failures = [f"{name} died" for name, ok in alive.items() if not ok]
        if not gen.get("rate_hz", 0) >= 0.9 * rate:  # on a loaded machine the generator itself slips a little
            failures.append(f"{'channel_sim' if sim_params else 'the load generator'} published at "
                            f"{gen.get('rate_hz', math.nan):.0f} Hz, not {rate:g} Hz")
        growth = {name: rss_end[name].get("VmRSS", 0) - rss_start[name].get("VmRSS", 0) for name in rss_end}
        r.outcome = "KEPT_UP" if r.rate_kept >= s.min_rate_kept else "FELL_BEHIND"
        r.detail = (
            f"{gen.get('rate_hz', math.nan):.0f} Hz in, mux took ~{mux_in:.0f} Hz, sent ~{mux_hz:.0f} Hz; "
            f"optimizer RSS {rss_start['optimizer'].get('VmRSS', 0):.0f} -> "
            f"{rss_end['optimizer'].get('VmRSS', 0):.0f} MiB; load avg {load_start:.1f}"
        )
        r.recovery_s = 0.0  # the load is never removed: nothing to recover from
        r.extras = {**(r.extras or {}), "n_channels": n, "update_hz": rate, "loadgen": gen,
                    "mux_in_hz": mux_in, "mux_out_hz": mux_hz,
                    "steps_dropped": diag_end["optimizer"].get("steps_dropped", "0"),
                    "optimizer_step_rate_diag_hz": diag_end["optimizer"].get("step_rate_hz"),
                    "rss_start_mib": rss_start, "rss_end_mib": rss_end, "rss_growth_mib": growth,
                    "rss_samples": samples if soak_s else None, "window_s": t_out - t_in,
                    "load_average_1min": [load_start, os.getloadavg()[0]], "cpus": os.cpu_count()}
        return self.judge(fault, r, failures)

    def _fresh_counter(self, monitor, node: str, key: str) -> tuple[float, int]:
        """(arrival time, value) of the next /diagnostics report of ``node`` whose counter
        ``key`` moved: a rate from two of them is not off by a report period's staleness."""
        old = monitor.diagnostic(f"/{node}").get(key, "")
        report = self._diag_wait(monitor, node, key, old, timeout_s=5.0)
        return time.monotonic(), int(report[key])
