"""Do the gradient check and the value comparisons pass what is right and name what is wrong?"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import CheckFailure
from autograder.channel import Foreign
from autograder.compare import as_float, expect_array, expect_float
from autograder.gradcheck import (H, assert_gradient, numeric_derivative_elementwise,
                                  numeric_gradient, relative_error)


def cube_sum(x):
    return float(np.sum(x ** 3))


def test_step_size_is_the_documented_one():
    """Is the centred-difference step the h = 1e-5 the notebooks describe?"""
    assert H == 1e-5


def test_numeric_gradient_matches_calculus():
    """Does the centred difference of sum(x**3) give 3 x**2, to second order in h?"""
    x = np.array([[0.5, -1.25], [2.0, 0.1]])
    assert np.allclose(numeric_gradient(cube_sum, x), 3 * x ** 2, rtol=1e-9)
    assert np.allclose(numeric_derivative_elementwise(np.tanh, x), 1 - np.tanh(x) ** 2, rtol=1e-9)


def test_numeric_gradient_leaves_its_input_alone():
    """Is the point at which the gradient is taken left unchanged?"""
    x = np.array([1.0, 2.0])
    numeric_gradient(cube_sum, x)
    assert x.tolist() == [1.0, 2.0]


def test_right_gradient_passes():
    """Does a correct analytic gradient pass?"""
    x = np.linspace(-1, 1, 5)
    assert_gradient(3 * x ** 2, numeric_gradient(cube_sum, x), fn="f", wrt="x")


def test_wrong_gradient_is_named_with_index_values_and_error():
    """Does one wrong entry fail with the parameter's name, its index, both values and the error?"""
    x = np.linspace(-1, 1, 9)
    analytic = 3 * x ** 2
    analytic[4] += 0.5
    names = [f"w{i}" for i in range(9)]
    with pytest.raises(CheckFailure) as failure:
        assert_gradient(analytic, numeric_gradient(cube_sum, x), fn="d_f", wrt="w", names=names)
    message = str(failure.value)
    for words in ("`d_f`", "`w4`", "index (4,)", "analytic 0.5", "numeric", "relative error", "1 of 9"):
        assert words in message, message


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradient_fails(bad):
    """Is a NaN or infinite analytic gradient a failure, never a pass?"""
    with pytest.raises(CheckFailure):
        assert_gradient(np.array([1.0, bad]), np.array([1.0, 1.0]), fn="f", wrt="x")


def test_relative_error_is_scale_free():
    """Is the relative error the same for a gradient and for that gradient times 1000?"""
    assert np.isclose(relative_error(1.0, 1.01), relative_error(1000.0, 1010.0))


EXPECTED = np.array([[0.25, 0.5], [0.75, 1.0]])


@pytest.mark.parametrize("got, words", [
    (0.5, ["numpy array of shape (2, 2)", "a float"]),                       # type first
    (Foreign("MyArray", "an ndarray subclass"), ["MyArray", "ndarray subclass"]),
    (None, ["None", "return"]),
    (EXPECTED.astype(np.float32), ["dtype float32", "float64"]),             # then dtype
    (EXPECTED.ravel(), ["shape (4,)", "expected shape (2, 2)"]),             # then shape
    (np.array([[0.25, 0.5], [0.75, np.nan]]), ["NaN"]),
    (np.array([[0.25, 0.5], [0.75, 2.0]]), ["index (1, 1)", "got 2.0", "expected 1.0",
                                            "1 of 4", "returned:", "expected:"]),  # then values
])
def test_expect_array_reports_type_dtype_shape_value(got, words):
    """Does each kind of wrong return value fail with the words that name its problem?"""
    with pytest.raises(CheckFailure) as failure:
        expect_array(got, EXPECTED, fn="f")
    assert all(w in str(failure.value) for w in words), str(failure.value)


def test_expect_array_accepts_close_values():
    """Does a value within tolerance pass?"""
    expect_array(EXPECTED + 1e-12, EXPECTED, fn="f")


