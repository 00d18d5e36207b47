"""The one gradient-check module: centred differences in float64, and an asserting comparison.

A failed check names the function, the parameter, the index, the analytic and the numeric value
and their relative error, so a student knows exactly which derivative to look at.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .calls import CheckFailure

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


def numeric_derivative_elementwise(f: Callable[[np.ndarray], np.ndarray], z: np.ndarray,
                                   h: float = H) -> np.ndarray:
    """f'(z) for an elementwise f, from two calls on the whole array."""
    points = np.array(z, dtype=float)
    return (np.asarray(f(points + h)) - np.asarray(f(points - h))) / (2 * h)


def relative_error(analytic, numeric, floor: float = 1e-8) -> np.ndarray:
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic - numeric) / scale


def assert_gradient(analytic, numeric, *, fn: str, wrt: str, rtol: float = 1e-6, atol: float = 1e-8,
                    names: Sequence[str] | None = None, floor: float = 1e-8) -> None:
    """Raise CheckFailure naming the worst entry if ``analytic`` and ``numeric`` disagree.

    An entry fails when it is off both relatively (> rtol) and absolutely (> atol): where the true
    gradient is 0, centred differences leave an O(h**2) residue that no relative test can judge.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise CheckFailure(f"gradient check for `{fn}`: analytic gradient has shape {analytic.shape}, "
                           f"`{wrt}` has shape {numeric.shape}")
    with np.errstate(invalid="ignore"):
        error = relative_error(analytic, numeric, floor)
        off = (error > rtol) & (np.abs(analytic - numeric) > atol)
    error = np.where(np.isfinite(analytic), error, np.inf)
    off |= ~np.isfinite(analytic)
    if not off.any():
        return
    worst = np.unravel_index(int(np.argmax(np.where(off, error, -1.0))), error.shape) if error.shape else ()
    flat = int(np.ravel_multi_index(worst, error.shape)) if error.shape else 0
    label = names[flat] if names else wrt
    at = f" at index {tuple(int(i) for i in worst)}" if error.shape else ""
    raise CheckFailure(
        f"gradient check failed for `{fn}` with respect to `{label}`{at}: "
        f"analytic {analytic[worst]:.10g}, numeric {numeric[worst]:.10g}, "
        f"relative error {error[worst]:.3g} (allowed {rtol:g}; "
        f"{int(np.count_nonzero(off))} of {max(error.size, 1)} entries off)")
