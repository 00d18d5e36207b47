"""``matplotlib.pyplot`` made on first use in the processes that run notebook code for grading.

Every notebook's setup cell imports ``matplotlib.pyplot``: about 0.45 s of CPU in each process
that loads it, though grading rarely draws. A grading worker loads the setup cells for the
functions alone, and the grading kernel leaves the slow figures out (``skip-when-grading``), so
most of them never touch ``plt``. Here the import gives the module at once and the standard
library's :class:`importlib.util.LazyLoader` runs it on its first attribute access: the same
module, the same figures, the cost paid only where a figure is drawn.

The first import only: importing the module again reads its ``__spec__``, which runs it. So
``dlkit.plots`` imports pyplot in its figures, not at its top, and the self-check's one sandbox
(:mod:`autograder.host`) imports the ``matplotlib`` package alone, before any notebook does.

Installed by the worker (:mod:`autograder.worker`) and, as an IPython extension, by the grading
kernel (:mod:`deepgrad.adapters.kernel`); a student's own Jupyter keeps the eager import.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import sys

# Module bodies that only define things: running them later changes no result, only when the
# time is spent. (Not ``matplotlib`` itself: importing a submodule reads its ``__path__``, which
# would run it at once anyway.)
LAZY_MODULES = frozenset({"matplotlib.pyplot"})


class LazyModules(importlib.abc.MetaPathFinder):
    """Finds LAZY_MODULES as the other finders do, with the loader wrapped to run on first use."""

    def find_spec(self, name, path=None, target=None):
        if name not in LAZY_MODULES:
            return None
        for finder in sys.meta_path:
            if isinstance(finder, LazyModules) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def install() -> None:
    """Make LAZY_MODULES lazy in this process, from their next import on (once; idempotent)."""
    if not any(isinstance(finder, LazyModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, LazyModules())


def load_ipython_extension(ipython) -> None:  # noqa: ARG001 -- IPython's extension hook
    install()
