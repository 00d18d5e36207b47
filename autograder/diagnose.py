"""Naming the likely mistake behind a wrong value.

A returned value that is wrong is tested against a few transforms of the expected one, each the
trace of a common mistake: the opposite sign, a whole-number factor (a sum where the mean belongs,
the 2 of a square's derivative forgotten), the transpose. A hint is given only when the returned
value equals the transformed one within the check's own tolerance, so it is never a guess; it
names the mistake in words and never shows an input or an expected value.
"""
from __future__ import annotations

import numpy as np

from .messages import LANGUAGES, N_, phrase, say, translated

# The mistakes a hint can name, by the words that name them (tests match hints by these).
SIGN, TWICE, HALF = N_("check the sign"), N_("a factor 2 too many"), N_("a factor 2 missing")
SUM_FOR_MEAN, MEAN_FOR_SUM, TRANSPOSED = N_("a sum where the mean belongs"), N_("a mean where a sum belongs"), N_("transposed")
# ... and mistakes a check names itself (value_hint's ``mistakes``), by the same rule.
NO_BIAS_CORRECTION, EPS_OUTSIDE_ROOT = N_("without bias correction"), N_("eps added outside the square root")
OLD_VELOCITY, AT_Z = N_("the old velocity"), N_("evaluated at z instead of")
# ... shapes a mistake leaves (value_hint's own, on a shape mismatch)
NOT_SUMMED, ONE_STEP_SHORT, NO_X0 = N_("not summed over the samples"), N_("one step short"), N_("x0 left out")
# ... the layer contract's (checks/common.py: layer_gradient)
NO_DOUT, AT_OUTPUT, GRADS_ORDER = (N_("the upstream gradient `dout` is not multiplied in"), N_("at the layer's output"),
                                   N_("in the wrong order"))
# ... and single checks' own
BIAS_ROW, SIGMOID_SLOPE, NEXT_STEP = N_("row 0 holds the biases"), N_("the sigmoid's derivative is"), N_("one step too far")
MEAN_OVER_ALL, NO_BIAS = N_("a mean over every entry"), N_("the bias is not added")
# ... normalisation's (a07)
UNBIASED_VAR, WRONG_AXIS, EVAL_BATCH = (N_("the variance dividing by N - 1"), N_("over the wrong axis"),
                                        N_("the batch's own statistics in evaluation mode"))
# ... and a piecewise function's derivative wrong on whole pieces only (value_hint's ``pieces``)
ONE_PIECE = N_("wrong exactly where")
# optimizer mistakes (a04, a05)
STEP_SIGN, PLAIN_GD = (N_("the whole step with its sign flipped"),
                       N_("plain gradient descent, as if the velocity were always 0"))
FIRST_STEP_MOMENTUM, MOMENTUM_TERM_SIGN = (N_("momentum already at the first step"),
                                           N_("the momentum term with its sign flipped"))
NO_LOOK_AHEAD, NO_GRADIENT_TERM = N_("without Nesterov's look-ahead"), N_("the gradient term - lr * dw missing")
NOT_SQUARED, NOT_CARRIED = N_("the gradient where its square belongs"), N_("not carried over from the step before")
STALE_V, NEW_TERM_WEIGHT = N_("v from before this step"), N_("the new term's weight missing")
WEIGHTS_SWAPPED, WRONG_BETA = N_("the two weights swapped"), N_("the other beta in the bias correction")
T_BEFORE_ADDING = N_("t before adding 1")
EPS_WRITTEN_IN = N_("written in where the given `eps` belongs")
# The eps values students write into a formula instead of the one they are given (each library's
# default): checks give other eps, so each of these changes the answer there.
COMMON_EPS = (1e-8, 1e-7, 1e-6, 1e-5)
# ... recurrent networks' (a08)
PADDING_FIRST, MASK_IGNORED, PADDING_ZEROED = (N_("the padding put before each sequence"), N_("padding taken for real steps"),
                                              N_("states set to 0 at padded steps"))
STATE_WH_T, BEFORE_TANH = N_("the state multiplied by Wh.T"), N_("the sum before tanh")
CLIP_PER_ARRAY, CLIP_ALWAYS = N_("each array clipped on its own"), N_("scaled to max_norm even below it")
# ... the perceptron's (a01)
STRICT_STEP, NO_BIAS_UPDATE = N_("z > 0 where z >= 0 belongs"), N_("the bias never updated")
NO_CLEAN_EPOCH, EPOCH_TOO_MANY, EPOCH_TOO_FEW = (N_("the epoch with no mistake left out"), N_("one epoch too many"),
                                                N_("one epoch too few"))
