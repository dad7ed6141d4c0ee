"""Process entry for a node executable: ``--help``, start-up errors, spinning, exit.

``ros2 run steer_ros <node> --help`` lists the node's parameters with their defaults;
a refused parameter stops the node at start-up with a one-line error naming it.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Sequence

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor


def usage(node_class) -> str:
    module = sys.modules[node_class.__module__]
    name = module.__name__.rsplit(".", 1)[-1]
    lines = [f"usage: ros2 run steer_ros {name} [--ros-args -p NAME:=VALUE ... --params-file FILE]", ""]
    lines.append((module.__doc__ or "").strip())
    lines.append("")
    lines.append("parameters:")
    for p in getattr(module, "PARAMS", []):
        lines.append(f"  {p.name} (default {p.default!r}): {p.describe()}")
    return "\n".join(lines)


def run_node(node_class, args: Sequence[str] | None = None) -> int:
    """Create, spin and tear down one node in its own process."""
    argv = list(sys.argv if args is None else args)
    user_args = argv[1:argv.index("--ros-args")] if "--ros-args" in argv else argv[1:]
    if "-h" in user_args or "--help" in user_args:
        print(usage(node_class))
        return 0
    _quiet_sigint()
    rclpy.init(args=argv)
    node = executor = None
    try:
        try:
            node = node_class()
        except ValueError as exc:  # ParameterError, InvalidInput: the message names it
            print(f"[{node_class.__module__.rsplit('.', 1)[-1]}] refused to start: {exc}", file=sys.stderr)
            return 1
        # One node per process: a single-threaded executor. rclpy Jazzy's
        # MultiThreadedExecutor stalled the optimizer's timers for 0.5-3 s at a time
        # after a peer process was killed (measured: 5 runs in 10 dropped up to 474
        # steps and published 15-60 allocations in 5 s instead of 100; the
        # single-threaded executor: 5 of 5 runs at 500.0 steps/s and 20 Hz). Slow
        # work never runs on it: LLM calls and SDR streams have their own threads,
        # and the optimizer counts the steps due, so a late tick is caught up.
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        try:
            executor.spin()
        except Exception:  # noqa: BLE001
            # SIGINT shuts the context down from rclpy's handler; an executor caught
            # mid-wait then raises RCLError ("context is not valid"): a clean stop.
            if rclpy.ok():
                raise
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if executor is not None:
            stop_executor(executor)
        if node is not None:
            close = getattr(node, "close", None)
            if close is not None:
                close()
            node.destroy_node()
        rclpy.try_shutdown()
        _ignore_sigint()
    return 0


def stop_executor(executor) -> None:
    """Stop ``executor`` so that the node can be destroyed.

    shutdown() drops the executor's suspended wait generator, which still holds the
    node's handle when spin() returned mid-iteration: without it destroy_node()
    waited for that handle forever (about 1 Ctrl-C in 10 hung until launch's SIGKILL).
    rclpy 7.1 (Jazzy)'s shutdown() does not wait for callbacks still running on the
    worker threads, which then hit destroyed publishers ("cannot use Destroyable
    because destruction was requested", printed as "exception was never retrieved"),
    so wait for the thread pool too, dropping callbacks not yet started.
    """
    executor.shutdown(timeout_sec=1.0)
    pool = getattr(executor, "_executor", None)  # MultiThreadedExecutor's ThreadPoolExecutor
    if pool is not None and hasattr(pool, "shutdown"):
        pool.shutdown(wait=True, cancel_futures=True)


def _quiet_sigint() -> None:
    """Make SIGINT stop the node without raising KeyboardInterrupt (main thread only).

    rclpy's own handler (installed by rclpy.init, chaining to this one) shuts the
    context down, which ends executor.spin(); then the teardown runs. Ctrl-C on
    `ros2 launch` reaches every process of the terminal's process group and launch
    forwards a second SIGINT to each node: with Python's default handler that one
    raised KeyboardInterrupt somewhere in the teardown, printed a traceback and made
    launch report "process has died [exit code -2]" for what was a clean stop.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda signum, frame: None)


def _ignore_sigint() -> None:
    """After teardown, ignore SIGINT for the rest of the exit.

    A Python-level handler is reset to SIG_DFL when the interpreter finalizes, so a
    late second SIGINT would still kill the exiting process (exit code -2); SIG_IGN
    is left alone. Only entry points call run_node, and they exit right after it.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
