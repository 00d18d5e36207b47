"""The data-only channel: what survives encode/decode, and what arrives only as a description."""
from __future__ import annotations

import base64
import enum
import json
import math
from collections import OrderedDict

import numpy as np
import pytest

from autograder.channel import Foreign, LinearPullback, Polynomial, decode, dumps, encode, loads


def round_trip(value):
    """Encode, send through the line-based JSON framing, and decode, as the worker channel does."""
    return decode(loads(dumps({"value": encode(value)}))["value"])


def assert_same(got, want):
    """Exact type and value, recursively (arrays: class, dtype, shape and elements)."""
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=want.dtype.kind in "fc")
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            assert_same(got[key], want[key])
    elif isinstance(want, (float, np.floating)) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want


ROUND_TRIP_CASES = {
    "float": 0.1 + 0.2,
    "tiny-float": 5e-324,
    "negative-zero": -0.0,
    "int": 12345678901234567890,
    "negative-int": -7,
    "bool-true": True,
    "bool-false": False,
    "none": None,
    "str": "héllo\nworld",
    "empty-str": "",
    "float64-1d": np.array([0.1, -2.5, 1e300]),
    "float64-0d": np.array(3.25),
    "float64-3d": np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7,
    "float64-fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "float64-empty": np.zeros((0, 3)),
    "int64-array": np.array([[1, -2], [3, 4]], dtype=np.int64),
    "int8-array": np.array([1, -128, 127], dtype=np.int8),
    "bool-array": np.array([True, False]),
    "float32-array": np.array([1.5, 2.25], dtype=np.float32),
    "np-float64": np.float64(2.5),
    "np-int32": np.int32(-3),
    "np-bool": np.bool_(True),
    "tuple": (1, 2.0, "three"),
    "empty-tuple": (),
    "list": [1.0, [2, (3.0, None)]],
    "dict": {"w": np.ones((2, 2)), "b": 0.5, "meta": {"name": "layer", "sizes": [2, 2]}},
    "empty-dict": {},
    "polynomial": Polynomial((1.0, -2.0, 0.5)),
    "polynomial-in-tuple": (Polynomial((0.0, 3.0)), 0.1, 10),
}


@pytest.mark.parametrize("value", list(ROUND_TRIP_CASES.values()), ids=list(ROUND_TRIP_CASES))
def test_round_trip_keeps_exact_type_and_value(value):
    """Does every carried value come back with exactly its type and value?"""
    got = round_trip(value)
    assert type(got) is type(value)
    assert_same(got, value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_non_finite_floats_survive(value):
    """Do NaN and the infinities survive as Python floats of the same value?"""
    got = round_trip(value)
    assert type(got) is float
    assert (math.isnan(got) and math.isnan(value)) or got == value


def test_non_finite_array_elements_survive():
    """Do NaN and inf elements of a float array survive in place?"""
    value = np.array([np.nan, np.inf, -np.inf, 1.0])
    got = round_trip(value)
    assert np.isnan(got[0]) and got[1] == np.inf and got[2] == -np.inf and got[3] == 1.0


class _Subarray(np.ndarray):
    pass


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _LiesAboutClass:
    @property
    def __class__(self):
        return float


class _Flag(enum.IntEnum):
    ON = 1


FOREIGN_CASES = {
    "masked-array": (np.ma.masked_array([1.0, 2.0], mask=[False, True]), "MaskedArray"),
    "custom-ndarray-subclass": (np.arange(3.0).view(_Subarray), f"{__name__}._Subarray"),
    "record-array": (np.rec.array([(1.0, 2)], dtype=[("a", "f8"), ("b", "i4")]), "recarray"),
    "always-equal": (_AlwaysEqual(), f"{__name__}._AlwaysEqual"),
    "lies-about-class": (_LiesAboutClass(), f"{__name__}._LiesAboutClass"),
    "object-array": (np.array([1.0, None], dtype=object), "numpy.ndarray"),
    "structured-array": (np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), "numpy.ndarray"),
    "float-subclass": (type("MyFloat", (float,), {})(1.5), "MyFloat"),
    "int-enum": (_Flag.ON, f"{__name__}._Flag"),
    "ordered-dict": (OrderedDict(a=1.0), "collections.OrderedDict"),
    "dict-with-int-keys": ({1: 2.0}, "dict"),
    "set": ({1.0, 2.0}, "set"),
    "function": (lambda x: x, "function"),
}


