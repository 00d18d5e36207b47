"""Can any submission stop the trusted side, or another student's grading?

1. A property test: 1,000 random structural mutations of an a01 submission (cells dropped,
   duplicated, re-typed, replaced by junk; metadata, nbgrader fields, sources and ids of the wrong
   JSON type; a top level that is a list or has no cells; junk nbformat fields) go through every
   function of the trusted side that reads a submission. None may raise anything but its
   documented error: SnapshotError from the snapshot, NotebookError from the notebook readers;
   the verdict's functions none at all.
2. End to end: a sample of those, plus functions returning what no check expects (None to a
   gradient check, a list nested 10,000 deep, a dict, a str, an object), a linked notebook, a crash
   inside the grader and one inside nbgrader, all graded by one `autograde` run beside an honest
   student.
"""
from __future__ import annotations

import copy
import functools
import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from nbgrader.api import Gradebook

from autograder.calls import StudentProblem
from autograder.notebook import NotebookError, forbidden_uses, loadable_cells, read_cells
from conftest import NOTEBOOKS, ROOT, processes_left_by_this_test_run
from deepgrad import nbgrader_plugin as plugin_module
from deepgrad import verdict as verdict_module
from deepgrad.autograde import autograde, report_path, write_unexecuted
from deepgrad.course import Nbgrader, copy_course
from deepgrad.release import generate_release
from deepgrad.snapshot import Snapshots, SnapshotError
from deepgrad.submissions import answered, read, reference_answers, write
from deepgrad.verdict import grade_submission, rewrite_for_feedback, submission_problem

A01 = NOTEBOOKS["a01"]
SOURCE = ROOT / "solutions" / A01 / f"{A01}.ipynb"
SECRET = bytes(32)
NBGRADER_FIELDS = ("grade", "solution", "locked", "grade_id", "points", "schema_version", "task")


def honest_notebook(root=ROOT) -> dict:
    release = read(root / "assignments" / A01 / f"{A01}.ipynb")
    return answered(release, reference_answers(read(root / "solutions" / A01 / f"{A01}.ipynb")))


