"""Correct answers written differently from the reference: every check must accept each of them.

Each :class:`Alternative` is the source of one or more answer functions, run in a fresh namespace of
the reference notebook (replacing the reference's definitions of the same names), for the registry
task ``task_id`` (``autograder.registry.TASKS``). Every one is the same mathematics as the reference
with other arithmetic or structure: what students commonly write instead (another stable sigmoid,
Adam with its bias correction folded into the step size, softmax through log-sum-exp, a variance as
the mean of squares minus the squared mean, another cache, another order of operations...). None
is a copy of the reference, and each keeps to its docstring (finite, right values, float64, inputs
left as they are where the notebook says so: the ones in ``in_place`` write into the others). A
source that changes a forward pass's cache also defines the backward pass reading it, as a student
would.

One module per assignment (``a01`` ... ``a09``), then ``in_place``: the idioms that write into
an array the function was given. ``catalogue`` holds the record and the list they append to.

``tests/test_alternatives.py`` runs every alternative through the task's public checks (self-check)
and its hidden checks on several seeds (as at grading, the reference making expected values).
"""
from __future__ import annotations

# Importing a module appends its alternatives: this order is the catalogue's, so the order of the
# tests made from it.
from . import a01, a02, a03, a04, a05, a06, a07, a08, a09, in_place  # noqa: F401
from .catalogue import ALTERNATIVES, Alternative

__all__ = ["ALTERNATIVES", "Alternative"]

# Not here, on purpose: forms whose values are wrong, which the checks rightly fail --
# - a06.softmax_ce as -sum(y * log(softmax(scores))): at logits of ±1000 a probability underflows to
#   0, and 0 * log(0) is nan (the notebook says: never log(softmax(...))).
# A numerical warning alone fails nothing (the checks judge values; see autograder.calls.with_warnings).
# Every correct formulation tried so far passes; a check found to refuse one would be listed here
# with its message until the check is settled.
