"""40-digit recomputations of assignment 6's fixed expected numbers, from the closed forms in the
lesson (softmax, categorical cross-entropy, mean squared error, each activation and its derivative),
written with mpmath and independent of any solution code."""
from __future__ import annotations

import mpmath as mp
import numpy as np

mp.mp.dps = 40
SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
SELU_LAMBDA = mp.mpf("1.0507009873554804934193349852946")


def _m(v):
    return mp.mpf(float(v))


# Each activation: (value, derivative), as functions of one number x and the hyper-parameter a.
ACTIVATIONS = {
    "tanh": (lambda x, a: mp.tanh(x), lambda x, a: 1 - mp.tanh(x) ** 2),
    "leaky_relu": (lambda x, a: x if x > 0 else a * x, lambda x, a: mp.mpf(1) if x > 0 else a),
    "prelu": (lambda x, a: x if x > 0 else a * x, lambda x, a: mp.mpf(1) if x > 0 else a),
    "elu": (lambda x, a: x if x > 0 else a * (mp.exp(x) - 1), lambda x, a: mp.mpf(1) if x > 0 else a * mp.exp(x)),
    "selu": (lambda x, a: SELU_LAMBDA * (x if x > 0 else SELU_ALPHA * (mp.exp(x) - 1)),
             lambda x, a: SELU_LAMBDA * (1 if x > 0 else SELU_ALPHA * mp.exp(x))),
    "softplus": (lambda x, a: mp.log(1 + mp.exp(x)), lambda x, a: 1 / (1 + mp.exp(-x))),
    "hard_sigmoid": (lambda x, a: min(mp.mpf(1), max(mp.mpf(0), x / 5 + mp.mpf(1) / 2)),
                     lambda x, a: mp.mpf(1) / 5 if -mp.mpf(5) / 2 < x < mp.mpf(5) / 2 else mp.mpf(0)),
}


def _alpha_grid(p, shape):
    """The hyper-parameter at every entry of x: a number, PReLU's per-column alpha, or none."""
    alpha = p.get("alpha", 0.0)
    return np.broadcast_to(np.asarray(alpha, dtype=float), shape)


def activation_value(name):
    value = ACTIVATIONS[name][0]
    return lambda p: np.array([float(value(_m(x), _m(a))) for x, a in zip(
        np.ravel(p["x"]), np.ravel(_alpha_grid(p, np.shape(p["x"]))))]).reshape(np.shape(p["x"]))


def activation_grads(name):
    """dx = dout * f'(x), entry by entry."""
    deriv = ACTIVATIONS[name][1]

    def run(p):
        x, dout = np.asarray(p["x"], float), np.asarray(p["dout"], float)
        alpha = _alpha_grid(p, x.shape)
        dx = [float(_m(g) * deriv(_m(v), _m(a))) for v, a, g in zip(x.ravel(), alpha.ravel(), dout.ravel())]
        return np.array(dx).reshape(x.shape)
    return run


def prelu_dalpha(p):
    """d(sum(out * dout)) / d alpha_j: the sum over rows of dout * x where x <= 0 (x < 0 on the negative side)."""
    x, dout = np.asarray(p["x"], float), np.asarray(p["dout"], float)
    return np.array([float(mp.fsum(_m(dout[n, j]) * _m(x[n, j]) for n in range(x.shape[0]) if x[n, j] <= 0))
                     for j in range(x.shape[1])])


def activation_extremes(name):
    """(out, dx) at the given x with dout = 1 everywhere."""
    value, deriv = activation_value(name), activation_grads(name)
    return lambda p: np.array([value(p), deriv({**p, "dout": np.ones(np.shape(p["x"]))})])


def _softmax_rows(z):
    out = []
    for row in np.asarray(z, float):
        exps = [mp.exp(_m(v)) for v in row]
        total = mp.fsum(exps)
        out.append([e / total for e in exps])
    return out


def softmax(p):
    return np.array([[float(v) for v in row] for row in _softmax_rows(p["z"])])


def softmax_ce_loss(p):
    scores, y = np.asarray(p["scores"], float), np.asarray(p["y"], float)
    terms = []
    for row, target in zip(scores, y):
        lse = mp.log(mp.fsum(mp.exp(_m(v)) for v in row))
        terms.append(mp.fsum(_m(t) * (lse - _m(v)) for v, t in zip(row, target)))
    return float(mp.fsum(terms) / len(scores))


def softmax_ce_grad(p):
    scores, y = np.asarray(p["scores"], float), np.asarray(p["y"], float)
    probs = _softmax_rows(scores)
    return np.array([[float((pr - _m(t)) / len(scores)) for pr, t in zip(prow, trow)]
                     for prow, trow in zip(probs, y)])


def mse_loss(p):
    pred, y = np.asarray(p["pred"], float), np.asarray(p["y"], float)
    return float(mp.fsum((_m(a) - _m(b)) ** 2 for a, b in zip(pred.ravel(), y.ravel())) / len(pred))


def mse_grad(p):
    pred, y = np.asarray(p["pred"], float), np.asarray(p["y"], float)
    return np.array([float(2 * (_m(a) - _m(b)) / len(pred)) for a, b in zip(pred.ravel(), y.ravel())]).reshape(pred.shape)


def one_hot(p):
    return np.array([[1.0 if j == label else 0.0 for j in range(p["k"])] for label in p["labels"]])


RECOMPUTE = {
    "a06.one_hot.values": one_hot,
    "a06.softmax.values": softmax,
    "a06.softmax.extremes": softmax,
    "a06.softmax_ce.values": softmax_ce_loss,
    "a06.softmax_ce.backward_values": softmax_ce_grad,
    "a06.softmax_ce.extremes": softmax_ce_loss,
    "a06.softmax_ce.extremes_backward": softmax_ce_grad,
    "a06.mse.values": mse_loss,
    "a06.mse.backward_values": mse_grad,
    "a06.prelu.dalpha": prelu_dalpha,
}
for _name in ACTIVATIONS:
    RECOMPUTE[f"a06.{_name}.values"] = activation_value(_name)
    RECOMPUTE[f"a06.{_name}.derivative"] = activation_grads(_name)
    RECOMPUTE[f"a06.{_name}.extremes"] = activation_extremes(_name)
