"""``steer-ros optimize``: quick what-ifs with System 1 and its certificate.

Runs System 1 for ``--steps`` steps from equal power and prints per-channel power and
MI, the sum, the weighted objective, the certified optimum (mercury/water-filling)
and the gap, plus the B0/B1 baselines, and System 1's status (TRANSIENT, CONVERGED,
INFEASIBLE), the shadow price (d optimal objective / d P_total, as normalized for
the objective) and the least budget meeting the goal. Exit code 2 with a message
naming the argument on invalid input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from steer_ros import defaults

DEFAULT_STEPS = {"default": 200, "pga": 1000}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "optimize",
        help="run System 1 on given channels and compare with the certified optimum",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--gains", required=True, help="comma-separated |h_i|^2 (linear, >= 0)")
    p.add_argument("--noise-var", default=str(defaults.NOISE_VAR),
                   help="sigma^2, one value or one per channel (linear, > 0)")
    p.add_argument("--weights", default=None, help="comma-separated w_i >= 0 (default equal)")
    p.add_argument("--p-total", type=str, default=str(defaults.P_TOTAL), help="power budget (> 0)")
    p.add_argument("--constellation", default=defaults.CONSTELLATION,
                   choices=list(defaults.CONSTELLATIONS))
    p.add_argument("--estimator", default=defaults.ESTIMATOR, choices=list(defaults.ESTIMATORS))
    p.add_argument("--objective", default="weighted_sum", choices=list(defaults.OBJECTIVES),
                   help="weighted_sum (default); max_min: maximize the smallest MI of the channels "
                        "not off; min_power: least power meeting --floor / --sum-mi-min; alpha_fair: "
                        "maximize sum w_i U_alpha(MI_i) (--alpha)")
    p.add_argument("--alpha", type=str, default=None, metavar="A",
                   help=f"alpha of alpha_fair, in [0, {defaults.ALPHA_FAIR_MAX:g}] (default "
                        f"{defaults.ALPHA_FAIR_DEFAULT:g} = proportional fairness; 0 = sum rate)")
    p.add_argument("--power-cap", action="append", default=[], metavar="SEL=P",
                   help="power cap (linear) on the selected channels (repeatable; e.g. 3=5, all=2.5); "
                        "overlapping selectors: the smaller cap")
    p.add_argument("--floor", action="append", default=[], metavar="SEL=BITS",
                   help="MI floor on the selected channels (repeatable; e.g. 1=1.9, 4-6=1.5, "
                        "weakest:2=0.8); overlapping selectors: the larger floor")
    p.add_argument("--cap", action="append", default=[], metavar="SEL=BITS",
                   help="MI cap on the selected channels (repeatable); overlapping: the smaller cap")
    p.add_argument("--off", action="append", default=[], metavar="SEL",
                   help="shut the selected channels down (zero power; repeatable)")
    p.add_argument("--sum-mi-min", type=str, default=None, metavar="BITS",
                   help="floor on the sum MI, bits (min_power: the target)")
    p.add_argument("--mode", default=None, choices=list(defaults.OPTIMIZER_MODES),
                   help="default: KKT-guided; pga: the paper's plain PGA "
                        "(implied by --estimator mc)")
    p.add_argument("--steps", type=str, default=None,
                   help=f"System 1 steps (default {DEFAULT_STEPS['default']}, "
                        f"pga {DEFAULT_STEPS['pga']})")
    p.add_argument("--mc-samples", type=str, default=str(defaults.MC_SAMPLES),
                   help="K of the mc estimator")
    p.add_argument("--seed", type=int, default=0, help="seed of the mc estimator")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


class ArgError(ValueError):
    pass


def _floats(text: str, flag: str) -> list[float]:
    try:
        vals = [float(t) for t in str(text).replace(" ", "").split(",") if t != ""]
    except ValueError:
        raise ArgError(f"{flag}: expected comma-separated numbers, got {text!r}") from None
    if not vals:
        raise ArgError(f"{flag}: no values given")
    if not all(math.isfinite(v) for v in vals):
        raise ArgError(f"{flag}: values must be finite, got {text!r}")
    return vals


def _parse(args):
    gains = _floats(args.gains, "--gains")
    n = len(gains)
    if any(g < 0 for g in gains):
        raise ArgError("--gains: values must be >= 0")
    noise = _floats(args.noise_var, "--noise-var")
    if len(noise) == 1:
        noise = noise * n
    if len(noise) != n:
        raise ArgError(f"--noise-var: expected 1 or {n} values (one per gain), got {len(noise)}")
    if any(v <= 0 for v in noise):
        raise ArgError("--noise-var: values must be > 0")
    weights = None
    if args.weights is not None:
        weights = _floats(args.weights, "--weights")
        if len(weights) != n:
            raise ArgError(f"--weights: expected {n} values (one per gain), got {len(weights)}")
        if any(w < 0 for w in weights):
            raise ArgError("--weights: values must be >= 0")
    (p_total,) = _floats(args.p_total, "--p-total")[:1]
    if p_total <= 0:
        raise ArgError(f"--p-total: must be > 0, got {p_total:g}")
    mode = args.mode or ("pga" if args.estimator == "mc" else "default")
    if mode == "default" and args.estimator == "mc":
        raise ArgError("--estimator: mc needs --mode pga (the default mode uses the exact tables)")
    steps = DEFAULT_STEPS[mode] if args.steps is None else args.steps
    try:
        steps = int(steps)
    except ValueError:
        raise ArgError(f"--steps: expected an integer, got {args.steps!r}") from None
    if steps < 0:
        raise ArgError(f"--steps: must be >= 0, got {steps}")
    try:
        k = int(args.mc_samples)
    except ValueError:
        raise ArgError(f"--mc-samples: expected an integer, got {args.mc_samples!r}") from None
    if k < 2:
        raise ArgError(f"--mc-samples: must be >= 2, got {k}")
    goal = _goal(args, gains, noise)
    return gains, noise, weights, p_total, mode, steps, k, goal


def _sel_bits(text: str, flag: str, n: int, strength, unit: str = "BITS"):
    """'SEL=BITS' (or 'SEL=P') -> (0-based indices, value); selectors ranked by |h|^2 / sigma^2."""
    from steer_ros.channels.selectors import SelectorError, resolve_selector

    sel, eq, bits = str(text).rpartition("=")
    if not eq or not sel.strip():
        example = "1-3=1.5" if unit == "BITS" else "3=5"
        raise ArgError(f"{flag}: expected SEL={unit} (e.g. {example}), got {text!r}")
    try:
        value = float(bits)
    except ValueError:
        what = "a number of bits" if unit == "BITS" else "a power"
        raise ArgError(f"{flag}: {text!r}: {bits!r} is not {what}") from None
    try:
        idx = resolve_selector(sel.strip(), n, strength)
    except SelectorError as exc:
        raise ArgError(f"{flag}: {exc}") from None
    return idx, value


def _goal(args, gains, noise):
    """The goal of --objective / --floor / --cap / --off / --sum-mi-min (resolved)."""
    import numpy as np

    from steer_ros.channels.selectors import SelectorError, resolve_selector
    from steer_ros.system1.goal import Goal, Objective

    n = len(gains)
    strength = np.asarray(gains, dtype=float) / np.asarray(noise, dtype=float)
    floors, caps, off = np.zeros(n), np.full(n, np.inf), np.zeros(n, dtype=bool)
    for text in args.floor:
        idx, v = _sel_bits(text, "--floor", n, strength)
        floors[idx] = np.maximum(floors[idx], v)
    for text in args.cap:
        idx, v = _sel_bits(text, "--cap", n, strength)
        caps[idx] = np.minimum(caps[idx], v)
    for text in args.off:
        try:
            off[resolve_selector(str(text).strip(), n, strength)] = True
        except SelectorError as exc:
            raise ArgError(f"--off: {exc}") from None
    pcap = np.full(n, np.inf)
    for text in args.power_cap:
        idx, v = _sel_bits(text, "--power-cap", n, strength, unit="P")
        if math.isnan(v) or v < 0:
            raise ArgError(f"--power-cap: {text!r}: a power cap must be >= 0")
        pcap[idx] = np.minimum(pcap[idx], v)
    smin = math.nan
    if args.sum_mi_min is not None:
        (smin,) = _floats(args.sum_mi_min, "--sum-mi-min")[:1]
    objective = Objective.parse(args.objective)
    alpha = defaults.ALPHA_FAIR_DEFAULT
    if args.alpha is not None:
        if objective != Objective.ALPHA_FAIR:
            raise ArgError("--alpha: only with --objective alpha_fair")
        try:
            alpha = float(args.alpha)
        except ValueError:
            raise ArgError(f"--alpha: expected a number, got {args.alpha!r}") from None
    return Goal(objective, floors if args.floor else None, caps if args.cap else None, off if args.off else None,
                smin, alpha=alpha, power_cap=pcap if args.power_cap else None)


def run(args) -> int:
    try:
        gains, noise, weights, p_total, mode, steps, k, goal = _parse(args)
    except ArgError as exc:
        print(f"steer-ros optimize: error: {exc}", file=sys.stderr)
        return 2
    import numpy as np

    from steer_ros.system1.baselines import b0, b1
    from steer_ros.system1.certified_optimum import certified_optimum
    from steer_ros.system1.goal import GoalError
    from steer_ros.system1.system1 import System1

    kw = {"n_samples": k, "seed": args.seed} if args.estimator == "mc" else {}
    s = System1(gains, noise, weights, p_total, mode=mode, estimator=args.estimator,
                constellation=args.constellation, estimator_kw=kw)
    try:
        s.set_command(None, math.nan, goal=goal)
    except GoalError as exc:
        print(f"steer-ros optimize: error: {exc}", file=sys.stderr)
        return 2
    if not goal.is_plain:
        return _run_goal(args, s, goal, gains, noise, p_total, mode, steps)
    for _ in range(steps):
        s.step()
    w = s.weights
    mi = s.mi()
    opt = certified_optimum(gains, noise, w, p_total, args.constellation)
    base0 = b0(gains, noise, p_total, args.constellation)
    base1 = b1(gains, noise, w, p_total, args.constellation)
    out = {
        "n": s.n,
        "constellation": args.constellation,
        "estimator": args.estimator,
        "mode": mode,
        "steps": steps,
        "p_total": p_total,
        "gain": list(map(float, gains)),
        "noise_var": list(map(float, noise)),
        "weights": w.tolist(),
        "power": s.power.tolist(),
        "mi": mi.tolist(),
        "sum_mi": float(np.sum(mi)),
        "weighted_mi": s.weighted_mi(),
        "power_used": float(np.sum(s.power)),
        "optimum": {
            "power": opt.power.tolist(),
            "mi": opt.mi.tolist(),
            "sum_mi": opt.total_mi,
            "weighted_mi": opt.weighted_mi,
            "multiplier": opt.multiplier,
        },
        # gap of the weighted objective (weights sum to 1), and of the sum MI
        "gap_weighted_mi": opt.weighted_mi - s.weighted_mi(),
        "gap_sum_mi": opt.total_mi - float(np.sum(mi)),
        "baselines": {"b0_sum_mi": base0.total_mi, "b1_sum_mi": base1.total_mi,
                      "b1_weighted_mi": base1.weighted_mi},
        **_status_fields(True, opt.weighted_mi - s.weighted_mi(), True, opt.weighted_mi, opt.multiplier, 0.0),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"System 1 ({mode}, {args.estimator}, {args.constellation}), {steps} steps, "
          f"P_total = {p_total:g}")
    print(f"{'ch':>3} {'gain':>9} {'w':>7} {'P':>9} {'MI':>7} {'P*':>9} {'MI*':>7}")
    for i in range(s.n):
        print(f"{i + 1:>3} {gains[i]:9.4g} {w[i]:7.4f} {out['power'][i]:9.4f} {mi[i]:7.4f} "
              f"{opt.power[i]:9.4f} {opt.mi[i]:7.4f}")
    print(f"sum MI = {out['sum_mi']:.6f} bits (optimum {opt.total_mi:.6f}), "
          f"weighted = {out['weighted_mi']:.6f} (optimum {opt.weighted_mi:.6f}, "
          f"gap {out['gap_weighted_mi']:.2e})")
    print(f"B0 (equal weights) sum MI = {base0.total_mi:.6f}, "
          f"B1 (Gaussian water-filling) sum MI = {base1.total_mi:.6f}")
    print(_status_line(out))
    return 0


def _json_number(x: float):
    x = float(x)
    return x if math.isfinite(x) else (None if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def _status_fields(feasible: bool, gap: float, goals_met: bool, value: float, shadow: float, least: float) -> dict:
    """status (System 1's rule after the run: INFEASIBLE, CONVERGED or TRANSIENT),
    shadow_price and least_budget, for the JSON output."""
    from steer_ros.system1.status import StatusTracker

    status = StatusTracker().update(feasible, gap, goals_met, value)
    return {"status": status.name, "shadow_price": _json_number(shadow), "least_budget": _json_number(least)}


def _status_line(out: dict) -> str:
    least = out["least_budget"]
    return (f"status {out['status']}, shadow price {out['shadow_price']} per unit power, "
            f"least budget {least if least is not None else 'n/a'}")


def _run_goal(args, s, goal, gains, noise, p_total, mode, steps) -> int:
    """A goal other than the plain weighted sum: System 1 tracks it, the certified goal
    optimum is printed beside it; an infeasible goal exits 1 with what it would need."""
    import numpy as np

    for _ in range(steps):
        s.step()
    opt = s.goal_optimum()
    mi = s.mi()
    out = {
        "n": s.n, "constellation": args.constellation, "estimator": args.estimator, "mode": mode,
        "steps": steps, "p_total": p_total, "objective": args.objective,
        "gain": list(map(float, gains)), "noise_var": list(map(float, noise)),
        "weights": s.weights.tolist(),
        "mi_floor": s.goal.floors.tolist(), "mi_cap": [float(c) if math.isfinite(c) else None for c in s.goal.caps],
        "off": s.goal.off.tolist(),
        "sum_mi_min": None if math.isnan(s.goal.sum_mi_min) else s.goal.sum_mi_min,
        "power": s.power.tolist(), "mi": mi.tolist(), "sum_mi": float(np.sum(mi)),
        "weighted_mi": s.weighted_mi(), "power_used": float(np.sum(s.power)),
        "goals_met": s.goals_met, "mi_shortfall": s.mi_shortfall.tolist(),
        "feasible": opt.feasible,
        "optimum": opt.to_json(),
        "optimality_gap": s.optimality_gap(opt),
        "optimality_gap_unit": ("power" if args.objective == "min_power" and opt.feasible
                                and math.isnan(opt.floor_ratio)
                                else "floor_ratio" if not math.isnan(opt.floor_ratio)
                                else "utility" if args.objective == "alpha_fair" else "bits"),
        **_status_fields(opt.feasible, s.optimality_gap(opt), s.goals_met, opt.value, opt.shadow_price,
                         opt.needed_power),
    }
    if goal.objective.name == "ALPHA_FAIR":
        out["alpha"] = s.goal.alpha
    if goal.has_power_caps:
        out["power_cap"] = [float(c) if math.isfinite(c) else None for c in goal.power_caps(s.n)]
    if not opt.feasible:
        out["error"] = opt.reason
    if args.json:
        print(json.dumps(out))
    else:
        print(f"System 1 ({mode}, {args.estimator}, {args.constellation}), {steps} steps, "
              f"P_total = {p_total:g}, objective {args.objective}")
        print(f"{'ch':>3} {'gain':>9} {'floor':>6} {'cap':>6} {'P':>9} {'MI':>7} {'P*':>9} {'MI*':>7}")
        for i in range(s.n):
            cap = s.goal.caps[i]
            print(f"{i + 1:>3} {gains[i]:9.4g} {s.goal.floors[i]:6.3g} {cap:6.3g} {out['power'][i]:9.4f} "
                  f"{mi[i]:7.4f} {opt.power[i]:9.4f} {opt.mi[i]:7.4f}")
        print(f"sum MI = {out['sum_mi']:.6f} bits, power used = {out['power_used']:.6f}, "
              f"goals met: {'yes' if out['goals_met'] else 'no'}, "
              f"gap {out['optimality_gap']:.2e} ({out['optimality_gap_unit']})")
        print(_status_line(out))
    if not opt.feasible:
        print(f"steer-ros optimize: {opt.reason}", file=sys.stderr)
        return 1
    return 0