# ... automatic differentiation's (a09)
NOT_UNBROADCAST, SUMS_MISSHAPED = N_("a broadcast gradient not summed back"), N_("the right sums in the wrong shape")
OPERAND_SWAPPED, DIV_SQUARE = N_("the operand itself where the other one belongs"), N_("b where b ** 2 belongs")
MATMUL_TRANSPOSES, NO_GRAD = N_("matmul's transposes misplaced"), N_("the upstream `grad` not multiplied in")
POW_EXPONENT, POW_FACTOR = N_("a ** p where a ** (p - 1) belongs"), N_("the factor p missing")
MEAN_NOT_DIVIDED, MEAN_BY_SIZE = N_("not divided by the count"), N_("divided by the size of the whole array")
INPUT_AS_OUTPUT, LOG_TIMES, RELU_AT_ZERO = (N_("`a` taken for the output"),
                                            N_("multiplied by `a` where dividing by it belongs"),
                                            N_("relu's derivative at 0 taken as 1"))
REVERSED_ORDER, OVERWRITTEN = N_("a valid order read backwards"), N_("overwritten instead of accumulated")
PULLED_TOO_SOON, ROOT_GRAD_IGNORED = N_("pulled back before its gradient was complete"), N_("`root_grad` ignored")
KINDS = (SIGN, TWICE, HALF, SUM_FOR_MEAN, MEAN_FOR_SUM, TRANSPOSED, NO_BIAS_CORRECTION, EPS_OUTSIDE_ROOT,
         OLD_VELOCITY, AT_Z, NOT_SUMMED, ONE_STEP_SHORT, NO_X0, NO_DOUT, AT_OUTPUT, GRADS_ORDER, BIAS_ROW,
         SIGMOID_SLOPE, NEXT_STEP, MEAN_OVER_ALL, NO_BIAS, ONE_PIECE, UNBIASED_VAR, WRONG_AXIS, EVAL_BATCH,
         STEP_SIGN, PLAIN_GD, FIRST_STEP_MOMENTUM, MOMENTUM_TERM_SIGN, NO_LOOK_AHEAD, NO_GRADIENT_TERM,
         NOT_SQUARED, NOT_CARRIED, STALE_V, NEW_TERM_WEIGHT, WEIGHTS_SWAPPED, WRONG_BETA, T_BEFORE_ADDING,
         EPS_WRITTEN_IN, PADDING_FIRST, MASK_IGNORED, PADDING_ZEROED, STATE_WH_T, BEFORE_TANH, CLIP_PER_ARRAY, CLIP_ALWAYS,
         STRICT_STEP, NO_BIAS_UPDATE, NO_CLEAN_EPOCH, EPOCH_TOO_MANY, EPOCH_TOO_FEW,
         NOT_UNBROADCAST, SUMS_MISSHAPED, OPERAND_SWAPPED, DIV_SQUARE, MATMUL_TRANSPOSES, NO_GRAD, POW_EXPONENT,
         POW_FACTOR, MEAN_NOT_DIVIDED, MEAN_BY_SIZE, INPUT_AS_OUTPUT, LOG_TIMES, RELU_AT_ZERO, REVERSED_ORDER,
         OVERWRITTEN, PULLED_TOO_SOON, ROOT_GRAD_IGNORED)


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


HINT = N_("hint: ")  # the word that starts a hint's line (a message's hint: its last line, "\n" + HINT + ...)


def hint(text: str) -> str:
    """``text`` as a message's hint: on a line of its own, after the hint's word in the current language."""
    return "\n" + phrase(HINT) + text


def hint_of(message: str) -> str | None:
    """The hint of a message said in any of the course's languages, or None if it has none."""
    for mark in markers():
        if mark in message:
            return message.split(mark, 1)[1]
    return None


def markers() -> list[str]:
    """"\nhint: " in every language the course speaks."""
    return sorted({"\n" + translated(HINT, lang) for lang in LANGUAGES})


def _say_factor(factor: float, what: str, samples: int | None) -> str:
    if factor == -1:
        return say("it is exactly −1 × {what}: {sign}", what=what, sign=phrase(SIGN))
    # With N = 2 samples a factor 2 may be either mistake: both are named.
    if factor == 2:
        return (say("it is exactly twice {what}: {twice}?", what=what, twice=phrase(TWICE))
                + (say(" Or, N being 2, {sum_for_mean}?", sum_for_mean=phrase(SUM_FOR_MEAN)) if samples == 2 else ""))
    if factor == 0.5:
        return (say("it is exactly half {what}: {half}?", what=what, half=phrase(HALF))
                + (say(" Or, N being 2, {mean_for_sum}?", mean_for_sum=phrase(MEAN_FOR_SUM)) if samples == 2 else ""))
    if factor == samples:
        return say("it is exactly N = {samples} (the number of samples) × {what}: {sum_for_mean}?",
                   samples=samples, what=what, sum_for_mean=phrase(SUM_FOR_MEAN))
    return say("it is exactly 1/N of {what}, N = {samples} being the number of samples: {mean_for_sum}, "
               "or divided by N twice?", what=what, samples=samples, mean_for_sum=phrase(MEAN_FOR_SUM))


