"""The input checks (steer_ros.validation): every refusal is an InvalidInput (a
ValueError) naming the field, the index and the offending value; valid input comes back
as float / uint8 arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steer_ros.validation import InvalidInput, check_array, check_channel_arrays, check_positive_array


def refused(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value


def test_check_array_returns_a_float_array():
    out = check_array("gain", [1, 2, 3])
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]
    assert check_array("gain", (0.5,), n=1).shape == (1,)
    assert check_array("gain", []).shape == (0,)


@pytest.mark.parametrize("values, n, detail", [
    ([1.0, float("nan")], None, "non-finite value [1] = nan"),
    ([float("-inf"), 1.0], None, "non-finite value [0] = -inf"),
    ([1.0, 2.0], 3, "expected 3 values, got 2"),
    ([[1.0, 2.0]], None, "must be one-dimensional, got shape (1, 2)"),
    (3.0, None, "must be one-dimensional, got shape ()"),
])
def test_check_array_refusals_name_what_was_wrong(values, n, detail):
    exc = refused(check_array, "gain", values, n)
    assert exc.field == "gain" and exc.detail == detail
    assert str(exc) == f"gain: {detail}"


def test_check_array_refuses_things_that_are_not_numbers():
    exc = refused(check_array, "noise_var", ["a", "b"])
    assert exc.field == "noise_var" and exc.detail.startswith("not an array of numbers")
    assert refused(check_array, "noise_var", [object()]).detail.startswith("not an array of numbers")


def test_check_positive_array_zero_only_when_allowed():
    assert check_positive_array("gain", [0.0, 1.0], allow_zero=True).tolist() == [0.0, 1.0]
    assert refused(check_positive_array, "noise_var", [1.0, 0.0]).detail == "non-positive value [1] = 0.0"
    assert refused(check_positive_array, "gain", [1.0, -2.0], allow_zero=True).detail == "negative value [1] = -2.0"
    # The first offending index is the one named.
    assert refused(check_positive_array, "p", [1.0, -1.0, -3.0]).detail == "non-positive value [1] = -1.0"
    # Finite before positive: nan is reported as such.
    assert refused(check_positive_array, "p", [math.nan]).detail == "non-finite value [0] = nan"


def test_check_channel_arrays_defaults_the_optional_fields():
    gain, noise, source, gain_var = check_channel_arrays([1.0, 0.0], [1.0, 2.0])
    assert gain.tolist() == [1.0, 0.0] and noise.tolist() == [1.0, 2.0]
    assert source.dtype == np.uint8 and source.tolist() == [0, 0]
    assert gain_var.tolist() == [0.0, 0.0]
    _, _, source, gain_var = check_channel_arrays([1.0, 1.0], [1.0, 1.0], source=[], gain_var=[])
    assert source.tolist() == [0, 0] and gain_var.tolist() == [0.0, 0.0]


def test_check_channel_arrays_keeps_given_sources_and_gain_variances():
    _, _, source, gain_var = check_channel_arrays([1.0, 1.0], [1.0, 1.0], source=[1, 0], gain_var=[0.1, 0.0])
    assert source.dtype == np.uint8 and source.tolist() == [1, 0]
    assert gain_var.tolist() == [0.1, 0.0]


@pytest.mark.parametrize("kwargs, field, detail", [
    ({"gain": [], "noise_var": []}, "gain", "empty: at least one channel is needed"),
    ({"gain": [1.0] * 5, "noise_var": [1.0] * 5, "max_channels": 4}, "gain", "5 channels exceed the limit of 4"),
    ({"gain": [1.0, -1.0], "noise_var": [1.0, 1.0]}, "gain", "negative value [1] = -1.0"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0, 0.0]}, "noise_var", "non-positive value [1] = 0.0"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0]}, "noise_var", "expected 2 values (one per gain), got 1"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0, 1.0], "source": [0]}, "source",
     "expected 2 values (one per gain), got 1"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0, 1.0], "source": [0, 2]}, "source", "unknown source [1] = 2"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0, 1.0], "source": [-1, 0]}, "source", "unknown source [0] = -1"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0, 1.0], "gain_var": [0.0, -0.1]}, "gain_var",
     "negative value [1] = -0.1"),
    ({"gain": [1.0, 1.0], "noise_var": [1.0, 1.0], "gain_var": [0.0]}, "gain_var", "expected 2 values, got 1"),
    ({"gain": [math.inf], "noise_var": [1.0]}, "gain", "non-finite value [0] = inf"),
])
def test_check_channel_arrays_refusals(kwargs, field, detail):
    exc = refused(check_channel_arrays, **kwargs)
    assert (exc.field, exc.detail) == (field, detail)


def test_the_default_channel_limit_admits_65536_channels():
    n = 65536
    gain, *_ = check_channel_arrays(np.ones(n), np.ones(n))
    assert gain.shape == (n,)
    assert (
        refused(check_channel_arrays, np.ones(n + 1), np.ones(n + 1)).detail
        == f"{n + 1} channels exceed the limit of {n}"
    )
