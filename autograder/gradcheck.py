"""The one gradient-check module: centred differences in float64, and an asserting comparison.

A failed check names the function, the parameter, the index, the analytic and the numeric value
and their relative error, so a student knows exactly which derivative to look at.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .calls import CheckFailure
from .diagnose import value_hint
from .messages import say
from .registry import SealedStudent

H = 1e-5


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = H) -> np.ndarray:
    """d f / d x by centred differences, one coordinate at a time; ``f`` maps an array to a float."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def numeric_partial(f: Callable[[np.ndarray], float], x: np.ndarray, index, h: float = H) -> float:
    """d f / d x[index] by a centred difference: one coordinate of :func:`numeric_gradient`, from two
    calls of ``f`` instead of two per coordinate."""
    x = np.array(x, dtype=np.float64)
    step = np.zeros_like(x)
    step[index] = h
    return (f(x + step) - f(x - step)) / (2 * h)


def numeric_derivative_elementwise(f: Callable[[np.ndarray], np.ndarray], z: np.ndarray,
                                   h: float = H) -> np.ndarray:
    """f'(z) for an elementwise f, from two calls on the whole array."""
    points = np.array(z, dtype=float)
    return (np.asarray(f(points + h)) - np.asarray(f(points - h))) / (2 * h)


def relative_error(analytic, numeric, floor: float = 1e-8) -> np.ndarray:
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic - numeric) / scale


def _first_bad(values: np.ndarray) -> tuple[tuple[int, ...], int]:
    """The index of the first non-finite entry of ``values`` and how many there are."""
    bad = ~np.isfinite(values)
    first = tuple(int(i) for i in np.argwhere(bad)[0]) if values.shape else ()
    return first, int(np.count_nonzero(bad))


def _refuse_non_finite(analytic: np.ndarray, numeric: np.ndarray, fn: str, label, loss: str) -> None:
    """A NaN or infinite entry on either side fails the check outright. It must never reach the
    tolerance test: NaN compares False with everything, so "off by more than rtol" would be False
    and a gradient that cannot be judged would pass."""
    size = max(analytic.size, 1)
    if not np.all(np.isfinite(analytic)):
        index, count = _first_bad(analytic)
        raise CheckFailure(say(
            "gradient check failed for `{fn}` with respect to `{wrt}`{at}: the analytic gradient is {value} ({count} "
            "of {size} entries not finite). Return finite numbers: look for a division by zero or a log of 0 in the "
            "gradient's formula.", fn=fn, wrt=label(index), at=_at(index), value=analytic[index], count=count,
            size=size))
    if not np.all(np.isfinite(numeric)):
        index, count = _first_bad(numeric)
        source = f"`{loss}`" if loss else say("the function it is taken of")
        raise CheckFailure(say(
            "gradient check for `{fn}` with respect to `{wrt}`{at}: the numeric gradient is not finite ({value}; "
            "{count} of {size} entries): {source} returned NaN or inf near these inputs (or overflowed over the small "
            "step), so no gradient can be checked there. Make it finite for such inputs, e.g. clip before a log or "
            "use a numerically stable form.", fn=fn, wrt=label(index), at=_at(index), value=numeric[index],
            count=count, size=size, source=source))


def _at(index: tuple[int, ...]) -> str:
    """" at index (1, 2)", said in the current language (nothing for a scalar)."""
    return say(" at index {index}", index=index) if index else ""


def assert_gradient(analytic, numeric, *, fn: str, wrt: str, rtol: float = 1e-6, atol: float = 1e-8,
                    names: Sequence[str] | None = None, floor: float = 1e-8, loss: str = "",
                    samples: int | None = None, mistakes: Callable[[], tuple] | None = None) -> None:
    """Raise CheckFailure naming the worst entry if ``analytic`` and ``numeric`` disagree.

    An entry fails when it is off both relatively (> rtol) and absolutely (> atol): where the true
    gradient is 0, centred differences leave an O(h**2) residue that no relative test can judge.
    A non-finite entry on either side fails, whatever the tolerances; ``loss`` names the function
    the numeric gradient is taken of, for that message; ``samples``, how many samples the inputs
    hold, where the check knows (for the hint "a sum where the mean belongs"); ``mistakes``, the
    check's own known mistakes as a function giving ((hint, gradient), ...), called only on failure
    (it may cost more numeric gradients), each hint already said in the current language
    (``say(...)``). ``fn``, ``wrt``, ``names`` and ``loss`` are names, shown as they are.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise CheckFailure(say("gradient check for `{fn}`: analytic gradient has shape {got_shape}, `{wrt}` has shape "
                               "{shape}", fn=fn, got_shape=analytic.shape, wrt=wrt, shape=numeric.shape))

    def label(index: tuple[int, ...]) -> str:
        return names[int(np.ravel_multi_index(index, analytic.shape)) if index else 0] if names else wrt

    _refuse_non_finite(analytic, numeric, fn, label, loss)
    with np.errstate(over="ignore"):  # two huge finite values may differ by more than the largest float
        error = relative_error(analytic, numeric, floor)
        off = (error > rtol) & (np.abs(analytic - numeric) > atol)
    if not off.any():
        return
    worst = np.unravel_index(int(np.argmax(np.where(off, error, -1.0))), error.shape) if error.shape else ()
    worst = tuple(int(i) for i in worst)
    raise CheckFailure(
        say("gradient check failed for `{fn}` with respect to `{wrt}`{at}: analytic {analytic:.10g}, numeric "
            "{numeric:.10g}, relative error {error:.3g} (allowed {rtol:g}; {off} of {size} entries off)",
            fn=fn, wrt=label(worst), at=_at(worst), analytic=analytic[worst], numeric=numeric[worst],
            error=error[worst], rtol=rtol, off=int(np.count_nonzero(off)), size=max(error.size, 1))
        + value_hint(analytic, numeric, rtol, atol, what=say("the numeric gradient"), samples=samples,
                     mistakes=known_mistakes(mistakes)))


def known_mistakes(mistakes: Callable[[], tuple] | None) -> tuple:
    """The check's known mistakes, or none where working them out fails (they call the judge's
    functions again, at other points): a hint must never replace the failure it explains."""
    try:
        return mistakes() if mistakes else ()
    except SealedStudent:  # a check's bug, which a missing hint must not hide
        raise
    except Exception:  # noqa: BLE001 -- e.g. the student's own forward failing at those points
        return ()
