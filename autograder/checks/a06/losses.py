"""Assignment 6's output layers: one-hot labels, softmax, and each output layer's loss with its
gradient (softmax with cross-entropy, a linear output with mean squared error).

A loss is checked on fixed values (recomputed at 40 digits in ``tests/recompute_a06.py``), on
logits of ±1000 and against a numeric gradient of the judge's loss. ``output_values``,
``output_backward_values`` and ``output_gradient`` make those checks for any ``(loss, cache)``
forward and its backward.
"""
from __future__ import annotations

import numpy as np

from ...calls import CheckFailure
from ...compare import as_float, expect_array, expect_float_array, expect_tuple
from ...diagnose import value_hint
from ...gradcheck import assert_gradient
from ...messages import N_, say
from ...registry import check, register, task
from ..common import _describe_inputs, fixed_value, judged_gradient, mean_over_all

# ================================================================ one-hot labels
one_hot = task("a06.one_hot", points=1)

fixed_value(one_hot, "values", "one_hot", ("labels", "k"), labels=np.array([2, 0, 1, 2]), k=4,
            expected=np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                               [0.0, 0.0, 1.0, 0.0]]), atol=0.0)


@check(one_hot, "rows", labels=np.random.default_rng(60).integers(0, 7, size=25), k=10)
def _one_hot_rows(call, labels, k):
    """One row per label, k columns (also when the largest class is absent), a single 1.0 in the
    label's column."""
    where = say(" for {count} labels in 0..{top} and k={k}", count=len(labels), top=int(labels.max()), k=k)
    got = expect_float_array(call("one_hot", labels, k), (len(labels), k), fn="one_hot", where=where)
    if not np.all((got == 0.0) | (got == 1.0)) or not np.all(got.sum(axis=1) == 1.0):
        raise CheckFailure(say("`one_hot` should return rows of zeros with a single 1.0{where}; row sums are {sums}",
                               where=where, sums=got.sum(axis=1).tolist()))
    expect_array(got.argmax(axis=1).astype(float), labels.astype(float), fn="one_hot",
                 subject=say("value for column of the 1.0 (should be the label)"), where=where, atol=0.0)


# ================================================================ softmax
softmax = task("a06.softmax", points=2)

fixed_value(softmax, "values", "softmax", ("z",), rtol=1e-12, atol=1e-15,
            z=np.array([[2.0, 1.0, 0.1, -1.0], [0.0, 0.0, 0.0, 0.0], [-3.0, 0.5, 0.5, 4.0]]),
            expected=np.array([[0.6380663511479375, 0.23473149269060456, 0.09543470311362202, 0.03176745304783585],
                               [0.25, 0.25, 0.25, 0.25],
                               [0.000859206871620759, 0.02845302387973556, 0.02845302387973556, 0.9422347453689082]]))
fixed_value(softmax, "extremes", "softmax", ("z",), rtol=1e-12, atol=1e-15,
            note=N_(" (logits of ±1000: shift each row by its own maximum before exp)"),
            z=np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0]]),
            expected=np.array([[1.0, 0.0, 0.0], [0.3333333333333333, 0.3333333333333333, 0.3333333333333333],
                               [0.5, 0.5, 0.0]]))


@check(softmax, "properties", z=np.random.default_rng(61).normal(0.0, 3.0, size=(6, 5)), shift=700.0)
def _softmax_properties(call, z, shift):
    """Rows are probabilities whose log-ratios are the differences of the logits, and adding one
    number to a whole row (even a huge one) changes nothing."""
    where = say(" for z of shape {shape}", shape=z.shape)
    p = expect_float_array(call("softmax", z), z.shape, fn="softmax", where=where)
    if np.any(p <= 0) or not np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12):
        raise CheckFailure(say("`softmax` should return positive rows that sum to 1{where}; the row sums are {sums}",
                               where=where, sums=p.sum(axis=1).tolist()))
    expect_array(np.log(p) - np.log(p[:, :1]), z - z[:, :1], fn="softmax",
                 subject=say("value for log(p_j / p_0) (it should equal z_j - z_0)"), where=where, rtol=1e-9,
                 atol=1e-9)
    rows = shift * np.arange(1, len(z) + 1)[:, None] * (-1.0) ** np.arange(len(z))[:, None]
    moved = expect_float_array(call("softmax", z + rows), z.shape, fn="softmax",
                               where=say(" for z + c with a different large constant c in every row (±{shift:g} "
                                         "and more)", shift=shift))
    expect_array(moved, p, fn="softmax", subject=say("value for z + c (softmax ignores a constant added to a row)"),
                 where=say(" (compare each row's maximum, not the whole array's)"), rtol=1e-9, atol=1e-15)


