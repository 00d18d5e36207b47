"""Regenerate the course's data sets, exactly: ``python source_data/make_data.py``.

a02_network.csv -- lesson 1, exercise 1: 500 points x1, x2 ~ N(0, 1) labelled by the 2-2-1 network
with the lesson's weights, y ~ Bernoulli(o). numpy's Generator with a fixed seed makes it
reproducible on any machine.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20251123
LESSON_WEIGHTS = (-4.0, -4.0, -3.0, 7.0, -6.0, -1.0, 4.0, 6.0, -7.0)  # w10 w11 w12 w20 w21 w22 w30 w31 w32


def _logistic(v):
    return 1.0 / (1.0 + np.exp(-v))


def network_data(n: int = 500, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    w10, w11, w12, w20, w21, w22, w30, w31, w32 = LESSON_WEIGHTS
    hidden1 = _logistic(w10 + w11 * x1 + w12 * x2)
    hidden2 = _logistic(w20 + w21 * x1 + w22 * x2)
    prob = _logistic(w30 + w31 * hidden1 + w32 * hidden2)
    y = (rng.random(n) < prob).astype(float)
    return np.column_stack([x1, x2, y])


def write_all(folder: Path = HERE) -> list[Path]:
    path = folder / "a02_network.csv"
    np.savetxt(path, network_data(), delimiter=",", header="x1,x2,y", comments="", fmt="%.17g")
    return [path]


if __name__ == "__main__":
    for written in write_all():
        print(f"wrote {written}")
