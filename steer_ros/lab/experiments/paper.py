"""The claims of the paper's section IV (papers/llm-steered-power-allocation.txt), each
with the figure the text gives (most numbers were lost in text extraction; those are
marked so rather than guessed), and how to read ours and the certified optimum from
``results.json``.

A claim's ``ours`` / ``graph`` / ``optimum`` functions take the results dict and
return a short string, or "" when the experiment that answers it has not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

LOST = "(number lost in extraction)"

Reader = Callable[[dict], str]


@dataclass(frozen=True)
class Claim:
    section: str
    claim: str
    paper: str
    ours: Reader
    graph: Reader
    optimum: Reader


# -- readers -------------------------------------------------------------------------
def _pol(results: dict, pid: str, graph: bool = False) -> dict | None:
    sec = results.get("policies")
    if not sec:
        return None
    if graph:
        return (sec.get("through_graph") or {}).get("policies", {}).get(pid)
    return sec["policies"][pid]["runs"][0] if pid in sec["policies"] else None


def _rev(results: dict, graph: bool = False) -> dict | None:
    sec = results.get("reversal")
    if not sec:
        return None
    return (sec.get("through_graph") or {}).get("metrics") if graph else sec["runs"][0]


def _w(ws, idx) -> str:
    return ", ".join(f"w{i + 1}={ws[i]:.3f}" for i in idx)


def _fmt_weights(ws) -> str:
    return "[" + ", ".join(f"{w:.3f}" for w in ws) + "]"


def _policy(pid: str, fn: Callable[[dict], str], graph: bool = False) -> Reader:
    def read(results: dict) -> str:
        m = _pol(results, pid, graph)
        return fn(m) if m else ""
    return read


def _reversal(fn: Callable[[dict], str], graph: bool = False) -> Reader:
    def read(results: dict) -> str:
        m = _rev(results, graph)
        return fn(m) if m else ""
    return read


def _refs(fn: Callable[[dict], str]) -> Reader:
    def read(results: dict) -> str:
        sec = results.get("policies")
        return fn(sec["references"]) if sec else ""
    return read


def _both(fn: Callable[[dict], str], policy: str | None = None, reversal: bool = False) -> tuple[Reader, Reader]:
    if reversal:
        return _reversal(fn), _reversal(fn, graph=True)
    return _policy(policy, fn), _policy(policy, fn, graph=True)


def _schedule(results: dict) -> str:
    p, r = results.get("policies"), results.get("reversal")
    parts = []
    if p:
        s = p["schedule"]
        parts.append(f"policies: N = {len(p['references']['gain'])}, navigator every {s['navigator_every']} steps, "
                     f"{s['steps']} steps ({s['warmup']} warm-up + {s['steps'] - s['warmup']} measured)")
    if r:
        s = r["schedule"]
        parts.append(f"reversal: step {s['reverse_at']} of {s['steps']}, navigator every {s['navigator_every']}")
    return "; ".join(parts)


def _graph_schedule(results: dict) -> str:
    parts = []
    for key in ("policies", "reversal"):
        g = (results.get(key) or {}).get("through_graph")
        if g:
            parts.append(f"{key}: {g['rate_hz']:g} steps/s, navigator every {g['navigator_period_s']:g} s "
                         f"(observed every {g['observed_every_mean']:.1f} steps)")
    return "; ".join(parts)


def _budget_knobs(results: dict, graph: bool = False) -> str:
    sec = results.get("policies")
    if not sec:
        return ""
    moved_p, moved_w, seen = [], [], 0
    for pid in sec["policies"]:
        m = _pol(results, pid, graph)
        if not m:
            continue
        seen += 1
        if m["budget_moved"]:
            moved_p.append(pid)
        if m["weights_moved"]:
            moved_w.append(pid)
    both = sorted(set(moved_p) & set(moved_w))
    if not seen:
        return ""
    return (f"budget moved by {', '.join(moved_p) or 'none'}; weights moved by {', '.join(moved_w) or 'none'}; "
            f"both: {', '.join(both) or 'none'}")


def _p3_weights_note(m: dict) -> str:
    ws = np.asarray(m["weights"])
    if np.ptp(ws) < 1e-6:
        return "equal weights kept (least power for a sum-rate floor is the equal-weight optimum at the least budget)"
    return f"weights {_fmt_weights(ws)}"


def _first(m: dict, what: str) -> str:
    c = m.get("first_call")
    if not c:
        return "no call"
    if what == "reasoning":
        return f"\"{c['reasoning'][:160]}\""
    if what == "weights":
        return f"proposed {_fmt_weights(c['proposed_weights'])}"
    p = c["proposed_p_total"]
    return (f"proposed P_total {'keep' if p is None else f'{p:.2f}'}; accepted after EMA "
            f"{c['accepted_p_total']:.2f}")


def _flip(m: dict) -> str:
    k = m.get("calls_until_flipped")
    when = "never" if k is None else f"at step {m.get('weights_flipped_at_step')} (call {k} after the reversal)"
    return f"next call at step {m['first_call_after_reversal']}; top weight on the now-weakest channel {when}"


# -- the claims ---------------------------------------------------------------------
def claims() -> list[Claim]:
    def none(results) -> str:
        return ""

    c: list[Claim] = []
    c.append(Claim("IV-A", "Setup: 8 QPSK-AWGN subchannels; navigator every 10 optimizer steps, 250 steps "
                   "(200 warm-up + 50 measured); reversal run 300 steps, navigator every 20",
                   "N " + LOST + "; 10 steps, 250 = 200 + 50; 20 steps, 300 steps", _schedule, _graph_schedule, none))
    c.append(Claim("IV-B", "P1: the navigator keeps equal weights", "w_i " + LOST,
                   *_both(lambda m: f"max |w_i - 1/8| = {np.max(np.abs(np.asarray(m['weights']) - 1 / 8)):.4f}", "P1"),
                   lambda r: "w_i = 1/8 maximize sum MI" if r.get("policies") else ""))
    c.append(Claim("IV-B", "P1: sum rate maximized, matching B0", LOST + " bits, = B0",
                   *_both(lambda m: f"sum MI {m['sum_mi']:.4f} bits", "P1"),
                   _refs(lambda f: f"B0 {f['b0']['sum_mi']:.4f}; certified optimum {f['optimum']['sum_mi']:.4f} bits")))
    c.append(Claim("IV-B", "P2: dominant weight on channel 8, channel 7 moderately elevated", "w_8 " + LOST,
                   *_both(lambda m: f"{_w(m['weights'], [6, 7])}; others {m['weights'][0]:.3f} "
                          f"(equal priority on 7 and 8)", "P2"), none))
    c.append(Claim("IV-B", "P2: channels 7 and 8 near saturation", LOST + " bits",
                   *_both(lambda m: f"MI_7 = {m['mi'][6]:.4f}, MI_8 = {m['mi'][7]:.4f} bits", "P2"),
                   _policy("P2", lambda m: f"MI_7 = {m['optimum_mi'][6]:.4f}, MI_8 = {m['optimum_mi'][7]:.4f} "
                           f"(gap {m['optimality_gap_bits']:.1e} bits)")))
    c.append(Claim("IV-B", "P3: P_total lowered from 40; sum rate settles near the 10-bit target",
                   "40 -> " + LOST + "; near 10 bits",
                   *_both(lambda m: f"P_total {m['p_total']:.3f}, sum MI {m['sum_mi']:.4f} bits", "P3"),
                   _refs(lambda f: f"least budget for {f['sum_mi_target_bits']:g} bits: "
                                   f"{f['min_budget_for_target']:.3f} (certified)")))
    c.append(
        Claim(
            "IV-B",
            "P3: weights concentrated on strong channels",
            "(qualitative)",
            *_both(_p3_weights_note, "P3"),
            lambda r: "equal weights (KKT duality)" if r.get("policies") else "",
        )
    )
    c.append(Claim("IV-B", "P3 is the only policy that moves both knobs (weights and P_total)", "(qualitative)",
                   _budget_knobs, lambda r: _budget_knobs(r, graph=True), none))
    c.append(Claim("IV-B", "P4: the 3 weakest channels deactivated (w = 0), near-zero MI there, high MI on the rest",
                   "w_1..3 = 0 " + LOST + "; " + LOST + " bits on ch 4-8",
                   *_both(lambda m: f"{_w(m['weights'], [0, 1, 2])}; max MI_1..3 = {max(m['mi'][:3]):.4f}, "
                          f"min MI_4..8 = {min(m['mi'][3:]):.4f} bits", "P4"),
                   _policy("P4", lambda m: f"min MI_4..8 = {min(m['optimum_mi'][3:]):.4f} bits")))
    c.append(Claim("IV-B", "B1 (Gaussian water-filling under QPSK MI) scores below B0",
                   LOST + " vs " + LOST + " bits",
                   _refs(lambda f: f"B1 {f['b1']['sum_mi']:.4f} vs B0 {f['b0']['sum_mi']:.4f} bits "
                                   f"({f['b0_minus_b1_bits']:.3f} below)"), none,
                   _refs(lambda f: f"{f['optimum']['sum_mi']:.4f} bits")))
    c.append(
        Claim(
            "IV-C",
            "Table II, P1 first call: equal weights already maximize throughput",
            '"Equal weights maximize total throughput under the current power budget."',
            *_both(lambda m: _first(m, "reasoning"), "P1"),
            none,
        )
    )
    c.append(Claim("IV-C", "Table II, P2 first call: higher weights on 7 and 8, others low but non-zero",
                   "(qualitative)", *_both(lambda m: _first(m, "weights"), "P2"), none))
    c.append(
        Claim(
            "IV-C",
            "Table II, P3 first call: lowers the budget (both knobs)",
            "40 -> 30",
            *_both(lambda m: _first(m, "budget"), "P3"),
            _refs(lambda f: f"{f['min_budget_for_target']:.3f} suffices"),
        )
    )
    c.append(
        Claim(
            "IV-C",
            "Table II, P4 first call: zero weight on 1-3, equal 0.2 on the other five",
            "0, 0, 0, 0.2 x 5",
            *_both(lambda m: _first(m, "weights"), "P4"),
            none,
        )
    )
    c.append(
        Claim(
            "IV-D",
            "Before the reversal: highest weight on the weakest channel (ch1), lowest on the strongest (ch8)",
            "w_1 " + LOST + ", w_8 " + LOST,
            *_both(
                lambda m: (
                    f"argmax w = ch{m['argmax_weight_before']}, argmin w = ch{m['argmin_weight_before']}; "
                    f"w1 = {m['weights_before_reversal'][0]:.3f}, w8 = {m['weights_before_reversal'][-1]:.3f}"
                ),
                reversal=True,
            ),
            none,
        )
    )
    c.append(Claim("IV-D", "The navigator reacts at its next call after the reversal and flips the weights",
                   "step 160",
                   *_both(_flip, reversal=True), none))
    c.append(
        Claim(
            "IV-D",
            "Final MI spread, steered vs equal-weight baseline",
            LOST + " vs " + LOST + " bits: 60% lower",
            *_both(
                lambda m: (
                    f"{m['final_spread']:.4f} vs {m['baseline_final_spread']:.4f} bits: "
                    f"{100 * m['reduction']:.1f}% lower"
                ),
                reversal=True,
            ),
            lambda r: "0 bits (equal MI is feasible at any budget)" if r.get("reversal") else "",
        )
    )
    c.append(Claim("IV-D", "System 1 alone re-adapts to the reversed gains", "within 20-40 steps",
                   *_both(lambda m: f"{m['baseline_steps_to_reconverge']} step(s) to every channel within 0.01 bits "
                          f"of the optimum", reversal=True), none))
    c.append(Claim("(steer_ros)", "MI spread back under 0.1 bits after the reversal", "(not in the paper)",
                   *_both(lambda m: f"{m['steps_to_recover']} steps" if m["steps_to_recover"] is not None
                          else "never", reversal=True), none))
    return c
