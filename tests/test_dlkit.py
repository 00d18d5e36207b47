"""Does the toolkit's network backpropagate through the layers it is given, and train with them?

The layers here are written for the test (tanh and a linear map with mean squared error), so the
toolkit is checked without any assignment's answers.
"""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from autograder.gradcheck import numeric_gradient, relative_error
from conftest import network_gradient_errors
from dlkit.nn import History, Layer, Network, Output, accuracy
from dlkit.progress import progress

matplotlib.use("Agg")


def linear_forward(x, W, b):
    return x @ W + b, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    return (dout * (1 - cache ** 2),)


def mse_forward(scores, y):
    diff = scores - y
    return float(np.mean(np.sum(diff ** 2, axis=1))), diff


def mse_backward(diff):
    return 2 * diff / diff.shape[0]


def make_network(seed=0, penalty=None):
    rng = np.random.default_rng(seed)
    layers = [Layer(linear_forward, linear_backward, {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}),
              Layer(tanh_forward, tanh_backward),
              Layer(linear_forward, linear_backward, {"W": rng.normal(size=(4, 2)), "b": rng.normal(size=2)})]
    return Network(layers, Output(mse_forward, mse_backward, predict=lambda s: s, classify=False), penalty)


def sgd(w, dw, state):
    return w - state["lr"] * dw, state


@pytest.mark.parametrize("with_penalty", [False, True])
def test_backprop_matches_numeric_gradient(with_penalty):
    """Is every parameter's gradient the centred-difference one, with and without a penalty term?"""
    def l2(params):
        return (0.1 * sum(float(np.sum(v ** 2)) for v in params.values()),
                {k: 0.2 * v for k, v in params.items()})
    net = make_network(penalty=l2 if with_penalty else None)
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    errors = network_gradient_errors(net, X, y)
    assert set(errors) == set(net.params)
    assert max(errors.values()) < 1e-7, errors


def test_a_wrong_backward_is_caught_by_the_same_comparison():
    """Would the comparison above fail if a layer's backward were wrong (it can fail)?"""
    net = make_network()
    net.layers[1].backward = lambda dout, cache: (dout * (1 + cache ** 2),)
    X, y = np.ones((4, 3)), np.zeros((4, 2))
    _, grads = net.loss_and_grads(X, y)
    W = net.layers[0].params["W"]

    def loss_at(value):
        net.layers[0].params["W"] = value
        return net.loss(X, y)
    assert relative_error(grads[(0, "W")], numeric_gradient(loss_at, W.copy())).max() > 1e-3


def test_fit_lowers_the_loss_and_records_history():
    """Does full-batch training with a plain SGD update lower the loss, one history entry per epoch?"""
    net = make_network()
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = np.column_stack([X[:, 0] - X[:, 1], 0.5 * X[:, 2]])
    before = net.loss(X, y)
    history = net.fit(X, y, epochs=200, update=sgd, hyper={"lr": 0.05}, show_progress=False,
                      validation=(X[:10], y[:10]))
    assert isinstance(history, History) and len(history.loss) == len(history.val_loss) == 200
    assert history.loss[-1] < 0.2 * before and history.accuracy == []


def test_fit_uses_the_batches_it_is_given():
    """Does each epoch visit exactly the mini-batches the `batches` function yields?"""
    seen = []

    def batches(n, rng):
        order = rng.permutation(n)
        return [order[:3], order[3:]]

    def counting_sgd(w, dw, state):
        seen.append(1)
        return sgd(w, dw, state)
    make_network().fit(np.ones((5, 3)), np.zeros((5, 2)), epochs=2, update=counting_sgd,
                       hyper={"lr": 0.1}, batches=batches, show_progress=False)
    assert len(seen) == 2 * 2 * 4  # epochs x batches x parameters


def test_a_backward_with_missing_gradients_is_named():
    """Does a backward that forgets a parameter gradient raise an error naming it?"""
    net = make_network()
    net.layers[0].backward = lambda dout, cache: linear_backward(dout, cache)[:2]
    with pytest.raises(ValueError, match=r"returned 1 parameter gradient.*\['W', 'b'\]"):
        net.loss_and_grads(np.ones((2, 3)), np.zeros((2, 2)))


@pytest.mark.parametrize("proba, y, expected", [
    (np.array([0.9, 0.2, 0.6]), np.array([1, 0, 0]), 2 / 3),
    (np.array([[0.9], [0.2]]), np.array([[1.0], [1.0]]), 0.5),
    (np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]), 0.5),
    (np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0, 1], [1, 0]]), 1.0),
])
def test_accuracy(proba, y, expected):
    """Is accuracy right for binary probabilities and for class scores, labels or one-hot?"""
    assert accuracy(proba, y) == pytest.approx(expected)


def test_progress_can_be_silenced(monkeypatch, capsys):
    """Does DLKIT_NO_PROGRESS=1 turn the bar off (for batch runs)?"""
    monkeypatch.setenv("DLKIT_NO_PROGRESS", "1")
    assert list(progress(range(3), desc="quiet")) == [0, 1, 2]
    assert "quiet" not in capsys.readouterr().err


def test_plots_draw():
    """Do the plotting helpers draw on the axes they are given?"""
    import matplotlib.pyplot as plt

    from dlkit import plots

    fig, axes = plt.subplots(1, 4)
    plots.curves({"train": [3, 2, 1], "test": [3, 2.5, 2]}, ax=axes[0])
    X = np.random.default_rng(0).normal(size=(20, 2))
    plots.decision_boundary(lambda g: 1 / (1 + np.exp(-g[:, 0])), X, X[:, 0] > 0, ax=axes[1], resolution=20)
    plots.paths_on_curve(lambda x: x ** 2, {"gd": [1.0, 0.5, 0.25]}, ax=axes[2])
    plots.surface_with_paths(lambda a, b: a ** 2 + b ** 2, (-1, 1), (-1, 1), {"p": np.array([[1, 1], [0, 0]])},
                             ax=axes[3], resolution=10)
    assert all(ax.has_data() for ax in axes)
    grid = plots.image_grid(np.zeros((3, 64)), [1, 2, 3], [1, 0, 3])
    assert [ax.title.get_color() for ax in grid.axes[:3]] == ["black", "red", "black"]
    plt.close("all")


