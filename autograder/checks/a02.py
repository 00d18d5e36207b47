"""Assignment 2 -- the 2-2-1 network by hand.

The nine derivative tasks are one table: each is checked against fixed numbers (40-digit values
recomputed in ``tests/mp_reference.py``) and against a centred-difference gradient of the
judge's ``loss`` (the reference's at grading, the student's own in the self-check), so a wrong
derivative is named even when the rest is right, and a wrong ``loss`` costs only its own point.
Hidden tests draw X, y and w for each student, and the reference solution makes the expected values.
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure, reference_of
from ..compare import as_float, expect_array, expect_float_array, expect_tuple
from ..gradcheck import assert_gradient
from ..messages import N_, say
from ..registry import check, register, task
from .common import fixed_value, judged_gradient

WEIGHT_NAMES = ("w10", "w11", "w12", "w20", "w21", "w22", "w30", "w31", "w32")
LESSON_W = np.array([-4.0, -4.0, -3.0, 7.0, -6.0, -1.0, 4.0, 6.0, -7.0])
X3 = np.array([[0.5, -1.0], [-1.0, 0.5], [1.5, 2.0]])
Y3 = np.array([1.0, 0.0, 1.0])
LESSON_PARTIALS = (-0.04586592682625303, -0.08087465510977322, 0.10380760020186786,
                   0.01534370962431541, 0.0085122421930597, -0.012829303654118728,
                   -0.27533400934371755, -0.0069089326401742274, -0.26658646236044886)

_rng = np.random.default_rng(20)
X_CHECK = _rng.normal(size=(8, 2))
Y_CHECK = (_rng.random(8) < 0.5).astype(float)
W_CHECK = _rng.normal(size=9)

# ---------------------------------------------------------------- forward
forward = task("a02.forward", points=2)


def _forward_expected(judge, X, w):
    got = expect_tuple(judge("forward", X, w), ("h1", "h2", "o"), fn="forward")
    return tuple(expect_float_array(value, (len(X),), fn="forward") for value in got)


@check(forward, "values", expect=_forward_expected, X=X3, w=LESSON_W,
       expected=((0.04742587317756678, 0.18242552380635635, 1.12535162055095e-07),
                 (0.9933071490757152, 0.9999962733607158, 0.01798620996209156),
                 (0.06485213647716792, 0.12949617934159827, 0.9796496561500811)))
def _forward_values(call, X, w, expected):
    where = say(" for X of shape {shape} and w = {w}", shape=X.shape, w=w.tolist())
    got = expect_tuple(call("forward", X, w), ("h1", "h2", "o"), fn="forward", where=where)
    for name, value, exp in zip(("h1", "h2", "o"), got, expected):
        expect_array(value, exp, fn="forward", what=f"`{name}`", where=where, rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------- loss
loss = task("a02.loss", points=1)


fixed_value(loss, "values", "loss", ("X", "y", "w"), scalar=True, note=N_(" (mean cross-entropy)"), samples="X",
            X=X3, y=Y3, w=LESSON_W, expected=0.9649629398529214)


# ---------------------------------------------------------------- the nine derivatives
def _partial_numeric(name: str, k: int):
    def run(call, X, y, w):
        analytic = as_float(call(f"d_{name}", X, y, w), fn=f"d_{name}")
        # the reference's loss at grading: a wrong `loss` costs only its point
        numeric = judged_gradient(call, lambda judge, v: as_float(judge("loss", X, y, v), fn="loss"), w, index=k)
        # Saturated units at random weights make the O(h**2) difference error ~1e-7; every real
        # mistake (sign, factor, wrong unit) is off by far more than these tolerances.
        assert_gradient(analytic, numeric, fn=f"d_{name}", wrt=name, rtol=1e-4, atol=1e-6, loss="loss")
    return run


for _k, _name in enumerate(WEIGHT_NAMES):
    _task = task(f"a02.d_{_name}", points=1)
    fixed_value(_task, "values", f"d_{_name}", ("X", "y", "w"), scalar=True, note=f" (dCE/d{_name})", samples="X",
                X=X3, y=Y3, w=LESSON_W, expected=LESSON_PARTIALS[_k])
    register(_task, "numeric", _partial_numeric(_name, _k), uses=("loss",), X=X_CHECK, y=Y_CHECK, w=W_CHECK)


# ---------------------------------------------------------------- training
train = task("a02.train", points=2)


@check(train, "first_step", uses=("loss",), X=X_CHECK, y=Y_CHECK, w0=W_CHECK, lr=0.5)
def _train_first_step(call, X, y, w0, lr):
    """One step of full-batch gradient descent moves w by -lr times the gradient of `loss` (the
    reference's at grading, so a wrong `loss` costs only its own point)."""
    w1, losses = expect_tuple(call("train", X, y, w0, lr, 1), ("w", "losses"), fn="train")
    expect_float_array(w1, (9,), fn="train", where=say(" (the trained weights)"))
    expect_float_array(losses, (1,), fn="train", where=say(" (losses, one per iteration, for n_iter=1)"))
    grad = judged_gradient(call, lambda judge, v: as_float(judge("loss", X, y, v), fn="loss"), w0)
    expect_array(losses, [as_float(reference_of(call)("loss", X, y, w0), fn="loss")], fn="train",
                 what=say("losses[0] (the loss at w0, before the update)"), rtol=1e-9)
    expect_array(w1, w0 - lr * grad, fn="train", what=say("weights after one step"),
                 where=say(" (expected w0 - lr * gradient, lr={lr})", lr=lr), rtol=1e-6, atol=1e-8)


@check(train, "decreases", uses=("loss",), X=X_CHECK, y=Y_CHECK, w0=W_CHECK, lr=0.5, n_iter=300)
def _train_decreases(call, X, y, w0, lr, n_iter):
    w, losses = expect_tuple(call("train", X, y, w0, lr, n_iter), ("w", "losses"), fn="train")
    expect_float_array(w, (9,), fn="train")
    expect_float_array(losses, (n_iter,), fn="train", where=say(" (losses for n_iter={n_iter})", n_iter=n_iter))
    final = as_float(reference_of(call)("loss", X, y, w), fn="loss")
    if not final < losses[0] or np.any(np.diff(losses) > 1e-9):
        raise CheckFailure(say("`train` did not steadily decrease the loss with lr={lr}: losses went {first:.6g} -> "
                               "{last:.6g}, final loss {final:.6g}", lr=lr, first=losses[0], last=losses[-1],
                               final=final))
