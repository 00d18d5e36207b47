"""Broadcasting's backward: ``unbroadcast``, and the four elementwise operations' backward passes
built on it (``add``, ``sub``, ``mul``, ``div``), each ``(grad, a, b) -> (da, db)``.

``unbroadcast`` is held to fixed sums (recomputed in ``tests/recompute_a09.py``; hidden tests take
them from the reference solution). Each elementwise backward is held to the centred-difference
gradient of ``sum(op(a, b) * grad)`` with respect to each operand, on operands that both broadcast:
a has an axis of 1 that ``b`` stretches, ``b`` lacks the leading axis and has an axis of 1 too.
"""
from __future__ import annotations

import numpy as np

from ...calls import CheckFailure
from ...compare import expect_array, expect_float_array, expect_tuple
from ...diagnose import DIV_SQUARE, MEAN_FOR_SUM, NOT_UNBROADCAST, OPERAND_SWAPPED, SUMS_MISSHAPED, hint
from ...gradcheck import assert_gradient
from ...messages import phrase, say
from ...registry import check, task
from ..common import _describe_inputs, describe_input, judged_gradient


# ---------------------------------------------------------------- shared by a09's checks
def summed_to(grad, shape: tuple) -> np.ndarray:
    """``grad`` summed back to ``shape`` by broadcasting's rules: for the values a mistake gives
    (a hint's), never for an expected value."""
    values = np.asarray(grad, dtype=np.float64)
    added = values.ndim - len(shape)  # the leading axes broadcasting added
    stretched = tuple(added + i for i, n in enumerate(shape) if n == 1 and values.shape[added + i] != 1)
    return values.sum(axis=stretched, keepdims=True).sum(axis=tuple(range(added))).reshape(shape)


def array_of(got, shape: tuple, *, fn: str, where: str = "", expected=None, broadcast: tuple | None = None):
    """``got`` as a float64 array of ``shape``: a float64 number stands for an array of shape () (a
    sum of 0-d arrays is one). A wrong shape fails, and says why where that is certain (given the
    ``expected`` values): the gradient left in the ``broadcast`` shape, which summed back would be
    right, or the right sums in another shape."""
    if shape == () and (type(got) is float or type(got) is np.float64):
        return np.array(got, dtype=np.float64)
    if type(got) is np.ndarray and got.dtype == np.float64 and got.shape != tuple(shape) \
            and expected is not None and np.all(np.isfinite(got)):
        why = _shape_hint(got, np.asarray(expected, dtype=np.float64), broadcast)
        if why:
            raise CheckFailure(say("`{fn}` returned an array of shape {got_shape}{where}; expected shape {shape}.",
                                   fn=fn, got_shape=got.shape, where=where, shape=tuple(shape)) + why)
    return expect_float_array(got, tuple(shape), fn=fn, where=where)


def _shape_hint(got: np.ndarray, expected: np.ndarray, broadcast: tuple | None) -> str:
    if broadcast is not None and got.shape == tuple(broadcast) \
            and np.allclose(summed_to(got, expected.shape), expected, rtol=1e-6, atol=1e-8):
        return hint(say("it has the broadcast result's shape, and summed back to the operand's shape it would be "
                        "right: {not_unbroadcast} (sum it back with `unbroadcast`)",
                        not_unbroadcast=phrase(NOT_UNBROADCAST)))
    if got.size == expected.size and np.allclose(got.reshape(expected.shape), expected, rtol=1e-6, atol=1e-8):
        return hint(say("it holds {sums_misshaped}: an axis where the target shape has 1 stays, with size 1 "
                        "(keepdims=True), and the array has exactly that shape", sums_misshaped=phrase(SUMS_MISSHAPED)))
    return ""


# ---------------------------------------------------------------- unbroadcast
unbroadcast = task("a09.unbroadcast", points=2)


def _unbroadcast_where(grad, shape) -> str:
    return say(" for {grad}, shape={shape}", grad=describe_input("grad", grad), shape=tuple(shape))


def _unbroadcast_result(call, grad, shape, expected=None) -> np.ndarray:
    return array_of(call("unbroadcast", grad, shape), tuple(shape), fn="unbroadcast",
                    where=_unbroadcast_where(grad, shape), expected=expected)


def _unbroadcast_expect(judge, grad, shape):
    return _unbroadcast_result(judge, grad, shape)


def _unbroadcast_values(call, grad, shape, expected):
    got = _unbroadcast_result(call, grad, shape, expected)
    mean = np.asarray(expected) * (np.prod(shape, dtype=float) / np.size(grad))
    expect_array(got, expected, fn="unbroadcast", where=_unbroadcast_where(grad, shape), rtol=1e-9,
                 subject=say("value (grad summed over the axes broadcasting added or stretched)"),
                 mistakes=((say("it matches the mean over the broadcast axes: {mean_for_sum} (each entry of the "
                                "operand got the gradient of every copy of it, so add them)",
                                mean_for_sum=phrase(MEAN_FOR_SUM)), mean),))


