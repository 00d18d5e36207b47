"""Comparing a returned value with what was expected: type, then dtype, then shape, then value.

Every failure names the function, says what was expected and shows what came back beside it.
"""
from __future__ import annotations

import numpy as np

from .calls import CheckFailure
from .channel import Foreign
from .diagnose import value_hint

np_print = dict(precision=8, threshold=40, edgeitems=3, max_line_width=100)


def describe(value) -> str:
    """A short, student-readable description of a returned value's type."""
    if isinstance(value, Foreign):
        return f"a {value.type_name}" + (f" ({value.detail})" if value.detail else "")
    if type(value) is np.ndarray:
        return f"a numpy array of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, np.generic):
        return f"a numpy scalar of type {type(value).__name__}"
    if value is None:
        return "None (did you forget `return`?)"
    return a_type(value)


def a_type(value) -> str:
    """"a list", "an int", "a numpy array": the type of ``value`` with its article."""
    name = "numpy array" if type(value) is np.ndarray else type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def show(value) -> str:
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return np.array2string(np.asarray(value), **np_print)
    return repr(value)


def _values_message(fn: str, got: np.ndarray, expected: np.ndarray, what: str, where: str,
                    rtol: float, atol: float) -> str:
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    diff = np.abs(got - expected)
    diff = np.where(np.isnan(diff), np.inf, diff)
    index = np.unravel_index(int(np.argmax(diff)), got.shape) if got.shape else ()
    at = f" at index {tuple(int(i) for i in index)}" if got.shape else ""
    subject = what if what.startswith("value") else f"value for {what}"
    return (f"`{fn}` returned a wrong {subject}{where}{at}: "
            f"got {got[index].item()!r}, expected {expected[index].item()!r} "
            f"({int(np.count_nonzero(bad))} of {max(got.size, 1)} entries differ)\n"
            f"returned:\n{show(got)}\nexpected:\n{show(expected)}")


def expect_float_array(got, shape: tuple, *, fn: str, where: str = "") -> np.ndarray:
    """``got`` must be a finite float64 ndarray of ``shape``; its values are not judged here."""
    if type(got) is not np.ndarray:
        raise CheckFailure(f"`{fn}` should return a numpy array of shape {shape}{where}, "
                           f"but returned {describe(got)}: {show(got)}")
    if got.dtype != np.float64:
        raise CheckFailure(f"`{fn}` returned an array of dtype {got.dtype}{where}; expected float64. "
                           "Use float arithmetic (e.g. `np.asarray(x, dtype=float)`).")
    if got.shape != tuple(shape):
        raise CheckFailure(f"`{fn}` returned an array of shape {got.shape}{where}; expected shape "
                           f"{tuple(shape)}.\nreturned:\n{show(got)}")
    if not np.all(np.isfinite(got)):
        raise CheckFailure(f"`{fn}` returned NaN or infinite values{where}.\nreturned:\n{show(got)}")
    return got


def expect_array(got, expected, *, fn: str, what: str = "value", where: str = "",
                 rtol: float = 1e-7, atol: float = 1e-12, samples: int | None = None,
                 mistakes: tuple = (), pieces: tuple | None = None) -> np.ndarray:
    """``got`` must be a float64 ndarray of ``expected``'s shape, equal to it within tolerance;
    a wrong value gets a hint where it is a known mistake (:mod:`autograder.diagnose`; ``samples``:
    how many samples the inputs hold, where the check knows; ``mistakes``: the check's own)."""
    expected = np.asarray(expected, dtype=np.float64)
    if type(got) is np.ndarray and got.dtype == np.float64 and got.shape != expected.shape:
        transposed = value_hint(got, expected, rtol, atol)  # the shape message, and why if known
        if transposed:
            raise CheckFailure(f"`{fn}` returned an array of shape {got.shape}{where}; expected shape "
                               f"{expected.shape}.{transposed}")
    expect_float_array(got, expected.shape, fn=fn, where=where)
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        raise CheckFailure(_values_message(fn, got, expected, what, where, rtol, atol)
                           + value_hint(got, expected, rtol, atol, samples=samples, mistakes=mistakes,
                                        pieces=pieces))
    return got


def expect_tuple(got, names: tuple[str, ...], *, fn: str, where: str = "") -> tuple:
    """``got`` must be a tuple (or list) of ``len(names)`` values, e.g. ``(h1, h2, o)``."""
    if type(got) not in (tuple, list) or len(got) != len(names):
        length = f" of length {len(got)}" if type(got) in (tuple, list) else ""
        raise CheckFailure(f"`{fn}` should return a tuple ({', '.join(names)}){where}; "
                           f"it returned {describe(got)}{length}")
    return tuple(got)


def as_float(got, *, fn: str, where: str = "") -> float:
    """``got`` must be one real number: a Python float or a numpy floating scalar."""
    if type(got) is float or (isinstance(got, np.floating) and np.asarray(got).dtype == np.float64):
        value = float(got)
    elif type(got) is np.ndarray and got.shape == () and got.dtype == np.float64:
        value = float(got[()])
    else:
        hint = " Return a single number, e.g. `float(np.mean(...))`." if type(got) is np.ndarray else ""
        raise CheckFailure(f"`{fn}` should return one float{where}, but returned {describe(got)}: "
                           f"{show(got)}.{hint}")
    if not np.isfinite(value):
        raise CheckFailure(f"`{fn}` returned {value}{where}; expected a finite number.")
    return value


def expect_float(got, expected: float, *, fn: str, where: str = "", rtol: float = 1e-7,
                 atol: float = 1e-12, samples: int | None = None, mistakes: tuple = ()) -> float:
    value = as_float(got, fn=fn, where=where)
    if not np.isclose(value, expected, rtol=rtol, atol=atol):
        raise CheckFailure(f"`{fn}` returned {value!r}{where}; expected {expected!r} "
                           f"(difference {value - expected:.3g})."
                           + value_hint(np.float64(value), np.float64(expected), rtol, atol, samples=samples,
                                        mistakes=mistakes))
    return value