# ================================================================ output layers: loss + gradient
def _loss_and_cache(call, fn: str, scores, y, where: str = ""):
    loss, cache = expect_tuple(call(fn, scores, y), ("loss", "cache"), fn=fn, where=where)
    return as_float(loss, fn=fn, where=where), cache


def output_values(task_, name: str, forward_fn: str, args: tuple[str, str], **params):
    """``forward_fn(*args)`` returns ``(loss, cache)`` with the ``expected`` loss (the reference's
    loss on a hidden test's inputs)."""
    def run(call, expected, **inputs):
        where = _describe_inputs(inputs)
        point = inputs[args[0]]
        loss, _ = _loss_and_cache(call, forward_fn, point, inputs[args[1]], where)
        if not np.isclose(loss, expected, rtol=1e-12, atol=1e-15):
            raise CheckFailure(say("`{fn}` returned the loss {loss!r}{where}; expected {expected!r}", fn=forward_fn,
                                   loss=loss, where=where, expected=expected)
                               + value_hint(np.float64(loss), np.float64(expected), 1e-12, 1e-15,
                                            samples=np.shape(point)[0], mistakes=mean_over_all(expected, point)))

    def expect(judge, **inputs):
        return _loss_and_cache(judge, forward_fn, inputs[args[0]], inputs[args[1]])[0]
    return register(task_, name, run, expect=expect, **params)


def output_backward_values(task_, name: str, forward_fn: str, backward_fn: str, args: tuple[str, str], **params):
    """``backward_fn(cache)``, the cache coming from ``forward_fn(*args)``, equals ``expected`` (the
    reference's gradient on a hidden test's inputs)."""
    def run(call, expected, **inputs):
        where = _describe_inputs(inputs)
        _, cache = _loss_and_cache(call, forward_fn, inputs[args[0]], inputs[args[1]], where)
        got = call(backward_fn, cache)
        expect_array(got, expected, fn=backward_fn, subject=say("value for gradient d loss / d {name}", name=args[0]),
                     where=where,
                     rtol=1e-12, atol=1e-15, samples=np.shape(inputs[args[0]])[0],
                     mistakes=mean_over_all(expected, inputs[args[0]]))

    def expect(judge, **inputs):
        point = inputs[args[0]]
        _, cache = _loss_and_cache(judge, forward_fn, point, inputs[args[1]])
        return expect_float_array(judge(backward_fn, cache), np.shape(point), fn=backward_fn)
    return register(task_, name, run, expect=expect, **params)


def output_gradient(task_, name: str, forward_fn: str, backward_fn: str, args: tuple[str, str], **params):
    """``backward_fn(cache)``, the cache the student's ``forward_fn`` made, equals the centred-difference
    gradient of the judge's ``forward_fn`` loss (the reference's at grading) in its first argument."""
    def run(call, **inputs):
        point, target = inputs[args[0]], inputs[args[1]]
        _, cache = _loss_and_cache(call, forward_fn, point, target)
        analytic = expect_float_array(call(backward_fn, cache), np.shape(point), fn=backward_fn,
                                      where=say(" (d loss / d {name}, shaped like `{name}`)", name=args[0]))
        numeric = judged_gradient(call, lambda judge, v: _loss_and_cache(judge, forward_fn, v, target)[0], point)
        assert_gradient(analytic, numeric, fn=backward_fn, wrt=args[0], rtol=1e-6, atol=1e-9, loss=forward_fn,
                        mistakes=lambda: mean_over_all(numeric, point))
    return register(task_, name, run, uses=(forward_fn,), **params)


