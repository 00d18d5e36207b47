"""Regularisers in a :class:`~dlkit.nn.Network`: a penalty on chosen parameters, and two layers
that need more than fixed parameters and options (assignment 7 on).

- :func:`penalty_on` turns ``fn(arrays, lam) -> (loss, grads)`` into the network's
  ``penalty(params)``, applied to the parameters with the given names only (by default "W":
  weights are decayed, biases and normalisation parameters are not);
- :class:`MaskedLayer` draws a fresh random mask for every training batch (dropout), and passes
  ``mask=None`` in evaluation;
- :class:`RunningStatsLayer` keeps statistics from one call to the next (batch normalisation's
  running mean and variance): its forward receives them and hands back the ones to keep.

As everywhere in dlkit, the layer functions, the mask and the penalty are the notebook's own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .nn import Layer


def penalty_on(fn: Callable, lam: float, names: tuple[str, ...] = ("W",)) -> Callable:
    """A ``Network(penalty=...)`` built from ``fn(arrays, lam) -> (loss, grads)``.

    ``fn`` gets the list of the network's parameters whose name is in ``names`` and returns one
    gradient per array, in the same order; the network adds the loss and the gradients.
    """
    def penalty(params: dict) -> tuple[float, dict]:
        keys = [key for key in params if key[1] in names]
        loss, grads = fn([params[key] for key in keys], lam)
        grads = list(grads)
        if len(grads) != len(keys):
            raise ValueError(f"{getattr(fn, '__name__', 'the penalty')} returned {len(grads)} "
                             f"gradient(s) for {len(keys)} array(s)")
        return float(loss), dict(zip(keys, grads))
    return penalty


@dataclass
class MaskedLayer(Layer):
    """A layer whose forward takes a random mask: ``forward(x, *params, train=..., mask=..., **options)``.

    In training, ``make_mask(shape, rng)`` draws a new mask of ``x``'s shape for every batch,
    from one Generator seeded with ``seed`` (so a run is reproducible); in evaluation the
    forward gets ``mask=None``.
    """
    make_mask: Callable | None = None
    seed: int = 0
    train_option: str | None = "train"
    mask_option: str = "mask"

    def __post_init__(self):
        if self.make_mask is None:
            raise ValueError("MaskedLayer needs make_mask(shape, rng)")
        self.rng = np.random.default_rng(self.seed)

    def run(self, x: np.ndarray, train: bool):
        options = dict(self.options)
        options[self.train_option] = train
        options[self.mask_option] = self.make_mask(np.shape(x), self.rng) if train else None
        return self.forward(x, *self.params.values(), **options)


@dataclass
class RunningStatsLayer(Layer):
    """A layer that keeps statistics between calls (batch normalisation's running mean and variance).

    Its forward is called as ``forward(x, *params, running=..., train=..., **options)`` and returns
    ``(out, cache)`` with ``cache["running"]`` holding the statistics to keep: updated from the
    batch in training, unchanged in evaluation. They are plain data (e.g. a dict of arrays), so
    the forward is a pure function and the layer owns the state.
    """
    running: dict = field(default_factory=dict)
    train_option: str | None = "train"
    state_option: str = "running"

    def run(self, x: np.ndarray, train: bool):
        options = dict(self.options)
        options[self.train_option] = train
        options[self.state_option] = self.running
        out, cache = self.forward(x, *self.params.values(), **options)
        if not isinstance(cache, dict) or self.state_option not in cache:
            raise ValueError(f"{getattr(self.forward, '__name__', 'forward')} should return a cache dict "
                             f"with the key {self.state_option!r} (the statistics to keep)")
        self.running = cache[self.state_option]
        return out, cache
