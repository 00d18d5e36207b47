"""Hidden expected values come from the reference, on inputs drawn for each student.

A hidden check of a fixed value gives inputs only; at grading the reference solution, in a worker
of its own, makes the value the student's function must return on them. Nothing in a hidden test
is then the same for every student, so no leak is anyone else's answer key. These tests hold the
notebooks to that, check the reference's values against the independent 40-digit recomputations,
and show the mechanism failing wrong answers and never blaming a student for the reference.
"""
from __future__ import annotations

import pickle
import types

import numpy as np
import pytest

from autograder.calls import LocalCaller, ReferenceFailure
from autograder.registry import CHECKS, Check, attempt, load_all, planned
from conftest import NOTEBOOKS, solution_notebook
from test_expected_values import RECOMPUTE

load_all()
SEEDS = (11, 12, 13)


def hidden_calls(assignment: str, seed: int) -> list[tuple[str, dict]]:
    from deepgrad.grading.verdict import graded_cells

    return [(target, params) for cell in graded_cells(solution_notebook(assignment), seed)
            for target, params, hidden in cell.calls if hidden]


def test_every_fixed_value_check_says_how_the_reference_makes_it():
    """Can every check that compares with an `expected` value take it from the reference instead?"""
    assert [cid for cid, c in CHECKS.items() if "expected" in c.params and c.expect is None] == []


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_hidden_checks_carry_no_value_that_is_the_same_for_everyone(assignment):
    """Does every hidden check of a fixed value give no `expected`, and inputs that change with
    the student's seed?"""
    first, second = hidden_calls(assignment, SEEDS[0]), hidden_calls(assignment, SEEDS[1])
    assert [t for t, _ in first] == [t for t, _ in second]
    valued = [(target, a, b) for (target, a), (_, b) in zip(first, second)
              if any(item.expect is not None for item in planned(target, a))]
    for target, a, b in valued:
        assert "expected" not in a, f"{target}: a hidden check with a literal expected value"
        assert pickle.dumps(a) != pickle.dumps(b), f"{target}: the same hidden inputs for every student"


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_reference_values_on_hidden_inputs_match_the_40_digit_recomputation(reference, assignment):
    """Is what the reference makes for a hidden check what the lesson's formulas give, computed
    independently at 40 digits (tests/recompute_*.py), for several students' inputs?"""
    caller = LocalCaller(reference(assignment))
    seen = 0
    for seed in SEEDS:
        for target, params in hidden_calls(assignment, seed):
            for item in planned(target, params):
                if item.expect is None or item.id not in RECOMPUTE:
                    continue
                merged = {**item.params, **params}
                merged.pop("expected")
                recomputed = RECOMPUTE[item.id](merged)
                assert attempt(item, caller, **{**params, "expected": recomputed}) is None, (seed, item.id)
                seen += 1
    valued = [t for t, p in hidden_calls(assignment, SEEDS[0])
              if any(i.expect is not None for i in planned(t, p))]
    assert seen == len(SEEDS) * len(valued)


def _graded_by(student: dict, reference_namespace: dict):
    """A caller like grading's: the student's functions, and the reference's beside them."""
    caller = LocalCaller(student)
    caller.reference = LocalCaller(reference_namespace)
    return caller


def _sigmoid_values_check(seed: int) -> tuple[Check, dict]:
    target, params = next((t, p) for t, p in hidden_calls("a01", seed) if t == "a01.sigmoid.values")
    return CHECKS[target], params


@pytest.mark.parametrize("seed", SEEDS)
def test_a_hidden_value_from_the_reference_passes_a_right_answer_and_fails_a_wrong_one(reference, seed):
    item, params = _sigmoid_values_check(seed)
    right = {"np": np, "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(np.asarray(z) / 2.0))}
    wrong = {"np": np, "sigmoid": lambda z: 1.0 / (1.0 + np.exp(np.asarray(z)))}
    assert attempt(item, _graded_by(right, reference("a01")), **params) is None
    assert "sigmoid" in attempt(item, _graded_by(wrong, reference("a01")), **params)


def test_without_a_separate_reference_the_callers_own_function_is_the_reference(reference):
    """In the instructor's notebook (no separate reference), the notebook's own answer makes it."""
    item, params = _sigmoid_values_check(SEEDS[0])
    assert attempt(item, LocalCaller(reference("a01")), **params) is None


def test_a_reference_that_gives_no_value_is_the_graders_problem_not_the_students(reference):
    """Is a failing reference raised as ReferenceFailure, and does grading then leave the check
    out of the score and send the submission to review?"""
    from deepgrad.grading.verdict import GradedCell, SubmissionVerdict, _grade_cells

    item, params = _sigmoid_values_check(SEEDS[0])
    broken = {"np": np, "sigmoid": lambda z: None}
    with pytest.raises(ReferenceFailure, match="reference solution"):
        attempt(item, _graded_by(reference("a01"), broken), **params)

    caller = _graded_by(reference("a01"), {"np": np})  # the reference lacks `sigmoid` altogether
    caller.worker = types.SimpleNamespace(expired=False)
    verdict = SubmissionVerdict("ann", "a01_gradient_descent")
    cell = GradedCell("test_sigmoid", 2.0, "", [(item.id, params, True)])
    [task] = _grade_cells([cell], caller, deadline=float("inf"), time_cap=60.0, verdict=verdict)
    assert (task.status, task.score, task.student_messages) == ("passed", 2.0, [])
    assert verdict.status == "review" and item.id in verdict.reason
    assert any("not judged" in m for m in task.messages)
