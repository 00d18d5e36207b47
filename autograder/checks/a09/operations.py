"""The other operations' backward passes: ``matmul``, ``pow``, ``sum`` and ``mean`` over an axis, and
the unary ones (``exp``, ``log``, ``tanh``, ``sigmoid``, ``relu``), each taking the upstream gradient
``grad`` and the operation's inputs.

Each is held to the centred-difference gradient of ``sum(op(inputs) * grad)`` (the operation
computed here with numpy: no student function is differentiated), except relu's, whose value at the
kink is a convention: fixed values there (recomputed in ``tests/recompute_a09.py``; hidden tests
take them from the reference solution).
"""
from __future__ import annotations

import numpy as np

from ...compare import expect_array, expect_tuple
from ...diagnose import (GRADS_ORDER, INPUT_AS_OUTPUT, LOG_TIMES, MATMUL_TRANSPOSES, MEAN_BY_SIZE, MEAN_NOT_DIVIDED,
                         NO_GRAD, POW_EXPONENT, POW_FACTOR, RELU_AT_ZERO)
from ...gradcheck import assert_gradient
from ...messages import phrase, say
from ...registry import check, task
from ..common import _describe_inputs, judged_gradient, judged_slope
from .broadcasting import array_of


def _no_grad(local) -> tuple[str, np.ndarray]:
    """The mistake of returning the local derivative alone."""
    return (say("it matches the local derivative alone: {no_grad} (the chain rule multiplies the two)",
                no_grad=phrase(NO_GRAD)), local)


# ---------------------------------------------------------------- matmul
matmul_backward = task("a09.matmul_backward", points=2)


def _matmul_mistakes(operand: str, grad, a, b) -> tuple:
    """Where every matrix is square, the products students write with the transposes misplaced."""
    wrong = {"a": (("grad @ b", lambda: grad @ b), ("b.T @ grad", lambda: b.T @ grad)),
             "b": (("a @ grad", lambda: a @ grad), ("grad @ a.T", lambda: grad @ a.T))}[operand]
    found = []
    for formula, value in wrong:
        try:
            found.append((say("it matches {formula}: {matmul_transposes} (da = grad @ b.T, db = a.T @ grad)",
                              formula=formula, matmul_transposes=phrase(MATMUL_TRANSPOSES)), value()))
        except ValueError:  # shapes that do not multiply: no such mistake returns this operand's shape
            pass
    return tuple(found)


@check(matmul_backward, "rectangular", grad=np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.75, -0.5, -2.0]]),
       a=np.array([[1.0, -2.0, 0.5], [0.25, 1.5, -1.0]]),
       b=np.array([[0.5, 1.0, -0.5, 2.0], [-1.5, 0.25, 1.0, 0.5], [2.0, -1.0, 0.75, -0.25]]))
def _matmul(call, grad, a, b):
    """Each gradient equals the centred-difference gradient of sum((a @ b) * grad)."""
    where = _describe_inputs({"grad": grad, "a": a, "b": b})
    got = expect_tuple(call("matmul_backward", grad, a, b), ("da", "db"), fn="matmul_backward", where=where)
    inputs = {"a": a, "b": b}

    def upstream(operand):
        return lambda judge, v: float(np.sum((v @ b if operand == "a" else a @ v) * grad))
    numeric = {operand: judged_gradient(call, upstream(operand), inputs[operand]) for operand in inputs}
    for operand, value in zip(("a", "b"), got):
        other = "b" if operand == "a" else "a"
        analytic = array_of(value, np.shape(inputs[operand]), fn="matmul_backward",
                            where=say(" (d{operand}, shaped like `{operand}`){where}", operand=operand, where=where))
        swapped = ((say("it matches the gradient with respect to `{other}`: the gradients are returned {grads_order} "
                        "(return them as {names})", other=other, grads_order=phrase(GRADS_ORDER), names="da, db"),
                    numeric[other]),) if np.shape(a) == np.shape(b) else ()

        def known(operand=operand, swapped=swapped):
            return _matmul_mistakes(operand, grad, a, b) + swapped
        assert_gradient(analytic, numeric[operand], fn="matmul_backward", wrt=operand, rtol=1e-6, atol=1e-8,
                        mistakes=known)


