"""Assignment 7 beyond its checks: the toolkit's regularisation layers and the statistics behind the
dropout-mask check. (The hidden tests' expected values come from the reference on inputs drawn per
student; tests/test_hidden_expected.py holds them to the 40-digit recomputations of recompute_a07.py.)

The toolkit is tested with layer functions written here (no answer of the assignment), so a
failure points at dlkit, not at a notebook.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.gradcheck import numeric_gradient, relative_error
from dlkit.nn import Layer, Network, Output
from dlkit.regularisation import MaskedLayer, RunningStatsLayer, penalty_on


def linear_forward(x, W, b):
    return x @ W + b, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def mse_forward(scores, y):
    diff = scores - y
    return float(np.mean(np.sum(diff ** 2, axis=1))), diff


def mse_backward(diff):
    return 2 * diff / diff.shape[0]


def scale_forward(x, factor, train, mask):
    """A masked layer for the test: x * mask * factor in training, x in evaluation."""
    return (x * mask * factor, mask * factor) if train else (x, None)


def scale_backward(dout, cache):
    return dout * cache


def shift_forward(x, running, train, rate):
    """A stateful layer for the test: subtracts a running mean of its batch means."""
    if train:
        kept = {"mean": (1 - rate) * running["mean"] + rate * x.mean(axis=0)}
        return x - x.mean(axis=0), {"running": kept, "n": len(x)}
    return x - running["mean"], {"running": running}


def shift_backward(dout, cache):
    return dout - dout.mean(axis=0)


def squares(arrays, lam):
    return lam * sum(float(np.sum(a ** 2)) for a in arrays), [2 * lam * a for a in arrays]


def test_penalty_on_decays_only_the_named_parameters():
    """Does penalty_on hand only the "W" parameters to the function, and key the gradients like them?"""
    params = {(0, "W"): np.ones((2, 2)), (0, "b"): np.full(2, 5.0), (2, "W"): np.full((2, 1), 2.0),
              (1, "gamma"): np.ones(2)}
    loss, grads = penalty_on(squares, 0.5)(params)
    assert loss == pytest.approx(0.5 * (4 + 8)) and set(grads) == {(0, "W"), (2, "W")}
    assert np.array_equal(grads[(2, "W")], np.full((2, 1), 2.0))
    _, with_bias = penalty_on(squares, 0.5, names=("W", "b"))(params)
    assert set(with_bias) == {(0, "W"), (0, "b"), (2, "W")}


def test_penalty_on_names_a_missing_gradient():
    """Does a penalty returning too few gradients raise an error that says so?"""
    with pytest.raises(ValueError, match="returned 1 gradient"):
        penalty_on(lambda arrays, lam: (0.0, arrays[:1]), 0.1)({(0, "W"): np.ones(2), (1, "W"): np.ones(2)})


def test_network_with_penalty_on_matches_numeric_gradient():
    """Through a Network, is the penalised loss's gradient the centred-difference one, bias included?"""
    rng = np.random.default_rng(0)
    net = Network([Layer(linear_forward, linear_backward, {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)})],
                  Output(mse_forward, mse_backward, predict=lambda s: s, classify=False),
                  penalty=penalty_on(squares, 0.3))
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    _, grads = net.loss_and_grads(X, y)
    for name in ("W", "b"):
        def loss_at(value, name=name):
            saved, net.layers[0].params[name] = net.layers[0].params[name], value
            try:
                return net.loss(X, y)
            finally:
                net.layers[0].params[name] = saved
        numeric = numeric_gradient(loss_at, net.layers[0].params[name].copy())
        assert relative_error(grads[(0, name)], numeric).max() < 1e-7


def masked(seed=0):
    def make_mask(shape, rng):
        return (rng.random(shape) >= 0.5).astype(float)
    return MaskedLayer(scale_forward, scale_backward, options={"factor": 2.0}, make_mask=make_mask, seed=seed)


