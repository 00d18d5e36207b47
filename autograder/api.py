"""What a notebook's test cells call: ``check("a01.sigmoid")``.

The checks run on the notebook's own functions through the same encoding as the self-check, so
there is one copy of every check. A failure raises AssertionError with the check's message.
"""
from __future__ import annotations

import sys

import numpy as np


def check(target: str, /, **params) -> None:
    """Run the public checks of a task (``"a01.sigmoid"``), or one check with other inputs."""
    __tracebackhide__ = True  # IPython and pytest hide this frame from tracebacks
    # Imported here, not above: every notebook's setup cell imports this module, and the worker that
    # loads those cells for the self-check and grading never runs a test cell (nor needs the
    # sandbox's and the registry's modules, which cost each worker tens of milliseconds).
    from .calls import CheckFailure, LocalCaller
    from .registry import attempt, planned

    selected = planned(target, params)
    caller = LocalCaller(sys._getframe(1).f_globals)
    for item in selected:
        message = attempt(item, caller, **params)
        if message is not None:
            raise CheckFailure(f"{item.id}: {message}")
    print(f"✓ {target}: {len(selected)} check{'s' if len(selected) != 1 else ''} passed")


NOTEBOOK_SEED = 20251123


def grading_rng() -> np.random.Generator:
    """The generator hidden tests draw their inputs from.

    In a notebook it always has the same seed. `deepgrad autograde` seeds it from the student and
    the assignment instead, so each submission meets inputs of its own, reproducibly.
    """
    return np.random.default_rng(NOTEBOOK_SEED)
