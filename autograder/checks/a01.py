"""Assignment 1 -- gradient descent, the perceptron and one sigmoid neuron.

Expected values are fixed numbers worked out offline at 40 digits (``tests/mp_reference.py``
recomputes each of them), properties every correct answer has, or numeric gradients. Hidden tests
draw their inputs for each student, and the reference solution makes the expected values.
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure
from ..channel import Polynomial
from ..compare import as_float, describe, expect_array, expect_float_array, expect_tuple, show
from ..diagnose import (AT_Z, EPOCH_TOO_FEW, EPOCH_TOO_MANY, NO_BIAS, NO_BIAS_UPDATE, NO_CLEAN_EPOCH, SIGN,
                        STRICT_STEP, hint)
from ..gradcheck import assert_gradient
from ..messages import N_, phrase, say
from ..registry import check, register, task
from .common import fixed_value, judged_slope, loss_gradient, mean_over_all

EPS = 1e-12  # the clipping bound the notebook asks for
# A note is said by fixed_value when its check runs (in the student's language): a constant, EPS written in.
CLIP_NOTE = N_(" (clip p into [1e-12, 1 - 1e-12])")
assert CLIP_NOTE == f" (clip p into [{EPS:g}, 1 - {EPS:g}])"

# ---------------------------------------------------------------- gradient descent
gradient_descent = task("a01.gradient_descent", points=2)


def _gd_where(grad, x0, lr, n_steps) -> str:
    return say(" for grad = {grad!r}, x0={x0}, lr={lr}, n_steps={n_steps}", grad=grad, x0=x0, lr=lr, n_steps=n_steps)


def _gd_path(judge, coeffs, x0, lr, n_steps):
    """The trajectory the reference makes (hidden tests draw the inputs)."""
    return expect_float_array(judge("gradient_descent", Polynomial(coeffs), x0, lr, n_steps), (n_steps + 1,),
                              fn="gradient_descent")


@check(gradient_descent, "lesson", expect=_gd_path, coeffs=(2.0, 2.0), x0=10.0, lr=0.05, n_steps=5,
       expected=(10.0, 8.9, 7.91, 7.019, 6.2171, 5.49539))
def _gd_lesson(call, coeffs, x0, lr, n_steps, expected):
    got = call("gradient_descent", Polynomial(coeffs), x0, lr, n_steps)
    expect_array(got, expected, fn="gradient_descent", what=say("trajectory"),
                 where=_gd_where(Polynomial(coeffs), x0, lr, n_steps),
                 rtol=1e-12, mistakes=((say("it matches gradient ascent, x + lr * grad(x): {sign} of the step",
                                            sign=phrase(SIGN)),
                                        _ascent(Polynomial(coeffs), x0, lr, n_steps)),))


def _ascent(grad, x0, lr, n_steps) -> np.ndarray:
    """The trajectory with the step's sign flipped (up the gradient)."""
    xs = [float(x0)]
    with np.errstate(all="ignore"):
        for _ in range(n_steps):
            xs.append(xs[-1] + lr * float(grad(xs[-1])))
    return np.array(xs)


@check(gradient_descent, "recurrence", coeffs=(0.0, 4.0, 9.0, 4.0), x0=0.5, lr=0.05, n_steps=30)
def _gd_recurrence(call, coeffs, x0, lr, n_steps):
    grad = Polynomial(coeffs)
    where = _gd_where(grad, x0, lr, n_steps)
    got = call("gradient_descent", grad, x0, lr, n_steps)
    if type(got) is not np.ndarray or got.shape != (n_steps + 1,):
        raise CheckFailure(say("`gradient_descent` should return {count} values (x0 and one per step){where}; it "
                               "returned {described}", count=n_steps + 1, where=where, described=describe(got)))
    expect_array(got[:1], [x0], fn="gradient_descent", what=say("first entry (x0)"), where=where)
    with np.errstate(all="ignore"):  # a diverging path is judged below, not warned about here
        steps = got[:-1] - lr * grad(got[:-1])
    expect_array(got[1:], steps, fn="gradient_descent",
                 what=say("step x_t = x_{t-1} - lr * grad(x_{t-1})"), where=where, rtol=1e-10)


