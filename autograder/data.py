"""Loading the course's data sets from ``source_data/`` beside this package."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .messages import say

DATA_DIR = Path(__file__).resolve().parents[1] / "source_data"


def load_network_data(path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Assignment 2's data: X of shape (500, 2) (columns x1, x2) and y of shape (500,) in {0, 1}."""
    path = Path(path) if path else DATA_DIR / "a02_network.csv"
    if not path.is_file():
        raise FileNotFoundError(say("{path} is missing. Regenerate it with `python source_data/make_data.py` "
                                    "from the course folder.", path=path))
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, :2].copy(), table[:, 2].copy()
