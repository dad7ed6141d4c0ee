"""The ``rules`` backend: an offline, deterministic policy interpreter. Not an LLM,
and it says so in every reasoning text. Memoryless like the LLM navigator: each
decision depends only on the policy text and the current snapshot.

Understood intents (case-insensitive, reasonable rewordings):

- **maximize throughput** ("maximize total throughput / sum rate / MI"):
  w = uniform, P_total = P_max. Equal weights maximize the sum MI.
- **prioritize channels** ("prioritize / favour / boost / focus on channels 7 and 8",
  lists and ranges "1, 2 and 5", "1-3"): w_i = RULES_PRIORITY_WEIGHT for the listed
  channels, 1 for the others (normalized).
- **shut down** ("shut down / turn off / switch off / disable the K weakest|strongest
  channels", or listed channels): w_i = RULES_SHUTDOWN_WEIGHT (0) for those, uniform
  on the rest. Weakest / strongest rank the observed effective gain |h_i|^2 / sigma_i^2.
- **sum-rate floor with least power** ("minimize power while keeping the sum rate
  above X bits"): w = uniform, P_total = (1 + RULES_SUM_RATE_MARGIN) * B(X), B(X) the
  smallest budget whose certified equal-weight optimum reaches X bits
  (:func:`steer_ros.system1.certified_optimum.min_budget_for_sum_mi`), capped at P_max. Without a
  power-saving word the full budget is used (it reaches X whenever P_max can).
- A policy is the whole intent: one that recognizably sets weights but says nothing
  about power gets the full budget P_max, not a limit left by an earlier policy.
- **power level** ("reduce power to 25", "set the budget to 25 W", "cut power by 20%"):
  P_total = X, or P_max * (1 - X/100) for a percentage (relative to P_max, not to the
  current budget, so that repeated calls do not compound); weights unchanged.
- **minimize power** alone: P_total = P_min, weights unchanged.
- **equalize / fairness** ("equalize MI across all channels", "be fair", "balance"):
  the weights whose weighted optimum is the equal-MI allocation. Equal MI means equal
  snr s for all channels (same constellation): P_i = s / c_i with c_i = |h_i|^2/sigma_i^2
  and s = P_total / sum_j 1/c_j. KKT of max sum w_i I(c_i P_i), sum P_i = P_total:
  w_i c_i I'(s) = lambda, hence w_i proportional to 1/c_i. Computed from the observed
  gains only, so it reacts at once when the channels change. Channels with
  c_i <= 1e-9 cannot be equalized and get weight 0.

- **goals** (:mod:`steer_ros.system2.backends.policy_goals`, read first): per-channel
  MI floors and caps, max-min, least power for floors or a total, a fraction of the
  budget, channels off, channel selectors in words and combinations of two intents,
  mapped onto the reply's goal fields. A goal policy only half understood, or one
  recognized as impossible, keeps the current command with the reason.
- **budget fraction** alone ("use at most half the power", "60% of the budget"):
  P_total = fraction * P_max, weights unchanged.

- **channels in words** for priority and shutdown: a ranked share ("the weakest quarter",
  "the weakest 10%"), a parity ("every odd-numbered channel"), ordinals ("the first and
  the second channel"), ranked priority ("the two best channels"); resolved with
  :mod:`steer_ros.channels.selectors` on the snapshot of the call.
- **a visible priority**: a prioritized channel should end at least
  RULES_PRIORITY_GAIN_BITS above its certified equal-weight MI at the same budget, or
  within RULES_SATURATION_MARGIN_BITS of log2 M. Where the priority weight alone leaves
  it short (e.g. channel 5 of "1, 2 and 5": 1.931 < 1.95 bits), the reply adds the MI
  floor at that level (weighted_sum, same weights); P2's weights reach it (no goal).
- **full power** ("go back to full power"): P_total = P_max, weights unchanged.
- **other languages** (:mod:`steer_ros.system2.backends.policy_lexicon`): a few words of
  German, French, Spanish and Chinese for these intents; read only when every word is
  in the lexicon, the English reading stated in the reasoning; otherwise declined.
- **declined** (KEPT, "declined: ..."): text that asks to drop the instructions or
  limits ("ignore all previous instructions", "system override"), a budget outside
  [P_min, P_max], channels that do not exist.

Anything else keeps the current command (status KEPT, "not_understood: ...").
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, parse_selector
from steer_ros.radio.constellations import get_constellation
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system2.backends.backend import Backend, BackendReply
from steer_ros.system2.backends.policy_goals import _fraction, normalize_policy_text, read_goal_policy
from steer_ros.system2.backends.policy_lexicon import translate_policy

RULES_DISCLAIMER = "rule-based interpreter (not an LLM)"

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_NUM = r"(\d+(?:\.\d+)?)"
_COUNT = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
_CHANNEL_LIST = r"\b(?:sub)?ch(?:annel)?s?\.?\s*#?((?:\d+\s*(?:,|and|&|to|through|-|\u2013|or|\s)\s*#?)*\d+)"

_RE_SHUTDOWN_VERB = re.compile(
    r"\b(shut\s*(?:down|off)|turn\s*off|switch\s*off|disable|deactivate|mute|silence|"
    r"drop|starve|kill|stop\s+using|zero\s+out|power\s+down|stop\s+(?:wasting|spending)\s+(?:power|energy)\s+on)\b")
_SHARES = {"half": 50.0, "third": 100.0 / 3.0, "quarter": 25.0, "fourth": 25.0, "fifth": 20.0, "tenth": 10.0}
# "the weakest quarter of the channels", "the weakest 10%", "the 10% weakest": a share of N
_RE_RANKED_SHARE = re.compile(
    r"\b(weakest|worst|poorest|strongest|best)\s+(?:(" + "|".join(_SHARES) + r")\b|" + _NUM + r"\s*(?:%|percent))"
    r"|\b" + _NUM + r"\s*(?:%|percent)\s+(weakest|worst|poorest|strongest|best)\b")
_RE_PARITY = re.compile(r"\b(odd|even)(?:[- ]numbered)?\s+(?:sub)?channels?\b")
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                  "eighth": 8, "ninth": 9, "tenth": 10}
_ORD = "|".join(_ORDINAL_WORDS)
# "the first and the second channel", "the second and fourth channels"
_RE_ORDINALS = re.compile(r"\b((?:(?:the\s+)?(?:" + _ORD + r")(?:\s*,\s*|\s+and\s+|\s+or\s+|\s+))+)"
                          r"(?:sub)?channels?\b")
_RE_FULL_POWER = re.compile(r"\b(?:full|maximum|max)\s+(?:power|budget)\b|\ball\s+(?:the\s+)?(?:power|budget)\b")
# Text that asks the navigator to drop its instructions: declined, whatever else it says.
_RE_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]*?\b(?:instructions?|rules|prompts?|guardrails?|limits)\b"
    r"|\bsystem\s+override\b|\bjailbreak\b|\bdeveloper\s+mode\b")
_RE_RANKED = re.compile(
    r"\b(?:the\s+)?" + _COUNT + r"?\s*(weakest|worst|poorest|strongest|best)\b(?:\s+(?:sub)?channels?)?")
_RE_PRIORITY_VERB = re.compile(
    r"\b(prioriti[sz]e|priority|favou?r|boost|focus\s+on|protect|prefer|emphasi[sz]e|concentrate\s+on|"
    r"more\s+power\s+to|maximi[sz]e|important|critical|guarantee)\b")
_RE_EQUALIZE = re.compile(
    r"\b(equali[sz]e|equal\s+(?:mi|rate|rates|throughput|mutual)|same\s+(?:mi|rate)|fair|fairness|"
    r"fairly|balance|balanced|uniform\s+(?:mi|rate)|even\s+out|max[- ]?min)\b")
_RE_MAXIMIZE = re.compile(
    r"\b(maximi[sz]e|max(?:imum)?|highest|most)\b.*?\b(throughput|sum[- ]?rate|rate|capacity|mi|"
    r"mutual\s+information|data\s+rate|bits)\b"
    r"|\bas\s+(?:many\s+bits|much\s+(?:data|throughput|capacity))\s+as\b|\bsqueeze\b[^.]*\bbits\b")
_RE_RATE_FLOOR = re.compile(
    r"\b(?:above|at\s+least|over|more\s+than|no\s+less\s+than|not\s+below|>=|\u2265|>|min(?:imum)?\s+of)\s*"
    + _NUM + r"\s*(?:bits?|b/s|bps)?")
_RE_SAVE_POWER = re.compile(
    r"\b(minimi[sz]e|least|lowest|min(?:imal|imum)?|save|saving|reduce|lower|less|conserve|"
    r"economi[sz]e|cheapest|smallest)\b[^.]*?\b(power|energy|budget|p_total)\b|"
    r"\b(power|energy|budget)\b[^.]*?\b(minimi[sz]e|minimal|minimum|as\s+low|least)\b")
_RE_POWER_PERCENT = re.compile(
    r"\b(?:reduce|lower|cut|decrease|drop|trim|shrink)\b[^.]*?\bby\s+" + _NUM + r"\s*(?:%|percent)")
_RE_POWER_TO = re.compile(
    r"\b(?:reduce|lower|cut|decrease|limit|cap|set|bring|drop|use|restrict|keep)\b[^.]*?"
    r"\b(?:power|budget|p_total|p\s+total)\b[^.]*?\b(?:to|at|of|below|under|at\s+most)\s+" + _NUM + r"\b"
    r"|\b(?:power|budget|p_total|p\s+total)\s*(?:=|:|of)\s*" + _NUM + r"\b"
    r"|\bat\s+most\s+" + _NUM + r"\s*(?:w|watts?|units?)?\s+(?:of\s+)?(?:power|budget)")


@dataclass(frozen=True)
class PolicyIntent:
    """What the rules read in a policy.

    weights: "uniform" | "priority" | "shutdown_ranked" | "shutdown_listed" |
             "shutdown_selected" | "equalize" | None (keep); budget: "max" | "rate_floor"
             | "rate_floor_min" | "set" | "percent" | "fraction" | "min" | None (keep).
    selector: a channel selector (:mod:`steer_ros.channels.selectors`) for priority /
             shutdown_selected, resolved on the snapshot of the call (ranked words
             follow the observed gains); "" when ``channels`` lists them.
    """

    weights: str | None = None
    channels: tuple[int, ...] = ()  # 1-based, for priority / shutdown_listed
    selector: str = ""
    count: int = 0  # for shutdown_ranked
    strongest: bool = False  # shutdown_ranked: rank from the strongest
    budget: str | None = None
    value: float = math.nan  # bits for rate floors, power for "set", percent for "percent"
    notes: tuple[str, ...] = field(default=())

    @property
    def understood(self) -> bool:
        return self.weights is not None or self.budget is not None


def _parse_channel_list(text: str) -> list[int]:
    numbers: list[int] = []
    for chunk in re.finditer(_CHANNEL_LIST, text):
        body = chunk.group(1)
        for part in re.finditer(r"(\d+)\s*(?:(?:-|\u2013|to|through)\s*#?(\d+))?", body):
            lo = int(part.group(1))
            hi = int(part.group(2)) if part.group(2) else lo
            if hi < lo:
                lo, hi = hi, lo
            numbers.extend(range(lo, min(hi, lo + 10_000) + 1))
    return list(dict.fromkeys(numbers))


def _count(word: str | None) -> int:
    if not word:
        return 1
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def interpret_policy(policy: str, n: int) -> PolicyIntent:
    """Read a policy for N channels (pure, deterministic)."""
    text = normalize_policy_text(policy)
    notes: list[str] = []
    weights, channels, count, strongest = None, (), 0, False

    listed = _parse_channel_list(text)
    valid = tuple(c for c in listed if 1 <= c <= n)
    if len(valid) < len(listed):
        notes.append(f"ignored channel numbers outside 1..{n}: {sorted(set(listed) - set(valid))}")

    if not valid:
        valid = _ordinal_channels(text, n)
    selector = "" if valid else _word_selector(text)

    shutdown = _RE_SHUTDOWN_VERB.search(text)
    ranked = _RE_RANKED.search(text)
    priority = _RE_PRIORITY_VERB.search(text)
    if shutdown and selector:
        weights = "shutdown_selected"
    elif shutdown and ranked:
        weights, count = "shutdown_ranked", min(_count(ranked.group(1)), n - 1)
        strongest = ranked.group(2) in ("strongest", "best")
    elif shutdown and valid:
        weights, channels = "shutdown_listed", valid
    elif priority and valid:
        weights, channels = "priority", valid
    elif priority and (selector or ranked):
        weights = "priority"
        if not selector:
            rank = "strongest" if ranked.group(2) in ("strongest", "best") else "weakest"
            selector = f"{rank}:{min(_count(ranked.group(1)), n)}"
    elif _RE_EQUALIZE.search(text):
        weights = "equalize"
    if weights not in ("priority", "shutdown_selected"):
        selector = ""

    budget, value = None, math.nan
    floor = _RE_RATE_FLOOR.search(text)
    percent = _RE_POWER_PERCENT.search(text)
    power_to = _RE_POWER_TO.search(text)
    save = _RE_SAVE_POWER.search(text)
    if floor and re.search(r"\b(rate|throughput|mi|bits?|capacity|mutual|information|sum)\b", text):
        budget, value = ("rate_floor_min" if save else "rate_floor"), float(floor.group(1))
        if weights is None:
            weights = "uniform"
    elif percent:
        budget, value = "percent", float(percent.group(1))
    elif not math.isnan(_fraction(text)) and 0.0 < _fraction(text) <= 1.0:
        budget, value = "fraction", _fraction(text)
    elif power_to:
        budget, value = "set", float(next(g for g in power_to.groups() if g is not None))
    elif save:
        budget = "min"
    elif _RE_FULL_POWER.search(text):
        budget = "max"
    if weights is None and budget is None and _RE_MAXIMIZE.search(text):
        weights, budget = "uniform", "max"
    return PolicyIntent(weights=weights, channels=channels, selector=selector, count=count, strongest=strongest,
                        budget=budget, value=value, notes=tuple(notes))


def _word_selector(text: str) -> str:
    """A selector for channels named in words: a ranked share of N ("the weakest
    quarter", "the weakest 10%") or a parity ("the odd-numbered channels"); ""."""
    m = _RE_RANKED_SHARE.search(text)
    if m:
        word = m.group(1) or m.group(5)
        share = _SHARES[m.group(2)] if m.group(2) else float(m.group(3) or m.group(4))
        if 0.0 < share <= 100.0:
            return f"{'strongest' if word in ('strongest', 'best') else 'weakest'}:{share:g}%"
    m = _RE_PARITY.search(text)
    if m:
        return m.group(1)
    return ""


def _ordinal_channels(text: str, n: int) -> tuple[int, ...]:
    """Channels named by ordinals ("the first and the second channel") inside 1..n."""
    m = _RE_ORDINALS.search(text)
    if not m:
        return ()
    picks = [_ORDINAL_WORDS[w] for w in re.findall(_ORD, m.group(1))]
    return tuple(dict.fromkeys(c for c in picks if 1 <= c <= n))


class RulesBackend(Backend):
    """Deterministic offline navigator (see the module docstring for the formulas)."""

    name = "rules"

    def __init__(
        self,
        p_min: float = defaults.P_MIN,
        p_max: float = defaults.P_MAX,
        priority_weight: float = defaults.RULES_PRIORITY_WEIGHT,
        shutdown_weight: float = defaults.RULES_SHUTDOWN_WEIGHT,
        sum_rate_margin: float = defaults.RULES_SUM_RATE_MARGIN,
        constellation: str = defaults.CONSTELLATION,
    ):
        self.p_min = float(p_min)
        self.p_max = float(p_max)
        self.priority_weight = float(priority_weight)
        self.shutdown_weight = float(shutdown_weight)
        self.sum_rate_margin = float(sum_rate_margin)
        self.constellation = constellation

    def complete(
        self, messages: list[dict], snapshot: SystemSnapshot, policy: str, timeout_s: float
    ) -> BackendReply:
        if _RE_INJECTION.search(" ".join(str(policy).lower().split())):
            return self._keep("declined: the policy asks the navigator to drop its instructions or limits; "
                              "it is not an operating goal")
        read_as = ""
        translation = translate_policy(policy)
        if translation is not None:
            if translation.unknown:
                return self._keep(f"half_understood: the {RULES_DISCLAIMER} reads only a few words of "
                                  f"{translation.language}; could not read "
                                  + ", ".join(json.dumps(w, ensure_ascii=False) for w in translation.unknown[:5]))
            read_as = f"read from {translation.language} as {json.dumps(translation.english)}"
            policy = translation.english
        reading = read_goal_policy(policy, snapshot, self.p_min, self.p_max, self.priority_weight,
                                   self.constellation, self.sum_rate_margin)
        if reading is not None:
            if reading.keep:
                return self._keep(reading.keep)
            reply = dict(reading.fields)
            reply["P_total"] = float(reading.p_total)
            reply["reasoning"] = f"{RULES_DISCLAIMER}: " + "; ".join((read_as,) * bool(read_as) + reading.why)
            return BackendReply(text=json.dumps(reply))
        intent = interpret_policy(policy, snapshot.n)
        if not intent.understood and any(note.startswith("ignored channel numbers") for note in intent.notes):
            return self._keep(f"declined: the policy names channels that do not exist ({intent.notes[0]})")
        if not intent.understood:
            return BackendReply(
                keep=True,
                detail=f"not_understood: the {RULES_DISCLAIMER} matched no rule in policy "
                       f"{json.dumps(' '.join(str(policy).split())[:80])}; keeping the current command",
            )
        if intent.budget == "set" and not self.p_min <= intent.value <= self.p_max:
            return self._keep(f"declined: the policy asks for P_total = {intent.value:g}, outside "
                              f"[P_min, P_max] = [{self.p_min:g}, {self.p_max:g}]")
        try:
            weights, p_total, why = self.decide(intent, snapshot)
        except SelectorError as err:
            return self._keep(f"half_understood: {err}")
        reply = {"weights": [float(w) for w in weights], "reasoning": f"{RULES_DISCLAIMER}: "
                 + (f"{read_as}; " if read_as else "") + why}
        if p_total is not None:
            reply["P_total"] = float(p_total)
        if intent.weights == "priority":
            floors = self._priority_floors(intent, weights, p_total, snapshot)
            if floors:
                reply.update(objective="weighted_sum", floors=floors)
                reply["reasoning"] += ("; the weights alone leave a prioritized channel less than "
                                       f"{defaults.RULES_PRIORITY_GAIN_BITS:g} bit above its equal-weight MI: floors "
                                       + ", ".join(f"{f['bits']:.3f} bits on {f['channels']}" for f in floors))
        return BackendReply(text=json.dumps(reply))

    def _keep(self, reason: str) -> BackendReply:
        return BackendReply(keep=True, detail=f"{reason}; the {RULES_DISCLAIMER} keeps the current command")

    def _priority_floors(self, intent: PolicyIntent, weights: np.ndarray, p_total: float | None,
                         snapshot: SystemSnapshot) -> list[dict]:
        """Goal fields that make a priority visible where the priority weight alone does not.

        A prioritized channel i should reach t_i = min(I_i^eq + g, log2 M - s) bits,
        I^eq the certified equal-weight optimum at the same budget, g =
        RULES_PRIORITY_GAIN_BITS, s = RULES_SATURATION_MARGIN_BITS. Where the certified
        optimum of the priority weights leaves I_i < t_i, the reply adds the MI floor
        t_i on channel i (weighted_sum, the same weights); [] when the weights suffice,
        or when those floors do not fit in the budget (the weights alone then apply)."""
        from steer_ros.system1.certified_optimum import certified_optimum
        from steer_ros.system1.goal import Goal
        from steer_ros.system1.goal_optimum import goal_feasibility

        budget = float(snapshot.p_total if p_total is None else p_total)
        gain, noise = np.asarray(snapshot.gain, float), np.asarray(snapshot.noise_var, float)
        n = snapshot.n
        idx = (np.array(intent.channels) - 1 if intent.channels
               else parse_selector(intent.selector).resolve(n, snapshot.strength))
        bits = float(get_constellation(self.constellation).bits)
        equal = certified_optimum(gain, noise, None, budget, self.constellation).mi
        steered = certified_optimum(gain, noise, weights, budget, self.constellation).mi
        target = np.minimum(equal[idx] + defaults.RULES_PRIORITY_GAIN_BITS,
                            bits - defaults.RULES_SATURATION_MARGIN_BITS)
        short = steered[idx] < target - 1e-9
        if not short.any():
            return []
        floors = np.zeros(n)
        floors[idx[short]] = target[short]
        feasible, _, _ = goal_feasibility(gain, noise, Goal(mi_floor=floors), budget, self.constellation)
        if not feasible:
            return []
        return [{"channels": str(int(i) + 1), "bits": round(float(floors[i]), 6)} for i in idx[short]]

    # -- formulas -------------------------------------------------------------------
    def decide(self, intent: PolicyIntent, snapshot: SystemSnapshot) -> tuple[np.ndarray, float | None, str]:
        """(weights, P_total or None = keep, explanation) for an understood intent."""
        n = snapshot.n
        gain = np.asarray(snapshot.gain, dtype=float)
        noise = np.asarray(snapshot.noise_var, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(noise > 0, gain / noise, 0.0)
        c = np.nan_to_num(c, nan=0.0, posinf=0.0, neginf=0.0)
        reasons: list[str] = []
        selected = np.zeros(0, dtype=int)
        named = ""
        if intent.selector:
            selected = parse_selector(intent.selector).resolve(n, snapshot.strength)
            named = f" ({intent.selector})"

        kind = intent.weights
        if kind == "uniform":
            weights = np.full(n, 1.0 / n)
            reasons.append("equal weights maximize the sum MI")
        elif kind == "priority":
            weights = np.ones(n)
            idx = np.array(intent.channels) - 1 if intent.channels else selected
            weights[idx] = self.priority_weight
            reasons.append(f"channels {_fmt_list(idx + 1)}{named} weighted {self.priority_weight:g}x the others")
        elif kind in ("shutdown_ranked", "shutdown_listed", "shutdown_selected"):
            if kind == "shutdown_selected":
                idx, which = selected, f"channels{named}"
            elif kind == "shutdown_ranked":
                order = np.argsort(-c if intent.strongest else c, kind="stable")
                idx = np.sort(order[: intent.count])
                which = f"the {intent.count} {'strongest' if intent.strongest else 'weakest'} channels"
            else:
                idx = np.array(intent.channels) - 1
                which = "channels"
            weights = np.ones(n)
            weights[idx] = self.shutdown_weight
            if weights.sum() <= 0:
                weights = np.ones(n)
            reasons.append(f"{which} {_fmt_list(idx + 1)} get weight {self.shutdown_weight:g} "
                           f"(shut down by the optimizer), equal weights on the rest")
        elif kind == "equalize":
            usable = c > 1e-9
            weights = np.where(usable, 1.0 / np.where(usable, c, 1.0), 0.0)
            if not usable.any():
                weights = np.ones(n)
            reasons.append(f"w_i proportional to sigma_i^2/|h_i|^2 makes the equal-MI split the weighted "
                           f"optimum (observed MI spread {snapshot.mi_spread:.3f} bits)")
            if not usable.all():
                reasons.append(f"channels {_fmt_list(np.flatnonzero(~usable) + 1)} have no gain: weight 0")
        else:
            weights = np.asarray(snapshot.weights, dtype=float)
            reasons.append("weights unchanged")
        weights = weights / weights.sum()

        p_total = None
        budget = intent.budget
        if budget == "max":
            p_total = self.p_max
            reasons.append(f"full budget P_total = {self.p_max:g}")
        elif budget in ("rate_floor", "rate_floor_min"):
            p_total, why = self._rate_floor_budget(intent.value, gain, noise, snapshot, budget == "rate_floor_min")
            reasons.append(why)
        elif budget == "set":
            p_total = intent.value
            reasons.append(f"budget set to {intent.value:g}")
        elif budget == "fraction":
            p_total = self.p_max * intent.value
            reasons.append(f"budget {intent.value:.0%} of P_max = {p_total:g}")
        elif budget == "percent":
            p_total = self.p_max * (1.0 - intent.value / 100.0)
            reasons.append(f"budget {intent.value:g}% below P_max = {p_total:g}")
        elif budget == "min":
            p_total = self.p_min
            reasons.append(f"least power: P_total = P_min = {self.p_min:g}")
        elif kind is not None:
            # A policy is the operator's whole intent: one that sets no power limit
            # gets the full budget, not whatever limit an earlier policy left behind.
            p_total = self.p_max
            reasons.append(f"no power limit in the policy: full budget P_total = {self.p_max:g}")
        reasons.extend(intent.notes)
        return weights, p_total, "; ".join(reasons)

    def _rate_floor_budget(self, bits, gain, noise, snapshot, least_power: bool):
        from steer_ros.system1.certified_optimum import min_budget_for_sum_mi

        needed = float(min_budget_for_sum_mi(gain, noise, bits, constellation=self.constellation))
        if not math.isfinite(needed) or needed > self.p_max:
            return self.p_max, f"{bits:g} bits need more than P_max = {self.p_max:g}: full budget"
        target = needed * (1.0 + self.sum_rate_margin)
        target = min(max(target, self.p_min), self.p_max)
        if least_power:
            return target, (f"smallest budget reaching {bits:g} bits (certified) is {needed:.3f}; "
                            f"P_total = {target:.3f} with a {self.sum_rate_margin:.0%} margin")
        return self.p_max, (f"{bits:g} bits need a budget of at least {needed:.3f}; no power saving asked: "
                            f"full budget P_total = {self.p_max:g}")


def _fmt_list(values) -> str:
    values = [int(v) for v in values]
    if len(values) <= 1:
        return ", ".join(map(str, values))
    return ", ".join(map(str, values[:-1])) + f" and {values[-1]}"
