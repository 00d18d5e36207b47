"""Check shapes shared by every assignment."""
from __future__ import annotations

import numpy as np

from ..compare import expect_array, expect_float
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