_G3 = np.array([[[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], [[-2.0, 1.0, 0.75], [0.5, -1.5, 1.0]],
                [[1.0, 0.5, -0.25], [-1.0, 2.0, 0.5]], [[0.25, -0.75, 1.5], [2.0, 1.0, -2.0]]])  # (4, 2, 3)
_G2 = np.array([[1.0, -0.5, 2.5, 0.25], [-1.5, 2.0, 0.5, 1.0], [0.75, 1.25, -2.0, -0.5]])      # (3, 4)

check(unbroadcast, "leading", expect=_unbroadcast_expect, grad=_G3, shape=(2, 3),
      expected=np.array([[-0.25, -0.25, 4.0], [3.0, 1.75, -1.0]]))(_unbroadcast_values)
check(unbroadcast, "kept_axis", expect=_unbroadcast_expect, grad=_G2, shape=(1, 4),
      expected=np.array([[0.25, 2.75, 1.0, 0.75]]))(_unbroadcast_values)
check(unbroadcast, "both", expect=_unbroadcast_expect, grad=_G3, shape=(1, 3),
      expected=np.array([[2.75, 1.5, 3.0]]))(_unbroadcast_values)
check(unbroadcast, "unchanged", expect=_unbroadcast_expect, grad=_G2, shape=(3, 4), expected=_G2)(_unbroadcast_values)
check(unbroadcast, "to_scalar", expect=_unbroadcast_expect, grad=_G2, shape=(), expected=np.array(4.75))(
    _unbroadcast_values)


# ---------------------------------------------------------------- add, sub, mul, div
elementwise_backward = task("a09.elementwise_backward", points=3)
FORWARD = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
# The elementwise backward passes call the student's unbroadcast: the self-check judges it first.
BUILT_ON = ("unbroadcast",)


def _elementwise_mistakes(op: str, operand: str, grad, a, b) -> tuple:
    """(hint, gradient) of the known mistakes of ``op``'s gradient with respect to ``operand``."""
    shape = np.shape(a) if operand == "a" else np.shape(b)
    if op == "mul":
        own = a if operand == "a" else b
        return ((say("it matches grad times `{operand}` itself: {operand_swapped} (d(a * b)/da = b, d(a * b)/db = a)",
                     operand=operand, operand_swapped=phrase(OPERAND_SWAPPED)), summed_to(grad * own, shape)),)
    if op == "div" and operand == "b":
        return ((say("it matches -grad * a / b: {div_square} (d(a / b)/db = -a / b ** 2)",
                     div_square=phrase(DIV_SQUARE)), summed_to(-grad * a / b, shape)),)
    return ()


def _elementwise(op: str):
    fn = f"{op}_backward"

    def run(call, grad, a, b):
        where = _describe_inputs({"grad": grad, "a": a, "b": b})
        got = expect_tuple(call(fn, grad, a, b), ("da", "db"), fn=fn, where=where)
        for operand, value in zip(("a", "b"), got):
            point = a if operand == "a" else b

            def upstream(judge, v, operand=operand):
                moved = {"a": a, "b": b, operand: v}
                return float(np.sum(FORWARD[op](moved["a"], moved["b"]) * grad))
            numeric = judged_gradient(call, upstream, point)
            said = say(" (d{operand}, shaped like `{operand}`){where}", operand=operand, where=where)
            analytic = array_of(value, np.shape(point), fn=fn, where=said, expected=numeric, broadcast=np.shape(grad))
            assert_gradient(analytic, numeric, fn=fn, wrt=operand, rtol=1e-6, atol=1e-8,
                            mistakes=lambda operand=operand: _elementwise_mistakes(op, operand, grad, a, b))
    return run


_GRAD = np.array([[[0.5, -1.0, 1.5], [2.0, 0.25, -0.75], [-1.25, 1.0, 0.5], [0.75, -0.5, 2.5]],
                  [[-1.5, 0.5, 1.0], [0.25, -2.0, 1.25], [1.5, 0.75, -1.0], [-0.25, 1.75, 0.5]]])  # (2, 4, 3)
_A = np.array([[[1.5, -0.5, 2.0]], [[-1.0, 0.75, 0.25]]])  # (2, 1, 3): its axis 1 is stretched to 4
_B = np.array([[0.5], [-1.25], [2.0], [-0.75]])             # (4, 1): no axis 0, its axis 1 stretched to 3

for _op in FORWARD:
    check(elementwise_backward, _op, uses=BUILT_ON, grad=_GRAD, a=_A, b=_B)(_elementwise(_op))
check(elementwise_backward, "scalar_operand", uses=BUILT_ON, grad=np.array([[1.5, -0.5, 0.25], [-2.0, 1.0, 0.75]]),
      a=np.array([[0.5, 2.0, -1.0], [1.5, -0.25, 1.0]]), b=np.array(-1.5))(_elementwise("mul"))
