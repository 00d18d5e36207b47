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
# ... shapes a mistake leaves (value_hint's own, on a shape mismatch)
NOT_SUMMED, ONE_STEP_SHORT, NO_X0 = "not summed over the samples", "one step short", "x0 left out"
# ... the layer contract's (checks/common.py: layer_gradient)
NO_DOUT, AT_OUTPUT, GRADS_ORDER = ("the upstream gradient `dout` is not multiplied in", "at the layer's output",
                                   "in the wrong order")
# ... and single checks' own
BIAS_ROW, SIGMOID_SLOPE, NEXT_STEP = "row 0 holds the biases", "the sigmoid's derivative is", "one step too far"
MEAN_OVER_ALL, NO_BIAS = "a mean over every entry", "the bias is not added"
# ... normalisation's (a07)
UNBIASED_VAR, WRONG_AXIS, EVAL_BATCH = ("the variance dividing by N - 1", "over the wrong axis",
                                        "the batch's own statistics in evaluation mode")
# ... and a piecewise function's derivative wrong on whole pieces only (value_hint's ``pieces``)
ONE_PIECE = "wrong exactly where"
# optimizer mistakes (a04, a05)
STEP_SIGN, PLAIN_GD = ("the whole step with its sign flipped",
                       "plain gradient descent, as if the velocity were always 0")
FIRST_STEP_MOMENTUM, MOMENTUM_TERM_SIGN = ("momentum already at the first step",
                                           "the momentum term with its sign flipped")
NO_LOOK_AHEAD, NO_GRADIENT_TERM = "without Nesterov's look-ahead", "the gradient term - lr * dw missing"
NOT_SQUARED, NOT_CARRIED = "the gradient where its square belongs", "not carried over from the step before"
STALE_V, NEW_TERM_WEIGHT = "v from before this step", "the new term's weight missing"
WEIGHTS_SWAPPED, WRONG_BETA = "the two weights swapped", "the other beta in the bias correction"
T_BEFORE_ADDING = "t before adding 1"
EPS_WRITTEN_IN = "written in where the given `eps` belongs"
# The eps values students write into a formula instead of the one they are given (each library's
# default): checks give other eps, so each of these changes the answer there.
COMMON_EPS = (1e-8, 1e-7, 1e-6, 1e-5)
# ... recurrent networks' (a08)
PADDING_FIRST, MASK_IGNORED, PADDING_ZEROED = ("the padding put before each sequence", "padding taken for real steps",
                                              "states set to 0 at padded steps")
STATE_WH_T, BEFORE_TANH = "the state multiplied by Wh.T", "the sum before tanh"
CLIP_PER_ARRAY, CLIP_ALWAYS = "each array clipped on its own", "scaled to max_norm even below it"
# ... the perceptron's (a01)
STRICT_STEP, NO_BIAS_UPDATE = "z > 0 where z >= 0 belongs", "the bias never updated"
NO_CLEAN_EPOCH, EPOCH_TOO_MANY, EPOCH_TOO_FEW = ("the epoch with no mistake left out", "one epoch too many",
                                                "one epoch too few")
KINDS = (SIGN, TWICE, HALF, SUM_FOR_MEAN, MEAN_FOR_SUM, TRANSPOSED, NO_BIAS_CORRECTION, EPS_OUTSIDE_ROOT,
         OLD_VELOCITY, AT_Z, NOT_SUMMED, ONE_STEP_SHORT, NO_X0, NO_DOUT, AT_OUTPUT, GRADS_ORDER, BIAS_ROW,
         SIGMOID_SLOPE, NEXT_STEP, MEAN_OVER_ALL, NO_BIAS, ONE_PIECE, UNBIASED_VAR, WRONG_AXIS, EVAL_BATCH,
         STEP_SIGN, PLAIN_GD, FIRST_STEP_MOMENTUM, MOMENTUM_TERM_SIGN, NO_LOOK_AHEAD, NO_GRADIENT_TERM,
         NOT_SQUARED, NOT_CARRIED, STALE_V, NEW_TERM_WEIGHT, WEIGHTS_SWAPPED, WRONG_BETA, T_BEFORE_ADDING,
         EPS_WRITTEN_IN, PADDING_FIRST, MASK_IGNORED, PADDING_ZEROED, STATE_WH_T, BEFORE_TANH, CLIP_PER_ARRAY, CLIP_ALWAYS,
         STRICT_STEP, NO_BIAS_UPDATE, NO_CLEAN_EPOCH, EPOCH_TOO_MANY, EPOCH_TOO_FEW)


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
    # With N = 2 samples a factor 2 may be either mistake: both are named.
    if factor == 2:
        return f"it is exactly twice {what}: {TWICE}?" + (f" Or, N being 2, {SUM_FOR_MEAN}?" if samples == 2 else "")
    if factor == 0.5:
        return f"it is exactly half {what}: {HALF}?" + (f" Or, N being 2, {MEAN_FOR_SUM}?" if samples == 2 else "")
    if factor == samples:
        return f"it is exactly N = {samples} (the number of samples) × {what}: {SUM_FOR_MEAN}?"
    return (f"it is exactly 1/N of {what}, N = {samples} being the number of samples: {MEAN_FOR_SUM}, "
            "or divided by N twice?")


