"""Declarative ROS parameters: one declaration per parameter with its default, type,
range and description; invalid values are refused at start-up (and on
``ros2 param set``) with the parameter's name in the error.

Numbers are declared with dynamic typing so YAML/CLI integers are accepted where a
float is meant (``ros2 param set /optimizer p_total 30``), then coerced and checked
here rather than by rclpy's strict type match. The coerced value is what the node
stores, so ``ros2 param get/describe/dump`` keep showing the declared type (a double
stays a double after ``p_total 30``; an empty float list is a double array, not the
byte array rclpy infers from ``[]``).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Callable, Sequence

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter

# The declarations and their checks are ROS-free (steer_ros.parameter_spec); this
# module declares them on a node.
from steer_ros.parameter_spec import Param, ParameterError, check_changes

__all__ = ["Param", "ParameterError", "ParameterSet", "ROS_TYPES"]


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# The ROS parameter type each kind is stored as.
ROS_TYPES = {
    "bool": Parameter.Type.BOOL, "int": Parameter.Type.INTEGER, "float": Parameter.Type.DOUBLE,
    "str": Parameter.Type.STRING, "float_list": Parameter.Type.DOUBLE_ARRAY,
    "int_list": Parameter.Type.INTEGER_ARRAY, "str_list": Parameter.Type.STRING_ARRAY,
}


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
            # Declared writable and unbounded, then given its range and read_only once its
            # value was checked here and has the declared type.
            descriptor = ParameterDescriptor(description=spec.describe(), dynamic_typing=True)
            raw = node.declare_parameter(spec.name, spec.default, descriptor).value
            try:
                value = spec.coerce(spec.default if raw is None or (raw == [] and spec.default == []) else raw)
            except ParameterError as exc:
                raise ParameterError(f"{node.get_fully_qualified_name()}: parameter '{spec.name}' {exc}") from None
            setattr(self.values, spec.name, value)
            typed = self._typed(spec, value)
            if node.get_parameter(spec.name).type_ != typed.type_:
                node.set_parameters([typed])  # before _on_set is added: already validated
            node.set_descriptor(spec.name, self._descriptor(spec))
        node.add_pre_set_parameters_callback(self._as_declared_types)
        node.add_on_set_parameters_callback(self._on_set)

    @staticmethod
    def _descriptor(spec: Param) -> ParameterDescriptor:
        """The descriptor the parameter keeps: its range, so `ros2 param describe` shows
        Min/Max and rclpy itself refuses an out-of-range set, and read_only. Applied
        after the start-up value was checked here, so a bad value in a YAML file gets
        this module's error naming the parameter. Lists keep their check in the set
        callback (a ROS range applies to scalars only)."""
        descriptor = ParameterDescriptor(description=spec.describe(), read_only=spec.read_only,
                                         dynamic_typing=True)
        kind = spec.resolved_kind()
        if spec.min is None and spec.max is None:
            return descriptor
        if kind == "float":
            descriptor.floating_point_range = [FloatingPointRange(
                from_value=-math.inf if spec.min is None else float(spec.min),
                to_value=math.inf if spec.max is None else float(spec.max), step=0.0)]
        elif kind == "int":
            descriptor.integer_range = [IntegerRange(
                from_value=_INT64_MIN if spec.min is None else int(math.ceil(spec.min)),
                to_value=_INT64_MAX if spec.max is None else int(math.floor(spec.max)), step=1)]
        return descriptor

    @staticmethod
    def _typed(spec: Param, value: Any) -> Parameter:
        return Parameter(spec.name, ROS_TYPES[spec.resolved_kind()], value)

    def _as_declared_types(self, parameters: list[Parameter]) -> list[Parameter]:
        """Store a valid value as the declared type (``30`` -> ``30.0``); _on_set refuses the rest."""
        out = []
        for parameter in parameters:
            spec = self.specs.get(parameter.name)
            if spec is not None and not spec.read_only:
                try:
                    parameter = self._typed(spec, spec.coerce(parameter.value))
                except ParameterError:
                    pass
            out.append(parameter)
        return out

    def on_change(self, name: str, handler: Callable[[Any], None]) -> None:
        self._handlers[name] = handler

    def _on_set(self, changes) -> SetParametersResult:
        try:
            accepted = check_changes(self.specs, [(change.name, change.value) for change in changes])
        except ParameterError as exc:
            return SetParametersResult(successful=False, reason=str(exc))
        for name, value in accepted.items():
            handler = self._handlers.get(name)
            if handler is not None:
                try:
                    handler(value)  # before storing: a refused value changes nothing
                except ValueError as exc:
                    return SetParametersResult(successful=False, reason=f"parameter '{name}' {exc}")
            setattr(self.values, name, value)
        return SetParametersResult(successful=True)
