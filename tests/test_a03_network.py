"""Assignment 3: does the matrix network reproduce Assignment 2 exactly, train, and grade fairly?

The 2-2-1 network built from a03's layer functions (on ``dlkit.nn.Network``) must give the same
gradient as a02's nine hand-derived partial derivatives, to 1e-10, on a02's own data.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import LocalCaller
from autograder.checks.a02 import LESSON_PARTIALS, LESSON_W, X3, Y3
from autograder.data import load_network_data
from autograder.registry import CHECKS, attempt, checks_for
from conftest import network_gradient_errors, reference_namespace, solution_notebook

CHAIN = ("grad_o", "grad_l2", "grad_W2", "grad_h1", "grad_l1", "grad_W1")


@pytest.fixture(scope="module")
def a03():
    return reference_namespace("a03")


@pytest.fixture(scope="module")
def a02():
    return reference_namespace("a02")


def lesson_matrices(w):
    """a02's w = (w10, w11, w12, w20, w21, w22, w30, w31, w32) as the lesson's W1 (3, 2), W2 (3, 1)."""
    w = np.asarray(w, dtype=float)
    return w[:6].reshape(2, 3).T.copy(), w[6:].reshape(3, 1).copy()


def a02_order(W1, W2):
    """The inverse of :func:`lesson_matrices`: bias rows first, one column per unit."""
    return np.concatenate([W1.T.ravel(), W2.ravel()])


def network_221(a03, w):
    net = a03["SigmoidNetwork"]([2, 2, 1])
    W1, W2 = lesson_matrices(w)
    net.layers[0].params.update(W=W1[1:].copy(), b=W1[0].copy())
    net.layers[2].params.update(W=W2[1:].copy(), b=W2[0].copy())
    return net


WEIGHTS = [LESSON_W, np.random.default_rng(0).normal(size=9), 3.0 * np.random.default_rng(1).normal(size=9)]


def test_weight_mapping_round_trips():
    """Is the map between a02's weight vector and the lesson's matrices one-to-one, in a02's order?"""
    W1, W2 = lesson_matrices(LESSON_W)
    assert W1.tolist() == [[-4, 7], [-4, -6], [-3, -1]] and W2.ravel().tolist() == [4, 6, -7]
    assert np.array_equal(a02_order(W1, W2), LESSON_W)


@pytest.mark.parametrize("k", range(len(WEIGHTS)))
def test_network_gradient_equals_the_nine_hand_derived_partials(a03, a02, k):
    """On a02's 500 points, does backprop through the a03 layers give a02's nine partials to 1e-10?"""
    X, y = load_network_data()
    w = WEIGHTS[k]
    loss, grads = network_221(a03, w).loss_and_grads(X, y)
    network = np.concatenate([np.vstack([grads[(0, "b")], grads[(0, "W")]]).T.ravel(),
                              grads[(2, "b")], grads[(2, "W")].ravel()])
    hand = a02["gradient"](X, y, w)
    assert np.abs(network - hand).max() < 1e-10
    assert loss == pytest.approx(a02["loss"](X, y, w), rel=1e-12)


@pytest.mark.parametrize("k", range(len(WEIGHTS)))
def test_backprop_one_hidden_equals_the_nine_hand_derived_partials(a03, a02, k):
    """Are grad_W1 and grad_W2 of the lesson's chain a02's nine partials, arranged like the weights?"""
    X, y = load_network_data()
    w = WEIGHTS[k]
    grads = a03["backprop_one_hidden"](X, y.reshape(-1, 1), *lesson_matrices(w))
    assert np.abs(a02_order(grads["grad_W1"], grads["grad_W2"]) - a02["gradient"](X, y, w)).max() < 1e-10


def test_lesson_worked_example_numbers(a03):
    """At the lesson's weights and a02's three points: a02's loss and nine fixed partials?"""
    W1, W2 = lesson_matrices(LESSON_W)
    assert np.array_equal(W1, a03["LESSON_W1"]) and np.array_equal(W2, a03["LESSON_W2"])
    grads = a03["backprop_one_hidden"](X3, Y3.reshape(-1, 1), W1, W2)
    assert np.allclose(a02_order(grads["grad_W1"], grads["grad_W2"]), LESSON_PARTIALS, rtol=1e-12, atol=0)
    l2 = a03["affine_forward"](a03["sigmoid_forward"](a03["affine_forward"](X3, W1[1:], W1[0])[0])[0],
                               W2[1:], W2[0])[0]
    assert a03["sigmoid_ce_forward"](l2, Y3.reshape(-1, 1))[0] == pytest.approx(0.9649629398529214, rel=1e-13)


def test_deeper_network_backprop_matches_numeric_gradient(a03):
    """Does the same class give exact gradients for two hidden layers (any list of sizes)?"""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(12, 3)), (rng.random(12) < 0.5).astype(float)
    net = a03["SigmoidNetwork"]([3, 4, 3, 1], seed=2)
    errors = network_gradient_errors(net, X, y)
    assert set(errors) == set(net.params) and len(errors) == 6
    assert max(errors.values()) < 1e-6, errors


def test_fit_trains_and_records_loss_and_accuracy(a03):
    """Does fit lower the loss on a02's data, one history entry per step, with usable predictions?"""
    X, y = load_network_data()
    net = a03["SigmoidNetwork"]([2, 3, 1], seed=1)
    before = net.loss(X, y)
    history = net.fit(X, y, epochs=300, lr=2.0, show_progress=False)
    assert len(history.loss) == len(history.accuracy) == 300
    assert history.loss[-1] < 0.6 * before and history.accuracy[-1] > 0.8
    proba = net.predict_proba(X)
    assert proba.shape == (500,) and set(np.unique(net.predict(X))) <= {0, 1}
    assert history.accuracy[-1] == pytest.approx(np.mean(net.predict(X) == y))