@pytest.mark.parametrize("got", [0.5, np.float64(0.5), np.array(0.5)])
def test_as_float_accepts_one_number(got):
    """Are a float, a numpy float64 and a 0-d array all one number?"""
    assert as_float(got, fn="f") == 0.5


@pytest.mark.parametrize("got, words", [
    (np.array([0.5]), ["one float", "shape (1,)", "float(np.mean"]),
    ("0.5", ["one float", "str"]),
    (np.float32(0.5), ["one float", "float32"]),
    (float("inf"), ["finite"]),
])
def test_as_float_rejects_anything_else(got, words):
    """Is anything but one finite float64 number refused, with the reason?"""
    with pytest.raises(CheckFailure) as failure:
        as_float(got, fn="f")
    assert all(w in str(failure.value) for w in words), str(failure.value)


def test_expect_float_names_the_difference():
    """Does a wrong number fail with returned value, expected value and their difference?"""
    with pytest.raises(CheckFailure, match=r"returned 1.5.*expected 0.5.*difference 1"):
        expect_float(1.5, 0.5, fn="f")


def test_zero_gradient_tolerates_difference_residue_but_not_an_error():
    """At a true zero, is the O(h**2) residue accepted while an error of 1e-6 is still caught?"""
    x = np.array([0.0, 1.0])
    numeric = numeric_gradient(cube_sum, x)
    assert numeric[0] != 0.0  # the residue is really there
    assert_gradient(np.array([0.0, 3.0]), numeric, fn="f", wrt="x")
    with pytest.raises(CheckFailure, match="index \\(0,\\)"):
        assert_gradient(np.array([1e-6, 3.0]), numeric, fn="f", wrt="x")


@pytest.mark.parametrize("got, words", [
    (np.zeros(3), ["tuple (h1, h2, o)", "numpy array"]),
    ((np.zeros(3), np.zeros(3)), ["tuple (h1, h2, o)", "length 2"]),
    (None, ["None"]),
])
def test_expect_tuple_refuses_anything_but_the_named_parts(got, words):
    """Is a return value that is not the promised tuple refused, saying what was expected?"""
    from autograder.compare import expect_tuple

    with pytest.raises(CheckFailure) as failure:
        expect_tuple(got, ("h1", "h2", "o"), fn="forward")
    assert all(w in str(failure.value) for w in words), str(failure.value)
    assert expect_tuple([1, 2, 3], ("h1", "h2", "o"), fn="forward") == (1, 2, 3)


def _scale_forward(x, w):
    return x * w, (x, w)


def _scale_backward(dout, cache):
    x, w = cache
    return dout * w, dout * x


@pytest.mark.parametrize("backward, words", [
    (_scale_backward, None),
    (lambda dout, cache: (dout * cache[1], 2 * dout * cache[0]), ["`scale_backward`", "`w`", "relative error"]),
    (lambda dout, cache: dout * cache[1], ["`scale_backward`", "tuple (dx, dw)"]),
    (lambda dout, cache: (dout * cache[1], (dout * cache[0])[:1]), ["`scale_backward`", "shape"]),
])
def test_layer_gradient_check(monkeypatch, backward, words):
    """Does the layer-contract check pass a right backward and name a wrong gradient, a wrong
    return form and a wrong shape?"""
    from autograder import registry
    from autograder.calls import LocalCaller
    from autograder.checks.common import layer_gradient

    monkeypatch.setattr(registry, "CHECKS", {})
    rng = np.random.default_rng(0)
    item = layer_gradient(registry.Task("t.scale", 1), "grad", "scale_forward", "scale_backward", ("x", "w"),
                          ("x", "w"), x=rng.normal(size=(3, 2)), w=rng.normal(size=(3, 2)),
                          dout=rng.normal(size=(3, 2)))
    message = registry.attempt(item, LocalCaller({"np": np, "scale_forward": _scale_forward,
                                                  "scale_backward": backward}))
    if words is None:
        assert message is None
    else:
        assert message and all(w in message for w in words), message


def sqrt_sum(x):
    return float(np.sum(np.sqrt(x)))  # NaN once a step takes an entry below 0


