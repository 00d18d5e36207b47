"""Assignment 6's closed-form least-squares fit: exact on noise-free data, and at the minimum of
the squared error (the normal equations) on noisy data.
"""
from __future__ import annotations

import numpy as np

from ...calls import CheckFailure
from ...compare import as_float, expect_array, expect_float_array, expect_tuple
from ...messages import say
from ...registry import check, task

# ================================================================ least squares
least_squares = task("a06.least_squares", points=1)


def _fit(call, X, y):
    where = say(" for X of shape {x_shape}, y of shape {y_shape}", x_shape=X.shape, y_shape=y.shape)
    w, b = expect_tuple(call("least_squares", X, y), ("w", "b"), fn="least_squares", where=where)
    w = expect_float_array(w, (X.shape[1],), fn="least_squares", where=say(" (the weights w){where}", where=where))
    return w, as_float(b, fn="least_squares", where=say(" (the intercept b){where}", where=where)), where


_rng = np.random.default_rng(65)


@check(least_squares, "exact", X=_rng.normal(size=(12, 3)), w_true=np.array([1.5, -2.0, 0.25]), b_true=0.75)
def _least_squares_exact(call, X, w_true, b_true):
    """Noise-free data y = X w + b: the fit recovers w and b."""
    w, b, where = _fit(call, X, X @ w_true + b_true)
    expect_array(w, w_true, fn="least_squares", subject=say("value for w (data without noise: the true weights)"),
                 where=where, rtol=1e-8, atol=1e-10)
    if not np.isclose(b, b_true, rtol=1e-8, atol=1e-10):
        raise CheckFailure(say("`least_squares` returned b = {b!r}{where}; the data have no noise, so expected the "
                               "true intercept {b_true!r} (did you add a column of ones?)", b=b, where=where,
                               b_true=b_true))


@check(least_squares, "normal_equations", X=_rng.normal(size=(40, 4)), y=_rng.normal(size=40))
def _least_squares_normal_equations(call, X, y):
    """At the minimum of the squared error the residual is orthogonal to every column and sums to 0."""
    w, b, where = _fit(call, X, y)
    residual = y - X @ w - b
    scale = np.abs(X).sum(axis=0) * np.abs(y).max()
    expect_array(X.T @ residual / scale, np.zeros(X.shape[1]), fn="least_squares",
                 subject=say("value for X^T (y - X w - b), scaled (the gradient of the squared error in w: 0 at the "
                             "minimum)"), where=where, atol=1e-9)
    if abs(residual.sum()) > 1e-9 * len(y) * np.abs(y).max():
        raise CheckFailure(say("`least_squares`: the residuals y - X w - b sum to {total:.3g}{where}; at the "
                               "least-squares intercept they sum to 0", total=residual.sum(), where=where))