# ---------------------------------------------------------------- mutations
def junk(rng: random.Random, depth: int = 0):
    """A random JSON value of any type, containers nested at most three deep."""
    kinds = ["none", "bool", "int", "float", "str"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "list":
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        keys = [rng.choice(("grade", "nbgrader", "source", "id", "x", "")) for _ in range(rng.randint(0, 3))]
        return {k: junk(rng, depth + 1) for k in keys}
    return {"none": None, "bool": rng.random() < 0.5, "int": rng.randint(-10**6, 10**6),
            "float": rng.uniform(-1e9, 1e9), "str": rng.choice(("", "code", "ans_sigmoid", "test_sigmoid",
                                                                "setup", "é\n\0"))}[kind]


def odd_source(rng: random.Random):
    return rng.choice([
        lambda: rng.randint(-5, 5), lambda: None, lambda: [rng.randint(0, 9) for _ in range(3)],
        lambda: "x = 1\n" * 100_000, lambda: {"code": "def sigmoid(z): pass"},
        lambda: ["def f():\n", 5, "    pass\n"], lambda: junk(rng)])()


def _cells(nb):
    return nb.get("cells") if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None


def _a_cell(nb, rng):
    """A random cell that is an object, or None."""
    cells = [c for c in (_cells(nb) or []) if isinstance(c, dict)]
    return rng.choice(cells) if cells else None


def drop_cell(nb, rng):
    if _cells(nb):
        del nb["cells"][rng.randrange(len(nb["cells"]))]
    return nb


def duplicate_cell(nb, rng):
    if _cells(nb):
        i = rng.randrange(len(nb["cells"]))
        nb["cells"].insert(rng.randrange(len(nb["cells"]) + 1), copy.deepcopy(nb["cells"][i]))
    return nb


def retype_cell(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["cell_type"] = rng.choice(["markdown", "raw", "code", 5, None, [], {"code": 1}])
    return nb


def replace_metadata(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["metadata"] = rng.choice([junk(rng), [], 5, None, {"nbgrader": junk(rng)}])
    return nb


def break_nbgrader_field(nb, rng):
    cell = _a_cell(nb, rng)
    meta = cell.get("metadata") if cell is not None else None
    if isinstance(meta, dict):
        if not isinstance(meta.get("nbgrader"), dict):
            meta["nbgrader"] = {}
        meta["nbgrader"][rng.choice(NBGRADER_FIELDS)] = rng.choice(
            [junk(rng), [1, 2], {"a": 1}, "yes", None, 1e308, -3])
    return nb


def replace_source(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["source"] = odd_source(rng)
    return nb


def replace_id(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["id"] = rng.choice([junk(rng), ["a"], {"id": 1}, 7, "cell-1"])
    return nb


def replace_cell(nb, rng):
    if _cells(nb):
        nb["cells"][rng.randrange(len(nb["cells"]))] = rng.choice([junk(rng), [], "cell", 3, None])
    return nb


def break_top_level(nb, rng):
    choice = rng.randrange(5)
    if choice == 0:
        return _cells(nb) or [nb]                   # the top level a list
    if isinstance(nb, dict):
        if choice == 1:
            nb.pop("cells", None)                   # no cells
        elif choice == 2:
            nb["cells"] = junk(rng)                 # cells not a list
        else:
            nb[rng.choice(("nbformat", "nbformat_minor", "metadata"))] = junk(rng)
    return nb


CELL_MUTATIONS = (drop_cell, duplicate_cell, retype_cell, replace_metadata, break_nbgrader_field,
                  replace_source, replace_id, replace_cell)


def mutate(nb: dict, rng: random.Random):
    """1 to 5 random mutations of a copy of ``nb``; now and then one of the whole notebook."""
    nb = copy.deepcopy(nb)
    for _ in range(rng.randint(1, 5)):
        nb = (break_top_level if rng.random() < 0.1 else rng.choice(CELL_MUTATIONS))(nb, rng)
    return nb


# ---------------------------------------------------------------- 1. the property test
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


# ---------------------------------------------------------------- 2. end to end
NASTY = {
    # a loss with no `return`, used by its gradient's check
    "no_return": {"ans_binary_cross_entropy": "def binary_cross_entropy(y, p):\n"
                                              "    p = np.clip(p, 1e-12, 1 - 1e-12)\n"},
    "deep_return": {"ans_sigmoid": "def sigmoid(z):\n    deep = []\n    for _ in range(10_000):\n"
                                   "        deep = [deep]\n    return deep\n"},
    "dict_return": {"ans_sigmoid": "def sigmoid(z):\n    return {'z': z}\n"},
    "str_return": {"ans_sigmoid": "def sigmoid(z):\n    return 'sigmoid'\n"},
    "object_return": {"ans_sigmoid": "class Thing:\n    pass\n\ndef sigmoid(z):\n    return Thing()\n"},
    # writes a line of JSON nested 100,000 deep on every descriptor (the grading channel among them),
    # in the grading worker only
    "forger": {"ans_sigmoid": "import os, sys\n\ndef sigmoid(z):\n    if 'worker' in ' '.join(sys.argv):\n"
                              "        for fd in range(3, 64):\n            try:\n"
                              "                os.write(fd, b'[' * 100_000 + b'\\n')\n"
                              "            except OSError:\n                pass\n"
                              "    return 1 / (1 + np.exp(-z))\n"},
}
SIGMOID_USERS = {"test_sigmoid", "test_sigmoid_grad", "test_dense_sigmoid"}
MUTATED = [f"mutant{i:02d}" for i in range(16)]


@pytest.fixture(scope="module")
def one_run(tmp_path_factory):
    course = copy_course(ROOT, tmp_path_factory.mktemp("robust") / "course")
    generate_release(course)
    honest = honest_notebook(course)
    ref = reference_answers(read(course / "solutions" / A01 / f"{A01}.ipynb"))
    release = read(course / "assignments" / A01 / f"{A01}.ipynb")

    def submit(student, nb):
        path = course / "submitted" / student / A01 / f"{A01}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb))

    for student in ("honest", "grader_crash", "nbgrader_crash"):
        write(honest, course / "submitted" / student / A01 / f"{A01}.ipynb")
    for student, answers in NASTY.items():
        write(answered(release, {**ref, **answers}), course / "submitted" / student / A01 / f"{A01}.ipynb")
    for i, student in enumerate(MUTATED):
        submit(student, mutate(honest, random.Random(10_000 + i)))
    odd = copy.deepcopy(honest)
    answer = next(c for c in odd["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "ans_sigmoid")
    answer["source"] = [1, 2]  # not text: nbformat allows a string or a list of strings
    submit("odd_source", odd)
    linked = course / "submitted" / "linked" / A01 / f"{A01}.ipynb"
    linked.parent.mkdir(parents=True)
    linked.symlink_to(course / "submitted" / "honest" / A01 / f"{A01}.ipynb")

    real_grade, real_pass = plugin_module.grade_submission, Nbgrader.autograde

    def grade(source, snapshot, student, *args, **kwargs):  # a grader bug met by one submission
        if student == "grader_crash":
            raise RecursionError("maximum recursion depth exceeded (planted)")
        return real_grade(source, snapshot, student, *args, **kwargs)

    def nbgrader_pass(self, assignment, student, *args, **kwargs):  # nbgrader failing its own way
        if student == "nbgrader_crash":
            raise KeyError("planted inside nbgrader")
        return real_pass(self, assignment, student, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plugin_module, "grade_submission", grade)
        patch.setattr(Nbgrader, "autograde", nbgrader_pass)
        grader = Nbgrader(course, cell_timeout=3, notebook_seconds=20)
        verdicts = autograde(course, A01, grader=grader, report=report_path(course, A01))
    return course, {v.student: v for v in verdicts}


def _gradebook(course, student):
    """{grade_id: (auto_score, needs_manual_grade)}, or None where nbgrader recorded nothing."""
    from nbgrader.api import MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        try:
            sub = gradebook.find_submission(A01, student)
        except MissingEntry:
            return None
        return {g.name: (g.auto_score, g.needs_manual_grade) for nb in sub.notebooks for g in nb.grades}


def test_every_submission_ends_with_a_status_and_is_reported(one_run):
    """Does every submission, however broken, end graded, review or broken, each in the report?"""
    course, verdicts = one_run
    students = {"honest", "grader_crash", "nbgrader_crash", "linked", "odd_source", *NASTY, *MUTATED}
    assert set(verdicts) == students
    assert {v.status for v in verdicts.values()} <= {"graded", "review", "broken"}
    assert all(v.reason for v in verdicts.values() if v.status != "graded")
    rows = list(csv.DictReader(report_path(course, A01).open()))
    assert {r["student"] for r in rows} == students


def test_the_mutated_sample_meets_every_outcome(one_run):
    """Are the sampled mutants refused, reviewed and graded alike (not all stopped at one door)?"""
    statuses = {one_run[1][s].status for s in MUTATED}
    assert statuses == {"graded", "review", "broken"}, statuses


def test_a_source_that_is_not_text_breaks_the_submission_with_the_cell_named(one_run):
    course, verdicts = one_run
    verdict = verdicts["odd_source"]
    assert verdict.status == "broken" and "(ans_sigmoid) has a `source` that is a list, not text" in verdict.reason
    assert set((_gradebook(course, "odd_source") or {}).values()) <= {(0.0, True), (None, True)}


def test_honest_student_keeps_full_marks_beside_them(one_run):
    course, verdicts = one_run
    assert verdicts["honest"].status == "graded" and verdicts["honest"].score == 12
    assert set(_gradebook(course, "honest").values()) == {(1.0, False), (2.0, False)}


@pytest.mark.parametrize("student", sorted(NASTY))
def test_unexpected_return_values_cost_only_their_tasks(one_run, student):
    """Does a value no check expects fail the checks that meet it, with a message, and nothing else?"""
    verdict = one_run[1][student]
    # The gradient's check takes the reference's loss at grading: a loss with no return costs
    # only its own task, not its correct gradient's.
    lost = {"test_binary_cross_entropy"} if student == "no_return" else SIGMOID_USERS
    assert verdict.status == "graded", verdict.reason
    assert {t.grade_id for t in verdict.tasks if t.score == 0} == lost
    messages = " ".join(m for t in verdict.tasks for m in t.messages)
    assert "could not judge" not in messages  # every such value was refused by name, not by accident
    said = {"no_return": "None (did you forget `return`?)",
            "forger": "sent something unreadable"}.get(student, "should return a numpy array")
    assert said in messages


def test_a_crash_inside_the_grader_breaks_that_submission_only(one_run):
    """Does an exception in the grader end as that submission's broken verdict naming it, with
    no score standing (nbgrader does not go on to run a notebook the verdict could not grade)
    and every entry flagged for a manual grade?"""
    course, verdicts = one_run
    verdict = verdicts["grader_crash"]
    assert verdict.status == "broken"
    assert verdict.reason.startswith("grading failed inside the grader (RecursionError at ")
    assert verdict.reason.endswith("check this submission by hand")
    assert set(_gradebook(course, "grader_crash").values()) <= {(0.0, True), (None, True)}


def test_a_crash_inside_nbgrader_still_gets_a_verdict(one_run):
    """Is an exception from nbgrader's pass no end of grading: the verdict still runs, and the
    submission ends broken only because nbgrader left it no gradebook entry, saying so?"""
    verdict = one_run[1]["nbgrader_crash"]
    assert verdict.status == "broken" and "the gradebook has no grade" in verdict.reason
    assert "nbgrader failed (KeyError" in verdict.reason


def test_linked_notebook_is_refused_before_nbgrader_runs_it(one_run):
    course, verdicts = one_run
    assert verdicts["linked"].status == "broken" and "is a symbolic link" in verdicts["linked"].reason
    assert not (course / "autograded" / "linked").exists() and _gradebook(course, "linked") is None


def test_no_broken_submission_keeps_nbgrader_scores(one_run):
    """Does every broken submission that nbgrader recorded have only zero, flagged entries?"""
    course, verdicts = one_run
    for student, verdict in verdicts.items():
        entries = _gradebook(course, student)
        if verdict.status == "broken" and not verdict.tasks and entries:
            assert set(entries.values()) <= {(0.0, True), (None, True)}, (student, entries)


def test_no_process_is_left_behind(one_run):
    assert not processes_left_by_this_test_run()


# ---------------------------------------------------------------- the run itself
class NoNbgrader:
    """nbgrader's part, left out: these tests are about what autograde does around it."""

    def __init__(self, course):
        self.db_url = f"sqlite:///{course / 'gradebook.db'}"

    def autograde(self, assignment, student, *args):
        pass


@pytest.fixture
def small_course(tmp_path):
    (tmp_path / "solutions" / A01).mkdir(parents=True)
    (tmp_path / "solutions" / A01 / f"{A01}.ipynb").write_bytes(SOURCE.read_bytes())
    for student in ("ann", "bob", "cy"):
        write(honest_notebook(), tmp_path / "submitted" / student / A01 / f"{A01}.ipynb")
    return tmp_path


def test_a_run_stopped_part_way_still_writes_the_report(small_course, monkeypatch):
    """When the run itself is stopped (Ctrl-C while the second submission is graded), is the report
    written all the same, with the first verdict and the others listed as not graded?"""
    from deepgrad.verdict import SubmissionVerdict

    def grade(source, snapshot, student, assignment, **kwargs):
        if student == "bob":
            raise KeyboardInterrupt
        return SubmissionVerdict(student, assignment, status="review", reason="looked at")

    monkeypatch.setattr(plugin_module, "grade_submission", grade)
    report = report_path(small_course, A01)
    with pytest.raises(KeyboardInterrupt):
        autograde(small_course, A01, grader=NoNbgrader(small_course), sandboxed=False, report=report)
    rows = {r["student"]: r for r in csv.DictReader(report.open())}
    assert rows["ann"]["status"] == "review"
    assert {rows[s]["status"] for s in ("bob", "cy")} == {"broken"}
    assert all("the grading run was stopped" in rows[s]["reason"] for s in ("bob", "cy"))


@pytest.mark.parametrize("broken, status", [(0, 0), (3, 3), (250, 100)])
def test_exit_status_is_the_number_broken(monkeypatch, capsys, broken, status):
    """Does `deepgrad autograde` exit with the number of broken submissions (capped, so that it
    never wraps to 0), and say it?"""
    from deepgrad.cli import main
    from deepgrad.verdict import SubmissionVerdict

    verdicts = [SubmissionVerdict(f"s{i}", A01, status="broken", reason="why") for i in range(broken)]
    verdicts.append(SubmissionVerdict("fine", A01))
    monkeypatch.setattr("deepgrad.autograde.autograde_and_report", lambda *a, **k: (verdicts, "report.csv"))
    assert main(["autograde", A01]) == status
    err = capsys.readouterr().err
    assert (f"{broken} of {broken + 1} submission(s) broken" in err) == bool(broken)