def value_hint(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
               what: str = "the expected value", samples: int | None = None,
               mistakes: tuple[tuple[str, np.ndarray], ...] = (),
               pieces: tuple[np.ndarray, tuple[float, ...]] | None = None) -> str:
    """``"\nhint: …"`` when ``got`` is a known transform of ``expected``, else ``""``.

    ``samples``: how many samples (rows) the check's inputs hold, where the check knows it.
    ``mistakes``: the check's own, as (what to say, the value that mistake gives); they come first.
    ``pieces``: (x, kinks) for a piecewise function of x: a value wrong on whole pieces of x and
    right on the others is said to be so (the slope of one piece, or the value at a kink)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    for said, value in mistakes:
        value = np.asarray(value, dtype=np.float64)
        if value.shape == got.shape and np.allclose(got, value, rtol=rtol, atol=atol) \
                and not (value.shape == expected.shape and np.allclose(value, expected, rtol=rtol, atol=atol)):
            return f"\nhint: {said}"
    if got.shape == expected.shape:
        factor = _factor(got, expected, rtol, atol, samples)
        if factor is not None:
            return "\nhint: " + _say_factor(factor, what, samples)
    if got.ndim == 2 and got.shape == expected.T.shape and np.allclose(got, expected.T, rtol=rtol, atol=atol) \
            and not (got.shape == expected.shape and np.allclose(expected, expected.T, rtol=rtol, atol=atol)):
        return f"\nhint: it matches {what} {TRANSPOSED}: rows are samples, columns are features"
    if pieces is not None and got.shape == expected.shape == np.shape(pieces[0]):
        return _piece_hint(got, expected, rtol, atol, *pieces)
    return _shape_hint(got, expected, rtol, atol, what)


def _piece_hint(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, x, kinks) -> str:
    """Where a piecewise function's kinks cut x into pieces (and the kinks themselves): if every
    entry of some pieces is wrong and every entry of the others right, say which pieces."""
    x, kinks = np.asarray(x, dtype=np.float64), sorted(kinks)
    bounds = [-np.inf, *kinks, np.inf]
    pieces = [(f"x = {k:g}", x == k) for k in kinks]
    pieces += [(_between(lo, hi), (x > lo) & (x < hi)) for lo, hi in zip(bounds, bounds[1:])]
    pieces = [(name, inside) for name, inside in pieces if inside.any()]
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    bad = [name for name, inside in pieces if wrong[inside].all()]
    if not bad or len(bad) == len(pieces) or any(wrong[inside].any() and not wrong[inside].all()
                                                for _, inside in pieces):
        return ""
    at_kinks = all(b.startswith("x = ") for b in bad)
    return (f"\nhint: it is {ONE_PIECE} {' or '.join(bad)}, and right everywhere else: check "
            + ("the value at the kink (the notebook says which side's slope it takes)" if at_kinks
               else "the derivative on that piece"))


def _between(lo: float, hi: float) -> str:
    if lo == -np.inf:
        return f"x < {hi:g}"
    if hi == np.inf:
        return f"x > {lo:g}"
    return f"{lo:g} < x < {hi:g}"


def _shape_hint(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, what: str) -> str:
    """Mistakes that leave a wrong shape: a per-sample array where its sum over the samples belongs,
    and a trajectory (x0, then one entry per step) one entry short at either end."""
    if got.ndim == expected.ndim + 1 and got.shape[1:] == expected.shape and got.shape[0] > 1 \
            and np.all(np.isfinite(got)) and np.allclose(got.sum(axis=0), expected, rtol=rtol, atol=atol):
        return (f"\nhint: summed over axis 0 it matches {what}: it is {NOT_SUMMED} (the rows of the batch); "
                "add them up")
    if got.ndim == expected.ndim == 1 and got.shape[0] == expected.shape[0] - 1 > 0:
        if np.allclose(got, expected[:-1], rtol=rtol, atol=atol):
            return (f"\nhint: it matches {what} without its last entry: {ONE_STEP_SHORT} (x0, then one "
                    "entry per step: n_steps + 1 in all)")
        if np.allclose(got, expected[1:], rtol=rtol, atol=atol):
            return f"\nhint: it matches {what} without its first entry: {NO_X0} (the trajectory starts with x0)"
    return ""