def test_simulated_data_follow_their_recipes():
    """Do the lessons' data sets have their shapes, their labelling rules, and repeat by seed?"""
    from dlkit import datasets

    X, y = datasets.ring_data(300, seed=3)
    r2 = (X ** 2).sum(axis=1)
    assert X.shape == (300, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert np.array_equal(y == 1, (r2 > 9) | ((r2 > 1) & (r2 < 4)))
    X1, y1 = datasets.sin_logit_data(0.7, 0.7, n=500, noise=0.0, seed=1)
    assert np.array_equal(y1 == 1, np.sin(0.7 * X1[:, 0] * X1[:, 1] + 0.7 * X1[:, 1]) > 0)
    assert np.abs(X1).max() <= 3
    again = datasets.sin_logit_data(0.7, 0.7, n=500, noise=0.0, seed=1)
    assert np.array_equal(again[0], X1)
    X2, y2 = datasets.disc_data(100, seed=0)
    assert X2.shape == (100, 2) and 0.2 < y2.mean() < 0.9


# ---------------------------------------------------------------- summary()
def network_241():
    """The chapter's 2-4-1 network (Kuo's Keras model, "Total params: 17"), with this file's layers."""
    rng = np.random.default_rng(0)
    return Network([Layer(linear_forward, linear_backward, {"W": rng.normal(size=(2, 4)), "b": rng.normal(size=4)},
                          name="affine 1"),
                    Layer(tanh_forward, tanh_backward, name="tanh 1"),
                    Layer(linear_forward, linear_backward, {"W": rng.normal(size=(4, 1)), "b": rng.normal(size=1)},
                          name="affine 2")],
                   Output(mse_forward, mse_backward, predict=lambda s: s, classify=False))


def cells(line: str) -> list[str]:
    """A summary row's columns (they are apart by two spaces or more)."""
    return [part.strip() for part in line.split("  ") if part.strip()]


def assert_summary_of_241(text: str) -> None:
    lines = text.splitlines()
    assert cells(lines[0]) == ["Layer (type)", "Output Shape", "Param #"]
    assert set(lines[1]) == {"="} and lines[-3] == lines[1] and len(lines[1]) >= max(map(len, lines[:-2]))
    assert [cells(line) for line in lines[2:-3]] == [["affine_1 (linear_forward)", "(None, 4)", "12"],
                                                      ["tanh_1 (tanh_forward)", "(None, 4)", "0"],
                                                      ["affine_2 (linear_forward)", "(None, 1)", "5"]]
    assert {line.index("(None") for line in lines[2:-3]} == {lines[0].index("Output Shape")}
    assert lines[-2:] == ["Total params: 17", "Trainable params: 17"]


def test_summary_shows_each_layer_and_the_total(capsys):
    """Does summary() print, and return, each layer's name, output shape and parameter count, then
    the chapter's total of 17, without changing a parameter?"""
    net = network_241()
    before = {key: value.copy() for key, value in net.params.items()}
    text = net.summary(2)
    assert_summary_of_241(text)
    assert capsys.readouterr().out == text + "\n"
    assert net.summary() == text  # the input width read from the first layer's W, of shape (2, 4)
    assert all(np.array_equal(net.params[key], value) for key, value in before.items())


def test_a_wrong_count_fails_the_summary_test(monkeypatch):
    """Planted: a summary that counts the weights but forgets the biases (8 + 4 = 12 in all). Would
    the test above fail on it?"""
    import dlkit.nn

    monkeypatch.setattr(dlkit.nn, "_parameter_count",
                        lambda layer: sum(v.size for k, v in layer.params.items() if k != "b"))
    text = network_241().summary(2)
    assert "Total params: 12" in text
    with pytest.raises(AssertionError):
        assert_summary_of_241(text)


def test_summary_of_a_wide_network_uses_thousands_separators():
    """Kuo's MNIST model, 784-256-256-256-10: 200,960 parameters in its first layer, 335,114 in all."""
    sizes = [784, 256, 256, 256, 10]
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        layers += [Layer(linear_forward, linear_backward, {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)},
                         name=f"dense {k}"), Layer(tanh_forward, tanh_backward)]
    text = Network(layers[:-1], Output(mse_forward, mse_backward, predict=lambda s: s)).summary()
    rows = [cells(line) for line in text.splitlines()[2:-3]]
    assert rows[0] == ["dense_1 (linear_forward)", "(None, 256)", "200,960"]
    assert rows[1] == ["layer_2 (tanh_forward)", "(None, 256)", "0"] and rows[-1][1:] == ["(None, 10)", "2,570"]
    assert text.splitlines()[-2:] == ["Total params: 335,114", "Trainable params: 335,114"]


def test_summary_asks_for_the_input_width_when_the_first_layer_has_no_weights():
    """A network that starts with an activation: no W to read D from, so summary() says to give it."""
    net = network_241()
    net.layers = [Layer(tanh_forward, tanh_backward, name="tanh 0"), *net.layers]
    with pytest.raises(ValueError, match=r"summary\(input_dim=2\)"):
        net.summary()
    assert cells(net.summary(input_dim=(2,)).splitlines()[2]) == ["tanh_0 (tanh_forward)", "(None, 2)", "0"]
