"""Comparing a returned value with what was expected: type, then dtype, then shape, then value.

Every failure names the function, says what was expected and shows what came back beside it.
"""
from __future__ import annotations

import numpy as np

from .calls import CheckFailure
from .channel import Foreign
from .diagnose import value_hint
from .messages import say

np_print = dict(precision=8, threshold=40, edgeitems=3, max_line_width=100)


def describe(value) -> str:
    """A short, student-readable description of a returned value's type."""
    if isinstance(value, Foreign):
        return (say("a {type_name} ({detail})", type_name=value.type_name, detail=value.detail) if value.detail
                else say("a {type_name}", type_name=value.type_name))
    if type(value) is np.ndarray:
        return say("a numpy array of dtype {dtype} and shape {shape}", dtype=value.dtype, shape=value.shape)
    if isinstance(value, np.generic):
        return say("a numpy scalar of type {type_name}", type_name=type(value).__name__)
    if value is None:
        return say("None (did you forget `return`?)")
    return a_type(value)


def a_type(value) -> str:
    """"a list", "an int", "a numpy array": the type of ``value`` with its article."""
    if type(value) is np.ndarray:
        return say("a numpy array")
    name = type(value).__name__
    return say("an {type_name}", type_name=name) if name[:1].lower() in "aeiou" else say("a {type_name}", type_name=name)


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
    at = say(" at index {index}", index=tuple(int(i) for i in index)) if got.shape else ""
    return say("`{fn}` returned a wrong {what}{where}{at}: got {got!r}, expected {expected!r} ({bad} of {size} entries "
               "differ)\nreturned:\n{returned}\nexpected:\n{shown}", fn=fn, what=what, where=where, at=at,
               got=got[index].item(), expected=expected[index].item(), bad=int(np.count_nonzero(bad)),
               size=max(got.size, 1), returned=show(got), shown=show(expected))


def expect_float_array(got, shape: tuple, *, fn: str, where: str = "") -> np.ndarray:
    """``got`` must be a finite float64 ndarray of ``shape``; its values are not judged here."""
    if type(got) is not np.ndarray:
        raise CheckFailure(say("`{fn}` should return a numpy array of shape {shape}{where}, but returned {described}: "
                               "{shown}", fn=fn, shape=shape, where=where, described=describe(got), shown=show(got)))
    if got.dtype != np.float64:
        raise CheckFailure(say("`{fn}` returned an array of dtype {dtype}{where}; expected float64. Use float "
                               "arithmetic (e.g. `np.asarray(x, dtype=float)`).", fn=fn, dtype=got.dtype, where=where))
    if got.shape != tuple(shape):
        raise CheckFailure(say("`{fn}` returned an array of shape {got_shape}{where}; expected shape {shape}.\n"
                               "returned:\n{shown}", fn=fn, got_shape=got.shape, where=where, shape=tuple(shape),
                               shown=show(got)))
    if not np.all(np.isfinite(got)):
        raise CheckFailure(say("`{fn}` returned NaN or infinite values{where}.\nreturned:\n{shown}", fn=fn,
                               where=where, shown=show(got)))
    return got


def expect_array(got, expected, *, fn: str, what: str | None = None, subject: str | None = None, where: str = "",
                 rtol: float = 1e-7, atol: float = 1e-12, samples: int | None = None,
                 mistakes: tuple = (), pieces: tuple | None = None) -> np.ndarray:
    """``got`` must be a float64 ndarray of ``expected``'s shape, equal to it within tolerance;
    a wrong value gets a hint where it is a known mistake (:mod:`autograder.diagnose`; ``samples``:
    how many samples the inputs hold, where the check knows; ``mistakes``: the check's own). A wrong
    value is "a wrong value for ``what``" (``what``: say("trajectory")), or "a wrong ``subject``"
    (``subject``: say("value (its logit is not z)")), or "a wrong value"; each said in the current language."""
    if subject is None:
        subject = say("value") if what is None else say("value for {what}", what=what)
    expected = np.asarray(expected, dtype=np.float64)
    if type(got) is np.ndarray and got.dtype == np.float64 and got.shape != expected.shape:
        transposed = value_hint(got, expected, rtol, atol)  # the shape message, and why if known
        if transposed:
            raise CheckFailure(say("`{fn}` returned an array of shape {got_shape}{where}; expected shape {shape}.",
                                   fn=fn, got_shape=got.shape, where=where, shape=expected.shape) + transposed)
    expect_float_array(got, expected.shape, fn=fn, where=where)
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        raise CheckFailure(_values_message(fn, got, expected, subject, where, rtol, atol)
                           + value_hint(got, expected, rtol, atol, samples=samples, mistakes=mistakes,
                                        pieces=pieces))
    return got


def expect_tuple(got, names: tuple[str, ...], *, fn: str, where: str = "") -> tuple:
    """``got`` must be a tuple (or list) of ``len(names)`` values, e.g. ``(h1, h2, o)``."""
    if type(got) not in (tuple, list) or len(got) != len(names):
        length = say(" of length {length}", length=len(got)) if type(got) in (tuple, list) else ""
        raise CheckFailure(say("`{fn}` should return a tuple ({names}){where}; it returned {described}{length}",
                               fn=fn, names=", ".join(names), where=where, described=describe(got), length=length))
    return tuple(got)


def as_float(got, *, fn: str, where: str = "") -> float:
    """``got`` must be one real number: a Python float or a numpy floating scalar."""
    if type(got) is float or (isinstance(got, np.floating) and np.asarray(got).dtype == np.float64):
        value = float(got)
    elif type(got) is np.ndarray and got.shape == () and got.dtype == np.float64:
        value = float(got[()])
    else:
        hint = say(" Return a single number, e.g. `float(np.mean(...))`.") if type(got) is np.ndarray else ""
        raise CheckFailure(say("`{fn}` should return one float{where}, but returned {described}: {shown}.",
                               fn=fn, where=where, described=describe(got), shown=show(got)) + hint)
    if not np.isfinite(value):
        raise CheckFailure(say("`{fn}` returned {value}{where}; expected a finite number.", fn=fn, value=value,
                               where=where))
    return value


def expect_float(got, expected: float, *, fn: str, where: str = "", rtol: float = 1e-7,
                 atol: float = 1e-12, samples: int | None = None, mistakes: tuple = ()) -> float:
    value = as_float(got, fn=fn, where=where)
    if not np.isclose(value, expected, rtol=rtol, atol=atol):
        raise CheckFailure(say("`{fn}` returned {value!r}{where}; expected {expected!r} (difference {difference:.3g}).",
                               fn=fn, value=value, where=where, expected=expected, difference=value - expected)
                           + value_hint(np.float64(value), np.float64(expected), rtol, atol, samples=samples,
                                        mistakes=mistakes))
    return value