# ---------------------------------------------------------------- the perceptron
# Every perceptron input is made of whole numbers and halves (lr a power of 2): X @ w + b is then
# exact in float64 whatever order a student adds in, so z = 0 happens exactly where the inputs put
# it, and the threshold's own point (step(0) = 1) is tested.
perceptron_predict = task("a01.perceptron_predict", points=2)


def _unambiguous(mistakes: list[tuple[str, object]], same) -> tuple[tuple[str, object], ...]:
    """The mistakes whose values no other mistake of the list shares: a value two mistakes give
    cannot say which one was made, so neither is named."""
    return tuple((said, value) for i, (said, value) in enumerate(mistakes)
                 if not any(same(value, other) for j, (_, other) in enumerate(mistakes) if j != i))


def _step_mistakes(expected, X, w, b):
    """A threshold z > 0 (the one value that changes is at z = 0 exactly) and the bias left out."""
    found = [(say("it matches 1.0 only where X @ w + b > 0: {strict_step} (step(0) = 1: a sample exactly on "
                  "the line gets 1.0)", strict_step=phrase(STRICT_STEP)), np.where(X @ w + b > 0, 1.0, 0.0)),
             (say("it matches step(X @ w): {no_bias}, the perceptron thresholds X @ w + b", no_bias=phrase(NO_BIAS)),
              np.where(X @ w >= 0, 1.0, 0.0))]
    return _unambiguous(found, lambda a, c: np.array_equal(a, c))


fixed_value(perceptron_predict, "values", "perceptron_predict", ("X", "w", "b"), mistakes=_step_mistakes,
            X=np.array([[1.0, 0.5], [3.0, 1.0], [-2.0, 1.5], [-1.0, -1.0], [0.5, 0.25], [2.5, 0.0]]),
            w=np.array([-1.5, 2.0]), b=0.5,  # X @ w + b = [0, -2, 6.5, 0, 0.25, -3.25]
            expected=np.array([1.0, 0.0, 1.0, 1.0, 1.0, 0.0]))


perceptron_train = task("a01.perceptron_train", points=2)


def _counts(value, where: str) -> list[int]:
    """``mistakes``: a list (or tuple, or 1-D integer array) of whole numbers, one per epoch."""
    if type(value) is np.ndarray and value.ndim == 1 and value.dtype.kind in "iu":
        return [int(v) for v in value]
    whole = type(value) in (list, tuple) and all(
        (type(v) is int or isinstance(v, np.integer)) or
        (type(v) is float or isinstance(v, np.floating)) and np.isfinite(v) and float(v).is_integer()
        for v in value)
    if not whole:
        raise CheckFailure(say("`perceptron_train` should return `mistakes` as a list of ints (the number of "
                               "mistakes in each epoch){where}, but returned {described}: {shown}", where=where,
                               described=describe(value), shown=show(value)))
    return [int(v) for v in value]


def _trained(call, X, y, lr, max_epochs, where: str = "") -> tuple[np.ndarray, float, list[int]]:
    """``perceptron_train(X, y, lr, max_epochs)`` as the notebook asks for it: (w, b, mistakes)."""
    w, b, mistakes = expect_tuple(call("perceptron_train", X, y, lr, max_epochs), ("w", "b", "mistakes"),
                                  fn="perceptron_train", where=where)
    w = expect_float_array(w, (X.shape[1],), fn="perceptron_train", where=say(" for w{where}", where=where))
    return w, as_float(b, fn="perceptron_train", where=say(" for b{where}", where=where)), _counts(mistakes, where)


