"""Assignment 7's fixed numbers, recomputed at 40 digits from the definitions (never from the
notebook's code): L2 as lam/2 times the sum of squares; normalisation as (x - mean) / sqrt(var + eps)
with the variance dividing by the count; running statistics as exponential moving averages."""
from __future__ import annotations

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def _mp(a):
    return [[mp.mpf(float(v)) for v in row] for row in np.atleast_2d(np.asarray(a, dtype=float))]


def _moments(values):
    n = len(values)
    mean = mp.fsum(values) / n
    return mean, mp.fsum((v - mean) ** 2 for v in values) / n


def _normalise_rows(rows, gamma, beta, eps, mean_var=None):
    """gamma * (v - mean) / sqrt(var + eps) + beta along each row; (mean, var) per row if given."""
    eps = mp.mpf(eps)
    out = []
    for i, row in enumerate(rows):
        mean, var = mean_var[i] if mean_var else _moments(row)
        out.append([float(mp.mpf(float(g)) * (v - mean) / mp.sqrt(var + eps) + mp.mpf(float(b)))
                    for v, g, b in zip(row, gamma, beta)])
    return np.array(out)


def l2_loss(p):
    lam = mp.mpf(float(p["lam"]))
    return float(lam / 2 * mp.fsum(mp.mpf(float(v)) ** 2 for w in p["weights"] for v in np.ravel(w)))


def batchnorm_train(p):
    columns = [list(c) for c in zip(*_mp(p["x"]))]
    # Column j of x, normalised with its own moments, with gamma_j and beta_j: a row problem per column.
    out = [_normalise_rows([col], [p["gamma"][j]] * len(col), [p["beta"][j]] * len(col), p["eps"])[0]
           for j, col in enumerate(columns)]
    return np.array(out).T


def batchnorm_eval(p):
    columns = [list(c) for c in zip(*_mp(p["x"]))]
    stats = [(mp.mpf(float(m)), mp.mpf(float(v))) for m, v in zip(p["running"]["mean"], p["running"]["var"])]
    out = [_normalise_rows([col], [p["gamma"][j]] * len(col), [p["beta"][j]] * len(col), p["eps"], [stats[j]])[0]
           for j, col in enumerate(columns)]
    return np.array(out).T


def running_update(p):
    momentum = mp.mpf(float(p["momentum"]))
    moments = [_moments(list(c)) for c in zip(*_mp(p["x"]))]
    mean = [momentum * mp.mpf(float(r)) + (1 - momentum) * m for r, (m, _) in zip(p["running"]["mean"], moments)]
    var = [momentum * mp.mpf(float(r)) + (1 - momentum) * v for r, (_, v) in zip(p["running"]["var"], moments)]
    return np.array([[float(v) for v in mean], [float(v) for v in var]])


def layernorm(p):
    return _normalise_rows(_mp(p["x"]), p["gamma"], p["beta"], p["eps"])


RECOMPUTE = {
    "a07.l2_penalty.values": l2_loss,
    "a07.batchnorm_forward.train_values": batchnorm_train,
    "a07.batchnorm_forward.running_update": running_update,
    "a07.batchnorm_forward.eval_values": batchnorm_eval,
    "a07.layernorm_forward.values": layernorm,
}
