"""The navigator's prompt (docs/design.md section 4): a four-block system prompt and a user message
with the state summary and the policy line. Exactly two messages, no history.

The system prompt is a ``string.Template`` file (``config/prompts/navigator_system.txt``
by default) with the placeholders ``${n}``, ``${p_min}``, ``${p_max}``,
``${max_mi_bits}`` (log2 M of the configured constellation), ``${constellation}``,
``${reply_format}`` (the reply's JSON shape and the rule on ``weights``) and
``${addressing}`` (empty up to ``summary_threshold`` channels; above it, how the state
is summarized and how to address channels and bands by selector); unknown
placeholders are left as they are. It carries the goal language itself (not only the
JSON schema): servers such as llama.cpp do not show the schema to the model.

Up to ``summary_threshold`` channels the user message is the per-channel table; above
it the hierarchical summary of :mod:`steer_ros.system2.state_summary` (bounded size at
any N), and the reply is asked for by selector, never as N numbers.

When the snapshot carries a goal, the user message adds it after the table, and the
unmet floors (shortfalls in bits) when System 1 reports any.
"""

from __future__ import annotations

import json
import textwrap
from functools import lru_cache
from pathlib import Path
from string import Template

import numpy as np

from steer_ros import defaults
from steer_ros.radio.constellations import get_constellation
from steer_ros.resources import SOURCE_CONFIG_DIR, config_dir
from steer_ros.snapshot import SystemSnapshot
from steer_ros.system2.goal_text import channel_ranges, describe_goal
from steer_ros.system2.state_summary import format_goal_summary, format_status_line, format_summary

#: The packaged template in the source checkout's config/.
DEFAULT_PROMPT_PATH = SOURCE_CONFIG_DIR / "prompts" / "navigator_system.txt"

#: log2 M of QPSK: the MI ceiling quoted in the prompt by default.
QPSK_MAX_MI_BITS = 2.0
#: How constellations are named in the prompt.
_CONSTELLATION_NAMES = {"qpsk": "QPSK", "16qam": "16-QAM", "64qam": "64-QAM"}


def load_system_template(path: str | Path | None = None) -> str:
    """Read the system prompt template; ``None`` or "" = the packaged default.

    Raises FileNotFoundError naming the path when the file is missing.
    """
    chosen = Path(path) if path else _default_path()
    if not chosen.is_file():
        raise FileNotFoundError(f"navigator system prompt template not found: {chosen}")
    return _read_cached(str(chosen.resolve()), chosen.stat().st_mtime_ns)


def _default_path() -> Path:
    """The configured template, else config/prompts/ of the installed package (share
    dir, found through the ament index; a plain colcon install copies no source
    tree), else of the source checkout."""
    if defaults.NAVIGATOR_PROMPT_PATH:
        return Path(defaults.NAVIGATOR_PROMPT_PATH)
    installed = config_dir() / "prompts" / DEFAULT_PROMPT_PATH.name
    return installed if installed.is_file() else DEFAULT_PROMPT_PATH


