"""What a fleet command may change on the coordinator: priorities, budget boxes,
radios off, per-radio rate floors and the cap in force (docs/fleet.md).

The fleet navigator publishes these as JSON on fleet/command (keys ``priority``,
``p_min``, ``p_max``, ``off``, ``rate_floor``: one entry per radio; ``cap``: a number,
null = the configured C; ``epoch``: increasing; other keys are metadata and ignored
here). :func:`limits_from_json` reads and checks them; the coordinator only narrows
the configured boxes and cap, never widens them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DirectiveError", "FleetLimits", "limits_from_json"]


class DirectiveError(ValueError):
    """``str(err)`` is ``"code: detail"``; codes: ``bad_json``, ``wrong_length``, ``bad_value``, ``stale_epoch``."""

    def __init__(self, detail: str, code: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class FleetLimits:
    """(K,) arrays: priority rho_k > 0; p_min / p_max the box the command asks for
    (inf = the configured top); off; rate_floor bits of sum MI (0 = none). cap: NaN =
    the configured C. epoch: 0 = the configuration itself."""

    priority: np.ndarray
    p_min: np.ndarray
    p_max: np.ndarray
    off: np.ndarray
    rate_floor: np.ndarray
    cap: float = math.nan
    epoch: int = 0

    @classmethod
    def none(cls, k: int) -> "FleetLimits":
        return cls(np.ones(k), np.zeros(k), np.full(k, np.inf), np.zeros(k, dtype=bool), np.zeros(k))


def _array(data: dict, key: str, k: int, fill, dtype=float) -> np.ndarray:
    value = data.get(key)
    if value is None:
        return np.full(k, fill, dtype=dtype)
    if isinstance(value, list):
        value = [fill if v is None else v for v in value]  # null entries: "none" for that radio
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise DirectiveError(f"{key} is not a list of {'booleans' if dtype is bool else 'numbers'}", "bad_value") \
            from None
    if arr.ndim == 0:
        arr = np.full(k, arr, dtype=dtype)
    if arr.shape != (k,):
        raise DirectiveError(f"{key} has {arr.size} entries for {k} radios", "wrong_length")
    return arr


def limits_from_json(text: str, k: int, epoch_in_force: int = 0) -> FleetLimits:
    """Checked limits from a fleet command's JSON; DirectiveError naming the field and radio."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise DirectiveError(f"not JSON ({exc})", "bad_json") from None
    if not isinstance(data, dict):
        raise DirectiveError("expected a JSON object", "bad_json")
    priority = _array(data, "priority", k, 1.0)
    p_min = _array(data, "p_min", k, 0.0)
    p_max = _array(data, "p_max", k, np.inf)
    off = _array(data, "off", k, False, bool)
    floor = _array(data, "rate_floor", k, 0.0)
    for name, arr, ok in (("priority", priority, np.isfinite(priority) & (priority > 0)),
                          ("p_min", p_min, np.isfinite(p_min) & (p_min >= 0)),
                          ("p_max", p_max, ~np.isnan(p_max) & (p_max >= 0)),
                          ("rate_floor", floor, np.isfinite(floor) & (floor >= 0))):
        if not np.all(ok):
            i = int(np.flatnonzero(~ok)[0])
            raise DirectiveError(f"{name} of radio{i + 1} is {arr[i]!r}", "bad_value")
    bad = np.flatnonzero(p_min > p_max)
    if bad.size:
        i = int(bad[0])
        raise DirectiveError(f"radio{i + 1}: p_min {p_min[i]:g} > p_max {p_max[i]:g}", "bad_value")
    cap = data.get("cap")
    try:
        cap = math.nan if cap is None else float(cap)
    except (TypeError, ValueError):
        raise DirectiveError(f"cap {cap!r} is not a number", "bad_value") from None
    if not (math.isnan(cap) or (math.isfinite(cap) and cap >= 0)):
        raise DirectiveError(f"cap {cap} must be >= 0", "bad_value")
    try:
        epoch = int(data.get("epoch", 0) or 0)
    except (TypeError, ValueError):
        raise DirectiveError(f"epoch {data.get('epoch')!r} is not an integer", "bad_value") from None
    if epoch and epoch < epoch_in_force:
        raise DirectiveError(f"epoch {epoch} is older than {epoch_in_force} in force", "stale_epoch")
    return FleetLimits(priority, p_min, p_max, off, floor, cap, epoch)
