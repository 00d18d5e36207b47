"""40-digit recomputations of assignment 4's expected values (the public checks' fixed numbers, and
the reference's values on any student's hidden inputs), from the lesson's formulas only.

The momentum paths follow the lesson's R loop literally: a vector of ``n_steps + 1`` entries with
x0 first, plain gradient descent at the first update and the momentum term from the second on.
The partial derivatives come from mpmath's own numerical differentiation of the loss.
"""
from __future__ import annotations

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def lesson_path(coeffs, x0, lr, rho, n_steps):
    """The lesson's loop: result.x[1] = x0; then x[i] = x[i-1] - lr f'(x[i-1]) (+ rho (x[i-1] - x[i-2]))."""
    def grad(x):
        return mp.fsum(mp.mpf(float(c)) * x ** k for k, c in enumerate(coeffs))
    lr, rho = mp.mpf(float(lr)), mp.mpf(float(rho))
    xs = [mp.mpf(float(x0))]
    for i in range(1, n_steps + 1):
        step = -lr * grad(xs[i - 1])
        if i >= 2:
            step += rho * (xs[i - 1] - xs[i - 2])
        xs.append(xs[i - 1] + step)
    return xs


def sin_logit_loss(X, y, b1, b2):
    total = mp.mpf(0)
    for (x1, x2), t in zip(np.asarray(X, dtype=float), np.asarray(y, dtype=float)):
        x1, x2 = mp.mpf(float(x1)), mp.mpf(float(x2))
        p = 1 / (1 + mp.exp(-mp.sin(b1 * x1 * x2 + b2 * x2)))
        total += -(t * mp.log(p) + (1 - t) * mp.log(1 - p))
    return total / len(y)


def sin_partial(which):
    def run(p):
        b1, b2 = mp.mpf(float(p["b1"])), mp.mpf(float(p["b2"]))
        if which == "b1":
            return float(mp.diff(lambda t: sin_logit_loss(p["X"], p["y"], t, b2), b1))
        return float(mp.diff(lambda t: sin_logit_loss(p["X"], p["y"], b1, t), b2))
    return run


def relu(x):
    return np.array([float(max(mp.mpf(float(v)), 0)) for v in np.ravel(x)]).reshape(np.shape(x))


RECOMPUTE = {
    "a04.momentum_descent.lesson": lambda p: float(
        lesson_path(p["coeffs"], p["x0"], p["lr"], p["rho"], p["n_steps"])[-1]),
    "a04.momentum_update.lesson": lambda p: float(
        lesson_path(p["coeffs"], p["x0"], p["lr"], p["rho"], p["n_steps"])[-1]),
    "a04.d_b1.values": sin_partial("b1"),
    "a04.d_b2.values": sin_partial("b2"),
    "a04.relu_forward.values": lambda p: relu(p["x"]),
    "a04.relu_backward.values": lambda p: np.where(np.asarray(p["x"]) > 0, p["dout"], 0.0),
}