def value_hint(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
               what: str | None = None, samples: int | None = None,
               mistakes: tuple[tuple[str, np.ndarray], ...] = (),
               pieces: tuple[np.ndarray, tuple[float, ...]] | None = None) -> str:
    """``"\nhint: …"`` when ``got`` is a known transform of ``expected``, else ``""``.

    ``what``: what ``expected`` is, said in the current language (by default "the expected value").
    ``samples``: how many samples (rows) the check's inputs hold, where the check knows it.
    ``mistakes``: the check's own, as (what to say, the value that mistake gives); they come first.
    ``pieces``: (x, kinks) for a piecewise function of x: a value wrong on whole pieces of x and
    right on the others is said to be so (the slope of one piece, or the value at a kink)."""
    what = say("the expected value") if what is None else what
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    for said, value in mistakes:
        value = np.asarray(value, dtype=np.float64)
        if value.shape == got.shape and np.allclose(got, value, rtol=rtol, atol=atol) \
                and not (value.shape == expected.shape and np.allclose(value, expected, rtol=rtol, atol=atol)):
            return hint(said)
    if got.shape == expected.shape:
        factor = _factor(got, expected, rtol, atol, samples)
        if factor is not None:
            return hint(_say_factor(factor, what, samples))
    if got.ndim == 2 and got.shape == expected.T.shape and np.allclose(got, expected.T, rtol=rtol, atol=atol) \
            and not (got.shape == expected.shape and np.allclose(expected, expected.T, rtol=rtol, atol=atol)):
        return hint(say("it matches {what} {transposed}: rows are samples, columns are features",
                        what=what, transposed=phrase(TRANSPOSED)))
    if pieces is not None and got.shape == expected.shape == np.shape(pieces[0]):
        return _piece_hint(got, expected, rtol, atol, *pieces)
    return _shape_hint(got, expected, rtol, atol, what)


def _piece_hint(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, x, kinks) -> str:
    """Where a piecewise function's kinks cut x into pieces (and the kinks themselves): if every
    entry of some pieces is wrong and every entry of the others right, say which pieces."""
    x, kinks = np.asarray(x, dtype=np.float64), sorted(kinks)
    bounds = [-np.inf, *kinks, np.inf]
    pieces = [(f"x = {k:g}", x == k, True) for k in kinks]
    pieces += [(_between(lo, hi), (x > lo) & (x < hi), False) for lo, hi in zip(bounds, bounds[1:])]
    pieces = [(name, inside, kink) for name, inside, kink in pieces if inside.any()]
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    bad = [(name, kink) for name, inside, kink in pieces if wrong[inside].all()]
    if not bad or len(bad) == len(pieces) or any(wrong[inside].any() and not wrong[inside].all()
                                                for _, inside, _ in pieces):
        return ""
    where = say(" or ").join(name for name, _ in bad)
    if all(kink for _, kink in bad):
        return hint(say("it is {one_piece} {where}, and right everywhere else: check the value at the kink "
                        "(the notebook says which side's slope it takes)", one_piece=phrase(ONE_PIECE), where=where))
    return hint(say("it is {one_piece} {where}, and right everywhere else: check the derivative on that piece",
                    one_piece=phrase(ONE_PIECE), where=where))


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
        return hint(say("summed over axis 0 it matches {what}: it is {not_summed} (the rows of the batch); add them up",
                        what=what, not_summed=phrase(NOT_SUMMED)))
    if got.ndim == expected.ndim == 1 and got.shape[0] == expected.shape[0] - 1 > 0:
        if np.allclose(got, expected[:-1], rtol=rtol, atol=atol):
            return hint(say("it matches {what} without its last entry: {one_step_short} (x0, then one entry per "
                            "step: n_steps + 1 in all)", what=what, one_step_short=phrase(ONE_STEP_SHORT)))
        if np.allclose(got, expected[1:], rtol=rtol, atol=atol):
            return hint(say("it matches {what} without its first entry: {no_x0} (the trajectory starts with x0)",
                            what=what, no_x0=phrase(NO_X0)))
    return ""