def _packed(w, b, mistakes) -> np.ndarray:
    """(w, b, mistakes) as one array, w's D entries first, then b, then one count per epoch: the form of
    a training check's ``expected``."""
    return np.concatenate([np.asarray(w, dtype=np.float64), [b], np.asarray(mistakes, dtype=np.float64)])


def _train_expect(judge, X, y, lr, max_epochs):
    return _packed(*_trained(judge, X, y, lr, max_epochs))


def _rule(X, y, lr, epochs, *, strict=False, bias=True, sign=1.0, counts_clean=True):
    """Variants of the rule the notebook states, for the hints alone (the expected value comes from the
    reference at grading, and is a fixed number otherwise): ``strict`` thresholds at z > 0, ``bias``
    False never updates b, ``sign`` -1 subtracts the update, ``counts_clean`` False leaves the epoch
    with no mistake out of the list; ``epochs`` is the most epochs run."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        wrong = 0
        for x_i, y_i in zip(X, y):
            z = float(x_i @ w + b)
            y_hat = 1.0 if (z > 0 if strict else z >= 0) else 0.0
            if y_hat != y_i:
                w = w + sign * lr * (y_i - y_hat) * x_i
                b = b + (sign * lr * (y_i - y_hat) if bias else 0.0)
                wrong += 1
        if wrong or counts_clean:
            mistakes.append(wrong)
        if not wrong:
            break
    return _packed(w, b, mistakes)


def _training_mistakes(X, y, lr, max_epochs) -> tuple[tuple[str, np.ndarray], ...]:
    rule = say("stop after the first epoch with no mistake, or after max_epochs epochs")
    found = [(say("it matches the rule with y_hat = 1 only where z > 0: {strict_step} (step(0) = 1, and the first "
                  "sample already has z = 0, as w = 0 and b = 0)", strict_step=phrase(STRICT_STEP)),
              _rule(X, y, lr, max_epochs, strict=True)),
             (say("it matches a run in which b stays 0: {no_bias_update} (after a mistake, b <- b + lr * (y - y_hat) "
                  "as well)", no_bias_update=phrase(NO_BIAS_UPDATE)), _rule(X, y, lr, max_epochs, bias=False)),
             (say("it matches w <- w - lr * (y - y_hat) * x: {sign} of the update", sign=phrase(SIGN)),
              _rule(X, y, lr, max_epochs, sign=-1.0)),
             (say("w and b are right, and `mistakes` misses its last entry: {no_clean_epoch} (that epoch is run and "
                  "counted, its 0 ends the list)", no_clean_epoch=phrase(NO_CLEAN_EPOCH)),
              _rule(X, y, lr, max_epochs, counts_clean=False)),
             (say("it matches the rule run for max_epochs + 1 epochs: {epoch_too_many} ({rule})",
                  epoch_too_many=phrase(EPOCH_TOO_MANY), rule=rule), _rule(X, y, lr, max_epochs + 1))]
    if max_epochs > 1:
        found.append((say("it matches the rule run for max_epochs - 1 epochs: {epoch_too_few} ({rule})",
                          epoch_too_few=phrase(EPOCH_TOO_FEW), rule=rule), _rule(X, y, lr, max_epochs - 1)))
    # a run back at its start, w = 0 and b = 0, is where many other mistakes end too: it names none
    d = X.shape[1]
    return _unambiguous([(said, value) for said, value in found if np.any(value[:d + 1])], _same_training)


def _same_training(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _shown(packed: np.ndarray, d: int) -> str:
    w, b, mistakes = packed[:d], float(packed[d]), [int(m) for m in packed[d + 1:]]
    return f"w={show(w)}, b={b!r}, mistakes={mistakes}"


def _training_check(call, X, y, lr, max_epochs, expected):
    where = say(" for X={X}, y={y}, lr={lr}, max_epochs={max_epochs}", X=X.tolist(), y=y.tolist(), lr=lr,
                max_epochs=max_epochs)
    got = _packed(*_trained(call, X, y, lr, max_epochs, where))
    expected = np.asarray(expected, dtype=np.float64)
    if _same_training(got, expected):
        return
    d = X.shape[1]
    wrong = [name for name, a, b in (("w", got[:d], expected[:d]), ("b", got[d:d + 1], expected[d:d + 1]),
                                     ("mistakes", got[d + 1:], expected[d + 1:])) if not _same_training(a, b)]
    named = next((hint(said) for said, value in _training_mistakes(X, y, lr, max_epochs)
                  if _same_training(got, value) and not _same_training(value, expected)), "")
    raise CheckFailure(say("`perceptron_train` returned a wrong {wrong}{where}: got {got}; expected {expected}",
                           wrong=", ".join(wrong), where=where, got=_shown(got, d), expected=_shown(expected, d))
                       + named)


# The worked example: the AND gate, a mistake-free sixth epoch. On it the threshold z > 0, a bias never
# updated, the update's sign flipped, an update on every sample, shuffled samples and the clean epoch
# left out of the list all give different results.
register(perceptron_train, "converges", _training_check, expect=_train_expect,
         X=np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), y=np.array([0.0, 0.0, 0.0, 1.0]),
         lr=0.5, max_epochs=20, expected=np.array([1.0, 0.5, -1.5, 2, 3, 3, 2, 1, 0]))
# XOR, in an order of its four points where none of the hinted mistakes ends back at w = 0, b = 0 (as
# shuffled samples do here): no epoch is free of mistakes, so max_epochs ends it (one epoch more or
# fewer changes the result).
register(perceptron_train, "max_epochs", _training_check, expect=_train_expect,
         X=np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), y=np.array([1.0, 1.0, 0.0, 0.0]),
         lr=0.5, max_epochs=4, expected=np.array([-0.5, -0.5, -0.5, 1, 4, 4, 4]))

# ---------------------------------------------------------------- sigmoid
sigmoid = task("a01.sigmoid", points=2)


fixed_value(sigmoid, "values", "sigmoid", ("z",), z=np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, 5.0]]),
            expected=np.array([[0.11920292202211756, 0.37754066879814546, 0.5],
                               [0.6224593312018546, 0.8807970779778824, 0.9933071490757152]]))


def _logit(p: np.ndarray, fn: str, where: str) -> np.ndarray:
    """log(p / (1 - p)) of a probability array; values outside (0, 1) fail with their own message."""
    outside = (p <= 0) | (p >= 1)
    if np.any(outside):
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise CheckFailure(say("`{fn}` returned {value!r} at index {index}{where}: a sigmoid's values lie strictly "
                               "between 0 and 1", fn=fn, value=float(p[index]), index=index, where=where))
    return np.log(p) - np.log1p(-p)


@check(sigmoid, "logit_inverse", z=np.random.default_rng(1).normal(0.0, 5.0, size=(2, 3, 4)))
def _sigmoid_logit_inverse(call, z):
    """log(s / (1 - s)) recovers z: true of the sigmoid and of no other function."""
    s = call("sigmoid", z)
    where = say(" for z of shape {shape}", shape=z.shape)
    expect_float_array(s, z.shape, fn="sigmoid", where=where)
    expect_array(_logit(s, "sigmoid", where), z, fn="sigmoid", subject=say("value (its logit is not z)"),
                 where=where, rtol=1e-6, atol=1e-6)


@check(sigmoid, "extremes", z=np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
def _sigmoid_extremes(call, z):
    """No overflow, and the limits 0 and 1 at ±1000. The tail at -40 (4.2e-18) is not asked for:
    a correct float64 form may round it to 0.0 (0.5 * (1 + tanh(z / 2)) does), so it is compared
    within an absolute 1e-15, as a03's sigmoid_forward is."""
    s = call("sigmoid", z)  # an overflow warning fails here already
    expect_array(s, [0.0, 4.248354255291589e-18, 0.5, 1.0, 1.0], fn="sigmoid",
                 where=say(" for very large |z|"), rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------- sigmoid_grad
sigmoid_grad = task("a01.sigmoid_grad", points=1)


def _sigmoid_grad_at_z(expected, z):
    """s * (1 - s) with z in place of s = sigmoid(z), and s * (1 + s)."""
    z = np.asarray(z, dtype=float)
    s = np.exp(-np.logaddexp(0.0, -z))
    return ((say("it matches s * (1 - s) {at_z} s = sigmoid(z): compute s = sigmoid(z) first", at_z=phrase(AT_Z)),
             z * (1.0 - z)),
            (say("it matches s * (1 + s): {sign} inside, the derivative is s * (1 - s)", sign=phrase(SIGN)),
             s * (1.0 + s)))


fixed_value(sigmoid_grad, "values", "sigmoid_grad", ("z",), mistakes=_sigmoid_grad_at_z,
            z=np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, 5.0]]),
            expected=np.array([[0.10499358540350652, 0.2350037122015945, 0.25],
                               [0.2350037122015945, 0.10499358540350652, 0.006648056670790155]]))