def test_masked_layer_draws_a_fresh_mask_per_training_call_and_none_in_evaluation():
    """Does every training call get a new mask from the seeded Generator, and evaluation mask=None?"""
    x = np.ones((4, 8))
    layer, twin = masked(seed=1), masked(seed=1)
    first, second = layer.run(x, True)[0], layer.run(x, True)[0]
    assert not np.array_equal(first, second) and set(np.unique(first)) <= {0.0, 2.0}
    assert np.array_equal(twin.run(x, True)[0], first)          # the same seed: the same masks
    assert np.array_equal(layer.run(x, False)[0], x)
    with pytest.raises(ValueError, match="make_mask"):
        MaskedLayer(scale_forward, scale_backward)


def test_masked_layer_backpropagates_through_the_mask_it_drew():
    """Is the network's gradient with a masked layer the numeric gradient for the mask drawn?"""
    rng = np.random.default_rng(2)
    first = Layer(linear_forward, linear_backward, {"W": rng.normal(size=(3, 6)), "b": rng.normal(size=6)})
    net = Network([first, masked(seed=3)], Output(mse_forward, mse_backward, predict=lambda s: s, classify=False))
    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 6))
    _, grads = net.loss_and_grads(X, y)
    mask = masked().make_mask((4, 6), np.random.default_rng(3))   # the mask that training call drew

    def loss_at(W):
        out = scale_forward(linear_forward(X, W, first.params["b"])[0], 2.0, True, mask)[0]
        return mse_forward(out, y)[0]
    assert relative_error(grads[(0, "W")], numeric_gradient(loss_at, first.params["W"].copy())).max() < 1e-7


def test_running_stats_layer_keeps_the_state_its_forward_returns():
    """Does the layer pass its state in, keep cache["running"] after training calls, and leave it in
    evaluation (the forward hands it back unchanged)?"""
    layer = RunningStatsLayer(shift_forward, shift_backward, options={"rate": 0.5}, running={"mean": np.zeros(2)})
    layer.run(np.array([[1.0, 3.0], [3.0, 5.0]]), True)
    assert np.allclose(layer.running["mean"], [1.0, 2.0])
    layer.run(np.array([[5.0, 0.0], [5.0, 0.0]]), True)
    assert np.allclose(layer.running["mean"], [3.0, 1.0])
    out, _ = layer.run(np.array([[3.0, 1.0]]), False)
    assert np.allclose(out, 0.0) and np.allclose(layer.running["mean"], [3.0, 1.0])


def test_running_stats_layer_trains_in_fit_and_evaluates_with_its_state():
    """In fit, do training steps move the state while the recorded evaluations leave it alone?"""
    layer = RunningStatsLayer(shift_forward, shift_backward, options={"rate": 0.5}, running={"mean": np.zeros(2)})
    net = Network([layer], Output(mse_forward, mse_backward, predict=lambda s: s, classify=False))
    X = np.full((6, 2), 4.0)
    net.fit(X, np.zeros((6, 2)), epochs=3, update=lambda w, dw, s: (w, s), hyper={}, show_progress=False)
    assert np.allclose(layer.running["mean"], 4.0 * (1 - 0.5 ** 3))


def test_running_stats_layer_names_a_cache_without_state():
    """Does a forward whose cache lacks "running" raise an error that says what is missing?"""
    layer = RunningStatsLayer(lambda x, running, train: (x, None), shift_backward)
    with pytest.raises(ValueError, match="'running'"):
        layer.run(np.ones((2, 2)), True)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9])
def test_mask_rate_check_is_far_from_failing_a_right_answer(reference, p):
    """The rate check allows 6 standard errors: does the reference mask stay well inside them over
    many seeds (so a correct answer never fails on its hidden seed)?"""
    mask_fn = reference("a07")["dropout_mask"]
    n = 100 * 200                                    # the hidden check's shape
    kept = np.array([mask_fn((100, 200), p, seed).mean() for seed in range(200)])
    z = (kept - (1 - p)) / np.sqrt(p * (1 - p) / n)
    assert np.abs(z).max() < 4.5 and abs(z.std() - 1) < 0.2   # the standard error is the right one
