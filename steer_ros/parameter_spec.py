"""Node parameter declarations and their checks, without ROS.

A :class:`Param` names one parameter's default, kind, range, choices and whether it
may change at run time; :meth:`Param.coerce` turns a value as YAML or ``ros2 param
set`` gives it into the declared kind (an integer where a float is meant becomes a
float: ``p_total 30`` -> ``30.0``) or refuses it with :class:`ParameterError` naming
the problem. :func:`check_changes` applies that to a batch of runtime changes, all or
nothing. ``steer_ros.ros.parameters`` declares these on a node and stores the values.

Kinds: ``bool``, ``int``, ``float``, ``str``, ``float_list``, ``int_list``,
``str_list``. Ranges are inclusive and apply to every element of a list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

KINDS = ("bool", "int", "float", "str", "float_list", "int_list", "str_list")


class ParameterError(ValueError):
    """A parameter value was refused; the message says why (callers add the name)."""


@dataclass(frozen=True)
class Param:
    """One parameter. ``kind``: one of KINDS; empty = inferred from a scalar default."""

    name: str
    default: Any
    description: str
    kind: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    read_only: bool = False  # cannot change after start-up

    def resolved_kind(self) -> str:
        if self.kind:
            if self.kind not in KINDS:
                raise TypeError(f"parameter {self.name}: kind must be one of {KINDS}, got {self.kind!r}")
            return self.kind
        d = self.default
        if isinstance(d, bool):
            return "bool"
        if isinstance(d, int):
            return "int"
        if isinstance(d, float):
            return "float"
        if isinstance(d, str):
            return "str"
        raise TypeError(f"parameter {self.name}: give kind= for default {d!r}")

    def describe(self) -> str:
        text = self.description
        if self.min is not None or self.max is not None:
            text += f" Range [{'-inf' if self.min is None else self.min}, {'inf' if self.max is None else self.max}]."
        if self.choices:
            text += f" One of: {', '.join(self.choices)}."
        return text

    def coerce(self, value: Any) -> Any:
        """The value as this parameter's kind, or ParameterError naming the problem."""
        kind = self.resolved_kind()
        try:
            if kind == "bool":
                if not isinstance(value, bool):
                    raise TypeError("expected true or false")
                out = value
            elif kind == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError("expected an integer")
                out = int(value)
            elif kind == "float":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError("expected a number")
                out = float(value)
            elif kind == "str":
                if not isinstance(value, str):
                    raise TypeError("expected a string")
                out = value
            elif kind == "float_list":
                out = [float(v) for v in _as_list(value, (int, float))]
            elif kind == "int_list":
                out = [int(v) for v in _as_list(value, (int,))]
            else:  # str_list
                out = [str(v) for v in _as_list(value, (str,))]
        except TypeError as exc:
            raise ParameterError(f"{exc}, got {value!r}") from None
        items = out if isinstance(out, list) else [out]
        for v in items:
            if isinstance(v, float) and not math.isfinite(v):
                raise ParameterError(f"must be finite, got {v!r}")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if self.min is not None and v < self.min:
                    raise ParameterError(f"must be >= {self.min}, got {v!r}")
                if self.max is not None and v > self.max:
                    raise ParameterError(f"must be <= {self.max}, got {v!r}")
        if self.choices is not None:
            for v in items:
                if v not in self.choices:
                    raise ParameterError(f"must be one of {list(self.choices)}, got {v!r}")
        return out


def _as_list(value: Any, types: tuple[type, ...]) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, Sequence)):
        raise TypeError("expected a list")
    items = list(value)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, types):
            raise TypeError(f"expected a list of {'/'.join(t.__name__ for t in types)}")
    return items


def check_changes(specs: Mapping[str, Param], changes: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The coerced values of a batch of runtime changes ``(name, value)`` to parameters
    in ``specs``; names not in ``specs`` (e.g. ``use_sim_time``) are left out.

    All or nothing: the first read-only or invalid change raises ParameterError with
    the parameter named, and then none of the batch may be applied.
    """
    accepted: dict[str, Any] = {}
    for name, value in changes:
        spec = specs.get(name)
        if spec is None:
            continue
        if spec.read_only:
            raise ParameterError(f"parameter '{name}' is read-only")
        try:
            accepted[name] = spec.coerce(value)
        except ParameterError as exc:
            raise ParameterError(f"parameter '{name}' {exc}") from None
    return accepted
