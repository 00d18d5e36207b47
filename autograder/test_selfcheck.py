"""The public self-check: every registered check, run on the student's notebooks.

Run it from the course folder: ``pytest autograder`` (add ``-m a01``, ``-k sigmoid`` or
``--submission PATH`` as needed).
"""
import pytest

from autograder.registry import CHECKS, attempt


def test_public_check(check_id, submission):
    check = CHECKS[check_id]
    message = attempt(check, submission.caller(check.task.assignment))
    if message is not None:
        pytest.fail(message, pytrace=False)
