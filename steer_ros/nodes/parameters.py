"""Declarative ROS parameters: one declaration per parameter with its default, type,
range and description; invalid values are refused at start-up (and on
``ros2 param set``) with the parameter's name in the error.

Numbers are declared with dynamic typing so YAML/CLI integers are accepted where a
float is meant (``ros2 param set /optimizer p_total 30``), then coerced and checked
here rather than by rclpy's strict type match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Sequence

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.node import Node


class ParameterError(ValueError):
    """A parameter value was refused; the message names the node and parameter."""


@dataclass(frozen=True)
class Param:
    """One parameter. ``kind``: bool, int, float, str, float_list, int_list, str_list."""

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
            elif kind == "str_list":
                out = [str(v) for v in _as_list(value, (str,))]
            else:
                raise TypeError(f"unknown kind {kind}")
        except TypeError as exc:
            raise ParameterError(f"{exc}, got {value!r}") from None
        numbers = out if isinstance(out, list) else [out]
        for v in numbers:
            if isinstance(v, float) and not math.isfinite(v):
                raise ParameterError(f"must be finite, got {v!r}")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if self.min is not None and v < self.min:
                    raise ParameterError(f"must be >= {self.min}, got {v!r}")
                if self.max is not None and v > self.max:
                    raise ParameterError(f"must be <= {self.max}, got {v!r}")
        if self.choices is not None:
            for v in out if isinstance(out, list) else [out]:
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


class ParameterSet:
    """Declares ``params`` on ``node`` and keeps their validated values in ``values``.

    ``on_change(name, fn)`` registers a callback run with the new (validated) value
    after a runtime change; a change that fails validation is refused with a reason.
    """

    def __init__(self, node: Node, params: Sequence[Param]):
        self.node = node
        self.specs = {p.name: p for p in params}
        self.values = SimpleNamespace()
        self._handlers: dict[str, Callable[[Any], None]] = {}
        for spec in params:
            descriptor = ParameterDescriptor(
                description=spec.describe(), read_only=spec.read_only, dynamic_typing=True
            )
            raw = node.declare_parameter(spec.name, spec.default, descriptor).value
            try:
                value = spec.coerce(spec.default if raw is None or (raw == [] and spec.default == []) else raw)
            except ParameterError as exc:
                raise ParameterError(f"{node.get_fully_qualified_name()}: parameter '{spec.name}' {exc}") from None
            setattr(self.values, spec.name, value)
        node.add_on_set_parameters_callback(self._on_set)

    def on_change(self, name: str, handler: Callable[[Any], None]) -> None:
        self._handlers[name] = handler

    def _on_set(self, changes) -> SetParametersResult:
        accepted = {}
        for change in changes:
            spec = self.specs.get(change.name)
            if spec is None:
                continue  # parameters this node does not own (e.g. use_sim_time)
            if spec.read_only:
                return SetParametersResult(successful=False, reason=f"parameter '{spec.name}' is read-only")
            try:
                accepted[spec.name] = spec.coerce(change.value)
            except ParameterError as exc:
                return SetParametersResult(successful=False, reason=f"parameter '{spec.name}' {exc}")
        for name, value in accepted.items():
            handler = self._handlers.get(name)
            if handler is not None:
                try:
                    handler(value)  # before storing: a refused value changes nothing
                except ValueError as exc:
                    return SetParametersResult(successful=False, reason=f"parameter '{name}' {exc}")
            setattr(self.values, name, value)
        return SetParametersResult(successful=True)
