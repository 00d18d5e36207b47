"""Can any submission stop the trusted side, or another student's grading? The readers' part.

A property test: 1,000 random structural mutations of an a01 submission (``mutated_submissions``)
go through every function of the trusted side that reads a submission. None may raise anything but
its documented error: SnapshotError from the snapshot, NotebookError from the notebook readers; the
verdict's functions none at all. So do forged replies of the worker, and values no check expects.

The same mutations, graded end to end by one `autograde` run:
tests/test_grading_robustness_end_to_end.py.
"""
from __future__ import annotations

import functools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from autograder.calls import StudentProblem
from autograder.notebook import NotebookError, forbidden_uses, loadable_cells, read_cells
from deepgrad.grading import verdict as verdict_module
from deepgrad.runs.autograde import write_unexecuted
from deepgrad.base.snapshot import Snapshots, SnapshotError
from deepgrad.grading.shown_verdict import rewrite_for_feedback
from deepgrad.grading.verdict import grade_submission, submission_problem
from mutated_submissions import A01, SOURCE, honest_notebook, mutate

SECRET = bytes(32)


# ---------------------------------------------------------------- the property test
@functools.cache
def _reference_caller():
    from autograder.calls import LocalCaller
    from conftest import reference_namespace

    return LocalCaller(reference_namespace("a01"))


class NoWorker:
    """Stands in for the sandboxed worker: grade_submission's own reading of the notebook runs
    for real (the worker's reading is loadable_cells, tested directly), no student code does."""

    def __init__(self, notebook, *args, **kwargs):
        self.notebook = notebook
        self.worker = self  # grade_submission's time cap stops the worker: there is none
        self.expired = ""
        self.reference = None

    def expire(self, reason):
        self.expired = reason

    def start(self):
        try:
            forbidden_uses(self.notebook)
        except NotebookError as exc:
            raise StudentProblem(str(exc)) from None

    def __call__(self, fn, *args):
        if Path(self.notebook) == SOURCE:  # the reference (trusted code): run here, for its values
            return _reference_caller()(fn, *args)
        raise StudentProblem(f"`{fn}` is not run in this test")

    def close(self):
        pass


@pytest.fixture
def workbench(tmp_path, monkeypatch):
    """A course folder with one submission's path, the honest notebook, and no worker."""
    monkeypatch.setattr(verdict_module, "WorkerCaller", NoWorker)
    path = tmp_path / "submitted" / "sam" / A01 / f"{A01}.ipynb"
    path.parent.mkdir(parents=True)
    return tmp_path, path, honest_notebook()


def through_the_trusted_side(course, path) -> None:
    """Every trusted-side reader of a submission, on the notebook at ``path``; only the documented
    errors may come out."""
    with Snapshots(course, A01) as snapshots:
        try:
            snapshot = snapshots.take("sam")
        except SnapshotError:
            snapshot = None
        for reader in (read_cells, loadable_cells, forbidden_uses):
            try:
                reader(path)
            except NotebookError as exc:
                assert str(exc)
        assert isinstance(submission_problem(SOURCE, path), str)
        verdict = grade_submission(SOURCE, path, "sam", A01, secret=SECRET)
        assert verdict.status in ("graded", "review", "broken") and (verdict.tasks or verdict.reason)
        if snapshot is not None:
            read_cells(snapshot)  # what the snapshot accepts, every reader can read
            feedback = course / "feedback.ipynb"
            write_unexecuted(snapshot, feedback, "a test")
            rewrite_for_feedback(feedback, verdict, SECRET)


@settings(max_examples=1000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_no_mutated_notebook_gets_past_the_documented_errors(workbench, rng):
    """Does any of 1,000 random structural mutations of a submission make a trusted-side reader raise
    something other than its documented error (a TypeError, a KeyError, a RecursionError...)?"""
    course, path, honest = workbench
    path.write_text(json.dumps(mutate(honest, rng)))
    through_the_trusted_side(course, path)


def test_the_mutations_reach_every_outcome(workbench):
    """Do the mutations make notebooks that are refused, reviewed and graded alike (so the property
    test exercises every path, not only the first refusal)?"""
    course, path, honest = workbench
    seen = set()
    for seed in range(200):
        path.write_text(json.dumps(mutate(honest, random.Random(seed))))
        with Snapshots(course, A01) as snapshots:
            try:
                snapshots.take("sam")
            except SnapshotError:
                seen.add("refused")
                continue
        seen.add(grade_submission(SOURCE, path, "sam", A01, secret=SECRET).status)
    assert seen == {"refused", "broken", "review", "graded"}, seen


# ---------------------------------------------------------------- forged replies from the worker
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: (st.lists(inner, max_size=3)
                                   | st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                    max_leaves=10)
VALUE_KINDS = st.sampled_from(["none", "bool", "int", "float", "str", "ndarray", "npscalar", "tuple", "list",
                               "dict", "polynomial", "foreign", "pickle"])
FORGED_VALUE = st.recursive(
    st.fixed_dictionaries({"kind": VALUE_KINDS}, optional={"value": JSON, "dtype": JSON | st.sampled_from(["<f8", "|O", "|b1"]),
                                                          "shape": JSON | st.lists(st.integers(-1, 3), max_size=3),
                                                          "order": JSON | st.sampled_from("CF"),
                                                          "data": JSON | st.just("AAAAAAAA8D8="),
                                                          "coeffs": JSON, "type": JSON, "detail": JSON}),
    lambda inner: st.fixed_dictionaries({"kind": VALUE_KINDS}, optional={
        "items": st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3) | JSON}),
    max_leaves=8)
