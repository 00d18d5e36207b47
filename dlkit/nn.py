"""A layered network built from the course's function contract, and the one training loop.

Every layer follows one contract (assignment 3 on):

- ``forward(x, *params, **options) -> (out, cache)``, ``x`` of shape ``(N, ...)``;
- ``backward(dout, cache) -> (dx, *dparams)``, one gradient per parameter, in order.

The output layer joins the last scores with the labels:
``forward(scores, y) -> (loss, cache)`` and ``backward(cache) -> dscores``, with ``predict``
turning scores into what ``predict_proba`` returns.

Optimizers follow ``update(w, dw, state) -> (w, state)``; ``state`` starts as a copy of the
hyper-parameters (``{"lr": 0.1}``) and carries whatever the optimizer keeps between steps.

Nothing here computes a layer, a loss or an update itself: the notebook passes its own functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from .progress import progress


@dataclass
class Layer:
    """One layer: its two functions, its parameters (in the order ``forward`` takes them) and
    fixed keyword options. ``train_option`` names a keyword that receives ``True`` in training
    and ``False`` in evaluation (dropout, batch norm)."""
    forward: Callable
    backward: Callable
    params: dict[str, np.ndarray] = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    train_option: str | None = None
    name: str = ""

    def run(self, x: np.ndarray, train: bool):
        options = dict(self.options)
        if self.train_option:
            options[self.train_option] = train
        return self.forward(x, *self.params.values(), **options)

    def grads(self, dout: np.ndarray, cache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        dx, *dparams = _as_tuple(self.backward(dout, cache))
        if len(dparams) != len(self.params):
            raise ValueError(f"{_name(self.backward)} returned {len(dparams)} parameter gradient(s) "
                             f"after dx; layer {self.name or _name(self.forward)} has {len(self.params)}: "
                             f"{list(self.params)}")
        return dx, dict(zip(self.params, dparams))


@dataclass
class Output:
    """The output layer: loss against the labels, its gradient, and the prediction rule."""
    forward: Callable          # (scores, y) -> (loss, cache)
    backward: Callable         # (cache) -> dscores
    predict: Callable          # scores -> probabilities (or values, for regression)
    classify: bool = True      # report accuracy, and predict() gives labels


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _name(fn) -> str:
    return f"`{getattr(fn, '__name__', repr(fn))}`"


def _parameter_count(layer: Layer) -> int:
    """The number of entries of a layer's parameter arrays (weights and biases alike)."""
    return sum(int(np.size(value)) for value in layer.params.values())


def full_batch(n: int, rng: np.random.Generator) -> Iterable[np.ndarray]:
    """One batch holding every sample, in order: plain gradient descent."""
    return [np.arange(n)]


def accuracy(proba: np.ndarray, y: np.ndarray) -> float:
    """Share of right answers: probabilities of shape (N,) or (N, 1) against 0/1 labels, or of
    shape (N, K) against class indices of shape (N,) or one-hot labels of shape (N, K)."""
    proba, y = np.asarray(proba), np.asarray(y)
    if proba.ndim == 2 and proba.shape[1] > 1:
        labels = y.argmax(axis=1) if y.ndim == 2 else y
        return float(np.mean(proba.argmax(axis=1) == labels))
    return float(np.mean((proba.reshape(-1) > 0.5) == (y.reshape(-1) > 0.5)))


@dataclass
class History:
    """What ``fit`` recorded, one entry per epoch (per step for full-batch training)."""
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)  # per step, before clipping (fit's clip)


