"""Independent 40-digit recomputations of assignment 3's expected values (mpmath, from the formulas):
the public checks' fixed numbers, and the reference's values on any student's hidden inputs."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np

import mp_reference as ref


def _mp(v) -> mp.mpf:
    return mp.mpf(float(v))


def affine(x, W, b) -> np.ndarray:
    return np.array([[float(mp.fsum(_mp(x[n, d]) * _mp(W[d, m]) for d in range(W.shape[0])) + _mp(b[m]))
                      for m in range(W.shape[1])] for n in range(x.shape[0])])


def sigmoid(x) -> np.ndarray:
    return np.array([float(ref.sigmoid(_mp(v))) for v in np.ravel(x)]).reshape(np.shape(x))


def sigmoid_ce(scores, y) -> float:
    """mean(log(1 + e^s) - y s): the cross-entropy of sigmoid(s), written through the logits."""
    terms = [mp.log1p(mp.exp(_mp(s))) - _mp(t) * _mp(s) for s, t in zip(np.ravel(scores), np.ravel(y))]
    return float(mp.fsum(terms) / len(terms))


def parameter_count(sizes) -> int:
    """The entries of the lesson's matrices, one of shape (n_in + 1, n_out) per layer (bias row included)."""
    return sum(math.prod((n_in + 1, n_out)) for n_in, n_out in zip(sizes, sizes[1:]))


RECOMPUTE = {
    "a03.affine_forward.values": lambda p: affine(p["x"], p["W"], p["b"]),
    "a03.sigmoid_forward.values": lambda p: sigmoid(p["x"]),
    "a03.sigmoid_forward.extremes": lambda p: sigmoid(p["x"]),
    "a03.sigmoid_ce_forward.values": lambda p: sigmoid_ce(p["scores"], p["y"]),
    "a03.sigmoid_ce_forward.extremes": lambda p: sigmoid_ce(p["scores"], p["y"]),
    "a03.parameter_count.chapter": lambda p: parameter_count(p["sizes"]),
    "a03.parameter_count.wider": lambda p: parameter_count(p["sizes"]),
}