FORGED_REPLY = st.fixed_dictionaries({}, optional={
    "status": st.sampled_from(["ok", "not_implemented", "missing", "not_callable", "exception"]) | JSON,
    "result": FORGED_VALUE | JSON, "mutated": JSON, "warnings": JSON, "origin": JSON, "type": JSON,
    "traceback": JSON, "id": JSON})


@settings(max_examples=300, deadline=None, derandomize=True)
@given(reply=FORGED_REPLY, load_errors=JSON)
def test_forged_worker_replies_are_student_problems_at_worst(reply, load_errors):
    """Whatever the process running student code writes as a reply, does reading it give a value,
    a StudentProblem or a CheckFailure, and nothing else?"""
    from autograder.calls import CheckFailure, interpret

    try:
        interpret(reply, "f", load_errors)
    except (StudentProblem, CheckFailure):
        pass


# ---------------------------------------------------------------- checks meeting unforeseen values
def _message(reference, assignment: str, check_id: str, **replaced) -> str | None:
    """What the check says of the reference answers with some functions replaced."""
    from autograder.calls import LocalCaller
    from autograder.registry import CHECKS, attempt, load_all

    load_all()
    return attempt(CHECKS[check_id], LocalCaller({**reference(assignment), **replaced}))


@pytest.mark.parametrize("assignment, check_id, replaced, said", [
    ("a01", "a01.sigmoid_grad.numeric", {"sigmoid": lambda z: {"z": z}}, "`sigmoid` should return a numpy array"),
    ("a01", "a01.sigmoid_grad.numeric", {"sigmoid": lambda z: "s"}, "`sigmoid` should return a numpy array"),
    ("a01", "a01.binary_cross_entropy_grad.numeric", {"binary_cross_entropy": lambda y, p: None},
     "None (did you forget `return`?)"),
    ("a05", "a05.minibatches.partition", {"epochs_of_batches": lambda *a: None}, "one list of batches per epoch"),
    ("a05", "a05.minibatches.seeded", {"epochs_of_batches": lambda *a: []}, "one list of batches per epoch"),
    ("a05", "a05.get_optimizer.names", {"optimizer_name": lambda name: np.array([1.0, 2.0])},
     "returned the function"),
    ("a05", "a05.adam_update.first_step",
     {"adam_update": lambda w, dw, s: (w - 0.1 * dw, {**s, "m": dw, "v": dw ** 2, "t": float("inf")})},
     "step count state['t'] as a whole number"),
], ids=["dict-to-a-gradient-check", "str-to-a-gradient-check", "no-return-loss", "epochs-none", "no-epochs",
        "name-an-array", "step-count-inf"])
def test_checks_refuse_unforeseen_values_by_name(reference, assignment, check_id, replaced, said):
    """Is a returned value of a type no one planned for refused with the check's own message
    (not a TypeError, ValueError or OverflowError on the way)?"""
    message = _message(reference, assignment, check_id, **replaced)
    assert message and said in message and "could not judge" not in message, message


def test_an_unforeseen_exception_in_a_check_fails_that_check_naming_the_line(monkeypatch):
    """Does an exception a check did not foresee fail that check only, with its type and the grader's
    line (for the instructor, should it be a grader bug), while Ctrl-C still stops everything?"""
    from autograder.registry import Check, Task, attempt

    def judge(call):
        return call("f") + 1  # no expect_* helper: None + 1

    item = Check("t.f.value", Task("t.f", 1), judge)
    message = attempt(item, lambda fn, *args: None)
    assert message.startswith("the check could not judge the value your function returned (TypeError at "
                              "tests/test_grading_robustness.py:"), message
    assert "unsupported operand" in message and "tell your instructor" in message

    def interrupted(call):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        attempt(Check("t.f.stop", Task("t.f", 1), interrupted), lambda fn, *args: None)
