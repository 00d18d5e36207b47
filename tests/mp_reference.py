"""Independent high-precision references (mpmath, 40 digits) for the autograder's fixed numbers.

Written from the lesson's formulas, not from any solution notebook, so a hard-coded expected value
in ``autograder/checks`` is never one computed by the code it judges.
"""
from __future__ import annotations

import mpmath as mp
import numpy as np

mp.mp.dps = 40
EPS = mp.mpf("1e-12")


def sigmoid(z):
    return 1 / (1 + mp.exp(-mp.mpf(z)))


def bce_terms(y, p):
    p = min(max(mp.mpf(p), EPS), 1 - EPS)
    return -(y * mp.log(p) + (1 - y) * mp.log(1 - p))


def bce(y, p):
    return mp.fsum(bce_terms(a, b) for a, b in zip(y, p)) / len(y)


def network(x1, x2, w):
    w10, w11, w12, w20, w21, w22, w30, w31, w32 = w
    h1 = sigmoid(w10 + w11 * x1 + w12 * x2)
    h2 = sigmoid(w20 + w21 * x1 + w22 * x2)
    return h1, h2, sigmoid(w30 + w31 * h1 + w32 * h2)


def network_loss(X, y, w):
    outs = [network(mp.mpf(a), mp.mpf(b), w)[2] for a, b in X]
    return mp.fsum(-(t * mp.log(o) + (1 - t) * mp.log(1 - o)) for t, o in zip(y, outs)) / len(y)


def network_partials(X, y, w):
    """All nine partial derivatives by mpmath's own numerical differentiation at 40 digits."""
    w = [mp.mpf(float(v)) for v in w]
    out = []
    for k in range(9):
        def along(t, k=k):
            moved = list(w)
            moved[k] = t
            return network_loss(X, y, moved)
        out.append(mp.diff(along, w[k]))
    return out


def perceptron_outputs(X, w, b):
    """step(x . w + b) for each row x, step(z) = 1 for z >= 0 (the lesson's convention), else 0."""
    return [1 if mp.fsum(mp.mpf(float(a)) * mp.mpf(float(c)) for a, c in zip(row, w)) + mp.mpf(float(b)) >= 0
            else 0 for row in X]


def perceptron_rule(X, y, lr, max_epochs):
    """Rosenblatt's rule as the notebook states it: w = 0, b = 0; the rows in order, each moving w and b
    by lr (y - y_hat) (x, 1); the mistakes counted per epoch, up to the first epoch with none or
    max_epochs. Returns (w, b, mistakes)."""
    w, b, lr, mistakes = [mp.mpf(0)] * len(X[0]), mp.mpf(0), mp.mpf(float(lr)), []
    for _ in range(max_epochs):
        mistakes.append(0)
        for row, label in zip(X, y):
            error = int(label) - perceptron_outputs([row], w, b)[0]
            w = [v + lr * error * mp.mpf(float(a)) for v, a in zip(w, row)]
            b += lr * error
            mistakes[-1] += error != 0
        if mistakes[-1] == 0:
            break
    return w, b, mistakes


def to_float(x):
    return np.array(x, dtype=object).astype(float) if isinstance(x, (list, tuple)) else float(x)
