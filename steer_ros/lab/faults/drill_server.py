"""The LLM the drills talk to: a real OpenAI-compatible HTTP server
(:class:`steer_ros.lab.fixtures.openai_server.ScriptedOpenAIServer`) whose script the
runner switches fault by fault, and which can die and come back on the same port.

Every request is answered with the current script step (the server's step
vocabulary: reply, delay, hang, http_status, empty_body, huge_body_bytes, ...), and
logged with the time and the label of the fault being injected.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from steer_ros.lab.fixtures.openai_server import ScriptedOpenAIServer
from steer_ros.system2.backends.scripted_backend import ScriptStep, parse_step


class SwitchableScript:
    """A step source the runner re-points at another step at any time."""

    def __init__(self, step: dict, label: str = "good"):
        self._lock = threading.Lock()
        self.log: list[tuple[float, str]] = []  # (monotonic time, label) per request served
        self.set(step, label)

    def set(self, step: dict, label: str) -> None:
        parsed = step if isinstance(step, ScriptStep) else parse_step(step)
        with self._lock:
            self._step, self._label = parsed, label

    def next(self) -> ScriptStep:  # the cursor interface ScriptedOpenAIServer calls
        with self._lock:
            self.log.append((time.monotonic(), self._label))
            return self._step

    def served(self, label: str, since: float = 0.0) -> int:
        with self._lock:
            return sum(1 for t, lab in self.log if lab == label and t >= since)


class DrillServer:
    """A scripted LLM server on a fixed port that can be stopped and restarted."""

    def __init__(self, step: dict, port: int = 0, model: str = "drill-model"):
        self.script = SwitchableScript(step)
        self.model = model
        self.models: list[str] | None = None  # what GET /v1/models lists (None: the model)
        self.requests: list[dict] = []
        self.request_headers: list[dict] = []
        self._server: ScriptedOpenAIServer | None = None
        self._connections: list = []
        self.port = port
        self.start()

    def start(self) -> "DrillServer":
        if self._server is None:
            server = ScriptedOpenAIServer([{"reply": ""}], port=self.port, model=self.model, models=self.models)
            # The scripted server reads its steps from _cursor.next(); the drills switch
            # steps while it runs, so the cursor is replaced by the switchable script.
            server._cursor = self.script
            server.requests = self.requests  # one record across restarts
            server.request_headers = self.request_headers
            # A dying server takes its open (keep-alive) connections with it: remember them.
            httpd, accept = server._httpd, server._httpd.process_request
            self._connections = []

            def process_request(request, client_address):
                self._connections.append(request)
                accept(request, client_address)

            httpd.process_request = process_request
            self._server = server.start()
            self.port = server.port
        return self

    def stop(self) -> None:
        """Stop listening (connections refused) and drop calls in flight."""
        if self._server is not None:
            self._server.stop()
            self._server = None
            for connection in self._connections:  # else keep-alive clients are still served
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections = []

    def set_models(self, models: list[str] | None) -> None:
        """What GET /v1/models lists from now on (``[]``: no model loaded)."""
        self.models = None if models is None else list(models)
        if self._server is not None:
            self._server.models = [self.model] if models is None else list(models)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "DrillServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
