"""The course's recurring figures, so that notebooks draw them in one line.

Every function draws on a Matplotlib ``Axes`` it is given (or a new one) and returns it.

``matplotlib.pyplot`` is imported by the first figure, not with this module: a notebook's setup cell
imports this module, and the processes that load those cells only to check the notebook's functions
(the self-check's and the grader's workers) draw nothing. There pyplot is made lazy
(:mod:`autograder.lazy_imports`), and importing it again here would run its body (figure, image,
fonts: about 0.25 s per process) at once.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _axes(ax):
    return ax if ax is not None else _pyplot().subplots(figsize=(5, 4))[1]


def curves(series: Mapping[str, Sequence[float]], *, ax=None, xlabel: str = "epoch",
           ylabel: str = "loss", title: str = "", logy: bool = False):
    """One line per named series: ``curves({"train": h.loss, "test": h.val_loss})``."""
    ax = _axes(ax)
    for label, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(series) > 1:
        ax.legend()
    return ax


def decision_boundary(predict_proba: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray,
                      *, ax=None, title: str = "", resolution: int = 200, margin: float = 0.5):
    """The probability of class 1 over the plane (colour), the 0.5 contour and the points.

    ``predict_proba`` maps an array of shape (M, 2) to probabilities of shape (M,) or (M, 1).
    """
    ax = _axes(ax)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    proba = np.asarray(predict_proba(np.column_stack([g1.ravel(), g2.ravel()]))).reshape(g1.shape)
    ax.pcolormesh(g1, g2, proba, cmap="bwr", vmin=0, vmax=1, alpha=0.45, shading="auto")
    ax.contour(g1, g2, proba, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=np.ravel(y), cmap="bwr", s=8, edgecolors="k", linewidths=0.2)
    ax.set(xlabel="x1", ylabel="x2", title=title)
    return ax


def paths_on_curve(f: Callable[[np.ndarray], np.ndarray], paths: Mapping[str, Sequence[float]], *,
                   ax=None, xlim: tuple[float, float] | None = None, title: str = ""):
    """The curve y = f(x) with each optimisation path drawn as points on it, start to end."""
    ax = _axes(ax)
    every = np.concatenate([np.asarray(p, dtype=float) for p in paths.values()])
    lo, hi = xlim if xlim else (every.min() - 0.5, every.max() + 0.5)
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, f(grid), color="0.4", lw=1)
    for label, path in paths.items():
        path = np.asarray(path, dtype=float)
        ax.plot(path, f(path), "o-", ms=3, lw=0.8, label=f"{label} -> {path[-1]:.4g}")
    ax.set(xlabel="x", ylabel="f(x)", title=title)
    ax.legend(fontsize=8)
    return ax


def surface_with_paths(loss: Callable[[float, float], float], xlim: tuple[float, float],
                       ylim: tuple[float, float], paths: Mapping[str, np.ndarray] | None = None, *,
                       ax=None, levels: int = 30, labels: tuple[str, str] = ("b1", "b2"),
                       title: str = "", resolution: int = 80):
    """Contours of ``loss(a, b)`` over a rectangle, with optimiser paths of shape (T, 2) on top."""
    ax = _axes(ax)
    a, b = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    z = np.vectorize(loss)(a, b)
    filled = ax.contourf(a, b, z, levels=levels, cmap="viridis")
    _pyplot().colorbar(filled, ax=ax)
    for label, path in (paths or {}).items():
        path = np.asarray(path, dtype=float)
        ax.plot(path[:, 0], path[:, 1], ".-", lw=1, ms=3, label=label)
        ax.plot(*path[-1], "x", ms=8, color="white")
    ax.set(xlabel=labels[0], ylabel=labels[1], title=title)
    if paths:
        ax.legend(fontsize=8)
    return ax


def image_grid(images: np.ndarray, predicted: Sequence[int], true: Sequence[int], *, columns: int = 8,
               shape: tuple[int, int] | None = None, title: str = ""):
    """Images titled "predicted (true)", wrong ones in red; ``images`` of shape (N, H*W) or (N, H, W)."""
    images = np.asarray(images)
    if shape is None:
        side = int(round(np.sqrt(images[0].size)))
        shape = (side, side)
    rows = int(np.ceil(len(images) / columns))
    fig, axes = _pyplot().subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, p, t in zip(axes.ravel(), images, predicted, true):
        ax.imshow(image.reshape(shape), cmap="gray_r")
        ax.set_title(f"{p} ({t})", color="red" if p != t else "black", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(true: Sequence[int], predicted: Sequence[int], labels: Sequence[str], *, ax=None,
                     title: str = "", xlabel: str = "predicted", ylabel: str = "true"):
    """Counts of (true class, predicted class) as an image, rows normalised to the share of each
    true class, with the counts written in; ``labels`` names the classes 0..K-1."""
    k = len(labels)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (np.asarray(true, dtype=int), np.asarray(predicted, dtype=int)), 1)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax = ax if ax is not None else _pyplot().subplots(figsize=(0.55 * k + 2, 0.5 * k + 1.5))[1]
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xticks(range(k), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), labels, fontsize=8)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax
