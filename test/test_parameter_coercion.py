"""Parameter coercion and checks (steer_ros.parameter_spec), ROS-free: what
``ros2 param set`` and a YAML file may give, what each kind stores, and the refusals
the nodes report (the ROS layer, steer_ros.ros.parameters, only wires these in)."""

from __future__ import annotations

import math

import pytest

from steer_ros.parameter_spec import KINDS, Param, ParameterError, check_changes


def refusal(param: Param, value) -> str:
    with pytest.raises(ParameterError) as info:
        param.coerce(value)
    assert isinstance(info.value, ValueError)
    return str(info.value)


@pytest.mark.parametrize("default, kind", [(True, "bool"), (3, "int"), (3.0, "float"), ("x", "str")])
def test_kind_is_inferred_from_a_scalar_default(default, kind):
    assert Param("p", default, "").resolved_kind() == kind


def test_a_list_default_needs_an_explicit_kind():
    with pytest.raises(TypeError, match="give kind= for default"):
        Param("gain", [], "").resolved_kind()
    with pytest.raises(TypeError, match="kind must be one of"):
        Param("gain", [], "", kind="complex_list").resolved_kind()
    assert {Param("p", [], "", kind=k).resolved_kind() for k in KINDS} == set(KINDS)


def test_an_integer_where_a_float_is_meant_becomes_a_float():
    out = Param("p_total", 10.0, "").coerce(30)  # ros2 param set /optimizer p_total 30
    assert out == 30.0 and type(out) is float


def test_float_lists_accept_integers_and_store_floats():
    out = Param("gain", [], "", kind="float_list").coerce([1, 2.5, 3])
    assert out == [1.0, 2.5, 3.0] and all(type(v) is float for v in out)
    assert Param("gain", [], "", kind="float_list").coerce(()) == []


@pytest.mark.parametrize("param, value, message", [
    (Param("b", False, ""), 1, "expected true or false, got 1"),
    (Param("b", False, ""), "true", "expected true or false, got 'true'"),
    (Param("i", 1, ""), 1.5, "expected an integer, got 1.5"),
    (Param("i", 1, ""), True, "expected an integer, got True"),  # bool is not an int here
    (Param("f", 1.0, ""), False, "expected a number, got False"),
    (Param("f", 1.0, ""), "2.0", "expected a number, got '2.0'"),
    (Param("s", "a", ""), 3, "expected a string, got 3"),
    (Param("l", [], "", kind="float_list"), "1,2", "expected a list, got '1,2'"),
    (Param("l", [], "", kind="float_list"), 1.0, "expected a list, got 1.0"),
    (Param("l", [], "", kind="float_list"), [1.0, "x"], "expected a list of int/float, got [1.0, 'x']"),
    (Param("l", [], "", kind="float_list"), [1.0, True], "expected a list of int/float, got [1.0, True]"),
    (Param("l", [], "", kind="int_list"), [1, 2.0], "expected a list of int, got [1, 2.0]"),
    (Param("l", [], "", kind="str_list"), ["sim", 1], "expected a list of str, got ['sim', 1]"),
])
def test_wrong_types_are_refused_with_the_value_shown(param, value, message):
    assert refusal(param, value) == message


def test_ranges_are_inclusive_and_apply_to_each_list_element():
    p = Param("rate_hz", 20.0, "", min=0.1, max=1000.0)
    assert p.coerce(0.1) == 0.1 and p.coerce(1000) == 1000.0
    assert refusal(p, 0.0) == "must be >= 0.1, got 0.0"
    assert refusal(p, 1000.5) == "must be <= 1000.0, got 1000.5"
    lst = Param("noise_var", [], "", kind="float_list", min=1e-12)
    assert lst.coerce([1.0, 2.0]) == [1.0, 2.0]
    assert refusal(lst, [1.0, 0.0]) == "must be >= 1e-12, got 0.0"
    n = Param("n", 8, "", min=1)
    assert refusal(n, 0) == "must be >= 1, got 0"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(value):
    assert refusal(Param("f", 1.0, ""), value).startswith("must be finite")
    assert refusal(Param("l", [], "", kind="float_list"), [1.0, value]).startswith("must be finite")


def test_choices_apply_to_strings_and_string_lists():
    mode = Param("on_stale", "fallback", "", choices=("fallback", "hold"))
    assert mode.coerce("hold") == "hold"
    assert refusal(mode, "drop") == "must be one of ['fallback', 'hold'], got 'drop'"
    sources = Param("sources", ["sim"], "", kind="str_list", choices=("sim", "sdr"))
    assert sources.coerce(["sdr", "sim"]) == ["sdr", "sim"]
    assert refusal(sources, ["sim", "gps"]) == "must be one of ['sim', 'sdr'], got 'gps'"


def test_describe_adds_the_range_and_choices():
    assert Param("x", 1.0, "Gain.", min=0.0).describe() == "Gain. Range [0.0, inf]."
    assert Param("x", 1.0, "Gain.", max=2).describe() == "Gain. Range [-inf, 2]."
    assert Param("m", "a", "Mode.", choices=("a", "b")).describe() == "Mode. One of: a, b."
    assert Param("m", "a", "Mode.").describe() == "Mode."


SPECS = {
    p.name: p
    for p in (
        Param("p_total", 10.0, "", min=0.0),
        Param("mode", "kkt", "", choices=("kkt", "pga")),
        Param("rate_hz", 20.0, "", read_only=True),
    )
}


def test_check_changes_coerces_a_batch_and_skips_foreign_parameters():
    out = check_changes(SPECS, [("p_total", 30), ("mode", "pga"), ("use_sim_time", True)])
    assert out == {"p_total": 30.0, "mode": "pga"} and type(out["p_total"]) is float


@pytest.mark.parametrize("changes, message", [
    ([("p_total", 5.0), ("rate_hz", 10.0)], "parameter 'rate_hz' is read-only"),
    ([("mode", "pga"), ("p_total", -1.0)], "parameter 'p_total' must be >= 0.0, got -1.0"),
    ([("p_total", "ten")], "parameter 'p_total' expected a number, got 'ten'"),
])
def test_check_changes_refuses_the_whole_batch_naming_the_parameter(changes, message):
    with pytest.raises(ParameterError) as info:
        check_changes(SPECS, changes)
    assert str(info.value) == message


def _node_params(path) -> list[Param]:
    """Every Param(...) a node module declares, evaluated without rclpy: the module's
    core imports and simple module-level constants are run, the ROS ones skipped."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    namespace: dict = {"Param": Param}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            module = stmt.module if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
            if module.startswith(("steer_ros.ros", "steer_ros.msg", "rclpy", "rcl_interfaces")):
                continue
            exec(compile(ast.Module([stmt], []), str(path), "exec"), namespace)
        elif isinstance(stmt, ast.Assign) and not (
            isinstance(stmt.value, ast.List) and any(isinstance(e, ast.Call) for e in stmt.value.elts)
        ):
            try:
                exec(compile(ast.Module([stmt], []), str(path), "exec"), namespace)
            except Exception:  # a constant that needs ROS: not needed here
                pass
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Param"]
    return [eval(compile(ast.Expression(call), str(path), "eval"), namespace) for call in calls]


def test_every_node_parameter_default_passes_its_own_check():
    """Each node's declared defaults are valid values of their own parameters, and
    coercing them changes nothing (so the declared type is what ros2 param get shows)."""
    from pathlib import Path

    nodes = Path(__file__).resolve().parents[1] / "steer_ros" / "ros" / "nodes"
    checked = 0
    for path in sorted(nodes.glob("*_node.py")):
        for param in _node_params(path):
            value = param.coerce(param.default)
            assert value == param.default and type(value) is type(param.default), f"{path.name}: {param.name}"
            checked += 1
    assert checked >= 70  # a floor under the nodes' 72+ declarations: fails if the node files stop being parsed
