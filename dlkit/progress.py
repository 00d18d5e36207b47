"""The progress bar shown during training: tqdm's plain-text bar, which works in a notebook, in a
terminal and under nbgrader alike (the widget bar needs ipywidgets and a live browser)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from tqdm.std import tqdm


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "",
             enabled: bool = True) -> tqdm:
    """Wrap ``iterable`` in a progress bar; ``bar.set_postfix(loss=..., acc=...)`` adds numbers.

    Set the environment variable ``DLKIT_NO_PROGRESS=1`` (or ``enabled=False``) to silence it.
    """
    # tqdm is imported on the first bar, not with dlkit.nn: the process that loads a notebook's setup
    # cells to check its functions never trains, and would pay its import (~20 ms) for nothing.
    from tqdm.std import tqdm

    disable = not enabled or os.environ.get("DLKIT_NO_PROGRESS") == "1"
    # mininterval keeps a fast loop from flooding a notebook's output with redraws.
    return tqdm(iterable, total=total, desc=desc, disable=disable, mininterval=0.5, leave=True,
                dynamic_ncols=False, ncols=100)
