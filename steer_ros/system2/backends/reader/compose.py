"""Clauses -> the reply object an LLM would send (weights, goal fields, P_total), or
the reason to keep the command in force. Selectors are resolved on the snapshot of
the call, so ranked words ("the weakest 3") follow the observed gains.

Rules (``defaults.RULES_*`` give the numbers):

* a priority puts RULES_PRIORITY_WEIGHT (or the ratio the policy states) on its
  channels, 1 on the others; where the weight alone leaves a prioritized channel
  less than RULES_PRIORITY_GAIN_BITS above its certified equal-weight MI, a floor at
  that level is added (the priority is then visible);
* channels off: weight 0 in a weights-only command, the ``off`` field in a goal;
* equalize: w_i proportional to sigma_i^2/|h_i|^2 (the equal-MI split is then the
  weighted optimum); maximize the throughput: equal weights;
* a sum-rate floor with least power and nothing per channel: equal weights and
  P_total = (1 + RULES_SUM_RATE_MARGIN) * B(X), B the least budget reaching X bits;
  least power with per-channel floors: objective min_power, P_total its certified
  least power plus the margin; least power alone: P_total = P_min;
* budgets: absolute (W), a share of P_max ("half of the maximum power", "60% of the
  power") or of the budget in force ("by a third", "halve", "of the current budget");
* a policy that sets weights or a goal and says nothing of power gets P_max; one that
  only sets the budget leaves the weights as they are.
"""

from __future__ import annotations

import math

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, channel_ranges, parse_selector
from steer_ros.radio.constellations import get_constellation
from steer_ros.system2.backends.reader.semantics import TOTAL, Amount, Clause, Sel
from steer_ros.system2.snapshot import SystemSnapshot

__all__ = ["Keep", "compose_reply"]


class Keep(Exception):
    """The policy is kept, not applied; ``str`` is ``"code: detail"``."""


def _bits_of(amount: Amount, what: str, bits_max: float = 0.0) -> float:
    """The amount in bits. A per-channel bound said without its unit ("ch 8 no higher than
    1.15", "never let it dip under 1.96") is a rate when it lies within what one channel
    carries (``bits_max``; 0 where no such reading is taken): a power is said in watts."""
    if amount.unit == "bits":
        return float(amount.value)
    if amount.unit == "" and 0.0 < amount.value < bits_max + 1e-9:
        return float(amount.value)
    if amount.unit == "":
        raise Keep(f'half_understood: "{amount.value:g}" for {what}: {amount.value:g} of what? (say bits)')
    raise Keep(f"half_understood: {amount.value:g} {amount.unit} for {what}: a rate is in bits")


class _Resolver:
    def __init__(self, n: int, strength: np.ndarray):
        self.n, self.strength = n, strength

    def atom(self, atom: str) -> np.ndarray:
        if atom.startswith(("first:", "last:")):
            which, k = atom.split(":")
            k = max(1, round(self.n * float(k[:-1]) / 100.0)) if k.endswith("%") else int(k)
            if k > self.n:
                raise Keep(f"declined: the {which} {k} channels: there are only {self.n}")
            return np.arange(k) if which == "first" else np.arange(self.n - k, self.n)
        try:
            return parse_selector(atom).resolve(self.n, self.strength)
        except SelectorError as err:
            raise Keep(f"declined: {err}") from None

    def mask(self, sel: Sel, named: np.ndarray | None) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        for atom in sel.atoms:
            mask[self.atom(atom)] = True
        if sel.rest:
            mask |= ~named if named is not None else True
        for atom in sel.excluded:
            mask[self.atom(atom)] = False
        return mask

    def text(self, sel: Sel, mask: np.ndarray, named: tuple[str, ...] = ()) -> str:
        """The selector the reply carries: the policy's own atoms where they say it all
        (ranked atoms then follow the gains in the reply parser too); "the rest" after a
        single ranked atom, its complement ``not:weakest:10%`` (the two partition the
        channels at every update, so System 1 tracks both); else the ranges."""
        if sel.atoms and not sel.rest and not sel.excluded and all(_ranked_or_fixed(a) for a in sel.atoms):
            return ",".join(sel.atoms)
        if sel.rest and not sel.atoms and not sel.excluded and len(named) == 1 and _ranked(named[0]):
            return f"not:{named[0]}"
        return channel_ranges(np.flatnonzero(mask)).replace(" ", "")


