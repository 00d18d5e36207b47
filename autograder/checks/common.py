"""Check shapes shared by every assignment."""
from __future__ import annotations

import numpy as np

from ..compare import as_float, expect_array, expect_float, expect_float_array
from ..gradcheck import assert_gradient, numeric_gradient
from ..registry import Task, register


def _describe_inputs(inputs: dict) -> str:
    parts = []
    for name, value in inputs.items():
        small = np.size(value) <= 12
        parts.append(f"{name}={np.asarray(value).tolist()}" if small else f"{name} of shape {np.shape(value)}")
    return " for " + ", ".join(parts)


def fixed_value(task: Task, name: str, fn: str, args: tuple[str, ...], *, scalar: bool = False,
                note: str = "", rtol: float = 1e-7, atol: float = 1e-12, **params):
    """Register a check: ``fn(*args)`` on the given inputs equals a fixed ``expected`` value.

    ``params`` holds the public inputs (named as in ``args``) and ``expected``; a hidden test calls
    the same check with other inputs and another ``expected``.
    """
    def run(call, expected, **inputs):
        got = call(fn, *(inputs[a] for a in args))
        where = _describe_inputs({a: inputs[a] for a in args}) + note
        if scalar:
            expect_float(got, expected, fn=fn, where=where, rtol=rtol, atol=atol)
        else:
            expect_array(got, expected, fn=fn, where=where, rtol=rtol, atol=atol)
    return register(task, name, run, **params)


def loss_gradient(task: Task, name: str, grad_fn: str, loss_fn: str, args: tuple[str, ...], wrt: str,
                  *, rtol: float = 1e-6, **params):
    """Register a check: ``grad_fn(*args)`` equals the numeric gradient of ``loss_fn(*args)``
    with respect to the argument ``wrt``, both being the student's own functions."""
    def run(call, **inputs):
        point = inputs[wrt]
        analytic = expect_float_array(call(grad_fn, *(inputs[a] for a in args)), np.shape(point), fn=grad_fn)

        def loss_at(value):
            moved = {**inputs, wrt: value}
            return as_float(call(loss_fn, *(moved[a] for a in args)), fn=loss_fn)

        assert_gradient(analytic, numeric_gradient(loss_at, point), fn=grad_fn, wrt=wrt, rtol=rtol)
    return register(task, name, run, **params)