def exp_sum(x):
    return float(np.sum(np.exp(x)))  # inf once an entry passes log(largest float) = 709.78...


@pytest.mark.parametrize("loss, x", [(sqrt_sum, np.array([0.5, 0.0, 2.0])),
                                     (exp_sum, np.array([1.0, 709.7827128, -1.0]))],
                         ids=["nan-loss", "overflowing-forward"])
def test_non_finite_numeric_gradient_fails(loss, x):
    """Where the loss is NaN or inf near the inputs, does a gradient check fail, naming the loss,
    instead of passing (a NaN relative error is never "more than rtol")?"""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        numeric = numeric_gradient(loss, x)
    assert not np.all(np.isfinite(numeric))  # the planted problem is really there
    analytic = np.where(np.isfinite(numeric), numeric, 0.0)  # right wherever it can be judged
    with pytest.raises(CheckFailure) as failure:
        assert_gradient(analytic, numeric, fn="d_loss", wrt="x", loss="loss")
    message = str(failure.value)
    assert all(w in message for w in ("`d_loss`", "numeric gradient is not finite", "`loss` returned NaN or inf",
                                      "index (1,)")), message


@pytest.mark.parametrize("numeric", [np.array([1.0, np.nan]), np.array([np.inf, 1.0]), np.array(-np.inf)])
def test_non_finite_numeric_entry_fails_even_where_the_analytic_is_finite(numeric):
    """Is a NaN or infinite numeric entry a failure whatever the analytic value beside it?"""
    analytic = np.nan_to_num(numeric, nan=0.0, posinf=1e308, neginf=-1e308)
    with pytest.raises(CheckFailure, match="numeric gradient is not finite"):
        assert_gradient(analytic, numeric, fn="f", wrt="x")


@pytest.mark.parametrize("numeric", [np.array([1e-6, 0.0, 0.0]), np.array([0.0, -2e-7, 3.0])])
def test_zero_analytic_gradient_fails_where_the_numeric_is_not_zero(numeric):
    """Does a gradient of zeros (a stub's `np.zeros_like`) fail where the numeric gradient is small
    but clearly non-zero, beyond atol (1e-8)?"""
    with pytest.raises(CheckFailure) as failure:
        assert_gradient(np.zeros_like(numeric), numeric, fn="f", wrt="x", atol=1e-8)
    assert "analytic 0, numeric" in str(failure.value), str(failure.value)


def test_zero_gradient_stub_fails_on_a_real_function_with_small_slopes():
    """At points where sum(x**3) has slopes of about 1e-6, does an all-zero gradient fail?"""
    x = np.array([1e-3, -6e-4, 2e-3])
    numeric = numeric_gradient(cube_sum, x)
    assert np.all(np.abs(numeric) > 1e-6)
    with pytest.raises(CheckFailure, match="3 of 3 entries off"):
        assert_gradient(np.zeros(3), numeric, fn="f", wrt="x")


def test_layer_forward_whose_shape_changes_near_the_inputs_is_named(monkeypatch):
    """A forward whose out changes shape once its input moves (as the numeric gradient moves it):
    is that refused by name, not left to fail on multiplying out by dout?"""
    from autograder import registry
    from autograder.calls import LocalCaller
    from autograder.checks.common import layer_gradient

    monkeypatch.setattr(registry, "CHECKS", {})
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(3, 2))

    def shifty_forward(x, w):
        out = x * w
        return (out if np.array_equal(x, x0) else out[:1]), (x, w)

    item = layer_gradient(registry.Task("t.scale", 1), "grad", "scale_forward", "scale_backward", ("x", "w"),
                          ("x", "w"), x=x0, w=rng.normal(size=(3, 2)), dout=rng.normal(size=(3, 2)))
    message = registry.attempt(item, LocalCaller({"np": np, "scale_forward": shifty_forward,
                                                  "scale_backward": _scale_backward}))
    assert message and "`scale_forward` returned out of shape (1, 2)" in message, message
    assert "could not judge" not in message
