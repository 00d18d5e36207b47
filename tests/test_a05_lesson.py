"""Assignment 5: do the lesson's numbers and claims reproduce, and is the given code right?

The lesson printed 0.01459057 (Adagrad) and 0.02099521 (Adam); the notebook's prose describes
what its two experiments show. These tests hold the reference answers, the setup cell's sine layer
and the autograder's helpers to that.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import LocalCaller
from autograder.gradcheck import numeric_gradient, relative_error
from autograder.registry import CHECKS, attempt, load_all
from recompute_a05 import lesson_adagrad, lesson_adam

load_all()

LESSON = {"adagrad": ("a05.adagrad_update.lesson", "0.01459057"), "adam": ("a05.adam_update.lesson", "0.02099521")}


@pytest.fixture(scope="module")
def a05():
    from conftest import reference_namespace

    return reference_namespace("a05")


@pytest.mark.parametrize("name", sorted(LESSON))
def test_lesson_numbers_reproduce_to_the_printed_digits(a05, name):
    """Do the 40-digit recomputation and the reference answer both print as the lesson did?"""
    check_id, printed = LESSON[name]
    params = CHECKS[check_id].params
    exact = {"adagrad": lesson_adagrad, "adam": lesson_adam}[name](params)
    path = a05["run_optimizer"](a05[f"{name}_update"], dict(params["state"]), lambda x: 2 * x,
                                params["w0"], params["n_steps"])
    assert f"{exact:.7g}" == printed and f"{path[-1, 0]:.7g}" == printed
    assert params["n_steps"] == {"adagrad": 29, "adam": 30}[name]  # the two R loops count differently


def test_the_other_step_counts_would_not_reproduce_the_lesson():
    """Would 30 Adagrad updates, or 29 Adam ones, miss the lesson's digits (the counts matter)?"""
    base = {**CHECKS["a05.adagrad_update.lesson"].params}
    assert f"{lesson_adagrad({**base, 'n_steps': 30}):.7g}" != LESSON["adagrad"][1]
    base = {**CHECKS["a05.adam_update.lesson"].params}
    assert f"{lesson_adam({**base, 'n_steps': 29}):.7g}" != LESSON["adam"][1]


def test_sine_layer_backpropagates_exactly(a05):
    """Is the setup cell's sine layer's backward the numeric gradient of sum(out * dout)?"""
    rng = np.random.default_rng(0)
    X, b, dout = rng.uniform(-3, 3, size=(7, 2)), np.array([0.8, -1.3]), rng.normal(size=(7, 1))
    out, cache = a05["sin_logit_forward"](X, b)
    dX, db = a05["sin_logit_backward"](dout, cache)
    assert out.shape == (7, 1)
    for value, grad, moved in ((b, db, lambda v: a05["sin_logit_forward"](X, v)[0]),
                               (X, dX, lambda v: a05["sin_logit_forward"](v, b)[0])):
        numeric = numeric_gradient(lambda v: float(np.sum(moved(v) * dout)), value)
        assert relative_error(grad, numeric).max() < 1e-7


def test_sine_network_gradient_is_the_lessons_pair_of_partials(a05):
    """With the sigmoid + cross-entropy output, is the gradient for b the lesson's two formulas?"""
    from dlkit.datasets import sin_logit_data

    X, y = sin_logit_data(2.0, 3.0, n=50)
    b = np.array([1.1, 2.4])
    scores, cache = a05["sin_logit_forward"](X, b)
    _, out_cache = a05["sigmoid_ce_forward"](scores, y[:, None])
    _, db = a05["sin_logit_backward"](a05["sigmoid_ce_backward"](out_cache), cache)
    x1, x2 = X[:, 0], X[:, 1]
    inner = b[0] * x1 * x2 + b[1] * x2
    p = 1 / (1 + np.exp(-np.sin(inner)))
    lesson = [np.mean((p - y) * np.cos(inner) * x1 * x2), np.mean((p - y) * np.cos(inner) * x2)]
    assert np.allclose(db, lesson, rtol=1e-12, atol=1e-15)


