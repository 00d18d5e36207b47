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


def to_float(x):
    return np.array(x, dtype=object).astype(float) if isinstance(x, (list, tuple)) else float(x)
