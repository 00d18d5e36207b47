"""The public self-check: every registered check, run on the student's notebooks.

Run it from the course folder: ``pytest autograder`` (add ``-m a01``, ``-k sigmoid`` or
``--submission PATH`` as needed).
"""
import pytest

from autograder.calls import not_implemented
from autograder.messages import say
from autograder.registry import (CHECKS, NOT_CHECKED_YET, NOT_PASTED_YET, attempt, blocked_by, carried_message,
                                 split_carried)
from autograder.terminal import for_terminal


def test_public_check(check_id, submission, request):
    # a carried check ("a04/carried/a03.affine_forward.values") runs on the notebook it was pasted into
    carried_into, check_id = split_carried(check_id)
    check = CHECKS[check_id]
    notebook = carried_into or check.task.assignment
    caller = submission.caller(notebook)
    message = attempt(check, caller)
    if message is None:
        return
    # A check that judges by another of your functions (a gradient by your loss) cannot blame its
    # own while that one fails its checks: it waits, and says which to fix first.
    stub = not_implemented(message)
    blocked = [] if stub else blocked_by(check, caller, submission.task_results.setdefault(notebook, {}))
    if blocked:
        request.node.deepgrad_outcome = NOT_CHECKED_YET  # the score table's (autograder.conftest)
        names = ", ".join(f"`{fn}`" for fn in blocked)
        pytest.skip(say("not checked yet: {names} fails its own checks, fix it first", names=names) if len(blocked) == 1
                    else say("not checked yet: {names} fail its own checks, fix it first", names=names))
    if carried_into and stub:
        request.node.deepgrad_outcome = NOT_PASTED_YET
    # The message holds what the student's code said: printed with its controls escaped and its
    # later lines indented, so none of it can pass for the self-check's own lines (autograder.terminal).
    pytest.fail(for_terminal(carried_message(message, check.task) if carried_into else message), pytrace=False)