@pytest.mark.parametrize("value, type_name", list(FOREIGN_CASES.values()), ids=list(FOREIGN_CASES))
def test_uncarried_values_arrive_as_foreign(value, type_name):
    """Does a value of a type the channel does not carry arrive as a Foreign description, never itself?"""
    got = round_trip(value)
    assert type(got) is Foreign
    assert not isinstance(got, np.ndarray)
    assert got.type_name.endswith(type_name)


@pytest.mark.parametrize("value", [np.ma.masked_array([1.0]), np.arange(2.0).view(_Subarray),
                                   np.rec.array([(1.0,)], dtype=[("a", "f8")])],
                         ids=["masked-array", "custom-subclass", "record-array"])
def test_ndarray_subclass_is_described_as_such(value):
    """Does an ndarray subclass's Foreign say that it is an ndarray subclass?"""
    assert round_trip(value).detail == "an ndarray subclass"


def test_always_equal_object_cannot_pass_a_comparison():
    """Does a value with an always-True __eq__ arrive as Foreign that equals no expected answer?"""
    got = round_trip(_AlwaysEqual())
    assert isinstance(got, Foreign)
    assert got != 0.5 and got != Foreign("x") and got == Foreign(f"{__name__}._AlwaysEqual")


def test_foreign_nested_inside_a_container():
    """Is a Foreign value inside a tuple replaced in place while its neighbours keep their types?"""
    got = round_trip((np.ma.masked_array([1.0]), np.array([1.0]), 2))
    assert type(got) is tuple and type(got[0]) is Foreign
    assert type(got[1]) is np.ndarray and got[2] == 2


@pytest.mark.parametrize("value", [np.arange(3.0), np.array(1.0), np.arange(4).reshape(2, 2)],
                         ids=["1d", "0d", "2d-int"])
def test_decoded_ndarray_is_exactly_ndarray_and_writeable(value):
    """Is a decoded array of class exactly np.ndarray, a fresh writeable copy?"""
    got = round_trip(value)
    assert type(got) is np.ndarray
    assert got.flags.writeable
    assert not np.shares_memory(got, value)


POLYNOMIAL_CASES = [
    # coefficients (lowest first), x, expected
    ((1.0,), 5.0, 1.0),
    ((1.0, 2.0), 3.0, 7.0),
    ((0.0, 0.0, 1.0), -3.0, 9.0),
    ((2.0, -3.0, 0.5), 4.0, 2.0 - 12.0 + 8.0),
    ((0.0, 0.0, 0.0, 1.0), 2.0, 8.0),
    ((), 7.0, 0.0),
]


@pytest.mark.parametrize("coeffs, x, expected", POLYNOMIAL_CASES)
def test_polynomial_evaluates_lowest_coefficient_first(coeffs, x, expected):
    """Does Polynomial(c0, c1, ...) evaluate c0 + c1 x + c2 x**2 + ... on a float?"""
    assert Polynomial(coeffs)(x) == pytest.approx(expected)


def test_polynomial_evaluates_elementwise_on_arrays():
    """Does a Polynomial applied to an array evaluate elementwise and return an array?"""
    x = np.array([-1.0, 0.0, 2.0])
    got = Polynomial((1.0, -2.0, 3.0))(x)
    assert type(got) is np.ndarray
    np.testing.assert_allclose(got, 1.0 - 2.0 * x + 3.0 * x**2)


@pytest.mark.parametrize("coeffs, text", [
    ((1.0, 2.0, 3.0), "lambda x: 1 + 2*x + 3*x**2"),
    ((0.0, 0.0, 1.0), "lambda x: 1*x**2"),
    ((4.0,), "lambda x: 4"),
    ((0.0, 0.0), "lambda x: 0"),
    ((0.5, -1.0), "lambda x: 0.5 + -1*x"),
])
def test_polynomial_repr_is_readable_python(coeffs, text):
    """Is a Polynomial's repr a lambda that reads as, and evaluates like, the polynomial?"""
    p = Polynomial(coeffs)
    assert repr(p) == text
    assert eval(repr(p))(1.5) == pytest.approx(p(1.5))  # noqa: S307 -- our own repr


def test_polynomial_round_trip_still_callable():
    """Does a Polynomial that crossed the channel still evaluate the same?"""
    p = Polynomial((0.25, -1.0, 2.0))
    got = round_trip(p)
    assert type(got) is Polynomial and got(3.0) == p(3.0)


@pytest.mark.parametrize("data", [{"kind": "pickle", "value": "gASV"}, {"kind": "ndarray_subclass"}, {"kind": ""}],
                         ids=["pickle", "subclass", "empty"])
def test_decode_rejects_unknown_kind(data):
    """Does decode refuse a message of a kind it does not know, with ValueError?"""
    with pytest.raises(ValueError, match="unknown value kind"):
        decode(data)