check(matmul_backward, "square", grad=np.array([[1.0, -0.5, 0.25], [2.0, 0.5, -1.5], [-0.75, 1.25, 0.5]]),
      a=np.array([[0.5, 1.5, -1.0], [-2.0, 0.25, 1.0], [1.0, -0.5, 2.0]]),
      b=np.array([[1.5, -1.0, 0.5], [0.25, 2.0, -0.75], [-0.5, 1.0, 1.25]]))(_matmul)


# ---------------------------------------------------------------- pow
pow_backward = task("a09.pow_backward", points=1)


@check(pow_backward, "integer_power", grad=np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]]),
       a=np.array([[1.5, -0.5, 2.0], [-1.25, 0.75, -2.0]]), p=3.0)
def _pow(call, grad, a, p):
    """The gradient equals the centred-difference derivative of a ** p, times grad."""
    where = _describe_inputs({"grad": grad, "a": a}) + say(", p={p!r}", p=p)
    numeric = judged_slope(call, lambda judge, v: v ** p, a) * grad
    got = array_of(call("pow_backward", grad, a, p), np.shape(a), fn="pow_backward", where=where)
    mistakes = ((say("it matches grad * p * a ** p: {pow_exponent} (d(a ** p)/da = p * a ** (p - 1))",
                     pow_exponent=phrase(POW_EXPONENT)), grad * p * a ** p),
                (say("it matches grad * a ** (p - 1): {pow_factor} (d(a ** p)/da = p * a ** (p - 1))",
                     pow_factor=phrase(POW_FACTOR)), grad * a ** (p - 1)),
                _no_grad(p * a ** (p - 1)))
    assert_gradient(got, numeric, fn="pow_backward", wrt="a", rtol=1e-6, atol=1e-8, mistakes=lambda: mistakes)


check(pow_backward, "fractional_power", grad=np.array([[1.5, -0.5], [0.25, 2.0]]),
      a=np.array([[0.25, 4.0], [2.25, 1.5]]), p=0.5)(_pow)
check(pow_backward, "negative_power", grad=np.array([0.75, -1.25, 2.0, 0.5]), a=np.array([0.5, 2.0, 1.25, 3.0]),
      p=-1.5)(_pow)


# ---------------------------------------------------------------- sum and mean over an axis
reduce_backward = task("a09.reduce_backward", points=2)
_POINT = np.linspace(-1.0, 1.0, 24)  # where the numeric gradient is taken (any point: the reductions are linear)


def _reduce(kind: str):
    fn, forward = f"{kind}_backward", {"sum": np.sum, "mean": np.mean}[kind]

    def run(call, grad, shape, axis):
        """The gradient equals the centred-difference gradient of sum(a.<kind>(axis=axis) * grad)."""
        where = _describe_inputs({"grad": grad}) + say(", shape={shape}, axis={axis}", shape=tuple(shape), axis=axis)
        point = np.resize(_POINT, tuple(shape))
        numeric = judged_gradient(call, lambda judge, v: float(np.sum(forward(v, axis=axis) * grad)), point)
        got = array_of(call(fn, grad, shape, axis), tuple(shape), fn=fn, where=where, expected=numeric)

        def mistakes():
            spread = np.broadcast_to(grad if axis is None else np.expand_dims(grad, axis), tuple(shape))
            found = [(say("it matches grad spread over the reduced axis, {mean_not_divided} (the mean divides the "
                          "sum by how many entries each mean is of)", mean_not_divided=phrase(MEAN_NOT_DIVIDED)),
                      spread)] if kind == "mean" else []
            if kind == "mean" and axis is not None:
                found.append((say("it matches grad spread and {mean_by_size}: a mean over axis {axis} divides by "
                                  "shape[axis] only", mean_by_size=phrase(MEAN_BY_SIZE), axis=axis),
                              spread / np.prod(shape)))
            return tuple(found)
        assert_gradient(got, numeric, fn=fn, wrt="a", rtol=1e-6, atol=1e-8, mistakes=mistakes)
    return run


check(reduce_backward, "sum_axis", grad=np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.75, -0.5, -2.0]]),
      shape=(2, 3, 4), axis=1)(_reduce("sum"))