def _ranked(atom: str) -> bool:
    return atom.startswith(("weakest:", "strongest:"))


def _ranked_or_fixed(atom: str) -> bool:
    return not atom.startswith(("first:", "last:"))


def compose_reply(clauses, snapshot: SystemSnapshot, *, p_min: float, p_max: float, budget_in_force: float,
                  constellation: str, priority_weight: float, sum_rate_margin: float,
                  goal_fields: tuple[str, ...], alpha_fair: bool) -> tuple[dict, list[str]]:
    """(reply object, explanation) for the clauses, or raise :class:`Keep`."""
    n = snapshot.n
    strength = snapshot.strength
    bits_max = float(get_constellation(constellation).bits)
    res = _Resolver(n, strength)
    why: list[str] = []

    # a rate with no channel named that no one channel can carry is the total ("keep 13 bits
    # flowing" at 2 bits a channel); below that it stays "which channels?"
    clauses = [Clause("sum_floor", TOTAL, amount=c.bounds[0][1])
               if c.kind == "bound" and c.extra.get("unnamed") and len(c.bounds) == 1
               and c.bounds[0][0] in ("floor", "at") and c.bounds[0][1].unit == "bits"
               and c.bounds[0][1].value > bits_max else c for c in clauses]
    # "boost ch 8, and only ch 8": a bare "only" after a clause naming the same channels
    # restates its focus; after a clause naming others it could be a selection or a focus
    kept: list[Clause] = []
    for c in clauses:
        if c.kind == "only" and c.extra.get("bare") and any(k.kind != "context" for k in kept):
            if any(isinstance(k.sel, Sel) and k.sel == c.sel for k in kept) or (isinstance(c.sel, Sel) and c.sel.them):
                continue  # "boost the weakest channel and only that one": the same channels again
            raise Keep("ambiguous: a bare 'only' after another clause: only those channels on, or only those "
                       "favoured? (say e.g. 'use only channel 8' or 'favour channel 8')")
        kept.append(c)
    clauses = kept
    # "the rest keep running" restates a shutdown; beside "only these on" it contradicts it
    if any(c.kind == "context" and c.extra.get("rest_on") for c in clauses):
        if any(c.kind == "only" for c in clauses) or not any(c.kind == "off" for c in clauses):
            raise Keep("ambiguous: 'the rest stay on' beside a policy that does not turn channels off "
                       "(or keeps only some on)")
    # "keep the weights; set the power to 21 W", "cap ch 2 at 1.4, that's the only change": the
    # weights in force stay and what the policy names is set on them; beside a change that
    # resets or replaces the weights (a shutdown, "only these on", an objective) it says two things
    keep_in_force = any(c.kind == "keep_weights" for c in clauses)
    reset = any(c.kind == "reset" for c in clauses)
    if keep_in_force:
        if reset or any(c.kind not in ("keep_weights", "budget", "budget_full", "context", "bound", "prio",
                                       "sum_floor", "off") for c in clauses):
            raise Keep("ambiguous: the weights are to stay as they are, but the policy also changes what sets them")
        if not any(c.kind not in ("keep_weights", "context") for c in clauses):
            raise Keep("not_understood: the weights are to stay as they are, and nothing else is asked")
        clauses = [c for c in clauses if c.kind != "keep_weights"]
    # "scrap that, run at 25 W": the weights in force are dropped for equal weights
    if reset:
        if not any(c.kind not in ("reset", "context") for c in clauses):
            raise Keep("half_understood: reset to what? (say e.g. 'equal weights at 40 W')")
        clauses = [c for c in clauses if c.kind != "reset"]
    # -- selectors: ambiguity, existence, "them" and "the rest" -----------------------------
    previous: Sel | None = None
    sels: list[Sel | None] = []
    for c in clauses:
        if c.kind == "unread":
            raise Keep("not_understood: every word is known but they do not make a command the reader knows")
        sel = c.sel if isinstance(c.sel, Sel) else None
        if sel is not None:
            if sel.ambiguous:
                raise Keep(f"ambiguous: {sel.ambiguous}")
            if any(k < 0 for k in sel.numbers):
                raise Keep("declined: a channel number is a whole number (channels are 1.."
                           f"{n})")
            bad = sorted({k for k in sel.numbers if not 1 <= k <= n})
            if bad:
                raise Keep(f"declined: the policy names channels that do not exist (channel "
                           f"{', '.join(map(str, bad))}; there are {n})")
            if sel.them:
                if previous is None:
                    raise Keep("half_understood: which channels? (the policy says 'it' or 'them' before naming any)")
                sel = Sel(previous.atoms, previous.rest, False, previous.excluded, previous.numbers)
            previous = sel
        sels.append(sel)
    named = np.zeros(n, dtype=bool)
    named_atoms: dict[str, None] = {}
    for sel in sels:
        if sel is not None and not sel.rest:
            named |= res.mask(sel, None)
            named_atoms.update(dict.fromkeys(sel.atoms))
            if sel.excluded:
                named_atoms["(excluded)"] = None  # a set with exceptions: the rest is given as ranges
    masks = [None if s is None else res.mask(s, named) for s in sels]
    if any(m is not None and not m.any() for m in masks):
        raise Keep("half_understood: a clause names no channel (the rest of what?)")

    off = np.zeros(n, dtype=bool)
    off_texts: list[str] = []  # the off set as stated: symbolic where any part is ranked
    floors: list[tuple[str, float]] = []
    floor_masks: list[tuple[np.ndarray, str, float]] = []  # channels a floor names, to meet "off"
    caps: list[tuple[str, float]] = []
    power_caps: list[tuple[str, float]] = []
    prio: list[tuple[np.ndarray, float, str]] = []
    sum_floor = math.nan
    least = max_min = equalize = max_tput = prop_fair = False
    equal_power = None
    budgets: list[Clause] = []
    spread_to: list[str] = []
    full = False
    for c, sel, mask in zip(clauses, sels, masks, strict=True):
        kind = c.kind
        text = res.text(sel, mask, tuple(named_atoms)) if sel is not None else ""
        if kind == "context":
            if c.extra.get("background"):
                why.append(f"set aside as background, asking nothing: \"{c.extra['background']}\"")
            continue  # names channels for "it" / "them"; asks nothing
        if kind == "spread":
            # the power freed goes to these channels: a priority where they are named, else the
            # channels left on share it (what any shutdown does)
            if sel is not None and not sel.rest and not mask.all():
                prio.append((mask, priority_weight, text))
                spread_to.append(text)
            else:
                max_tput = True
            continue
        if kind == "off":
            off |= mask
            if text:
                off_texts.append(text)
        elif kind == "only":
            off |= ~mask
            single = len(sel.atoms) == 1 and not sel.rest and not sel.excluded and _ranked(sel.atoms[0])
            rest = channel_ranges(np.flatnonzero(~mask)).replace(" ", "")
            off_texts.append(f"not:{sel.atoms[0]}" if single else rest)
        elif kind in ("prio", "prio_rate", "max_tput") and sel is not None and not mask.all():
            if kind == "prio_rate" and sel.atoms == ("weakest:1",):
                max_min = True
                continue
            ratio = c.ratio if math.isfinite(c.ratio) else priority_weight
            if c.mode == "deprio":  # a lighter weight on these: the priority ratio turned over
                ratio = 1.0 / priority_weight
            if ratio <= 0:
                raise Keep(f"half_understood: a weight ratio of {ratio:g}")
            prio.append((mask, ratio, text))
        elif kind in ("prio", "prio_rate", "max_tput"):
            max_tput = True
        elif kind == "bound":
            for bound in c.bounds:
                kind_b, amounts = bound[0], bound[1:]
                if kind_b == "at":
                    raise Keep(f"half_understood: \"at {amounts[0].value:g} {amounts[0].unit}\": at least or at most?")
                if kind_b == "between":
                    lo, hi = amounts
                    if not lo.unit:  # "between 1 and 1.5 bits": the unit is said once
                        lo = Amount(lo.value, hi.unit)
                    pairs = [("floor", lo), ("cap", hi)]
                else:
                    pairs = [(kind_b, amounts[0])]
                for which, amount in pairs:
                    if c.sel == TOTAL:
                        value = _bits_of(amount, "the total rate")
                        if which == "cap":
                            raise Keep("half_understood: a cap on the total rate is not a goal System 1 takes")
                        sum_floor = value if math.isnan(sum_floor) else max(sum_floor, value)
                    elif amount.unit == "W" and which == "cap":
                        power_caps.append((text, float(amount.value)))
                    else:
                        # a cap of a whole channel's bits ("cap ch 3 at 2") caps nothing: watts?
                        unitless_max = bits_max if which == "floor" or amount.value < bits_max else 0.0
                        value = _bits_of(amount, f"channels {text}", unitless_max)
                        (floors if which == "floor" else caps).append((text, value))
                        if which == "floor" and value > 0 and isinstance(sel, Sel) \
                                and "all" not in sel.atoms and not sel.rest:
                            # a floor on "every channel" beside a shutdown is a floor on those left on
                            floor_masks.append((mask, text, value))
        elif kind == "near_sat":
            floors.append((text, bits_max - defaults.RULES_SATURATION_MARGIN_BITS))
            prio.append((mask, priority_weight, text))
        elif kind == "sum_floor":
            sum_floor = _bits_of(c.amount, "the total rate")
        elif kind == "max_min":
            if sel is not None and not mask.all():
                others = channel_ranges(np.flatnonzero(~mask))
                raise Keep(f"half_understood: max-min over channels {text} only; what of channels {others}? "
                           f"(say e.g. 'shut down {others} and maximize the minimum rate')")
            max_min = True
        elif kind == "equalize":
            equalize = True
        elif kind == "prop_fair":
            prop_fair = True
        elif kind == "equal_power":
            equal_power = text or "all"
        elif kind == "least_power":
            least = True
        elif kind == "budget":
            budgets.append(c)
        elif kind == "budget_full":
            full = True

    if spread_to and not off.any():
        # "spread the power over channels 2 and 3" with nothing turned off: only those, or those first?
        raise Keep(f"ambiguous: the power goes to channels {spread_to[0]}: only to them (say \"only use channels "
                   f"{spread_to[0]}\") or to them first (say \"favour channels {spread_to[0]}\")?")

    # -- budget ------------------------------------------------------------------------------
    if len(budgets) + full > 1:
        raise Keep("half_understood: two power budgets in one policy")
    p_total = math.nan
    if full:
        p_total = p_max
        why.append(f"full budget P_total = {p_max:g}")
    elif budgets:
        b = budgets[0]
        amount = b.amount
        if amount.kind == "abs":
            base_value = float(amount.value)
        else:
            base = p_max if amount.base == "full" else budget_in_force
            base_value = amount.value * base
        if b.mode == "to":
            p_total = base_value
            source = "" if amount.kind == "abs" else (f" ({amount.value:.4g} of P_max)" if amount.base == "full"
                                                      else f" ({amount.value:.4g} of the budget in force "
                                                           f"{budget_in_force:g})")
        else:
            if b.mode == "by:set":
                raise Keep("half_understood: change the power by how much, up or down?")
            delta = (amount.value * budget_in_force) if amount.kind == "share" else float(amount.value)
            p_total = budget_in_force + (delta if b.mode == "by:up" else -delta)
            source = f" ({'+' if b.mode == 'by:up' else '-'}{delta:g} from the budget in force {budget_in_force:g})"
        if not p_min - 1e-9 <= p_total <= p_max + 1e-9:
            raise Keep(f"declined: the policy asks for P_total = {p_total:g}, outside [P_min, P_max] = "
                       f"[{p_min:g}, {p_max:g}]")
        why.append(f"P_total = {p_total:g}{source}")

    # -- objective and goal ------------------------------------------------------------------------
    reply: dict = {}
    has_weights_intent = bool(prio or equalize or max_tput or off.any())
    per_channel_goal = bool(floors or caps or power_caps or equal_power)
    if prop_fair:
        if not alpha_fair:
            raise Keep("half_understood: proportional fairness needs the alpha_fair objective, which this "
                       "build's System 1 lacks")
        reply.update(objective="alpha_fair", alpha=1.0)
        why.append("proportional fairness: alpha-fair with alpha = 1")
    if (power_caps or equal_power) and "power_caps" not in goal_fields:
        raise Keep("half_understood: per-channel power caps need the power_caps field, which this build's "
                   "reply format lacks")
    if max_min and (least or prop_fair):
        raise Keep("half_understood: max-min and least power (or proportional fairness) in one policy: which?")
    if max_tput and least:
        raise Keep("half_understood: the most throughput with the least power: which one first?")
    if least and not (floors or not math.isnan(sum_floor)):
        if has_weights_intent or max_min or per_channel_goal:
            raise Keep("half_understood: least power for what? (give floors or a total in bits)")
        if budgets or full:
            raise Keep("half_understood: two power budgets in one policy")
        reply["weights"] = [float(w) for w in np.asarray(snapshot.weights, float)]
        reply["P_total"] = float(p_min)
        why.append(f"least power: P_total = P_min = {p_min:g}; weights unchanged")
        return reply, why
    if not (has_weights_intent or max_min or per_channel_goal or prop_fair or least
            or not math.isnan(sum_floor)):
        if math.isnan(p_total):
            raise Keep("not_understood: the policy asks for nothing the reader can act on")
        if reset:
            reply["weights"] = _weights_out(np.ones(n), n)
            why.append("weights reset to equal")
        else:
            reply["weights"] = [float(w) for w in np.asarray(snapshot.weights, float)]
            why.append("weights unchanged")
        reply["P_total"] = float(p_total)
        return reply, why

    if math.isnan(p_total) and keep_in_force:
        p_total = budget_in_force
        why.append(f"the budget in force kept: P_total = {p_total:g}")
    if math.isnan(p_total):
        p_total = p_max
        why.append(f"no power limit in the policy: full budget P_total = {p_max:g}")

    # most channels off: the goal's "off" field, applied at once (the guardrail's weight smoothing
    # takes many calls to empty most channels); a few off: weight 0, the paper's plain command
    goal = bool(floors or caps or power_caps or equal_power or max_min or prop_fair or 2 * int(off.sum()) > n
                or (not math.isnan(sum_floor) and not (least and not floors and not off.any() and not prio)))
    weights = np.ones(n)
    in_force = np.asarray(snapshot.weights, float)
    if keep_in_force and in_force.shape == (n,) and np.all(np.isfinite(in_force)) and in_force.min() >= 0 \
            and in_force.max() > 0:
        weights = in_force / in_force.max()  # the weights in force, scaled; named changes go on them
        why.append("the weights in force kept")
    if equalize:
        c = np.where(strength > 1e-9, strength, np.inf)
        weights = np.where(np.isfinite(c), 1.0 / c, 0.0)
        if not weights.any():
            weights = np.ones(n)
        why.append("w_i proportional to sigma_i^2/|h_i|^2: the equal-MI split is the weighted optimum")
    on_prio = [p for p in prio]
    covered = np.zeros(n, dtype=bool)
    for mask, _, _ in on_prio:
        covered |= mask
    if on_prio and (covered | off).all() and len({r for _, r, _ in on_prio}) == 1 and \
            all(r == priority_weight for _, r, _ in on_prio):
        on_prio = []  # a priority on every channel that is on changes nothing
        why.append("priority on every channel left on: equal weights")
    n_on = n - int(off.sum())
    if on_prio and all(r == priority_weight for _, r, _ in on_prio) and 2 * int((covered & ~off).sum()) > n_on:
        # a plain priority on most of the channels on is a lighter weight on the few left out
        # ("favour every channel except the strongest two"): the milder ratio keeps those few
        # near their equal-weight rates instead of starving them
        on_prio = [(m, defaults.RULES_BROAD_PRIORITY_WEIGHT, t) for m, _, t in on_prio]
    prio_w = np.ones(n)
    for mask, ratio, text in on_prio:
        prio_w[mask] = ratio  # the same channels named twice are weighted once
        line = f"channels {text} weighted {ratio:g}x the others"
        if line not in why:
            why.append(line)
    if keep_in_force and on_prio:
        # on the weights in force, a priority sets the named channels against the channels it does
        # not name: the same policy called again gives the same weights (it does not compound)
        rest = ~covered & ~off & (weights > 0)
        ref = float(weights[rest].mean()) if rest.any() else 1.0
        for mask, ratio, _ in on_prio:
            weights[mask] = ratio * ref
    else:
        weights = weights * prio_w
    if off.any():
        why.append(f"channels {channel_ranges(np.flatnonzero(off))} off")
    if off.all():
        raise Keep("declined: the policy turns every channel off")
    # a floor on a channel the policy also turns off asks two things that cannot both hold: the
    # reader names both readings and acts on neither (the reply parser's "off wins" rule is for
    # replies, never a reason to act on a contradictory policy)
    for mask, text, value in floor_masks:
        if (mask & off).any():
            raise Keep(f"ambiguous: the policy turns channel(s) {channel_ranges(np.flatnonzero(mask & off))} off and "
                       f"also keeps channels {text} at {value:g} bits or more: either they are off, or they "
                       f"carry at least {value:g} bits; say which")
    both = [text for mask, _, text in on_prio if (mask & off).any()]
    if both:
        raise Keep(f"declined: the policy turns channels off and favours them too (channels {both[0]})")

    if least and not math.isnan(sum_floor) and not goal:
        from steer_ros.system1.certified_optimum import min_budget_for_sum_mi

        if not 0.0 <= sum_floor <= n * bits_max:
            raise Keep(f"declined: the goal is impossible: bad_goal: sum_mi_min {sum_floor:g} bits is outside "
                       f"[0, {n * bits_max:g}]")
        try:
            needed = float(min_budget_for_sum_mi(snapshot.gain, snapshot.noise_var, sum_floor,
                                                 constellation=constellation))
        except ValueError as err:
            raise Keep(f"declined: the goal is impossible: {err}") from None
        if not math.isfinite(needed) or needed > p_total + 1e-9:
            raise Keep(f"declined: the goal is impossible: {sum_floor:g} bits need more than P_total = {p_total:g}")
        least_p = min(max(needed * (1.0 + sum_rate_margin), p_min), p_total)
        why.append(f"least budget reaching {sum_floor:g} bits is {needed:.4g}; P_total = {least_p:.4g} with a "
                   f"{sum_rate_margin:.0%} margin")
        p_total = least_p
        weights[off] = 0.0
        reply["weights"] = _weights_out(weights, n)
        reply["P_total"] = float(p_total)
        return reply, why

    if goal:
        if "objective" not in reply:
            reply["objective"] = "max_min" if max_min else ("min_power" if least else "weighted_sum")
        if max_min:
            why.append("max-min: equal MI on the channels that are on, as high as the budget allows")
        if floors:
            reply["floors"] = [{"channels": s, "bits": b} for s, b in floors]
            why.append("floors " + ", ".join(f"{b:g} bits on {s}" for s, b in floors))
        if caps:
            reply["caps"] = [{"channels": s, "bits": b} for s, b in caps]
            why.append("caps " + ", ".join(f"{b:g} bits on {s}" for s, b in caps))
        if power_caps or equal_power:
            entries = [{"channels": s, "power": p} for s, p in power_caps]
            if equal_power:
                entries.append({"channels": equal_power, "power": p_total / max(1, n - int(off.sum()))})
            reply["power_caps"] = entries
            why.append("power caps " + ", ".join(f"{e['power']:g} on {e['channels']}" for e in entries))
        if off.any():
            ranked_off = any(_ranked(a.removeprefix("not:")) for t in off_texts for a in t.split(","))
            reply["off"] = ",".join(off_texts) if ranked_off else channel_ranges(np.flatnonzero(off)).replace(" ", "")
        if not math.isnan(sum_floor):
            reply["sum_mi_min"] = sum_floor
            why.append(f"total MI at least {sum_floor:g} bits")
    weights[off] = 0.0  # and the goal's "off" field, so that the shutdown is immediate
    reply["weights"] = _weights_out(weights, n)
    reply["P_total"] = float(p_total)
    _check_goal(reply, snapshot, p_total, constellation, bits_max)
    if least and goal:
        _least_power(reply, snapshot, p_total, p_min, constellation, sum_rate_margin, why)
    elif on_prio and not max_min and all(r == priority_weight for _, r, _ in on_prio) \
            and 2 * int(covered.sum()) <= n - int(off.sum()):
        # floors make a priority on a few channels visible; a priority on most channels is a
        # lighter weight on the rest, and floors on most channels would starve it
        _priority_floors(reply, weights, on_prio, snapshot, constellation, bits_max, why)
    return reply, why


