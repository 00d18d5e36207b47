"""Naming the likely mistake behind a wrong value.

A returned value that is wrong is tested against a few transforms of the expected one, each the
trace of a common mistake: the opposite sign, a whole-number factor (a sum where the mean belongs,
the 2 of a square's derivative forgotten), the transpose. A hint is given only when the returned
value equals the transformed one within the check's own tolerance, so it is never a guess; it
names the mistake in words and never shows an input or an expected value.
"""
from __future__ import annotations

import numpy as np

# The mistakes a hint can name, by the words that name them (tests match hints by these).
SIGN, TWICE, HALF = "check the sign", "a factor 2 too many", "a factor 2 missing"
SUM_FOR_MEAN, MEAN_FOR_SUM, TRANSPOSED = "a sum where the mean belongs", "a mean where a sum belongs", "transposed"
# ... and mistakes a check names itself (value_hint's ``mistakes``), by the same rule.
NO_BIAS_CORRECTION, EPS_OUTSIDE_ROOT = "without bias correction", "eps added outside the square root"
OLD_VELOCITY, AT_Z = "the old velocity", "evaluated at z instead of"
KINDS = (SIGN, TWICE, HALF, SUM_FOR_MEAN, MEAN_FOR_SUM, TRANSPOSED, NO_BIAS_CORRECTION, EPS_OUTSIDE_ROOT,
         OLD_VELOCITY, AT_Z)

def _factor(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
            samples: int | None) -> float | None:
    """The factor c with ``got`` equal to c * ``expected`` within tolerance, for c in −1, 2, ½ and,
    when the check says how many samples its inputs hold, that number N and 1/N."""
    scale = np.abs(expected)
    if scale.size == 0 or not np.all(np.isfinite(got)) or scale.max() <= atol:
        return None
    candidates = [-1.0, 2.0, 0.5]
    if samples is not None and samples >= 3:
        candidates += [float(samples), 1.0 / samples]
    for factor in candidates:
        if np.allclose(got, factor * expected, rtol=rtol, atol=atol):
            return factor
    return None


def _say_factor(factor: float, what: str, samples: int | None) -> str:
    if factor == -1:
        return f"it is exactly −1 × {what}: {SIGN}"
    if factor == 2:
        return f"it is exactly twice {what}: {TWICE}?"
    if factor == 0.5:
        return f"it is exactly half {what}: {HALF}?"
    if factor == samples:
        return f"it is exactly N = {samples} (the number of samples) × {what}: {SUM_FOR_MEAN}?"
    return (f"it is exactly 1/N of {what}, N = {samples} being the number of samples: {MEAN_FOR_SUM}, "
            "or divided by N twice?")


def value_hint(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
               what: str = "the expected value", samples: int | None = None,
               mistakes: tuple[tuple[str, np.ndarray], ...] = ()) -> str:
    """``"\nhint: …"`` when ``got`` is a known transform of ``expected``, else ``""``.

    ``samples``: how many samples (rows) the check's inputs hold, where the check knows it.
    ``mistakes``: the check's own, as (what to say, the value that mistake gives); they come first."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    for said, value in mistakes:
        value = np.asarray(value, dtype=np.float64)
        if value.shape == got.shape and np.allclose(got, value, rtol=rtol, atol=atol) \
                and not np.allclose(value, expected, rtol=rtol, atol=atol):
            return f"\nhint: {said}"
    if got.shape == expected.shape:
        factor = _factor(got, expected, rtol, atol, samples)
        if factor is not None:
            return "\nhint: " + _say_factor(factor, what, samples)
    if got.ndim == 2 and got.shape != expected.shape and got.shape == expected.T.shape \
            and np.allclose(got, expected.T, rtol=rtol, atol=atol):
        return f"\nhint: it matches {what} {TRANSPOSED}: rows are samples, columns are features"
    return ""