def test_decode_does_not_trust_json_bool_lookalikes():
    """Does a 'bool' message whose value is not JSON true decode to False rather than a truthy object?"""
    assert decode({"kind": "bool", "value": "yes"}) is False
    assert decode({"kind": "bool", "value": 1}) is False


def _array_message(**changes) -> dict:
    """A well-formed array message for [1.0, 2.0], with some of its fields forged."""
    return {**encode(np.array([1.0, 2.0])), **changes}


@pytest.mark.parametrize("dtype", ["|O", "O", "|O8", "[('a', '<f8')]", "<f8,<f8", "(2,)<f8", "<f8 ", "", None, 8])
def test_decode_refuses_arrays_that_are_not_plain_data(dtype):
    """Does an array message whose dtype would need pickle (objects), is structured, has a sub-array
    or is not a dtype string at all fail, instead of being built?"""
    with pytest.raises(ValueError):
        decode(_array_message(dtype=dtype, data=base64.b64encode(bytes(16)).decode()))


@pytest.mark.parametrize("shape", [[-1], [2.0], [True, 2], "2", {"0": 2}, [1] * 65, None])
def test_decode_refuses_a_malformed_shape(shape):
    with pytest.raises(ValueError):
        decode(_array_message(shape=shape))


@pytest.mark.parametrize("changes", [{"order": "K"}, {"order": None}, {"data": "not base64!"}, {"data": 16},
                                     {"kind": "npscalar"}], ids=["order-K", "order-None", "bad-base64",
                                                                 "data-int", "scalar-with-shape"])
def test_decode_refuses_other_forged_array_fields(changes):
    with pytest.raises(ValueError):
        decode(_array_message(**changes))


def test_messages_are_single_lines():
    """Is each channel message one line, even for strings with newlines and non-finite floats?"""
    line = dumps({"value": encode(["a\nb", float("nan"), np.arange(3.0)])})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line)["value"]["kind"] == "list"


def test_loads_rejects_non_object_messages():
    """Does loads refuse a line that is valid JSON but not an object?"""
    with pytest.raises(ValueError, match="JSON object"):
        loads(b"[1, 2]\n")


def _nested(depth: int, kind: str = "list") -> dict:
    """A forged message: ``depth`` lists (or dicts) inside one another around a None."""
    data = {"kind": "none"}
    for _ in range(depth):
        data = {"kind": kind, "items": [data] if kind == "list" else {"x": data}}
    return data


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_decode_refuses_deep_nesting_with_value_error(kind):
    """Is a value nested 10,000 deep a ValueError (a clear message), never a RecursionError, while
    100 levels still decode?"""
    from autograder.channel import MAX_DEPTH

    with pytest.raises(ValueError, match="nested more than 100 levels"):
        decode(_nested(10_000, kind))
    value = decode(_nested(MAX_DEPTH, kind))
    for _ in range(MAX_DEPTH):
        value = value[0] if kind == "list" else value["x"]
    assert value is None


def test_decode_refuses_too_many_values_in_all():
    """Does a message of many containers, each within the per-container cap, stop at the total cap?"""
    many = {"kind": "list", "items": [{"kind": "list", "items": [{"kind": "none"}] * 10_000}] * 11}
    with pytest.raises(ValueError, match="more than 100000 values"):
        decode(many)


def test_deeply_nested_return_value_arrives_described():
    """Is a list nested 10,000 deep (what a student's function may return) sent as a description at
    level 100, so that decoding it is safe?"""
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    value = round_trip(deep)
    for _ in range(100):
        assert type(value) is list
        value = value[0]
    assert type(value) is Foreign and "nested more than 100 levels" in value.detail


def test_too_many_values_in_all_arrive_described():
    """Is a value of more than 100,000 items in all shipped with the rest described, not refused?"""
    value = round_trip([list(range(10_000)) for _ in range(11)])
    assert value[0] == list(range(10_000)) and type(value[-1]) is Foreign and "items" in value[-1].detail


def test_loads_refuses_a_line_over_the_cap(monkeypatch):
    """Is a line longer than the cap refused before it is parsed?"""
    monkeypatch.setattr("autograder.channel.MAX_MESSAGE_BYTES", 100)
    with pytest.raises(ValueError, match="the cap is 100"):
        loads(dumps({"value": "x" * 200}))
    assert loads(dumps({"value": "x" * 10}))["value"] == "x" * 10