# ---------------------------------------------------------------- softmax + cross-entropy
softmax_ce = task("a06.softmax_ce", points=3)
CE_SCORES = np.array([[2.0, 1.0, 0.1, -0.5], [0.5, 2.5, -1.0, 0.3], [-0.3, 0.2, 1.5, 0.8]])
CE_Y = np.eye(4)[[0, 2, 3]]  # N = 3 samples, K = 4 classes: N != 2 and N != K (see a01's SE_OUT)
CE_EXTREME = dict(scores=1e3 * np.array([[1, -1, 0, 0], [-1, 1, 0, -1], [0, -1, 1, 0]]), y=np.eye(4)[[1, 2, 0]])

output_values(softmax_ce, "values", "softmax_ce_forward", ("scores", "y"), scores=CE_SCORES, y=CE_Y,
              expected=1.857836849666796)
output_backward_values(softmax_ce, "backward_values", "softmax_ce_forward", "softmax_ce_backward",
                       ("scores", "y"), scores=CE_SCORES, y=CE_Y, expected=np.array([
                           [-0.12493918264414323, 0.0766639236989366, 0.031169225372655904, 0.01710603357255073],
                           [0.035344742499975886, 0.2611642851345802, -0.3254468552789087, 0.02893782764435261],
                           [0.028483857574128, 0.04696194185405778, 0.17231729675002294, -0.2477630961782087]]))
_rng = np.random.default_rng(62)
output_gradient(softmax_ce, "numeric", "softmax_ce_forward", "softmax_ce_backward", ("scores", "y"),
                scores=_rng.normal(0.0, 2.0, size=(4, 3)), y=np.eye(3)[_rng.integers(0, 3, size=4)])
# Logits of ±1000: log(softmax) would take the log of an exact 0.0; the log-sum-exp form stays exact.
output_values(softmax_ce, "extremes", "softmax_ce_forward", ("scores", "y"), **CE_EXTREME, expected=4000.0 / 3)
output_backward_values(softmax_ce, "extremes_backward", "softmax_ce_forward", "softmax_ce_backward",
                       ("scores", "y"), **CE_EXTREME, expected=(np.eye(4)[:3] - CE_EXTREME["y"]) / 3)  # one-hot p - y

# ---------------------------------------------------------------- linear output + mean squared error
mse = task("a06.mse", points=1)
# N = 3 samples of K = 4 outputs: neither is 2, nor are they equal, so a mean over every entry (or
# over the wrong axis) gives another value than a factor 2 missing (with K = 2 it gave the same).
MSE_PRED = np.array([[0.5, -1.0, 2.0, 0.25], [2.0, 0.0, -0.5, 1.0], [1.5, 1.0, 0.0, -2.0]])
MSE_Y = np.array([[1.0, -1.0, 1.5, 0.0], [1.0, 0.5, 0.5, 1.0], [2.0, 2.0, -1.0, -1.0]])

output_values(mse, "values", "mse_forward", ("pred", "y"), pred=MSE_PRED, y=MSE_Y, expected=2.0208333333333335)
output_backward_values(mse, "backward_values", "mse_forward", "mse_backward", ("pred", "y"), pred=MSE_PRED, y=MSE_Y,
                       expected=np.array([[-0.3333333333333333, 0.0, 0.3333333333333333, 0.16666666666666666],
                                          [0.6666666666666666, -0.3333333333333333, -0.6666666666666666, 0.0],
                                          [-0.3333333333333333, -0.6666666666666666, 0.6666666666666666,
                                           -0.6666666666666666]]))
_rng = np.random.default_rng(63)
output_gradient(mse, "numeric", "mse_forward", "mse_backward", ("pred", "y"),
                pred=_rng.normal(size=(5, 1)), y=_rng.normal(size=(5, 1)))
