"""The public self-check: every registered check, run on the student's notebooks.

Run it from the course folder: ``pytest autograder`` (add ``-m a01``, ``-k sigmoid`` or
``--submission PATH`` as needed).
"""
import pytest

from autograder.calls import CheckFailure, StudentProblem
from autograder.registry import CHECKS


def test_public_check(check_id, submission):
    check = CHECKS[check_id]
    call = submission.caller(check.task.assignment)
    message = None
    try:
        check.run(call, **check.params)
    except StudentProblem as problem:
        message = problem.message
    except CheckFailure as failure:
        message = str(failure)
    if message is not None:  # failed outside the except block: no chained traceback
        pytest.fail(message, pytrace=False)
