"""Are the autograder's fixed expected numbers right? Each is recomputed here at 40 digits.

The references in ``mp_reference.py`` come from the lessons' formulas, not from a solution.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

import mp_reference as ref
from autograder.registry import CHECKS, load_all
from conftest import NOTEBOOKS

load_all()


def params(check_id: str) -> dict:
    return CHECKS[check_id].params


def elementwise(f, z):
    return np.array([float(f(mp.mpf(float(v)))) for v in np.ravel(z)]).reshape(np.shape(z))


def dense(X, W, b):
    return np.array([[float(ref.sigmoid(mp.fsum(mp.mpf(float(X[n, d])) * mp.mpf(float(W[d, m]))
                                               for d in range(X.shape[1])) + mp.mpf(float(b[m]))))
                      for m in range(W.shape[1])] for n in range(X.shape[0])])


def squared(o, l):
    return float(mp.fsum(mp.fsum((mp.mpf(float(a)) - float(c)) ** 2 for a, c in zip(r, s))
                         for r, s in zip(o, l)) / len(o))


def bce_grad(y, p):
    return np.array([float((-(t / mp.mpf(float(q))) + (1 - t) / (1 - mp.mpf(float(q)))) / len(y))
                     for t, q in zip(y, p)])


def bce_grad_clipped(y, p):
    """The derivative with p clipped into [EPS, 1 - EPS] first, as the loss clips it (p may be 0 or 1)."""
    clipped = [min(max(mp.mpf(float(q)), ref.EPS), 1 - ref.EPS) for q in p]
    return np.array([float((-(t / q) + (1 - t) / (1 - q)) / len(y)) for t, q in zip(y, clipped)])


def lesson_trajectory(coeffs, x0, lr, n_steps):
    xs = [mp.mpf(x0)]
    for _ in range(n_steps):
        xs.append(xs[-1] - mp.mpf(lr) * mp.fsum(mp.mpf(c) * xs[-1] ** k for k, c in enumerate(coeffs)))
    return np.array([float(x) for x in xs])


def perceptron_packed(p):
    """(w, b, mistakes) of the perceptron rule as one array, the form of the training checks' `expected`."""
    w, b, mistakes = ref.perceptron_rule(p["X"], p["y"], p["lr"], p["max_epochs"])
    return np.array([float(v) for v in (*w, b)] + [float(m) for m in mistakes])


RECOMPUTE = {
    "a01.gradient_descent.lesson": lambda p: lesson_trajectory(p["coeffs"], p["x0"], p["lr"], p["n_steps"]),
    "a01.perceptron_predict.values": lambda p: np.array(ref.perceptron_outputs(p["X"], p["w"], p["b"]), dtype=float),
    "a01.perceptron_train.converges": lambda p: perceptron_packed(p),
    "a01.perceptron_train.max_epochs": lambda p: perceptron_packed(p),
    "a01.sigmoid.values": lambda p: elementwise(ref.sigmoid, p["z"]),
    "a01.sigmoid_grad.values": lambda p: elementwise(lambda v: ref.sigmoid(v) * (1 - ref.sigmoid(v)), p["z"]),
    "a01.dense_sigmoid.values": lambda p: dense(p["X"], p["W"], p["b"]),
    "a01.binary_cross_entropy.values": lambda p: float(ref.bce(p["y"], [mp.mpf(float(v)) for v in p["p"]])),
    "a01.binary_cross_entropy.clipped": lambda p: float(ref.bce(p["y"], [mp.mpf(float(v)) for v in p["p"]])),
    "a01.binary_cross_entropy_grad.values": lambda p: bce_grad(p["y"], p["p"]),
    "a01.binary_cross_entropy_grad.clipped": lambda p: bce_grad_clipped(p["y"], p["p"]),
    "a01.squared_error.values": lambda p: squared(p["output"], p["label"]),
    "a01.squared_error_grad.values": lambda p: 2 * (p["output"] - p["label"]) / len(p["output"]),
    "a02.forward.values": lambda p: np.array([[float(v) for v in ref.network(
        mp.mpf(float(a)), mp.mpf(float(b)), [mp.mpf(float(v)) for v in p["w"]])] for a, b in p["X"]]).T,
    "a02.loss.values": lambda p: float(ref.network_loss(p["X"], p["y"], [mp.mpf(float(v)) for v in p["w"]])),
}
for _i, _name in enumerate(("w10", "w11", "w12", "w20", "w21", "w22", "w30", "w31", "w32")):
    RECOMPUTE[f"a02.d_{_name}.values"] = (
        lambda p, i=_i: float(ref.network_partials(p["X"], p["y"], p["w"])[i]))


# Later assignments keep their recomputations in tests/recompute_<assignment>.py (a dict RECOMPUTE
# from check id to a function of the check's params), each independent of any solution code.
for _assignment in sorted(NOTEBOOKS):
    if (Path(__file__).parent / f"recompute_{_assignment}.py").is_file():
        RECOMPUTE.update(importlib.import_module(f"recompute_{_assignment}").RECOMPUTE)


def test_every_fixed_number_is_recomputed():
    """Does every check that carries an `expected` value have an independent recomputation?"""
    assert {cid for cid, c in CHECKS.items() if "expected" in c.params} == set(RECOMPUTE)


@pytest.mark.parametrize("check_id", sorted(RECOMPUTE))
def test_fixed_number_matches_high_precision(check_id):
    """Does the hard-coded expected value agree with a 40-digit recomputation?"""
    expected = np.asarray(params(check_id)["expected"], dtype=float)
    assert np.allclose(expected, RECOMPUTE[check_id](params(check_id)), rtol=1e-12, atol=1e-300)


def test_sigmoid_extremes_are_exact():
    """Is the extreme-value expectation what the sigmoid really gives in float64?"""
    assert float(ref.sigmoid(-40)) == 4.248354255291589e-18 and float(ref.sigmoid(40)) == 1.0


def test_reference_detects_a_wrong_number():
    """Would a wrong hard-coded number be noticed (the comparison above can fail)?"""
    wrong = np.asarray(params("a01.sigmoid.values")["expected"]) * (1 + 1e-9)
    assert not np.allclose(wrong, RECOMPUTE["a01.sigmoid.values"](params("a01.sigmoid.values")),
                           rtol=1e-12, atol=0)
