"""Sequences in a :class:`~dlkit.nn.Network` (assignment 8 on): a batch of named arrays that
``fit`` slices together, and the surnames data set.

``fit`` takes mini-batches with ``X[idx]`` and counts samples with ``len(X)``. A recurrent layer
needs more than one array per sample (the padded inputs and their mask; an encoder's and a
decoder's inputs), so :class:`Batch` holds several arrays whose first axis is the sample, and
``batch[idx]`` takes the same rows of each. A layer's forward reads them by name
(``batch.xs``, ``batch.mask``).

As everywhere in dlkit, the layers themselves (the recurrent cell, its backprop through time,
the encoding of characters) are the notebook's own.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parents[1] / "source_data"


class Batch:
    """Named arrays sharing their first axis (the samples): ``Batch(xs=..., mask=...)``.

    ``len(batch)`` is the number of samples, ``batch[idx]`` a Batch of the rows ``idx`` of every
    array (``idx`` an integer array, a slice or a boolean mask), ``batch.xs`` one array.
    """

    def __init__(self, **arrays: np.ndarray):
        if not arrays:
            raise ValueError("a Batch needs at least one array")
        sizes = {name: len(value) for name, value in arrays.items()}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"the arrays of a Batch must hold the same number of samples; got {sizes}")
        self._arrays = dict(arrays)

    def __len__(self) -> int:
        return len(next(iter(self._arrays.values())))

    def __getitem__(self, idx) -> "Batch":
        return Batch(**{name: value[idx] for name, value in self._arrays.items()})

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["_arrays"][name]
        except KeyError:
            raise AttributeError(f"this Batch has no array {name!r}; it has {list(self._arrays)}") from None

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}={np.shape(value)}" for name, value in self._arrays.items())
        return f"Batch({shapes})"


def load_surnames(path: Path | None = None) -> tuple[list[str], list[str]]:
    """Assignment 8's surnames: (surnames, languages), two lists of the same length, in the file's
    order (by language, then surname). ``source_data/make_data.py`` says where they come from."""
    path = Path(path) if path else DATA_DIR / "a08_surnames.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing. It ships with the course; regenerate it with "
                                "`python source_data/make_data.py` from the course folder.")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["surname"] for row in rows], [row["language"] for row in rows]
