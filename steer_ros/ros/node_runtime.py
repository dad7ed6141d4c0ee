"""Process entry for a node executable: ``--help``, start-up errors, spinning, exit.

``ros2 run steer_ros <node> --help`` lists the node's parameters with their defaults;
a refused parameter stops the node at start-up with a one-line error naming it.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Callable, Sequence

import rclpy
from rclpy.context import Context
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
        # MultiThreadedExecutor stalls the optimizer's timers for 0.5-3 s at a time
        # after a peer process is killed (measured: 5 runs in 10 drop up to 474 steps
        # and publish 15-60 allocations in 5 s instead of 100; the single-threaded
        # executor: 5 of 5 runs at 500.0 steps/s and 20 Hz). Slow
        # work never runs on it: LLM calls and SDR streams have their own threads,
        # and the optimizer counts the steps due, so a late tick is caught up.
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        try:
            executor.spin()
        except Exception:
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


def spin_alone(make_node: Callable, *, args: list[str] | None = None, domain_id: int | None = None,
               duration_s: float | None = None, on_ready: Callable | None = None):
    """Run the node ``make_node(context)`` builds, in its own context and in this thread,
    until ``duration_s`` passes, Ctrl-C or SIGTERM; then destroy it (its destroy_node
    finalizes what it wrote) and shut the context down. Returns the node, for what it
    counted. The recorder and the Foxglove bridge run this way from their commands."""
    context = Context()
    rclpy.init(args=args, context=context, domain_id=domain_id)
    node = None
    main = threading.current_thread() is threading.main_thread()
    previous_term = signal.getsignal(signal.SIGTERM)
    if main:
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        node = make_node(context)
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(node)
        if on_ready is not None:
            on_ready(node)
        deadline = None if duration_s is None else time.monotonic() + duration_s
        try:
            while context.ok() and (deadline is None or time.monotonic() < deadline):
                timeout = 0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic()))
                executor.spin_once(timeout_sec=timeout)
        except (KeyboardInterrupt, ExternalShutdownException):
            pass
        return node
    finally:
        if node is not None:
            node.destroy_node()
        context.try_shutdown()
        if main:
            signal.signal(signal.SIGTERM, previous_term)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def stop_executor(executor) -> None:
    """Stop ``executor`` so that the node can be destroyed.

    shutdown() drops the executor's suspended wait generator, which still holds the
    node's handle when spin() returned mid-iteration: without it destroy_node()
    waited for that handle forever (about 1 Ctrl-C in 10 hung until launch's SIGKILL).
    Every executor here is single-threaded, so no callback is left running after it.
    """
    executor.shutdown(timeout_sec=1.0)


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