@check(sigmoid_grad, "numeric", uses=("sigmoid",), z=np.linspace(-6.0, 6.0, 13).reshape(13, 1))
def _sigmoid_grad_numeric(call, z):
    """The slope of the judge's sigmoid: the reference's at grading, so a wrong `sigmoid` costs only
    its own points; the student's own in the self-check (which waits while it fails)."""
    analytic = expect_float_array(call("sigmoid_grad", z), z.shape, fn="sigmoid_grad")

    def sigmoid_at(judge, v):  # checked for form before any arithmetic on it
        return expect_float_array(judge("sigmoid", v), z.shape, fn="sigmoid",
                                  where=say(" (near z, for the numeric slope)"))

    numeric = judged_slope(call, sigmoid_at, z)
    assert_gradient(analytic, numeric, fn="sigmoid_grad", wrt="z", rtol=1e-6, loss="sigmoid")


# ---------------------------------------------------------------- dense_sigmoid
dense_sigmoid = task("a01.dense_sigmoid", points=2)


def _dense_without_bias(expected, X, W, b):
    return ((say("it matches sigmoid(X @ W): {no_bias}, the logit is X @ W + b", no_bias=phrase(NO_BIAS)),
             np.exp(-np.logaddexp(0.0, -(X @ W)))),)