def _chain_failures(namespace):
    caller = LocalCaller(namespace)
    return {name for name in CHAIN for c in checks_for(f"a03.{name}") if attempt(c, caller)}


def _ones(a):
    return np.column_stack([np.ones(len(a)), a])


@pytest.mark.parametrize("name, slip", [
    ("grad_o", lambda g, X: 2.0 * g["grad_o"]),
    ("grad_l2", lambda g, X: len(X) * g["grad_l2"]),   # the lesson's per-sample o - y
    ("grad_h1", lambda g, X: -g["grad_h1"]),
])
def test_one_slip_costs_one_task(name, slip):
    """With one wrong gradient and every later step right given it, does only its task fail?"""
    namespace = reference_namespace("a03")
    reference, sigmoid = namespace["backprop_one_hidden"], namespace["sigmoid_forward"]

    def slipped(X, y, W1, W2):
        g = reference(X, y, W1, W2)
        g[name] = slip(g, X)
        h1 = sigmoid(X @ W1[1:] + W1[0])[0]
        if name == "grad_l2":   # the student's later steps, built on the wrong value
            g["grad_W2"] = _ones(h1).T @ g["grad_l2"]
            g["grad_h1"] = g["grad_l2"] @ W2[1:].T
        if name in ("grad_l2", "grad_h1"):
            g["grad_l1"] = g["grad_h1"] * h1 * (1.0 - h1)
            g["grad_W1"] = _ones(X).T @ g["grad_l1"]
        return g

    namespace["backprop_one_hidden"] = slipped
    assert _chain_failures(namespace) == {name}


def test_reference_passes_the_chain_at_saturating_hidden_units(a03):
    """Do the chain checks stay exact where hidden units saturate (the lesson's own weights)?"""
    caller = LocalCaller(a03)
    for name in CHAIN:
        (check,) = checks_for(f"a03.{name}")
        assert attempt(check, caller, X=X3, y=Y3.reshape(-1, 1), W1=a03["LESSON_W1"],
                       W2=a03["LESSON_W2"]) is None


# ---------------------------------------------------------------- counting parameters
COUNT_SLIPS = {  # the usual slips in counting a network's parameters, as a student writes them
    "biases left out": lambda s: sum(a * b for a, b in zip(s, s[1:])),
    "a bias per input, not per unit": lambda s: sum(a * b + a for a, b in zip(s, s[1:])),
    "the output layer left out": lambda s: sum(a * b + b for a, b in zip(s[:-2], s[1:-1])),
    "the first layer left out": lambda s: sum(a * b + b for a, b in zip(s[1:-1], s[2:])),
    "the hidden layer only": lambda s: (s[0] + 1) * s[1],
    "the units, not the parameters": sum,
}


def _count_inputs() -> list[tuple[str, list[int]]]:
    """The sizes parameter_count's checks use: the public ones, then the hidden ones of three students."""
    from deepgrad.grading.verdict import graded_cells

    found = [(check_id, CHECKS[check_id].params["sizes"]) for check_id in
             ("a03.parameter_count.chapter", "a03.parameter_count.wider")]
    for seed in (11, 12, 13):
        for cell in graded_cells(solution_notebook("a03"), seed):
            found += [(f"{target} (seed {seed})", params["sizes"]) for target, params, hidden in cell.calls
                      if hidden and target.startswith("a03.parameter_count")]
    return found


def test_every_counting_slip_fails_every_count_check(a03):
    """Does each usual slip give a wrong count on every input, public and hidden, so that each check
    fails it? And on the wider public network, does each slip give a count of its own (so a hint
    can name it)?"""
    inputs = _count_inputs()
    assert len(inputs) == 2 + 3 * 2
    for label, sizes in inputs:
        right = a03["parameter_count"](sizes)
        assert type(right) is int
        assert all(slip(sizes) != right for slip in COUNT_SLIPS.values()), (label, sizes)
    wider = dict(inputs)["a03.parameter_count.wider"]
    assert len({slip(wider) for slip in COUNT_SLIPS.values()} | {a03["parameter_count"](wider)}) == 7


def _count_messages(a03, slip) -> list[str]:
    namespace = dict(a03, parameter_count=slip)
    return [m for c in checks_for("a03.parameter_count") if (m := attempt(c, LocalCaller(namespace)))]


@pytest.mark.parametrize("name", sorted(COUNT_SLIPS))
def test_a_count_hint_is_given_only_where_one_slip_gives_the_value(a03, name):
    """A hint only where exactly one listed slip gives the returned count: never on the chapter's 2-4-1
    network, where the biases left out, the output layer left out and the hidden layer only all give
    12; on the wider one, only for the slips the hints have words for."""
    messages = _count_messages(a03, COUNT_SLIPS[name])
    assert len(messages) == 2 and "hint:" not in messages[0]
    said = messages[1].split("\nhint: ")[1] if "\nhint: " in messages[1] else None
    assert said == {"biases left out": "it is the number of weights alone: the bias is not added (one per unit "
                                       "after the inputs)",
                    "the output layer left out": "it leaves out the last layer's weights and biases: the sum "
                                                 "over the layers stops one step short"}.get(name)


def test_a_near_miss_count_gets_no_hint(a03):
    """One more or one less than the weights alone is no known slip: no hint."""
    for offset in (1, -1):
        messages = _count_messages(a03, lambda s, k=offset: COUNT_SLIPS["biases left out"](s) + k)
        assert len(messages) == 2 and not any("hint:" in m for m in messages)