@lru_cache(maxsize=8)
def _read_cached(path: str, _mtime_ns: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def summarized(n: int, summary_threshold: int = defaults.SUMMARY_THRESHOLD) -> bool:
    """Whether N channels get the hierarchical summary and the selector reply form."""
    return int(n) > int(summary_threshold)


def _reply_format(n: int, by_selector: bool) -> str:
    if not by_selector:
        return (f'{{"weights": [{n} non-negative numbers], "P_total": number, "reasoning": "one or two sentences"}}\n'
                f'- "weights" must have exactly {n} entries, in channel order 1..{n}.')
    text = ('{"weights": [{"channels": selector, "weight": number}, ...], "P_total": number, '
            '"reasoning": "one or two sentences"}\n'
            f'- "weights" lists selectors with non-negative weights, e.g. [{{"channels": "weakest:10%", '
            f'"weight": 0}}]; channels not listed weigh 1, and where selectors overlap the last entry wins. '
            f'Never write {n} numbers: keep the reply short (at most a few dozen entries).')
    head, rule = text.split("\n", 1)
    return head + "\n" + textwrap.fill(rule, 88, subsequent_indent="  ")


def _addressing(n: int, groups: int, by_selector: bool) -> str:
    if not by_selector:
        return ""
    g = min(int(groups), int(n))
    text = (f"With {n} channels the state is summarized, not listed: global statistics (quantiles over the "
            f"channels), a table of {g} bands of contiguous channels, and the critical channels by index "
            "(the weakest and strongest, those furthest below their floors). Address a band by its channel "
            'range as printed (e.g. "1-256"), several by a list ("1-256,513-768"), and channels by rank '
            '("weakest:10%", "strongest:50"); c = |h_i|^2/sigma_i^2 in dB.')
    return "\n" + textwrap.fill(text, 88)


def render_system_prompt(
    n: int,
    template: str | None = None,
    p_min: float = defaults.P_MIN,
    p_max: float = defaults.P_MAX,
    max_mi_bits: float | None = None,
    constellation: str = defaults.CONSTELLATION,
    summary_threshold: int = defaults.SUMMARY_THRESHOLD,
    summary_groups: int = defaults.SUMMARY_GROUPS,
) -> str:
    """Fill the template's placeholders for N channels, the budget limits and the
    constellation (``max_mi_bits`` None = its log2 M); above ``summary_threshold``
    channels the reply format is the selector form."""
    text = load_system_template() if template is None else template
    const = get_constellation(constellation)
    bits = const.bits if max_mi_bits is None else float(max_mi_bits)
    by_selector = summarized(n, summary_threshold)
    return Template(text).safe_substitute(
        n=str(int(n)), p_min=f"{p_min:g}", p_max=f"{p_max:g}", max_mi_bits=f"{bits:g}",
        constellation=_CONSTELLATION_NAMES.get(const.name, const.name.upper()),
        reply_format=_reply_format(int(n), by_selector), addressing=_addressing(n, summary_groups, by_selector),
    )


def sanitize_policy(policy: str, max_chars: int = defaults.POLICY_MAX_CHARS) -> str:
    """One line, at most ``max_chars`` characters (longer text is cut, marked by '...')."""
    text = " ".join(str(policy).split())
    if len(text) > max_chars:
        text = text[: max(max_chars - 3, 0)] + "..."
    return text


def format_state(snapshot: SystemSnapshot) -> str:
    """The state summary table of docs/design.md section 4 (fixed decimals, one row per channel).

    A sigma^2 column is added only when some noise variance differs from 1.
    """
    show_noise = bool(np.any(np.asarray(snapshot.noise_var) != 1.0))
    lines = [
        f"Total MI = {snapshot.total_mi:.2f} bits, "
        f"Power = {snapshot.power_used:.2f} / {float(snapshot.p_total):.2f}"
    ]
    names = ["ch", "|h|^2"] + (["sigma^2"] if show_noise else []) + ["MI", "P_i", "w_i"]
    widths = [3, 6] + ([7] if show_noise else []) + [5, 7, 6]
    decimals = [3] + ([3] if show_noise else []) + [3, 3, 4]
    lines.append("  ".join(f"{name:<{w}}" if i == 0 else f"{name:>{w}}"
                           for i, (name, w) in enumerate(zip(names, widths, strict=True))).rstrip())
    columns = [snapshot.gain] + ([snapshot.noise_var] if show_noise else []) + [
        snapshot.mi, snapshot.power, snapshot.weights]
    rows = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    fmt = "  ".join([f"{{:<{widths[0]}d}}"] + [f"{{:>{w}.{d}f}}" for w, d in zip(widths[1:], decimals, strict=True)])
    lines.extend(fmt.format(i + 1, *row) for i, row in enumerate(rows.tolist()))
    return "\n".join(lines)


def format_goal_status(snapshot: SystemSnapshot) -> str:
    """The goal in force and its unmet floors, one line each ("" for the plain goal
    with nothing unmet), e.g. ``Goal: max_min; floors 1.5 bits on 1-3`` and
    ``Unmet goals: ch 2 is 0.31 bits below its floor``."""
    goal = getattr(snapshot, "goal", None)
    lines = []
    if goal is not None and not goal.is_plain:
        lines.append(f"Goal: {describe_goal(goal)}")
    short = getattr(snapshot, "mi_shortfall", None)
    unmet = []
    if short is not None and np.asarray(short).shape == (snapshot.n,):
        short = np.asarray(short, dtype=float)
        for value in sorted(set(np.round(short[short > 0], 2).tolist()), reverse=True):
            which = np.flatnonzero(np.round(short, 2) == value)
            unmet.append(f"ch {channel_ranges(which)} {value:.2f} bits below the floor")
    if not getattr(snapshot, "goals_met", True):
        if not unmet and goal is not None and not np.isnan(goal.sum_mi_min):
            unmet.append(f"total MI {snapshot.total_mi:.2f} < sum_mi_min {goal.sum_mi_min:g} bits")
        lines.append("Unmet goals: " + ("; ".join(unmet) if unmet else "yes (System 1 reports the goal unmet)"))
    elif unmet:
        lines.append("Unmet goals: " + "; ".join(unmet))
    return "\n".join(lines)


def build_user_message(
    snapshot: SystemSnapshot,
    policy: str,
    summary_threshold: int = defaults.SUMMARY_THRESHOLD,
    summary_groups: int = defaults.SUMMARY_GROUPS,
) -> str:
    """State summary (then the goal status, if any) and the policy line, quoted as data.

    Up to ``summary_threshold`` channels the per-channel table, above it the
    hierarchical summary in ``summary_groups`` bands."""
    if summarized(snapshot.n, summary_threshold):
        state, goal_status = format_summary(snapshot, summary_groups), format_goal_summary(snapshot)
    else:
        state, goal_status = format_state(snapshot), format_goal_status(snapshot)
    state += f"\n{goal_status}" if goal_status else ""
    status = format_status_line(snapshot)
    state += f"\n{status}" if status else ""
    return f"{state}\nPolicy: {json.dumps(sanitize_policy(policy), ensure_ascii=False)}"


def build_messages(
    snapshot: SystemSnapshot,
    policy: str,
    system_prompt: str | None = None,
    p_min: float = defaults.P_MIN,
    p_max: float = defaults.P_MAX,
    constellation: str = defaults.CONSTELLATION,
    summary_threshold: int = defaults.SUMMARY_THRESHOLD,
    summary_groups: int = defaults.SUMMARY_GROUPS,
) -> list[dict]:
    """The two chat messages of one navigator call: [system, user].

    ``system_prompt`` is a template (placeholders filled for ``snapshot.n``);
    ``None`` = the packaged default template.
    """
    system = render_system_prompt(snapshot.n, system_prompt, p_min=p_min, p_max=p_max,
                                  constellation=constellation, summary_threshold=summary_threshold,
                                  summary_groups=summary_groups)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": build_user_message(snapshot, policy, summary_threshold, summary_groups)},
    ]