fixed_value(dense_sigmoid, "values", "dense_sigmoid", ("X", "W", "b"), mistakes=_dense_without_bias,
            X=np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]),
            W=np.array([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]), b=np.array([0.05, -0.1]),
            expected=np.array([[0.6681877721681662, 0.598687660112452],
                               [0.17508626816403983, 0.6681877721681662]]))


_rng = np.random.default_rng(2)


@check(dense_sigmoid, "logit_affine", X=_rng.normal(size=(5, 3)), W=_rng.normal(size=(3, 4)),
       b=_rng.normal(size=4))
def _dense_logit_affine(call, X, W, b):
    """The logit of each output is the affine map X @ W + b."""
    n, m = X.shape[0], W.shape[1]
    out = expect_float_array(call("dense_sigmoid", X, W, b), (n, m), fn="dense_sigmoid",
                             where=say(" for X {x_shape}, W {w_shape}, b {b_shape}", x_shape=X.shape,
                                       w_shape=W.shape, b_shape=b.shape))
    expect_array(_logit(out, "dense_sigmoid", ""), X @ W + b, fn="dense_sigmoid",
                 subject=say("value (its logit is not X @ W + b)"), rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- binary cross-entropy
bce = task("a01.binary_cross_entropy", points=2)
RAIN_Y, RAIN_P = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.4])