check(reduce_backward, "sum_all", grad=np.array(-1.5), shape=(2, 3), axis=None)(_reduce("sum"))
check(reduce_backward, "mean_axis", grad=np.array([[1.0, -2.0, 0.5, 1.5], [-0.5, 2.5, 1.0, -1.0]]),
      shape=(2, 3, 4), axis=-2)(_reduce("mean"))
check(reduce_backward, "mean_all", grad=np.array(2.5), shape=(3, 4), axis=None)(_reduce("mean"))


# ---------------------------------------------------------------- exp, log, tanh, sigmoid, relu
unary_backward = task("a09.unary_backward", points=2)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


UNARY = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": _sigmoid}


def _unary_mistakes(name: str, grad, a) -> tuple:
    local = {"exp": lambda: np.exp(a), "log": lambda: 1.0 / a, "tanh": lambda: 1.0 - np.tanh(a) ** 2,
             "sigmoid": lambda: _sigmoid(a) * (1.0 - _sigmoid(a))}[name]()
    found = [_no_grad(local)]
    if name in ("tanh", "sigmoid"):
        found.append((say("it matches the derivative written for the output, with {input_as_output}: `a` is the "
                          "input of {name}, so use {name}(a) in the derivative", name=name,
                          input_as_output=phrase(INPUT_AS_OUTPUT)),
                      grad * (1.0 - a ** 2) if name == "tanh" else grad * a * (1.0 - a)))
    if name == "log":
        found.append((say("it matches grad * a: {log_times} (d log(a)/da = 1 / a)", log_times=phrase(LOG_TIMES)),
                      grad * a))
    return tuple(found)


def _unary(name: str):
    fn = f"{name}_backward"

    def run(call, grad, a):
        """The gradient equals the centred-difference derivative of the operation at `a`, times grad."""
        where = _describe_inputs({"grad": grad, "a": a})
        numeric = judged_slope(call, lambda judge, v: UNARY[name](v), a) * grad
        got = array_of(call(fn, grad, a), np.shape(a), fn=fn, where=where)
        assert_gradient(got, numeric, fn=fn, wrt="a", rtol=1e-6, atol=1e-8,
                        mistakes=lambda: _unary_mistakes(name, grad, a))
    return run


_UNARY_GRAD = np.array([[0.5, -1.5, 2.0], [1.25, -0.75, 0.25]])
check(unary_backward, "exp", grad=_UNARY_GRAD, a=np.array([[0.5, -1.0, 2.0], [-2.5, 0.0, 1.25]]))(_unary("exp"))
check(unary_backward, "log", grad=_UNARY_GRAD, a=np.array([[0.5, 2.0, 3.5], [0.25, 1.5, 4.0]]))(_unary("log"))
check(unary_backward, "tanh", grad=_UNARY_GRAD, a=np.array([[0.5, -1.0, 2.0], [-0.25, 1.5, -2.5]]))(_unary("tanh"))
check(unary_backward, "sigmoid", grad=_UNARY_GRAD, a=np.array([[1.0, -2.0, 0.5], [3.0, -0.5, -1.5]]))(
    _unary("sigmoid"))


def _relu_result(call, grad, a):
    return array_of(call("relu_backward", grad, a), np.shape(a), fn="relu_backward",
                    where=_describe_inputs({"grad": grad, "a": a}))


@check(unary_backward, "relu", expect=lambda judge, grad, a: _relu_result(judge, grad, a),
       grad=np.array([[0.5, -1.5, 2.0], [1.25, -0.75, 0.25]]), a=np.array([[-1.5, 0.0, 2.0], [0.5, 0.0, -0.25]]),
       expected=np.array([[0.0, 0.0, 2.0], [1.25, 0.0, 0.0]]))
def _relu(call, grad, a, expected):
    """Exact values: grad where a > 0, and 0 where a <= 0 (the notebook takes relu's derivative at 0 as 0)."""
    got = _relu_result(call, grad, a)
    expect_array(got, expected, fn="relu_backward", where=_describe_inputs({"grad": grad, "a": a}), rtol=0.0,
                 atol=0.0, subject=say("value (grad where a > 0, else 0; at a = 0 too)"),
                 mistakes=((say("it matches grad where a >= 0: {relu_at_zero} (the notebook takes it as 0 there)",
                                relu_at_zero=phrase(RELU_AT_ZERO)), grad * (a >= 0)),
                           _no_grad((a > 0).astype(float))))
