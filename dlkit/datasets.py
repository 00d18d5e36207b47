"""The lessons' simulated data sets, drawn from a seeded numpy Generator (same seed, same data).

Each returns ``X`` of shape (N, 2) (columns x1, x2) and ``y`` of shape (N,) with labels 0.0 / 1.0.
"""
from __future__ import annotations

import numpy as np


def sin_logit_data(b1: float, b2: float, n: int = 1000, noise: float = 0.3, seed: int = 0):
    """Lesson 2, exercise 1: x1, x2 ~ U(-3, 3); y = 1 when sin(b1 x1 x2 + b2 x2) + noise > 0,
    the noise being N(0, noise²)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3.0, 3.0, size=(n, 2))
    logit = np.sin(b1 * X[:, 0] * X[:, 1] + b2 * X[:, 1]) + rng.normal(0.0, noise, size=n)
    return X, (logit > 0).astype(np.float64)


def ring_data(n: int = 300, sd: float = 2.0, seed: int = 0):
    """Lesson 2's rings: x1, x2 ~ N(0, sd²); y = 1 when r² > 9 or 1 < r² < 4 (r² = x1² + x2²)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, sd, size=(n, 2))
    r2 = np.sum(X ** 2, axis=1)
    return X, ((r2 > 9) | ((r2 > 1) & (r2 < 4))).astype(np.float64)


def disc_data(n: int = 100, seed: int = 0):
    """Lesson 2, exercise 3: x1, x2 ~ N(0, 1); y = 1 when -1.5 + x1² + x2² + N(0, 1) > 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (-1.5 + np.sum(X ** 2, axis=1) + rng.normal(size=n) > 0).astype(np.float64)