def _weights_out(weights: np.ndarray, n: int):
    """Weights normalized to sum 1 (a list; ``{"all": 1}`` for equal weights above 64 channels)."""
    if np.allclose(weights, weights[0]):
        return [1.0 / n] * n if n <= 64 else {"all": 1.0}
    return [float(f"{w:.6g}") for w in weights / weights.sum()]


def _goal_of(reply: dict, snapshot: SystemSnapshot):
    from steer_ros.system2.reply import ReplyError, parse_goal_fields

    fields = {k: v for k, v in reply.items() if k not in ("weights", "P_total", "reasoning")}
    try:
        return parse_goal_fields(fields, snapshot.n, snapshot.strength)
    except ReplyError as err:
        raise Keep(f"half_understood: {err}") from None


def _check_goal(reply, snapshot, p_total, constellation, bits_max):
    from steer_ros.system2.goal_check import GoalError, check_goal

    goal = _goal_of(reply, snapshot)
    if goal.is_plain:
        return
    try:
        check_goal(goal, snapshot.n, bits_max, p_total, snapshot.gain, snapshot.noise_var, constellation)
    except GoalError as err:
        raise Keep(f"declined: the goal is impossible: {err}") from None


def _least_power(reply, snapshot, p_total, p_min, constellation, margin, why):
    from steer_ros.system1.goal_optimum import goal_feasibility

    goal = _goal_of(reply, snapshot)
    _, needed, _ = goal_feasibility(snapshot.gain, snapshot.noise_var, goal, p_total, constellation)
    if math.isfinite(needed):
        least = min(max(needed * (1.0 + margin), p_min), p_total)
        why.append(f"P_total = {least:.4g}: the certified least power {needed:.4g} with a {margin:.0%} margin")
        reply["P_total"] = float(least)