fixed_value(bce, "values", "binary_cross_entropy", ("y", "p"), scalar=True, samples="y",
            note=N_(" (the mean over samples)"), y=RAIN_Y, p=RAIN_P, expected=0.41493159961539705)
fixed_value(bce, "clipped", "binary_cross_entropy", ("y", "p"), scalar=True, rtol=1e-4, samples="y",
            note=CLIP_NOTE, y=np.array([1.0, 0.0, 1.0, 0.0]),
            p=np.array([0.0, 1.0, 1.0, 0.0]), expected=13.815510557964775)


# ---------------------------------------------------------------- its derivative
bce_grad = task("a01.binary_cross_entropy_grad", points=1)


fixed_value(bce_grad, "values", "binary_cross_entropy_grad", ("y", "p"), samples="y", y=RAIN_Y, p=RAIN_P,
            expected=np.array([-0.37037037037037035, 0.4166666666666667, -0.8333333333333334]))


loss_gradient(bce_grad, "numeric", "binary_cross_entropy_grad", "binary_cross_entropy", ("y", "p"), wrt="p",
              samples="y",
              y=np.array([1.0, 0.0, 0.0, 1.0, 1.0]), p=np.array([0.15, 0.3, 0.55, 0.7, 0.95]))

# p at and within EPS of 0 and 1, sure and wrong, sure and right: a clip at 1 + EPS (or none) divides
# by 1 - p = 0 or by less than EPS. rtol 1e-4: correct clips differ there by 2.2e-5 (the float
# 1 - (1 - EPS) is 0.99998e-12, a floor max(1 - p, EPS) gives EPS itself), as for the loss above.
fixed_value(bce_grad, "clipped", "binary_cross_entropy_grad", ("y", "p"), rtol=1e-4, samples="y",
            note=CLIP_NOTE, y=np.array([1.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
            p=np.array([0.0, 1.0, 1.0, 0.0, 1.0 - 1e-13, 1e-13]),
            expected=np.array([-166666666666.66666, 166666666666.66666, -0.16666666666683333,
                               0.16666666666683333, 166666666666.66666, -166666666666.66666]))


# ---------------------------------------------------------------- squared error
squared_error = task("a01.squared_error", points=1)
# N = 3 samples of K = 4 classes: with N = 2 the textbook 0.5 * sum equals the mean over N (a wrong
# loss would pass, and the right gradient be told "a factor 2 missing"); N = K would hide a mean
# taken over the wrong axis, and K = 2 a mean over every entry behind "half".
SE_OUT = np.array([[0.2, 0.7, 0.1, 0.0], [0.9, 0.05, 0.05, 0.0], [0.1, 0.2, 0.3, 0.4]])
SE_LABEL = np.eye(4)[[1, 0, 3]]


def _mean_over_all(expected, output, label):  # fixed_value's mistakes(expected, **inputs)
    return mean_over_all(expected, output)


fixed_value(squared_error, "values", "squared_error", ("output", "label"), scalar=True, samples="output",
            mistakes=_mean_over_all, note=N_(" (sum over the last axis, mean over samples)"),
            output=SE_OUT, label=SE_LABEL, expected=0.21833333333333332)


squared_error_grad = task("a01.squared_error_grad", points=1)


fixed_value(squared_error_grad, "values", "squared_error_grad", ("output", "label"), samples="output",
            output=SE_OUT,
            label=SE_LABEL, expected=np.array([[0.13333333333333333, -0.2, 0.06666666666666667, 0.0],
                                               [-0.06666666666666667, 0.03333333333333333, 0.03333333333333333, 0.0],
                                               [0.06666666666666667, 0.13333333333333333, 0.2, -0.4]]))


loss_gradient(squared_error_grad, "numeric", "squared_error_grad", "squared_error", ("output", "label"), samples="output",
              wrt="output", output=np.random.default_rng(3).normal(size=(4, 3)), label=np.eye(3)[[0, 2, 1, 2]])
