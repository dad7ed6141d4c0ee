"""A real OpenAI-compatible HTTP server for tests and fault drills.

Serves ``POST /v1/chat/completions`` (and ``GET /v1/models``) on 127.0.0.1 from a
script of steps (:class:`~steer_ros.navigator.scripted.ScriptStep`, the same JSONL
vocabulary as the ``scripted`` backend): a reply (``message.content``, optionally
``reasoning_content``), an HTTP error status, a delay, a hang, a dropped connection,
an empty body, a huge body. With ``refuse_response_format=True`` every request that
asks for structured output is refused with HTTP 400 (as servers without JSON-schema
support do) without consuming a step. Every request body is recorded.

    with ScriptedOpenAIServer([{"weights": [1, 1], "reasoning": "ok"}]) as server:
        client = OpenAI(base_url=server.base_url, api_key="none")
        ...
        assert len(server.requests[0]["messages"]) == 2

Standalone: ``python -m steer_ros.testing.openai_server --script FILE --port P``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from steer_ros.navigator.scripted import ScriptStep, StepCursor, load_script, parse_step

#: How long a "hang" step holds the connection at most (released early on stop()).
DEFAULT_HANG_S = 60.0


class ScriptedOpenAIServer:
    """OpenAI-compatible server replaying ``script`` (steps, dicts, strings or a JSONL path).

    Attributes:
        base_url: "http://127.0.0.1:<port>/v1", for ``OpenAI(base_url=...)``.
        requests: the decoded JSON body of every chat completion request, in order.
        request_headers: their HTTP headers (lower-case names), in the same order.
    """

    def __init__(
        self,
        script,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str = "scripted-model",
        refuse_response_format: bool = False,
        loop: bool = True,
        hang_s: float = DEFAULT_HANG_S,
    ):
        if isinstance(script, (str, Path)):
            steps = load_script(script)
        else:
            steps = [s if isinstance(s, ScriptStep) else parse_step(s) for s in script]
        self._cursor = StepCursor(steps, loop)
        self.model = model
        self.refuse_response_format = refuse_response_format
        self.hang_s = float(hang_s)
        self.requests: list[dict] = []
        self.request_headers: list[dict] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self.port}/v1"

    def start(self) -> "ScriptedOpenAIServer":
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"openai-server:{self.port}", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging handlers, close the socket. Idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> "ScriptedOpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- recording ----------------------------------------------------------------
    def _record(self, body: dict, headers: dict) -> None:
        with self._cond:
            self.requests.append(body)
            self.request_headers.append(headers)
            self._cond.notify_all()

    def wait_for_requests(self, count: int, timeout_s: float = 5.0) -> bool:
        """Block until ``count`` requests have arrived (True) or the timeout (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.requests) >= count, timeout_s)

    # -- answers ------------------------------------------------------------------
    def completion(self, content: str, reasoning_content: str = "") -> dict:
        message = {"role": "assistant", "content": content}
        if reasoning_content:
            message["reasoning_content"] = reasoning_content
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }


def _error_body(status: int, message: str, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error" if status < 500 else "server_error",
                      "param": param, "code": None}}


def _make_handler(server: ScriptedOpenAIServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "steer-ros-scripted-openai/1.0"

        def log_message(self, format, *args):  # noqa: A002 - quiet by default
            pass

        def _send_json(self, status: int, payload: dict | None, raw: bytes | None = None) -> None:
            data = raw if raw is not None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send_json(200, {"object": "list", "data": [
                    {"id": server.model, "object": "model", "created": 0, "owned_by": "steer_ros"}]})
            else:
                self._send_json(404, _error_body(404, f"no route {self.path}"))

        def do_POST(self):
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send_json(404, _error_body(404, f"no route {self.path}"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send_json(400, _error_body(400, "request body is not JSON"))
                return
            server._record(body, {k.lower(): v for k, v in self.headers.items()})
            if server.refuse_response_format and "response_format" in body:
                self._send_json(400, _error_body(
                    400, "response_format json_schema is not supported by this server", "response_format"))
                return
            step = server._cursor.next()
            if step.hang:
                server._stop.wait(server.hang_s)
                self.close_connection = True
                return
            if step.delay_s and server._stop.wait(step.delay_s):
                self.close_connection = True
                return
            if step.drop:
                self.close_connection = True
                return
            if step.http_status is not None:
                self._send_json(step.http_status, _error_body(
                    step.http_status, step.error or f"scripted HTTP {step.http_status}"))
                return
            if step.empty_body:
                self._send_json(200, None, raw=b"")
                return
            if step.huge_body_bytes:
                self._send_json(200, server.completion("x" * int(step.huge_body_bytes)))
                return
            self._send_json(200, server.completion(step.reply or "", step.reasoning_content))

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m steer_ros.testing.openai_server",
        description="OpenAI-compatible HTTP server replaying a JSONL script (tests, fault drills).",
    )
    parser.add_argument("--script", required=True, help="JSONL script (see steer_ros.navigator.scripted)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = an ephemeral port")
    parser.add_argument("--model", default="scripted-model")
    parser.add_argument("--refuse-response-format", action="store_true",
                        help="answer HTTP 400 to requests asking for structured output")
    parser.add_argument("--no-loop", action="store_true", help="repeat the last step instead of looping")
    args = parser.parse_args(argv)
    server = ScriptedOpenAIServer(args.script, host=args.host, port=args.port, model=args.model,
                                  refuse_response_format=args.refuse_response_format, loop=not args.no_loop)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    server.start()
    print(f"serving {server.base_url} (model {server.model!r}); Ctrl-C or SIGTERM stops", flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    finally:
        server.stop()
        print(f"served {len(server.requests)} requests", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
