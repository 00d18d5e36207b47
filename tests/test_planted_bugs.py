"""Do the checks catch a realistic bug in every TODO, and name what is wrong?

Each row plants one bug in an otherwise correct (reference) namespace and runs the task's public
checks on it, in-process, through the same encoding the self-check uses.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect

import numpy as np
import pytest

from autograder.calls import LocalCaller
from autograder.checks.a02 import WEIGHT_NAMES
from autograder.kept_inputs import KEPT
from autograder.registry import TASKS, attempt, checks_for
from autograder.diagnose import KINDS
from conftest import NOTEBOOKS, solution_notebook
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


def _tasks_of(fn: str) -> list[str]:
    """The graded tasks whose checks call ``fn``: named after it, or after the layer it is the
    forward of (a06.tanh for tanh_forward)."""
    return sorted(t for t in TASKS if TASKS[t].name in (fn, fn.removesuffix("_forward"))
                  and f"def {fn}(" in solution_notebook(TASKS[t].assignment).read_text())


KEPT_TASKS = [(fn, task) for fn in sorted(KEPT) for task in _tasks_of(fn)]


def test_every_kept_input_rule_is_checked_somewhere():
    """Does every function the in-place rules name have a graded task here (no rule for a misspelt name)?"""
    assert {fn for fn, _ in KEPT_TASKS} == set(KEPT)


@pytest.mark.parametrize("fn, task_id", KEPT_TASKS, ids=[f"{t}-{fn}" for fn, t in KEPT_TASKS])
def test_a_stated_in_place_rule_fails_a_right_value_and_is_quoted(reference, fn, task_id):
    """A function the notebook tells to leave an input unchanged returns the right value but writes into
    that input afterwards: does a check of the task fail, naming the input and quoting the rule with
    its reason? (Before the rule table every change failed with a generic "Leave inputs untouched".)"""
    kept = KEPT[fn]
    namespace = reference(task_id.split(".")[0])
    signature = inspect.signature(namespace[fn])
    names = ", ".join(kept.kept)
    source = (f"def {fn}{signature}:\n"
              f"    result = _reference_{fn}({', '.join(signature.parameters)})\n"
              f"    for given in ({names},):  # the first input it can write into, after the value is made\n"
              "        if isinstance(given, np.ndarray) and given.size:\n"
              "            given.flat[0] += 1.0\n"
              "            break\n"
              "        if isinstance(given, dict):\n"
              "            given['touched'] = 1.0\n"
              "            break\n"
              "    return result\n")
    messages = failures(planted(reference, task_id, source), task_id)
    rule = f"in place; the notebook's rule: {kept.rule}."
    assert any(f"`{fn}` changed its input `" in m and rule in m for m in messages), messages


# Each breaks its stated rule and returns a wrong value: the words of both must be in one message.
IN_PLACE_AND_WRONG = [
    ("a05.adam_update", "adam_update", "def adam_update(w, dw, state):\n"
     "    w2, state2 = _reference_adam_update(w, dw, state)\n    w -= 2 * (w - w2)\n    return w, state2",
     "returned a wrong value"),
    ("a04.momentum_update", "momentum_update", "def momentum_update(w, dw, state):\n"
     "    v = state.get('velocity', np.zeros_like(w))\n"
     "    state['velocity'] = state['rho'] * v + state['lr'] * dw\n"
     "    return w + state['velocity'], state", "momentum_update"),
    # the value check and the gradient check (the student's own cache) both fail, each with the rule
    ("a06.tanh", "tanh_forward", "def tanh_forward(x):\n    x *= 2.0\n    out = np.tanh(x)\n    return out, out",
     "tanh_forward"),
]


@pytest.mark.parametrize("task_id, fn, source, says", IN_PLACE_AND_WRONG, ids=[t for t, *_ in IN_PLACE_AND_WRONG])
def test_an_in_place_rule_and_a_wrong_value_are_reported_together(reference, task_id, fn, source, says):
    """Does every check that meets both a broken in-place rule and a wrong value say both in one
    message, the value still judged? (Before: the mutation alone, the value never compared.)"""
    messages = failures(planted(reference, task_id, source), task_id)
    rule = f"`{fn}` changed its input"
    both = [m for m in messages if rule in m and "the notebook's rule" in m and
            ("wrong value" in m or "gradient" in m or "numeric" in m) and says in m]
    assert both, messages
    if task_id == "a06.tanh":  # a value check and a gradient check, each with the rule
        assert any("wrong value" in m for m in both) and any("numeric" in m for m in both), both


def test_a_broken_rule_costs_only_the_task_of_the_function_that_broke_it(reference):
    """A forward that breaks its stated rule (right values): does its own task fail, while the
    backward's task, whose checks call that forward for the cache, keeps its points?"""
    namespace = planted(reference, "a04.relu_forward",
                        "def relu_forward(x):\n    out = np.maximum(x, 0.0)\n    x[...] = out\n    return out, x")
    assert any("`relu_forward` changed its input `x` in place" in m for m in failures(namespace, "a04.relu_forward"))
    assert failures(namespace, "a04.relu_backward") == []


def test_an_input_changed_without_a_stated_rule_costs_nothing(reference):
    """Is a function that writes into an input no notebook rule covers judged on its value alone?"""
    namespace = planted(reference, "a01.sigmoid", "def sigmoid(z):\n    r = _reference_sigmoid(z)\n"
                        "    z *= 0\n    return r")
    assert failures(namespace, "a01.sigmoid") == []


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


# A forward and a backward of one task (softmax cross-entropy): the forward is wrong only in its loss
# (log(p + 1e-7)), the backward is right; and the other way round.
WRONG_LOSS = ("def softmax_ce_forward(scores, y):\n    loss, cache = _reference_softmax_ce_forward(scores, y)\n"
              "    p, y = cache\n    return float(-np.sum(y * np.log(p + 1e-7)) / len(p)), cache")
WRONG_BACKWARD = "def softmax_ce_backward(cache):\n    probs, y = cache\n    return 2 * (probs - y) / len(probs)"


@pytest.mark.parametrize("source, waits", [(WRONG_LOSS, True), (WRONG_BACKWARD, False)], ids=["loss", "backward"])
def test_a_check_waits_on_a_failing_function_of_its_own_task(reference, source, waits):
    """In the self-check, does a check that judges the backward by the student's own forward of the
    same task wait ("not checked yet") while that forward fails a check of its own, instead of
    blaming the right backward (relative error 1e-6 against the wrong loss)? And does a wrong
    backward beside a right forward still fail, not wait? (Planted bug: same-task functions never
    waited on.)"""
    from autograder.registry import blocked_by

    caller = LocalCaller(planted(reference, "a06.softmax_ce", source))
    failed = {c.id: c for c in checks_for("a06.softmax_ce") if attempt(c, caller) is not None}
    judged_by_forward = [c for c in failed.values() if "softmax_ce_forward" in c.uses]
    assert judged_by_forward, sorted(failed)
    cache: dict = {}
    assert all(bool(blocked_by(c, caller, cache)) == waits for c in judged_by_forward), sorted(failed)
    if waits:  # the forward's own failure is shown, and it alone
        assert [c for c in failed.values() if "softmax_ce_forward" not in c.uses]