def _sin_run(a05, batch_size, seed):
    from dlkit.datasets import sin_logit_data
    from dlkit.nn import Layer, Network, Output

    X, y = sin_logit_data(2.0, 3.0)
    net = Network([Layer(a05["sin_logit_forward"], a05["sin_logit_backward"], {"b": np.zeros(2)})],
                  Output(a05["sigmoid_ce_forward"], a05["sigmoid_ce_backward"], lambda s: a05["sigmoid_forward"](s)[0]))
    net.fit(X, y[:, None], epochs=max(1, 500 * batch_size // 1000), update=a05["get_optimizer"]("momentum"),
            hyper={"lr": 0.1, "rho": 0.9}, batches=lambda n, rng: a05["minibatches"](n, batch_size, rng),
            seed=seed, show_progress=False)
    return net.layers[0].params["b"]


def test_full_batch_stays_at_the_start_and_batch_30_can_find_the_true_values(a05):
    """The notebook's claim: full-batch momentum stays near (0, 0); a batch-30 run reaches (2, 3)."""
    assert np.linalg.norm(_sin_run(a05, 1000, 0)) < 0.1
    assert np.linalg.norm(_sin_run(a05, 30, 2) - [2.0, 3.0]) < 0.3


def test_deep_ring_network_sgd_diverges_and_adam_does_not(a05):
    """The notebook's claim: from N(0, 1) weights, 8 x 20 ReLU with SGD + momentum overflows at once,
    while Adam's steps stay bounded."""
    from dlkit.datasets import ring_data
    from dlkit.nn import Layer, Network, Output

    X, y = ring_data()

    def network():
        draw, widths, layers = np.random.default_rng(0), [2] + [20] * 8 + [1], []
        for k in range(len(widths) - 1):
            if k:
                layers.append(Layer(a05["relu_forward"], a05["relu_backward"]))
            layers.append(Layer(a05["affine_forward"], a05["affine_backward"],
                                {"W": draw.normal(size=(widths[k], widths[k + 1])), "b": draw.normal(size=widths[k + 1])}))
        return Network(layers, Output(a05["sigmoid_ce_forward"], a05["sigmoid_ce_backward"],
                                      lambda s: a05["sigmoid_forward"](s)[0]))
    batches = lambda n, rng: a05["minibatches"](n, 20, rng)  # noqa: E731
    with np.errstate(all="ignore"):
        sgd = network().fit(X, y[:, None], epochs=1, update=a05["get_optimizer"]("momentum"),
                            hyper={"lr": 0.05, "rho": 0.9}, batches=batches, show_progress=False)
    adam = network().fit(X, y[:, None], epochs=10, update=a05["get_optimizer"]("adam"),
                         hyper={"lr": 0.003, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, batches=batches,
                         show_progress=False)
    assert np.isnan(sgd.loss[-1]) and np.all(np.isfinite(adam.loss)) and adam.loss[-1] < adam.loss[0]


def test_unknown_name_check_does_not_count_the_name_asked_for(a05):
    """Is a message that only repeats 'adamw' refused, although 'adamw' contains 'adam'?"""
    namespace = dict(a05)
    exec("def get_optimizer(name):\n    raise ValueError(f'unknown optimizer {name!r}; try sgd, momentum, "
         "nesterov, adagrad or rmsprop')", namespace)
    message = attempt(CHECKS["a05.get_optimizer.unknown"], LocalCaller(namespace))
    assert message is not None and "['adam']" in message


def test_minibatch_checks_accept_any_correct_use_of_the_generator(a05):
    """Does an answer that draws its order differently (shuffle in place) still pass every check?"""
    namespace = dict(a05)
    exec("def minibatches(n, batch_size, rng, drop_last=False):\n    order = np.arange(n)\n"
         "    rng.shuffle(order)\n    keep = n - n % batch_size if drop_last else n\n"
         "    return np.array_split(order[:keep], range(batch_size, keep, batch_size))", namespace)
    caller = LocalCaller(namespace)
    assert [attempt(c, caller) for c in CHECKS.values() if c.task.id == "a05.minibatches"] == [None] * 3
