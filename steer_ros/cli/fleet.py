"""steer-ros fleet: K radios sharing one budget on this host, without ros2 launch
(docs/fleet.md). Each radio runs its nodes in one process in its namespace (radio1 ..
radioK), the coordinator in another; a monitor prints every radio's budget in force,
its sum MI and the cap invariant's worst margin over the run, checked on the radios'
stamped reports (steer_ros.ros.fleet_monitor). Exit status: 0 when the cap held at
every instant of the run, 1 when it was exceeded at an instant where every radio's
budget is known, 3 when it cannot be vouched for (a radio never reported, or reports
were missed) and was not seen exceeded.
"""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "fleet", help="run K radios sharing one budget, with their coordinator (like ros2 launch steer_ros "
        "fleet.launch.py)", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radios", type=int, default=None, help="number of radios K (default 4)")
    parser.add_argument("--cap", type=float, default=None, help="the fleet cap C (default: the config's)")
    parser.add_argument("--config", default="", help="parameters file (default: config/fleet.yaml)")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--nodes", default="", help="each radio's nodes (default: all of the radio graph), "
                        "e.g. channel_sim,channel_mux,optimizer for a light fleet")
    parser.add_argument("--policy", default="", help="the fleet policy the fleet navigator starts with "
                        "(docs/fleet-policies.md), e.g. \"cap the fleet at 60%% tonight\"")
    parser.add_argument("--fleet-approval", choices=("auto", "confirm"), default="",
                        help="the fleet navigator's approval (default: the config's, auto): confirm holds a new fleet "
                        "directive on fleet/proposal until `steer-ros approve --fleet`")
    parser.add_argument("--every", type=float, default=5.0, metavar="S", help="print the fleet table every S s")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from steer_ros import defaults
    from steer_ros.fleet.config import FleetConfigError

    radios = args.radios or defaults.FLEET_RADIOS
    if radios < 1:
        raise SystemExit("steer-ros fleet: --radios must be >= 1")
    import rclpy
    from rclpy.context import Context

    from steer_ros.ros.fleet_bringup import fleet_params, start_fleet, stop_fleet, write_fleet_params
    from steer_ros.ros.fleet_monitor import FleetMonitor

    try:
        data = fleet_params(radios, args.config or None, args.cap)
    except (FleetConfigError, FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"steer-ros fleet: {exc}") from None
    coord = data["/**/fleet_coordinator"]["ros__parameters"]
    if args.policy:
        data["/**/fleet_navigator"]["ros__parameters"]["policy"] = args.policy
    if args.fleet_approval:
        data["/**/fleet_navigator"]["ros__parameters"]["approval"] = args.fleet_approval
    params = write_fleet_params(data)
    print(f"steer-ros fleet: {radios} radios, cap {coord['cap']:g}, reserves {coord['reserve']}; params {params}; "
          f"logs in {params.parent}", flush=True)
    procs = start_fleet(params, radios, nodes=args.nodes)
    context = Context()
    rclpy.init(context=context)
    a = coord.get("a") or [1.0]
    monitor = FleetMonitor(radios, coord["cap"], a=a if len(a) in (1, radios) else 1.0, context=context)
    from rclpy.executors import SingleThreadedExecutor

    executor = SingleThreadedExecutor(context=context)
    executor.add_node(monitor)
    start = time.monotonic()
    next_print = start + args.every
    try:
        while args.duration is None or time.monotonic() - start < args.duration:
            executor.spin_once(timeout_sec=0.1)
            if time.monotonic() >= next_print:
                print(monitor.table(), flush=True)
                next_print += args.every
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                print(f"steer-ros fleet: {', '.join(dead)} stopped (see {params.parent})", flush=True)
                break
    except KeyboardInterrupt:
        pass
    finally:
        print(monitor.table(), flush=True)
        stop_fleet(procs)
        executor.shutdown()
        monitor.destroy_node()
        context.try_shutdown()
    state = monitor.cap_check().state
    return {"held": 0, "broken": 1}.get(state, 3)
