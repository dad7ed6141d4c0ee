"""The policy suite: YAML cases with machine-checkable targets, validated on load.

File format (every key below is the whole vocabulary; anything else is refused)::

    suite: public                      # a name for the scorecard
    description: "..."                 # optional
    schedule: {steps: 250, every: 10}  # optional: optimizer steps per case, steps per navigator call
    cases:
      - id: shutdown-weakest-3         # unique
        category: shutdown             # free text; the scorecard groups by it
        policy: "Shut down the 3 weakest channels"
        rationale: "..."               # optional, one line: why this case
        channels:                      # optional; default: the 8 design channels, unit noise, P_max 40
          gains: [0.25, ...]           # |h_i|^2 (explicit form) ...
          n: 4096                      # ... or the generated form (n + profile)
          profile: design              # design | linear_db | rayleigh
          lo_db: -10, hi_db: 10        # linear_db: gains spaced evenly in dB, channel 1 lowest
          mean: 1.0, seed: 0           # rayleigh: |h_i|^2 = mean * Exp(1), seeded
          noise: 1.0                   # sigma^2, a number or N numbers
          p_max: 40                    # the highest budget the guardrail allows
          p_total: 40                  # the initial budget (p_start in targets)
          weights: [...]               # the initial weights (default equal)
        event:                         # optional, one mid-run change
          kind: reversal | fade | budget_cut
          at_call: 10                  # before navigator call 10 (1-based) ... or at_step: 90
          channels: "strongest:2"      # fade: which channels
          depth_db: 20                 # fade: attenuation of |h|^2, dB
          p_max: 20                    # budget_cut: the new highest budget
        target: ["mi[1-3] <= 0.05", "mi[4-8] >= 1.9"]   # or: decline
        within: 5                      # optional: met within 5 calls (and within 5 after the event)

Errors are :class:`SuiteError` (a ``ValueError``) naming the file, the case id and
the field. Targets are parsed and evaluated once on the case's initial operating
point at load, so a selector naming a channel the case does not have, or an
unreachable ``least_budget``, is refused before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from steer_ros import defaults
from steer_ros.channels.selectors import Selector, SelectorError, parse_selector
from steer_ros.lab.evaluation.targets import OperatingPoint, Predicate, TargetError, parse_target

__all__ = ["Case", "CaseChannels", "Event", "EvalSchedule", "Suite", "SuiteError", "default_suite_path",
           "load_suite", "parse_suite", "PROFILES", "EVENT_KINDS"]

PROFILES = ("design", "linear_db", "rayleigh")
EVENT_KINDS = ("reversal", "fade", "budget_cut")
_SUITE_KEYS = {"suite", "description", "schedule", "cases"}
_SCHEDULE_KEYS = {"steps", "every"}
_CASE_KEYS = {"id", "category", "policy", "rationale", "channels", "event", "target", "within"}
_CHANNEL_KEYS = {"gains", "n", "profile", "lo_db", "hi_db", "mean", "seed", "noise", "p_max", "p_total", "weights"}
_EVENT_KEYS = {"kind", "at_call", "at_step", "channels", "depth_db", "p_max"}


class SuiteError(ValueError):
    """A suite that cannot be used; the text names the file, the case and the field."""


def default_suite_path() -> Path:
    """config/policies/suite.yaml of the installed package, else of the source tree."""
    from steer_ros.resources import config_dir

    installed = config_dir() / defaults.EVAL_SUITE
    if installed.is_file():
        return installed
    return Path(__file__).resolve().parents[3] / "config" / defaults.EVAL_SUITE


@dataclass(frozen=True)
class EvalSchedule:
    """steps: optimizer steps per case; every: optimizer steps per navigator call
    (calls before steps 0, every, 2 every, ...)."""

    steps: int = defaults.EVAL_STEPS
    every: int = defaults.EVAL_NAV_EVERY

    @property
    def calls(self) -> int:
        return -(-self.steps // self.every)


@dataclass(frozen=True)
class CaseChannels:
    """gain, noise_var, weights: (N,); p_total the initial budget, p_max the highest."""

    gain: np.ndarray
    noise_var: np.ndarray
    weights: np.ndarray
    p_total: float
    p_max: float

    @property
    def n(self) -> int:
        return int(self.gain.shape[0])


@dataclass(frozen=True)
class Event:
    """One mid-run change, applied before optimizer step :meth:`step`."""

    kind: str
    at_call: int | None = None
    at_step: int | None = None
    channels: Selector | None = None
    depth_db: float = 0.0
    p_max: float = math.nan

    def step(self, schedule: EvalSchedule) -> int:
        return int(self.at_step if self.at_step is not None else (self.at_call - 1) * schedule.every)

    def apply_to_gains(self, gain: np.ndarray, noise_var: np.ndarray) -> np.ndarray:
        """The gains after a reversal or a fade (a budget cut leaves them)."""
        gain = np.asarray(gain, dtype=float)
        if self.kind == "reversal":
            return gain[::-1].copy()
        if self.kind == "fade":
            out = gain.copy()
            idx = self.channels.resolve(gain.shape[0], gain / np.asarray(noise_var, float))
            out[idx] *= 10.0 ** (-self.depth_db / 10.0)
            return out
        return gain.copy()

    def describe(self) -> str:
        when = f"call {self.at_call}" if self.at_call is not None else f"step {self.at_step}"
        if self.kind == "fade":
            return f"fade of {self.channels.text} by {self.depth_db:g} dB at {when}"
        if self.kind == "budget_cut":
            return f"budget cut to P_max = {self.p_max:g} at {when}"
        return f"gain reversal at {when}"


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    policy: str
    target: tuple[Predicate, ...] | str  # "decline" or predicates
    channels: CaseChannels
    rationale: str = ""
    event: Event | None = None
    within: int | None = None

    @property
    def decline(self) -> bool:
        return self.target == "decline"

    def target_texts(self) -> list[str]:
        return ["decline"] if self.decline else [p.text for p in self.target]


@dataclass(frozen=True)
class Suite:
    name: str
    cases: tuple[Case, ...]
    schedule: EvalSchedule = EvalSchedule()
    description: str = ""
    path: str = ""

    def select(self, ids: list[str] | None = None, category: str | None = None) -> "Suite":
        """The cases with these ids (in suite order) and/or of this category; SuiteError
        naming an unknown id or category."""
        cases = list(self.cases)
        if ids:
            known = {c.id for c in cases}
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise SuiteError(f"{self.path or self.name}: no case with id {', '.join(unknown)}")
            cases = [c for c in cases if c.id in set(ids)]
        if category:
            categories = sorted({c.category for c in self.cases})
            if category not in categories:
                raise SuiteError(f"{self.path or self.name}: no category {category!r} (has {', '.join(categories)})")
            cases = [c for c in cases if c.category == category]
        return Suite(self.name, tuple(cases), self.schedule, self.description, self.path)


def load_suite(path: str | Path | None = None) -> Suite:
    """Read and validate a suite file (None = the public suite)."""
    path = Path(path) if path else default_suite_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SuiteError(f"{path}: cannot read the suite ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        raise SuiteError(f"{path}: not valid YAML ({err})") from None
    return parse_suite(data, str(path))


def parse_suite(data, where: str = "suite") -> Suite:
    """Validate a decoded suite (a dict); SuiteError naming the case and the field."""
    if not isinstance(data, dict):
        raise SuiteError(f"{where}: a suite is a mapping with 'cases'")
    _no_unknown(data, _SUITE_KEYS, where)
    schedule = _schedule(data.get("schedule"), where)
    cases_raw = data.get("cases")
    if not isinstance(cases_raw, list) or not cases_raw:
        raise SuiteError(f"{where}: 'cases' must be a non-empty list")
    cases, seen = [], set()
    for k, raw in enumerate(cases_raw, 1):
        case_where = f"{where}: case #{k}"
        if not isinstance(raw, dict):
            raise SuiteError(f"{case_where}: a case is a mapping with id, category, policy and target")
        cid = raw.get("id")
        if not isinstance(cid, str) or not cid.strip():
            raise SuiteError(f"{case_where}: field 'id' must be a non-empty string")
        case_where = f"{where}: case {cid!r}"
        if cid in seen:
            raise SuiteError(f"{case_where}: field 'id' is used twice")
        seen.add(cid)
        cases.append(_case(raw, case_where, schedule))
    return Suite(name=str(data.get("suite") or Path(where).stem), cases=tuple(cases), schedule=schedule,
                 description=str(data.get("description") or ""), path=where)


# -- pieces --------------------------------------------------------------------------------
def _no_unknown(obj: dict, known: set, where: str, what: str = "field") -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise SuiteError(f"{where}: unknown {what} {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(sorted(known))})")


def _number(value, where: str, field: str, *, positive: bool = False, integer: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if ok and positive:
        ok = value > 0
    if not ok:
        kind = "a positive " if positive else "a "
        raise SuiteError(f"{where}: field {field!r} must be {kind}{'whole number' if integer else 'number'}, "
                         f"got {value!r}")
    return int(value) if integer else float(value)


def _schedule(raw, where: str) -> EvalSchedule:
    if raw is None:
        return EvalSchedule()
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: 'schedule' must be a mapping with steps and every")
    _no_unknown(raw, _SCHEDULE_KEYS, f"{where}: schedule")
    steps = _number(raw.get("steps", defaults.EVAL_STEPS), f"{where}: schedule", "steps", positive=True, integer=True)
    every = _number(raw.get("every", defaults.EVAL_NAV_EVERY), f"{where}: schedule", "every", positive=True,
                    integer=True)
    if every > steps:
        raise SuiteError(f"{where}: schedule: 'every' ({every}) must not exceed 'steps' ({steps})")
    return EvalSchedule(steps, every)


def _text(raw: dict, field: str, where: str, required: bool = True) -> str:
    value = raw.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise SuiteError(f"{where}: field {field!r} must be a non-empty string")
    return " ".join(value.split())


def _case(raw: dict, where: str, schedule: EvalSchedule) -> Case:
    _no_unknown(raw, _CASE_KEYS, where)
    category = _text(raw, "category", where)
    policy = _text(raw, "policy", where)
    rationale = _text(raw, "rationale", where, required=False)
    channels = _channels(raw.get("channels"), f"{where}: channels")
    event = _event(raw.get("event"), f"{where}: event", schedule, channels)
    if "target" not in raw:
        raise SuiteError(f"{where}: field 'target' is required (predicates, or decline)")
    try:
        target = parse_target(raw["target"])
    except TargetError as err:
        raise SuiteError(f"{where}: field 'target': {err}") from None
    within = None
    if raw.get("within") is not None:
        within = _number(raw["within"], where, "within", positive=True, integer=True)
        if target == "decline":
            raise SuiteError(f"{where}: field 'within' has no meaning with target decline")
        if within > schedule.calls:
            raise SuiteError(f"{where}: field 'within' ({within}) exceeds the {schedule.calls} navigator calls")
    if target != "decline":
        _check_target_on(target, channels, where)
    return Case(id=str(raw["id"]), category=category, policy=policy, target=target, channels=channels,
                rationale=rationale, event=event, within=within)


def _check_target_on(target: tuple[Predicate, ...], channels: CaseChannels, where: str) -> None:
    """Evaluate every predicate once on the initial point: selector ranges, vector
    sizes and least_budget reachability are checked before the run."""
    from steer_ros.system1.certified_optimum import certified_optimum

    opt = certified_optimum(channels.gain, channels.noise_var, channels.weights, channels.p_total)
    point = OperatingPoint(channels.gain, channels.noise_var, opt.power, opt.mi, channels.weights,
                           channels.p_total, channels.p_max, p_start=channels.p_total)
    for predicate in target:
        try:
            predicate.holds(point)
        except TargetError as err:
            raise SuiteError(f"{where}: field 'target': {err}") from None


def _vector(value, n: int | None, where: str, field: str, *, positive: bool, allow_zero: bool = True) -> np.ndarray:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and n is not None:
        value = [value] * n
    if not isinstance(value, list) or not value:
        raise SuiteError(f"{where}: field {field!r} must be a list of numbers")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise SuiteError(f"{where}: field {field!r} must be a list of numbers") from None
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise SuiteError(f"{where}: field {field!r} needs {n} values, got {arr.size}")
    bad = ~np.isfinite(arr) | (arr < 0 if allow_zero else arr <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        bound = ">= 0" if allow_zero else "> 0"
        raise SuiteError(f"{where}: field {field!r}: value {i + 1} is {value[i]!r}, must be finite and {bound}")
    return arr


def _channels(raw, where: str) -> CaseChannels:
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: must be a mapping (gains, noise, p_max, ... or n and profile)")
    _no_unknown(raw, _CHANNEL_KEYS, where)
    if "gains" in raw:
        for generated in ("n", "profile", "lo_db", "hi_db", "mean", "seed"):
            if generated in raw:
                raise SuiteError(f"{where}: field {generated!r} belongs to the generated form; "
                                 f"give either 'gains' or 'n' and 'profile'")
        gain = _vector(raw["gains"], None, where, "gains", positive=True)
    else:
        n = _number(raw.get("n", defaults.N_CHANNELS), where, "n", positive=True, integer=True)
        if n > defaults.MAX_CHANNELS:
            raise SuiteError(f"{where}: field 'n' ({n}) exceeds {defaults.MAX_CHANNELS} channels")
        gain = _generated(raw, n, where)
    n = gain.shape[0]
    if not np.any(gain > 0):
        raise SuiteError(f"{where}: field 'gains': every gain is zero")
    noise = _vector(raw.get("noise", defaults.NOISE_VAR), n, where, "noise", positive=True, allow_zero=False)
    p_max = _number(raw.get("p_max", defaults.P_MAX), where, "p_max", positive=True)
    if p_max < defaults.P_MIN:
        raise SuiteError(f"{where}: field 'p_max' ({p_max:g}) is below P_min = {defaults.P_MIN:g}")
    p_total = _number(raw.get("p_total", p_max), where, "p_total", positive=True)
    if not defaults.P_MIN <= p_total <= p_max:
        raise SuiteError(f"{where}: field 'p_total' ({p_total:g}) must be in [P_min, p_max] = "
                         f"[{defaults.P_MIN:g}, {p_max:g}]")
    if raw.get("weights") is None:
        weights = defaults.equal_weights(n)
    else:
        weights = _vector(raw["weights"], n, where, "weights", positive=True)
        if weights.sum() <= 0:
            raise SuiteError(f"{where}: field 'weights': all zero")
        weights = weights / weights.sum()
    return CaseChannels(gain=gain, noise_var=noise, weights=weights, p_total=p_total, p_max=p_max)


def _generated(raw: dict, n: int, where: str) -> np.ndarray:
    profile = raw.get("profile", "design")
    if profile not in PROFILES:
        raise SuiteError(f"{where}: field 'profile' must be one of {', '.join(PROFILES)}, got {profile!r}")
    extra = {"linear_db": {"lo_db", "hi_db"}, "rayleigh": {"mean", "seed"}, "design": set()}
    for key in ("lo_db", "hi_db", "mean", "seed"):
        if key in raw and key not in extra[profile]:
            raise SuiteError(f"{where}: field {key!r} does not apply to profile {profile!r}")
    if profile == "design":
        return defaults.design_gains(n)
    if profile == "linear_db":
        lo = _number(raw.get("lo_db", -10.0), where, "lo_db")
        hi = _number(raw.get("hi_db", 10.0), where, "hi_db")
        if hi < lo:
            raise SuiteError(f"{where}: field 'hi_db' ({hi:g}) is below 'lo_db' ({lo:g})")
        return 10.0 ** (np.linspace(lo, hi, n) / 10.0)
    mean = _number(raw.get("mean", 1.0), where, "mean", positive=True)
    seed = _number(raw.get("seed", 0), where, "seed", integer=True)
    return mean * np.random.default_rng(int(seed)).exponential(1.0, n)


def _event(raw, where: str, schedule: EvalSchedule, channels: CaseChannels) -> Event | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: must be a mapping with kind and at_call or at_step")
    _no_unknown(raw, _EVENT_KEYS, where)
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        raise SuiteError(f"{where}: field 'kind' must be one of {', '.join(EVENT_KINDS)}, got {kind!r}")
    if ("at_call" in raw) == ("at_step" in raw):
        raise SuiteError(f"{where}: give exactly one of 'at_call' and 'at_step'")
    at_call = at_step = None
    if "at_call" in raw:
        at_call = _number(raw["at_call"], where, "at_call", positive=True, integer=True)
        if not 2 <= at_call <= schedule.calls:
            raise SuiteError(f"{where}: field 'at_call' ({at_call}) must be in 2..{schedule.calls} "
                             f"(the navigator calls of the schedule)")
    else:
        at_step = _number(raw["at_step"], where, "at_step", positive=True, integer=True)
        if not at_step < schedule.steps:
            raise SuiteError(f"{where}: field 'at_step' ({at_step}) must be below the {schedule.steps} steps")
    allowed = {"fade": {"channels", "depth_db"}, "budget_cut": {"p_max"}, "reversal": set()}[kind]
    for key in ("channels", "depth_db", "p_max"):
        if key in raw and key not in allowed:
            raise SuiteError(f"{where}: field {key!r} does not apply to a {kind}")
    selector, depth, p_max = None, 0.0, math.nan
    if kind == "fade":
        if "channels" not in raw:
            raise SuiteError(f"{where}: a fade needs 'channels' (a selector such as 'strongest:2')")
        try:
            selector = parse_selector(raw["channels"])
            selector.resolve(channels.n, channels.gain / channels.noise_var)
        except SelectorError as err:
            raise SuiteError(f"{where}: field 'channels': {err}") from None
        depth = _number(raw.get("depth_db", 20.0), where, "depth_db", positive=True)
    if kind == "budget_cut":
        p_max = _number(raw.get("p_max"), where, "p_max", positive=True)
        if not defaults.P_MIN <= p_max < channels.p_max:
            raise SuiteError(f"{where}: field 'p_max' ({p_max:g}) must be in [P_min, the case's p_max) = "
                             f"[{defaults.P_MIN:g}, {channels.p_max:g})")
    return Event(kind=kind, at_call=at_call, at_step=at_step, channels=selector, depth_db=depth, p_max=p_max)