def test_loads_turns_too_deep_json_into_value_error():
    """Is JSON nested too deep for the parser a ValueError, not a RecursionError?"""
    with pytest.raises(ValueError, match="nested too deeply"):
        loads(b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n")


@pytest.mark.parametrize("shape, more", [([10**13], "more"), ([10**6, 10**6, 10**6], "more"), ([1], "less")])
def test_decode_refuses_a_shape_that_does_not_match_the_data_sent(shape, more):
    """Does a forged shape asking for a huge array fail before anything is allocated (80 TB
    promised, 16 bytes sent), and a shape asking for less than was sent fail too?"""
    with pytest.raises(ValueError, match=f"asks for {more} data than was sent"):
        decode(_array_message(shape=shape))


@pytest.mark.parametrize("array", [
    np.arange(12.0).reshape(3, 4), np.asfortranarray(np.arange(12.0).reshape(3, 4)), np.array(2.5),
    np.arange(6, dtype=">i4").reshape(2, 3), np.array([True, False]), np.array([1 + 2j, -3j]),
    np.zeros((0, 3)), np.array([b"ab", b"c"]),
], ids=["C", "F", "0-d", "big-endian", "bool", "complex", "empty", "bytes"])
def test_arrays_cross_as_they_were_sent(array):
    """Does an array arrive with its values, dtype, shape and memory order, and writable (a check
    may hand it to a student's function that works in place)?"""
    got = decode(encode(array))
    assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == array.shape
    assert np.array_equal(got, array) and got.flags.writeable
    assert got.flags.f_contiguous == array.flags.f_contiguous


def _pullback_message(**changes) -> dict:
    """A well-formed LinearPullback message (a 2 x 3 matrix: shape (2,) to shape (3,)), some fields forged."""
    return {**encode(LinearPullback(np.arange(6.0).reshape(2, 3), (2,), (3,))), **changes}


@pytest.mark.parametrize("matrix, in_shape, out_shape", [(np.arange(6.0).reshape(2, 3) - 2.5, (2,), (1, 3)),
                                                         (np.array([[1.5]]), (), ()), (np.zeros((4, 0)), (2, 2), (0,))])
def test_a_linear_pullback_crosses_and_still_pulls_back(matrix, in_shape, out_shape):
    """Does a LinearPullback (inside a dict of lists, as backward_pass gets it) come back as one, a
    read-only float64 copy, and map g to (matrix.T @ g.ravel()).reshape(out_shape), refusing a g of
    another shape than its node's?"""
    sent = LinearPullback(matrix, in_shape, out_shape)
    got = round_trip({"node": [sent, sent]})["node"][1]
    assert type(got) is LinearPullback and (got.in_shape, got.out_shape) == (in_shape, out_shape)
    assert got.matrix.dtype == np.float64 and not got.matrix.flags.writeable and np.array_equal(got.matrix, matrix)
    g = np.arange(1.0, 1.0 + matrix.shape[0]).reshape(in_shape)
    assert np.array_equal(got(g), (matrix.T @ g.ravel()).reshape(out_shape)) and got(g).shape == out_shape
    with pytest.raises(ValueError, match="shape"):
        got(np.ones(matrix.shape[0] + 1))


@pytest.mark.parametrize("changes", [
    {"in_shape": [3]}, {"in_shape": [1, 2, 1, 2]}, {"out_shape": [2, 2]}, {"out_shape": [3.0]}, {"out_shape": [True]},
    {"in_shape": [-2, -1]}, {"in_shape": "2"}, {"in_shape": [1] * 65 + [2]}, {"out_shape": [3, 10**40, 0]},
    {"matrix": encode(np.arange(6).reshape(2, 3))}, {"matrix": encode(np.arange(6.0))},
    {"matrix": encode(np.zeros((2, 3), dtype=np.float32))}, {"matrix": {"kind": "polynomial", "coeffs": []}},
    {"matrix": {**encode(np.zeros((2, 3))), "shape": [10**6, 10**6]}}, {"matrix": "eye"},
], ids=["in-size", "in-size-4d", "out-size", "float-dim", "bool-dim", "negative", "str", "65-dims", "huge-dim",
        "int-matrix", "1d-matrix", "float32", "not-an-array", "huge-matrix", "str-matrix"])
def test_decode_refuses_a_linear_pullback_whose_shapes_or_matrix_do_not_fit(changes):
    """A pullback's shapes must give its matrix's shape exactly (a decoder trusting them would build
    one that fails, or lies, only when called), its matrix a float64 array of two dimensions and at
    most MAX_PULLBACK_ENTRIES entries (refused before anything is allocated)."""
    with pytest.raises(ValueError):
        decode(_pullback_message(**changes))
    assert type(decode(_pullback_message())) is LinearPullback
