"""What a notebook's test cells call: ``check("a01.sigmoid")``.

The checks run on the notebook's own functions through the same encoding as the self-check, so
there is one copy of every check. A failure raises AssertionError with the check's message, said
in the notebook's language where the kernel knows its notebook (Jupyter's ``JPY_SESSION_NAME``,
VS Code's ``__vsc_ipynb_file__``), or in ``DEEPGRAD_LANG``'s; else in English.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from .messages import SOURCE_LANGUAGE, overridden, say, speaking


def kernel_language(namespace: dict) -> str:
    """The language of the notebook whose kernel this is: ``DEEPGRAD_LANG``'s if set, else the
    notebook's own (its metadata, read from its file where the kernel is told which it is), else English."""
    try:
        chosen = overridden()
    except ValueError:  # no language of the course: the notebook's own, as if unset
        chosen = None
    if chosen:
        return chosen
    from .notebook import notebook_language

    for path in (namespace.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(path, str) and path.endswith(".ipynb") and os.path.isfile(path):
            return notebook_language(Path(path))
    return SOURCE_LANGUAGE


def check(target: str, /, **params) -> None:
    """Run the public checks of a task (``"a01.sigmoid"``), or one check with other inputs."""
    __tracebackhide__ = True  # IPython and pytest hide this frame from tracebacks
    # Imported here, not above: every notebook's setup cell imports this module, and the worker that
    # loads those cells for the self-check and grading never runs a test cell (nor needs the
    # sandbox's and the registry's modules, which cost each worker tens of milliseconds).
    from .calls import CheckFailure, LocalCaller
    from .registry import attempt, planned

    selected = planned(target, params)
    namespace = sys._getframe(1).f_globals
    caller = LocalCaller(namespace)
    with speaking(kernel_language(namespace)):
        for item in selected:
            message = attempt(item, caller, **params)
            if message is not None:
                raise CheckFailure(f"{item.id}: {message}")
        print(say("✓ {target}: 1 check passed", target=target) if len(selected) == 1
              else say("✓ {target}: {count} checks passed", target=target, count=len(selected)))


NOTEBOOK_SEED = 20251123


def grading_rng() -> np.random.Generator:
    """The generator hidden tests draw their inputs from.

    In a notebook it always has the same seed. `deepgrad autograde` seeds it from the student and
    the assignment instead, so each submission meets inputs of its own, reproducibly.
    """
    return np.random.default_rng(NOTEBOOK_SEED)
