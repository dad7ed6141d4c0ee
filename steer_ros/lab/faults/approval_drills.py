"""Approval drills: one in-process graph whose navigator runs with ``approval: confirm``
(rules backend), a stranger node answering on steer/approval, calling the services
and publishing on steer/proposal; and a graph whose LLM server lists no model.

Every row checks System 1's promise (the step rate, feasibility) and that nothing the
operator did not approve is applied: no accepted command for the drill's policy
during the fault. Recovery: from the end of the fault to the first command applied
after a genuine approval (the no-model row: after the server lists a model again).
"""

from __future__ import annotations

import threading
import time
from typing import Sequence

from steer_ros.lab.faults.catalogue import APPROVAL_POLICIES, Fault
from steer_ros.lab.faults.drill_harness import DrillHarness, in_process_graph
from steer_ros.lab.faults.drill_server import DrillServer
from steer_ros.lab.faults.metrics import RowResult
from steer_ros.system2.steer_decision import Status


class ApprovalDrills(DrillHarness):
    def run_approval(self, faults: Sequence[Fault]) -> list[RowResult]:
        results: dict[str, RowResult] = {}
        graph_rows = [f for f in faults if f.action != "no_models"]
        if graph_rows:
            for r in self._run_approval_graph(graph_rows):
                results[r.name] = r
        for fault in (f for f in faults if f.action == "no_models"):
            try:
                results[fault.name] = self._no_models_row(fault)
            except Exception as exc:  # one broken row must not hide the others
                results[fault.name] = self._error_row(fault, exc)
        return [results[f.name] for f in faults if f.name in results]

    # -- confirm-mode graph ------------------------------------------------------------
    def _run_approval_graph(self, faults: Sequence[Fault]) -> list[RowResult]:
        from std_msgs.msg import String
        from std_srvs.srv import Trigger

        from steer_ros.msg import SteerProposal
        from steer_ros.ros import topics

        self.log(f"approval: in-process graph, navigator approval: confirm ({len(faults)} rows)")
        s = self.s
        extra = {"navigator": {"period_s": s.nav_period_s, "approval": "confirm", "approval_timeout_s": 30.0}}
        results = []
        with in_process_graph(self.domain_id, extra) as (graph, monitor, injector):
            proposals: list = []
            lock = threading.Lock()

            def on_proposal(msg) -> None:
                with lock:
                    proposals.append((time.monotonic(), msg))

            injector.create_subscription(SteerProposal, topics.PROPOSAL, on_proposal, topics.PROPOSAL_QOS)
            answers = injector.create_publisher(String, topics.APPROVAL, topics.POLICY_QOS)
            fake = injector.create_publisher(SteerProposal, topics.PROPOSAL, topics.PROPOSAL_QOS)
            approve = injector.create_client(Trigger, "navigator/approve")
            nonce = graph.nodes["navigator"].gate.nonce

            def pending(since: float = 0.0):
                with lock:
                    mine = [(t, p) for t, p in proposals if p.id.startswith(nonce + "-") and t >= since]
                return next((p for _, p in reversed(mine) if p.state == SteerProposal.STATE_PENDING), None)

            def call_approve():
                if not approve.wait_for_service(timeout_sec=10.0):
                    raise RuntimeError("no /navigator/approve service")
                done = threading.Event()
                future = approve.call_async(Trigger.Request())
                future.add_done_callback(lambda _: done.set())
                if not done.wait(10.0):
                    raise RuntimeError("no response from /navigator/approve")
                return future.result()

            # The first policy: approved, so a command is in force before the rows.
            first = monitor.wait_for(lambda m: pending(), s.start_timeout_s, "the first proposal")
            if not call_approve().success:
                raise RuntimeError(f"could not approve {first.id}")
            monitor.wait_for(lambda m: next((c for c in m.commands if c.status == Status.OK), None), 10.0,
                             "the first approved command")
            for k, fault in enumerate(faults):
                try:
                    results.append(self._approval_row(fault, k, monitor, graph, pending, call_approve, answers,
                                                       fake, String, SteerProposal))
                except Exception as exc:  # one broken row must not hide the others
                    results.append(self._error_row(fault, exc))
        return results

    def _approval_row(self, fault, k, monitor, graph, pending, call_approve, answers, fake, String,
                      SteerProposal) -> RowResult:
        s = self.s
        nav = graph.nodes["navigator"]
        failures: list[str] = []
        policy = APPROVAL_POLICIES[k % len(APPROVAL_POLICIES)]
        t_in = time.monotonic()
        refused_before = nav.gate.counts["refused"]
        detail = ""
        if fault.action == "approve_nothing":
            response = call_approve()  # nothing pending: the previous row's proposal was answered
            detail = response.message
            if response.success:
                failures.append(f"approved with nothing pending: {response.message}")
        monitor.publish_policy(policy)
        proposal = monitor.wait_for(lambda m: (p := pending(t_in)) and p.command.policy == policy and p,
                                    s.start_timeout_s, f"the proposal for {policy!r}")
        if fault.action == "flood":
            count, t_end = 0, time.monotonic() + fault.payload.get("seconds", 2.0)
            while time.monotonic() < t_end and count < fault.payload.get("max_messages", 5000):
                answers.publish(String(data=("approve" if count % 3 == 0 else
                                             f"reject zz{count}-1" if count % 3 == 1 else "x" * 100)))
                count += 1
            sent = count
        elif fault.action == "stale_id":
            answers.publish(String(data=f"approve {nav.gate.nonce}-1"))  # the first proposal's id: answered long ago
        elif fault.action == "fake_proposal":
            fake.publish(SteerProposal(id="stranger-1", state=SteerProposal.STATE_PENDING))
            answers.publish(String(data="approve stranger-1"))
        monitor.wait_for(lambda m: nav.gate.counts["refused"] > refused_before, 10.0, "the answer refused")
        time.sleep(s.nav_period_s)  # a navigator cycle: a wrongly approved command would be applied by now
        t_out = time.monotonic()
        applied = [c for c in monitor.commands_since(t_in) if c.status == Status.OK and c.policy == policy]
        if applied:
            failures.append(f"{len(applied)} commands for the drill's policy applied without an approval")
        still = pending(t_in)
        if still is None or still.id != proposal.id:
            failures.append("the proposal on display did not stay pending")
        events = nav.gate.counts["refused"] - refused_before
        if fault.action == "flood":  # a depth-10 reliable queue: a flood is thinned before the navigator reads it
            detail = f"refused: {events} of {sent} messages sent (the rest dropped by the topic's queue)"
        detail = detail or nav.last_refusal
        # Recovery: a genuine approval still works.
        response = call_approve()
        if not response.success or proposal.id not in response.message:
            failures.append(f"the genuine approval failed: {response.message}")
        back = monitor.wait_for(lambda m: next((c for c in m.commands_since(t_out) if c.status == Status.OK
                                                and c.policy == policy), None), 10.0, "the approved command")
        r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
        r.outcome, r.detail = ("REFUSED", detail) if not applied else ("APPLIED", detail)
        r.recovery_s = back.t - t_out
        r.extras = {**(r.extras or {}), "refused_answers": events, "proposal": proposal.id}
        return self.judge(fault, r, failures)

    # -- a server with no models -------------------------------------------------------
    def _no_models_row(self, fault: Fault) -> RowResult:
        from steer_ros.lab.faults.catalogue import good_step

        s = self.s
        self.log("approval: in-process graph, navigator -> an LLM server that lists no model")
        with DrillServer(good_step()) as server:
            server.set_models([])
            extra = {"navigator": {**self._llm_parameters(server), "llm_model": ""}}
            with in_process_graph(self.domain_id, extra) as (graph, monitor, _):
                t_in = time.monotonic()
                cmds = monitor.wait_for(
                    lambda m: (cs := [c for c in m.commands_since(t_in)]) and len(cs) >= s.min_fault_commands and cs,
                    s.start_timeout_s + (s.min_fault_commands + 2) * (s.llm_timeout_s + s.nav_period_s),
                    "commands answering the no-model server")
                t_out = time.monotonic()
                server.set_models(["drill-model"])
                back = self._wait_good(monitor, 1, since=t_out,
                                       timeout_s=s.llm_timeout_s + 4 * s.nav_period_s + 10.0)[0]
                r = RowResult(fault.name, fault.category).measure(list(monitor.allocations), t_in, back.t)
                first = cmds[0]
                r.outcome = Status(first.status).name
                r.detail = first.status_detail
                r.recovery_s = back.t - t_out
                failures = [] if all(q.get("model") == "drill-model" for q in server.requests) else \
                    ["a completion was asked for without a model"]
                r.extras = {**(r.extras or {}), "backend_after": back.backend}
                if back.backend != "openai:drill-model":
                    failures.append(f"backend after the model appeared: {back.backend!r}")
                return self.judge(fault, r, failures)