class Network:
    """Layers in sequence, then an output layer; ``penalty(params) -> (loss, grads)`` is an
    optional extra loss term on the parameters (weight decay), keyed like ``params``."""

    def __init__(self, layers: list[Layer], output: Output, penalty: Callable | None = None):
        self.layers, self.output, self.penalty = list(layers), output, penalty

    @property
    def params(self) -> dict[tuple[int, str], np.ndarray]:
        """Every parameter, keyed by (layer index, name)."""
        return {(i, name): value for i, layer in enumerate(self.layers) for name, value in layer.params.items()}

    def summary(self, input_dim: int | tuple[int, ...] | None = None) -> str:
        """Print, and return, a table of the layers as deep-learning libraries show a model:

        a header, a rule, one row per layer (its name, its forward function, the shape of its
        output with ``None`` for the batch, its number of parameters), a rule, then the totals.
        For the 2-4-1 network of assignment 3 (``SigmoidNetwork([2, 4, 1])``)::

            Layer (type)                   Output Shape    Param #
            ======================================================
            affine_1 (affine_forward)      (None, 4)       12
            sigmoid_1 (sigmoid_forward)    (None, 4)       0
            affine_2 (affine_forward)      (None, 1)       5
            ======================================================
            Total params: 17
            Trainable params: 17

        ``input_dim`` is D for inputs X of shape (N, D) (a tuple such as (T, V) for inputs of shape
        (N, T, V)); by default, D is the number of rows of the first layer's first parameter (its W,
        of shape (D, M)). The output shapes come from one forward pass, in evaluation mode, of a
        batch of zeros of shape (1, D); the parameters are left as they are. Every parameter is
        trainable (``fit`` updates each one). A layer's number of parameters is the number of
        entries of its arrays: D * M + M for an affine layer with W of shape (D, M) and b of shape (M,).
        """
        if input_dim is None:
            first = next(iter(self.layers[0].params.values()), None) if self.layers else None
            if first is None or np.ndim(first) < 2:
                raise ValueError("the first layer has no weight matrix to read the input width from: "
                                 "give it, e.g. summary(input_dim=2) for inputs of shape (N, 2)")
            input_dim = np.shape(first)[0]
        x = np.zeros((1, *np.atleast_1d(input_dim).tolist()))
        rows = []
        for i, layer in enumerate(self.layers):
            x, _ = layer.run(x, train=False)
            name = (layer.name or f"layer {i + 1}").replace(" ", "_")
            kind = getattr(layer.forward, "__name__", "Layer")
            shape = "(" + ", ".join(["None", *(str(d) for d in np.shape(x)[1:])]) + ")"
            rows.append((f"{name} ({'Layer' if kind == '<lambda>' else kind})", shape,
                         f"{_parameter_count(layer):,}"))
        header = ("Layer (type)", "Output Shape", "Param #")
        widths = [max(len(row[k]) for row in (header, *rows)) + 4 for k in range(2)]
        width = sum(widths) + max(len(row[2]) for row in (header, *rows))
        lines = [f"{a:<{widths[0]}}{b:<{widths[1]}}{c}" for a, b, c in (header, *rows)]
        total = sum(_parameter_count(layer) for layer in self.layers)
        text = "\n".join([lines[0], "=" * width, *lines[1:], "=" * width,
                          f"Total params: {total:,}", f"Trainable params: {total:,}"])
        print(text)
        return text

    def scores(self, X: np.ndarray, train: bool = False) -> np.ndarray:
        for layer in self.layers:
            X, _ = layer.run(X, train)
        return X

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.output.predict(self.scores(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels for a classifier (0/1, or the index of the largest probability), else values."""
        proba = self.predict_proba(X)
        if not self.output.classify:
            return proba
        if proba.ndim == 2 and proba.shape[1] > 1:
            return proba.argmax(axis=1)
        return (proba > 0.5).astype(int)

    def loss(self, X: np.ndarray, y: np.ndarray, train: bool = False) -> float:
        return self._loss_at(self.scores(X, train), y)

    def _loss_at(self, scores: np.ndarray, y: np.ndarray) -> float:
        value, _ = self.output.forward(scores, y)
        if self.penalty is not None:
            value = value + self.penalty(self.params)[0]
        return float(value)

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray, train: bool = True):
        """The loss on (X, y) and its gradient for every parameter, by backpropagation."""
        caches = []
        for layer in self.layers:
            X, cache = layer.run(X, train)
            caches.append(cache)
        value, out_cache = self.output.forward(X, y)
        dout = self.output.backward(out_cache)
        grads = {}
        for i in reversed(range(len(self.layers))):
            dout, layer_grads = self.layers[i].grads(dout, caches[i])
            grads.update({(i, name): g for name, g in layer_grads.items()})
        if self.penalty is not None:
            extra, extra_grads = self.penalty(self.params)
            value = value + extra
            for key, g in extra_grads.items():
                grads[key] = grads[key] + g
        return float(value), grads

    def fit(self, X: np.ndarray, y: np.ndarray, *, epochs: int, update: Callable, hyper: dict,
            batches: Callable = full_batch, seed: int = 0, validation: tuple | None = None,
            clip: Callable | None = None, show_progress: bool = True, desc: str = "fit") -> History:
        """Train in place for ``epochs`` passes over (X, y); returns the :class:`History`.

        ``batches(n, rng)`` yields the index arrays of one epoch's mini-batches (default: one full
        batch); ``update(w, dw, state)`` is the optimizer, each parameter keeping its own state,
        started from ``hyper``. ``validation=(X_val, y_val)`` adds validation loss and accuracy.
        ``clip(grads) -> (grads, norm)``, given a list of every parameter's gradient, returns them
        rescaled (gradient clipping) and their norm, recorded per step in ``History.grad_norm``.
        """
        rng = np.random.default_rng(seed)
        states = {key: dict(hyper) for key in self.params}
        history = History()
        bar = progress(range(epochs), desc=desc, enabled=show_progress)
        for _ in bar:
            for idx in batches(len(X), rng):
                _, grads = self.loss_and_grads(X[idx], y[idx], train=True)
                if clip is not None:
                    clipped, norm = clip(list(grads.values()))
                    history.grad_norm.append(float(norm))
                    grads = dict(zip(grads, clipped))
                for (i, name), g in grads.items():
                    layer = self.layers[i]
                    layer.params[name], states[(i, name)] = update(layer.params[name], g, states[(i, name)])
            self._record(history, X, y, validation)
            shown = {"loss": f"{history.loss[-1]:.4f}"}
            if self.output.classify:
                shown["acc"] = f"{history.accuracy[-1]:.3f}"
            bar.set_postfix(shown, refresh=False)  # the bar redraws at its own pace
        return history

    def _record(self, history: History, X, y, validation) -> None:
        # One forward pass (evaluation mode) gives both the loss and the accuracy.
        scores = self.scores(X)
        history.loss.append(self._loss_at(scores, y))
        if self.output.classify:
            history.accuracy.append(accuracy(self.output.predict(scores), y))
        if validation is not None:
            Xv, yv = validation
            scores = self.scores(Xv)
            history.val_loss.append(self._loss_at(scores, yv))
            if self.output.classify:
                history.val_accuracy.append(accuracy(self.output.predict(scores), yv))