def _priority_floors(reply, weights, prio, snapshot, constellation, bits_max, why):
    """Floors that make a priority visible where the weight alone does not: channel i
    should reach min(I_i^eq + RULES_PRIORITY_GAIN_BITS, log2 M - RULES_SATURATION_MARGIN_BITS),
    I^eq the certified equal-weight optimum at the same budget; added only where the
    weighted optimum falls short and the floors fit in the budget."""
    from steer_ros.system1.certified_optimum import certified_optimum
    from steer_ros.system1.goal import Goal
    from steer_ros.system1.goal_optimum import goal_feasibility

    if reply.get("off") is not None or (isinstance(reply["weights"], list) and 0.0 in reply["weights"]):
        return
    n = snapshot.n
    budget = float(reply["P_total"])
    idx = np.flatnonzero(np.any([m for m, _, _ in prio], axis=0))
    equal = certified_optimum(snapshot.gain, snapshot.noise_var, None, budget, constellation).mi
    steered = certified_optimum(snapshot.gain, snapshot.noise_var, weights / weights.sum(), budget, constellation).mi
    target = np.minimum(equal[idx] + defaults.RULES_PRIORITY_GAIN_BITS,
                        bits_max - defaults.RULES_SATURATION_MARGIN_BITS)
    existing = np.zeros(n)
    for entry in reply.get("floors", []):
        existing[parse_selector(entry["channels"]).resolve(n, snapshot.strength)] = entry["bits"]
    short = (steered[idx] < target - 1e-9) & (existing[idx] < target)
    if not short.any():
        return
    floors = existing.copy()
    floors[idx[short]] = target[short]
    feasible, _, _ = goal_feasibility(snapshot.gain, snapshot.noise_var, Goal(mi_floor=floors), budget, constellation)
    if not feasible:
        return
    added = [{"channels": str(int(i) + 1), "bits": round(float(floors[i]), 6)} for i in idx[short]]
    reply.setdefault("objective", "weighted_sum")
    reply["floors"] = reply.get("floors", []) + added
    why.append(f"the weights alone leave a prioritized channel less than {defaults.RULES_PRIORITY_GAIN_BITS:g} bit "
               "above its equal-weight MI: floors " + ", ".join(f"{f['bits']:.3f} bits on {f['channels']}"
                                                                 for f in added))
