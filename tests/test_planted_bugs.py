"""Do the checks catch a realistic bug in every TODO, and name what is wrong?

Each row plants one bug in an otherwise correct (reference) namespace and runs the task's public
checks on it, in-process, through the same encoding the self-check uses.
"""
from __future__ import annotations

import hashlib
import importlib

import numpy as np
import pytest

from autograder.calls import LocalCaller
from autograder.checks.a02 import WEIGHT_NAMES
from autograder.registry import TASKS, attempt, checks_for
from autograder.diagnose import KINDS
from conftest import NOTEBOOKS
from diagnosed_bugs import DIAGNOSED

# Each assignment's planted bugs live in tests/bugs_<assignment>.py, as a list BUGS.
BUGS = [bug for assignment in sorted(NOTEBOOKS)
        for bug in importlib.import_module(f"bugs_{assignment}").BUGS]


def planted(reference, task_id: str, source: str) -> dict:
    namespace = reference(task_id.split(".")[0])
    for key in [k for k in namespace if callable(namespace[k]) and not k.startswith("_")]:
        namespace[f"_reference_{key}"] = namespace[key]
    exec(source, namespace)
    return namespace


def failures(namespace: dict, task_id: str) -> list[str]:
    caller = LocalCaller(namespace)
    results = ((check.id, attempt(check, caller)) for check in checks_for(task_id))
    return [f"{check_id}: {message}" for check_id, message in results if message is not None]


def bug_key(task_id: str, source: str) -> tuple[str, str]:
    return task_id, hashlib.sha256(source.encode()).hexdigest()[:12]


def hints(messages: list[str]) -> set[str]:
    """The mistakes the messages' hints name (autograder.diagnose.KINDS)."""
    return {kind for m in messages if "\nhint: " in m for kind in KINDS if kind in m.split("\nhint: ", 1)[1]}


def test_every_diagnosis_is_of_a_planted_bug():
    """Does every entry of tests/diagnosed_bugs.py name a bug that exists (none left stale)?"""
    keys = [bug_key(task, source) for task, source, _ in BUGS]
    assert len(set(keys)) == len(keys) and set(DIAGNOSED) <= set(keys)


def test_every_task_has_a_planted_bug():
    """Is there a planted bug for every graded task of every assignment?"""
    assert {task for task, _, _ in BUGS} == set(TASKS)


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_reference_passes(reference, task_id):
    """Does the unmodified reference pass every public check of the task?"""
    assert failures(reference(task_id.split(".")[0]), task_id) == []


@pytest.mark.parametrize("task_id, source, words", BUGS,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(BUGS)])
def test_planted_bug_is_caught_and_named(reference, task_id, source, words):
    """Does a check of the task fail on the planted bug, with a message naming the culprit?"""
    messages = failures(planted(reference, task_id, source), task_id)
    assert messages, f"no check of {task_id} caught the bug"
    assert any(all(w in m for w in words) for m in messages), messages
    # the mistake is named where tests/diagnosed_bugs.py says so, and nowhere else (no wrong hint)
    assert hints(messages) == DIAGNOSED.get(bug_key(task_id, source), set()), messages


@pytest.mark.parametrize("name", WEIGHT_NAMES)
def test_wrong_derivative_fails_its_gradient_check(reference, name):
    """Is a wrong derivative caught by the numeric gradient check, with weight, values and error?"""
    namespace = planted(reference, f"a02.d_{name}", f"def d_{name}(X, y, w):\n"
                        f"    return -_reference_d_{name}(X, y, w)")
    (message,) = failures(namespace, f"a02.d_{name}.numeric")
    for words in (f"`d_{name}`", f"`{name}`", "analytic", "numeric", "relative error"):
        assert words in message


def test_only_the_wrong_derivative_fails(reference):
    """With one wrong derivative, do the other eight still pass?"""
    namespace = planted(reference, "a02.d_w21", "def d_w21(X, y, w):\n    return -_reference_d_w21(X, y, w)")
    failed = {name for name in WEIGHT_NAMES if failures(namespace, f"a02.d_{name}")}
    assert failed == {"w21"}


def test_mutating_an_input_is_reported(reference):
    """Is an answer that changes its input in place reported, even when its value is right?"""
    namespace = planted(reference, "a01.sigmoid", "def sigmoid(z):\n    r = _reference_sigmoid(z)\n"
                        "    z *= 0\n    return r")
    assert any("in place" in m and "`z`" in m for m in failures(namespace, "a01.sigmoid"))


def test_a_float32_answer_is_reported_by_dtype(reference):
    """Does a float32 result fail on its dtype, before any value is compared?"""
    namespace = planted(reference, "a01.sigmoid",
                        "def sigmoid(z):\n    return _reference_sigmoid(z).astype(np.float32)")
    assert any("dtype float32" in m for m in failures(namespace, "a01.sigmoid"))


def test_not_implemented_is_reported_as_such(reference):
    """Does a stub produce 'not implemented yet' rather than a traceback?"""
    namespace = planted(reference, "a02.d_w31", "def forward(X, w):\n    raise NotImplementedError()")
    messages = failures(namespace, "a02.d_w31")
    assert messages and all("not implemented yet" in m and "`forward`" in m for m in messages)
    assert np.isfinite(namespace["_reference_forward"](np.zeros((1, 2)), np.zeros(9))[2]).all()
