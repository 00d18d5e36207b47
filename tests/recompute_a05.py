"""40-digit recomputations of assignment 5's fixed numbers, from the lesson's formulas.

Written from the lesson and the notebook's definitions (epsilon inside the square root, Adam's
step count t = 1 at the first step), never from solution code. Each entry maps a check id to a
function of the check's params returning what its ``expected`` should be.
"""
from __future__ import annotations

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def _mp(values):
    return [mp.mpf(float(v)) for v in np.ravel(values)]


def _floats(*rows):
    return np.array([[float(v) for v in row] for row in rows])


def sgd(p):
    s = p["state"]
    return np.array([float(w - mp.mpf(s["lr"]) * g) for w, g in zip(_mp(p["w"]), _mp(p["dw"]))])


def nesterov(p):
    s = p["state"]
    lr, rho = mp.mpf(s["lr"]), mp.mpf(s["rho"])
    vel0 = _mp(s["velocity"]) if "velocity" in s else [mp.mpf(0)] * np.size(p["w"])
    vel = [rho * v - lr * g for v, g in zip(vel0, _mp(p["dw"]))]
    # Nesterov's look-ahead, written for the weights the loop holds: w + rho * v_new - lr * g.
    new_w = [w + rho * v - lr * g for w, v, g in zip(_mp(p["w"]), vel, _mp(p["dw"]))]
    return _floats(new_w, vel)


def adagrad(p):
    s = p["state"]
    lr, eps = mp.mpf(s["lr"]), mp.mpf(s["eps"])
    acc0 = _mp(s["v"]) if "v" in s else [mp.mpf(0)] * np.size(p["w"])
    acc = [a + g ** 2 for a, g in zip(acc0, _mp(p["dw"]))]
    new_w = [w - lr / mp.sqrt(a + eps) * g for w, a, g in zip(_mp(p["w"]), acc, _mp(p["dw"]))]
    return _floats(new_w, acc)


def rmsprop(p):
    s = p["state"]
    lr, eps, decay = mp.mpf(s["lr"]), mp.mpf(s["eps"]), mp.mpf(s["decay"])
    acc0 = _mp(s["v"]) if "v" in s else [mp.mpf(0)] * np.size(p["w"])
    acc = [decay * a + (1 - decay) * g ** 2 for a, g in zip(acc0, _mp(p["dw"]))]
    new_w = [w - lr / mp.sqrt(a + eps) * g for w, a, g in zip(_mp(p["w"]), acc, _mp(p["dw"]))]
    return _floats(new_w, acc)


def adam(p):
    s = p["state"]
    lr, eps, b1, b2 = (mp.mpf(s[k]) for k in ("lr", "eps", "beta1", "beta2"))
    size = np.size(p["w"])
    m0 = _mp(s["m"]) if "m" in s else [mp.mpf(0)] * size
    v0 = _mp(s["v"]) if "v" in s else [mp.mpf(0)] * size
    t = s.get("t", 0) + 1
    m = [b1 * a + (1 - b1) * g for a, g in zip(m0, _mp(p["dw"]))]
    v = [b2 * a + (1 - b2) * g ** 2 for a, g in zip(v0, _mp(p["dw"]))]
    new_w = [w - lr / mp.sqrt(vv / (1 - b2 ** t) + eps) * mm / (1 - b1 ** t)
             for w, mm, vv in zip(_mp(p["w"]), m, v)]
    return _floats(new_w, m, v)


def _gradient(coeffs, x):
    """The check's gradient c0 + c1 x + c2 x**2 + ... (the lesson's x**2 has (0, 2): 2x)."""
    return mp.fsum(mp.mpf(float(c)) * x ** k for k, c in enumerate(coeffs))


def _start(p):
    assert np.size(p["w0"]) == 1, "the lesson's runs are of one number"
    return mp.mpf(float(np.ravel(p["w0"])[0]))


def lesson_adagrad(p):
    """The lesson's R loop: 30 entries, x0 the first, so 29 updates of x**2's gradient 2x
    (hidden tests: other starts, hyper-parameters and step counts)."""
    s = p["state"]
    x, n = _start(p), mp.mpf(0)
    for _ in range(p["n_steps"]):
        g = _gradient(p["coeffs"], x)
        n += g ** 2
        x -= mp.mpf(s["lr"]) / mp.sqrt(n + mp.mpf(s["eps"])) * g
    return float(x)


def lesson_adam(p):
    """The lesson's R loop: i = 0 is the start, i = 1..30 the updates, bias correction with i
    (hidden tests: other starts, hyper-parameters and step counts)."""
    s = p["state"]
    b1, b2 = mp.mpf(s["beta1"]), mp.mpf(s["beta2"])
    x, m, n = _start(p), mp.mpf(0), mp.mpf(0)
    for i in range(1, p["n_steps"] + 1):
        g = _gradient(p["coeffs"], x)
        m = b1 * m + (1 - b1) * g
        n = b2 * n + (1 - b2) * g ** 2
        x -= mp.mpf(s["lr"]) / mp.sqrt(n / (1 - b2 ** i) + mp.mpf(s["eps"])) * (m / (1 - b1 ** i))
    return float(x)


RECOMPUTE = {
    "a05.sgd_update.values": sgd,
    "a05.nesterov_update.first_step": nesterov,
    "a05.nesterov_update.later_step": nesterov,
    "a05.adagrad_update.first_step": adagrad,
    "a05.adagrad_update.later_step": adagrad,
    "a05.adagrad_update.lesson": lesson_adagrad,
    "a05.rmsprop_update.first_step": rmsprop,
    "a05.rmsprop_update.later_step": rmsprop,
    "a05.adam_update.first_step": adam,
    "a05.adam_update.later_step": adam,
    "a05.adam_update.lesson": lesson_adam,
}
