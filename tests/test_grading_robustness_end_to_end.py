"""Can any submission stop the trusted side, or another student's grading? End to end.

A sample of random structural mutations of an a01 submission (``mutated_submissions``), plus
functions returning what no check expects (None to a gradient check, a list nested 10,000 deep, a
dict, a str, an object), a linked notebook, a crash inside the grader and one inside nbgrader, all
graded by one `autograde` run beside an honest student; and what the run itself does when it is
stopped part way, and the exit status it ends with.

The readers of a submission, each on 1,000 mutations: tests/test_grading_robustness.py.
"""
from __future__ import annotations

import copy
import csv
import json
import random

import pytest
from nbgrader.api import Gradebook

from conftest import processes_left_by_this_test_run, released_course
from deepgrad.adapters import preprocessors as plugin_module
from deepgrad.adapters.gradebook import create_if_absent
from deepgrad.runs.autograde import autograde, report_path
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.commands.submissions import answered, write
from mutated_submissions import A01, SOURCE, honest_notebook, mutate

# ---------------------------------------------------------------- one run over hostile submissions
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
    course, release, ref = released_course(tmp_path_factory.mktemp("robust") / "course")  # a01: all it grades
    honest = honest_notebook(course)

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
    assert verdicts["honest"].status == "graded" and verdicts["honest"].score == 16
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
    create_if_absent(f"sqlite:///{tmp_path / 'gradebook.db'}")  # as a course's first nbgrader step makes it
    return tmp_path


def test_a_run_stopped_part_way_still_writes_the_report(small_course, monkeypatch):
    """When the run itself is stopped (Ctrl-C while the second submission is graded), is the report
    written all the same, with the first verdict and the others listed as not graded?"""
    from deepgrad.grading.verdict import SubmissionVerdict

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
    from deepgrad.commands.cli import main
    from deepgrad.grading.verdict import SubmissionVerdict

    verdicts = [SubmissionVerdict(f"s{i}", A01, status="broken", reason="why") for i in range(broken)]
    verdicts.append(SubmissionVerdict("fine", A01))
    monkeypatch.setattr("deepgrad.runs.autograde.autograde_and_report", lambda *a, **k: (verdicts, "report.csv"))
    assert main(["autograde", A01]) == status
    err = capsys.readouterr().err
    assert (f"{broken} of {broken + 1} submission(s) broken" in err) == bool(broken)
