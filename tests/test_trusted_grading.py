"""Does `deepgrad autograde` decide grades outside student code, and flag gradings that broke?"""
from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest
from nbgrader.api import Gradebook

from autograder import bubblewrap
from autograder.sandbox import Limits
from conftest import NOTEBOOKS, PATCHED_NUMPY_SIGMOID, ROOT, processes_left_by_this_test_run, released_course
from deepgrad.runs.autograde import autograde_and_report
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.commands.submissions import answered, read, reference_answers, write

A01 = NOTEBOOKS["a01"]
WRONG_SIGMOID_WITH_PATCHED_NUMPY = PATCHED_NUMPY_SIGMOID


def _submit(course, student, answers=None, *, name=A01, text=None):
    path = course / "submitted" / student / A01 / f"{name}.ipynb"
    if text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    release = read(course / "assignments" / A01 / f"{A01}.ipynb")
    write(answered(release, answers), path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course, _, ref = released_course(tmp_path_factory.mktemp("trusted") / "course")  # a01 only: all it grades
    _submit(course, "honest", ref)
    _submit(course, "patcher", {**ref, "ans_sigmoid": WRONG_SIGMOID_WITH_PATCHED_NUMPY})
    _submit(course, "looper", {**ref, "ans_squared_error": "def squared_error(output, label):\n"
                                                          "    while True:\n        pass\n"})
    _submit(course, "renamed", ref, name="a01_my_copy")
    _submit(course, "corrupt", text="{ this is not json")
    grader = Nbgrader(course, cell_timeout=3)
    # The looper's call spends its cap in full, busy: 2 s (not the default 10 s), still hundreds of
    # times what an honest a01 call takes.
    verdicts, report = autograde_and_report(course, A01, grader=grader, limits=Limits(call_seconds=2.0))
    for student in ("honest", "patcher", "looper"):
        grader.generate_feedback(A01, student)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {v.student: gradebook.find_submission(A01, v.student).score for v in verdicts
                  if v.status == "graded"}
        sigmoid_scores = {s: gradebook.find_grade("test_sigmoid", A01, A01, s).score for s in scores}
    return {v.student: v for v in verdicts}, scores, sigmoid_scores, report, course


def test_honest_submission_keeps_full_marks(graded):
    """Does the reference still get every point once the verdict replaces nbgrader's?"""
    verdicts, scores, _, _, _ = graded
    assert verdicts["honest"].status == "graded" and scores["honest"] == 16


def test_patched_numpy_gains_no_point(graded):
    """Does monkeypatching numpy's comparisons in an answer cell leave a wrong sigmoid at 0?"""
    verdicts, scores, sigmoid_scores, _, _ = graded
    assert sigmoid_scores["patcher"] == 0
    assert scores["patcher"] == 16 - 2 - 1 - 2  # sigmoid, and what builds on it: sigmoid_grad, dense
    sigmoid = next(t for t in verdicts["patcher"].tasks if t.grade_id == "test_sigmoid")
    assert sigmoid.status == "failed" and "`sigmoid` returned a wrong value" in " ".join(sigmoid.messages)


def test_in_kernel_grading_was_fooled_by_the_same_submission(graded, tmp_path):
    """Is the patch a real attack: does the notebook's own in-kernel test cell pass the wrong sigmoid?"""
    from nbclient import NotebookClient
    import nbformat

    path = ROOT / "assignments" / A01 / f"{A01}.ipynb"
    nb = nbformat.read(path, as_version=4)
    ref = reference_answers(read(ROOT / "solutions" / A01 / f"{A01}.ipynb"))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id == "ans_sigmoid":
            cell.source = WRONG_SIGMOID_WITH_PATCHED_NUMPY
        elif grade_id in ref:
            cell.source = ref[grade_id]
    NotebookClient(nb, timeout=30, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_sigmoid")
    assert not any(o.get("output_type") == "error" for o in test_cell.outputs)


def test_endless_loop_costs_only_its_task(graded):
    """Does an endless loop in one answer lose that task only, with the reason, the rest graded?"""
    verdicts, scores, _, _, _ = graded
    looper = {t.grade_id: t for t in verdicts["looper"].tasks}
    assert looper["test_squared_error"].score == 0
    assert "longer than" in " ".join(looper["test_squared_error"].messages)
    # its gradient is checked against the reference's squared_error: the loop costs only its task
    assert looper["test_squared_error_grad"].score == 1
    assert scores["looper"] == 16 - 1


@pytest.mark.parametrize("student, words", [("renamed", "no notebook"), ("corrupt", "not a readable notebook")])
def test_broken_grading_is_flagged_not_zero(graded, student, words):
    """Is a submission that could not be graded marked broken with its reason in the report?"""
    verdicts, scores, _, report, _ = graded
    assert verdicts[student].status == "broken" and words in verdicts[student].reason
    assert student not in scores
    rows = [r for r in csv.DictReader(report.open()) if r["student"] == student]
    assert rows and rows[0]["status"] == "broken" and words in rows[0]["reason"]


def test_report_has_a_row_per_submission_and_per_task_with_status(graded):
    """Does the report give every submission a row (status, score) and every graded task one,
    each message kept whole?"""
    verdicts, _, _, report, _ = graded
    rows = list(csv.DictReader(report.open()))
    honest = [r for r in rows if r["student"] == "honest"]
    assert (honest[0]["task"], honest[0]["status"], float(honest[0]["score"])) == ("", "graded", 16.0)
    assert len(honest) == 1 + len(verdicts["honest"].tasks) and {r["status"] for r in honest[1:]} == {"passed"}
    assert {r["student"] for r in rows if not r["task"]} == set(verdicts)
    patcher = next(r for r in rows if r["student"] == "patcher" and r["task"] == "test_sigmoid")
    whole = " | ".join(" ".join(m.split()) for m in next(t for t in verdicts["patcher"].tasks
                                                          if t.grade_id == "test_sigmoid").messages)
    assert patcher["reason"] == whole and len(whole) > 500  # never cut
    assert json.loads(json.dumps(rows))  # plain text, nothing else


@pytest.mark.parametrize("student", ["honest", "patcher", "looper"])
def test_feedback_shows_no_hidden_test(graded, student):
    """Does the feedback page keep every hidden-test line out, while still reporting hidden failures?"""
    import html
    import re

    from deepgrad.base.leaks import HIDDEN, secret_lines

    course = graded[4]
    page = html.unescape((course / "feedback" / student / A01 / f"{A01}.html").read_text())
    hidden = secret_lines(ROOT / "solutions", blocks=(HIDDEN,))
    assert hidden and not [line for line in hidden if line in page]
    assert "BEGIN HIDDEN" not in page
    text = re.sub(r"<[^>]+>", "", page)
    assert bool(re.search(r"hidden check \d+ of `", text)) == (student != "honest")


def test_hidden_tests_never_reach_the_students_kernel(graded):
    """A last cell that prints the kernel's whole input history and globals: do the autograded
    notebook and its feedback show that it ran, yet hold no hidden-test line? (Planted bug: the
    source notebook's own test cells do hold them, so the scan can find them.)"""
    import html

    from deepgrad.runs.autograde import autograde
    from deepgrad.base.leaks import HIDDEN, secret_lines

    course = graded[4]
    ref = reference_answers(read(course / "solutions" / A01 / f"{A01}.ipynb"))
    nb = answered(read(course / "assignments" / A01 / f"{A01}.ipynb"), ref)
    nb["cells"].append({"cell_type": "code", "id": "snoop", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "import os, socket\n"
                                  "print('SNOOP', In, sorted(globals()))\n"
                                  f"print('KERNEL', os.getuid(), os.path.exists({str(course / 'solutions')!r}),"
                                  " os.path.exists('gradebook.db'), [n for _, n in socket.if_nameindex()])"})
    write(nb, course / "submitted" / "snoop" / A01 / f"{A01}.ipynb")
    grader = Nbgrader(course, cell_timeout=5)
    (verdict,) = autograde(course, A01, ["snoop"], grader=grader)
    grader.generate_feedback(A01, "snoop")
    hidden = secret_lines(ROOT / "solutions", blocks=(HIDDEN,))
    assert [line for line in hidden if line in (course / "solutions" / A01 / f"{A01}.ipynb").read_text()]
    autograded = (course / "autograded" / "snoop" / A01 / f"{A01}.ipynb").read_text()
    page = html.unescape((course / "feedback" / "snoop" / A01 / f"{A01}.html").read_text())
    assert "SNOOP" in autograded and "SNOOP" in page  # the snooping cell ran
    # in the sandbox: nobody, no course files, no network but its own loopback
    assert f"KERNEL {bubblewrap.SANDBOX_ID} False False ['lo']" in autograded
    for text in (autograded, page):
        assert not [line for line in hidden if line in text] and "BEGIN HIDDEN" not in text
    assert verdict.status == "graded" and verdict.score == 16


def test_no_sandbox_refuses_unless_told_and_marks_every_row(graded, monkeypatch, tmp_path):
    """Where no sandbox can be made, does autograde refuse with a message naming --no-sandbox,
    and, told to go on, mark every report row "graded without sandbox"?"""
    from deepgrad.base import sandbox_rule
    from deepgrad.base.errors import CourseError
    from deepgrad.grading.grading_report import write_report
    from deepgrad.runs import autograde as module

    course = graded[4]
    monkeypatch.setattr(sandbox_rule, "sandbox_missing", lambda: "user namespaces are disabled")
    with pytest.raises(CourseError, match="user namespaces are disabled.*--no-sandbox"):
        module.autograde(course, A01, ["honest"])
    verdicts = module.autograde(course, A01, ["honest"], grader=Nbgrader(course, cell_timeout=5), sandboxed=False)
    rows = list(csv.DictReader(write_report(verdicts, tmp_path / "report.csv").open()))
    assert rows and all(r["sandbox"] == module.NO_SANDBOX for r in rows)
    assert verdicts[0].score == 16
    sandboxed = list(csv.DictReader(graded[3].open()))
    assert sandboxed and all(r["sandbox"] == "bubblewrap" for r in sandboxed)


MEMORISER = '''
KNOWN = [np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, 5.0]]), np.random.default_rng(1).normal(0.0, 5.0, size=(2, 3, 4)),
         np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]), np.array([3.0, -3.0, 10.0, -0.25]),
         np.random.default_rng(20251123).uniform(-20.0, 20.0, size=(3, 1, 5)), np.array([[-25.0, 25.0]])]


def sigmoid(z):
    """Right only on inputs it has seen: the public ones and the notebook's hidden ones."""
    z = np.asarray(z, dtype=float)
    if any(k.shape == z.shape and np.array_equal(k, z) for k in KNOWN):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return np.full(z.shape, 0.5)
'''


def _sigmoid_failures(seed):
    from autograder.calls import LocalCaller
    from autograder.registry import attempt, planned
    from deepgrad.grading.verdict import graded_cells

    namespace = {"np": __import__("numpy")}
    exec(MEMORISER, namespace)
    cell = next(c for c in graded_cells(ROOT / "solutions" / A01 / f"{A01}.ipynb", seed)
                if c.grade_id == "test_sigmoid")
    return [m for target, params, _ in cell.calls for item in planned(target, params)
            if (m := attempt(item, LocalCaller(namespace), **params))]


# Any course's secret: these tests need seeds drawn as grading draws them, not a particular course's.
SECRET = bytes(range(32))


def test_memorised_inputs_pass_in_the_notebook_but_not_at_grading():
    """Does an answer that memorises the notebook's inputs pass there, yet fail on its own seed?"""
    from deepgrad.grading.verdict import submission_seed

    assert _sigmoid_failures(None) == []
    assert _sigmoid_failures(submission_seed("mallory", A01, SECRET))


def test_seeds_are_per_submission_and_reproducible(graded):
    """Do students get different hidden inputs, the same each time, recorded in the report?"""
    from deepgrad.grading.verdict import course_secret, graded_cells, submission_seed

    verdicts, _, _, report, course = graded
    secret = course_secret(course)
    graded_bytes = (course / "submitted" / "honest" / A01 / f"{A01}.ipynb").read_bytes()
    assert verdicts["honest"].seed == submission_seed("honest", A01, secret, graded_bytes)
    assert verdicts["honest"].seed != submission_seed("patcher", A01, secret, graded_bytes)
    source = ROOT / "solutions" / A01 / f"{A01}.ipynb"

    def hidden_z(seed):
        cell = next(c for c in graded_cells(source, seed) if c.grade_id == "test_sigmoid")
        return [p["z"] for _, p, hidden in cell.calls if hidden and p.get("z", np.empty(0)).ndim == 3][0]

    assert np.array_equal(hidden_z(1), hidden_z(1)) and not np.array_equal(hidden_z(1), hidden_z(2))
    rows = [r for r in csv.DictReader(report.open()) if r["student"] == "honest"]
    assert {int(r["hidden_seed"]) for r in rows} == {verdicts["honest"].seed}


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_reference_passes_hidden_checks_for_every_seed(reference, assignment):
    """Can no seed draw hidden inputs that fail the reference (an honest student losing points)?
    Each distinct check and inputs runs once: a public check's inputs are the same for every seed
    (and every check is deterministic given its inputs: its own draws are seeded), so only the
    first seed runs it; every seed's hidden inputs run."""
    import pickle

    from autograder.calls import LocalCaller
    from autograder.registry import attempt, planned
    from deepgrad.grading.verdict import graded_cells, submission_seed

    name = NOTEBOOKS[assignment]
    caller = LocalCaller(reference(assignment))
    source = ROOT / "solutions" / name / f"{name}.ipynb"
    ran, hidden_drawn = set(), set()
    for student in [f"student{i:03d}" for i in range(100)]:
        for cell in graded_cells(source, submission_seed(student, name, SECRET)):
            for target, params, hidden in cell.calls:
                key = (target, pickle.dumps(sorted(params.items())))
                if hidden:
                    hidden_drawn.add(key)
                if key in ran:
                    continue
                ran.add(key)
                failures = [m for item in planned(target, params) if (m := attempt(item, caller, **params))]
                assert not failures, (student, cell.grade_id, target, failures)
    assert len(hidden_drawn) > 100  # the seeds do draw new hidden inputs, not the same ones again


def test_time_cap_stops_grading_and_says_so(graded):
    """With the submission's grading time used up, is every remaining task reported as not graded,
    and the submission flagged broken with the cap as its reason, instead of scored?"""
    from deepgrad.grading.verdict import grade_submission

    course = graded[4]
    verdict = grade_submission(course / "solutions" / A01 / f"{A01}.ipynb",
                               course / "submitted" / "honest" / A01 / f"{A01}.ipynb", "honest", A01,
                               secret=SECRET, time_cap=0.0)
    assert verdict.status == "broken" and "grading time cap of 0 s" in verdict.reason
    assert verdict.tasks and all(t.status == "not graded" and t.score == 0 for t in verdict.tasks)


def test_time_cap_kills_a_call_under_way(graded):
    """A call that keeps within its own limit but outlasts the submission's cap: is the sandbox
    killed when the cap runs out (not when the call ends), and the rest reported as not graded?"""
    from deepgrad.grading.verdict import grade_submission

    course = graded[4]
    ref = reference_answers(read(course / "solutions" / A01 / f"{A01}.ipynb"))
    _submit(course, "dawdler", {**ref, "ans_sigmoid": ref["ans_sigmoid"].replace(
        "def sigmoid(z):", "def sigmoid(z):\n    import time\n    time.sleep(6)\n", 1)})
    source = course / "solutions" / A01 / f"{A01}.ipynb"
    submitted = course / "submitted" / "dawdler" / A01 / f"{A01}.ipynb"
    started = time.monotonic()
    verdict = grade_submission(source, submitted, "dawdler", A01, secret=SECRET, time_cap=3.0,
                               limits=Limits(call_seconds=10))
    assert time.monotonic() - started < 5.5  # killed at 3 s, not after the 6 s call
    assert verdict.status == "broken" and "grading time cap of 3 s" in verdict.reason
    assert any(t.status == "not graded" for t in verdict.tasks)
    assert not processes_left_by_this_test_run()


def test_notebook_cap_stops_nbgrader_and_the_verdict_still_grades(graded):
    """A notebook whose every cell keeps within nbgrader's per-cell timeout but which, in all,
    runs past the notebook cap: is nbgrader's kernel killed at the cap, the verdict still
    recorded, and the feedback notebook written from the submission with a note saying why?"""
    from deepgrad.runs.autograde import autograde

    course = graded[4]
    ref = reference_answers(read(course / "solutions" / A01 / f"{A01}.ipynb"))
    # 0.75 s in each of its 8 answer cells: 6 s in all, past the 4 s cap (each second of it is waited
    # out again when the verdict's worker loads the cells)
    slow = {k: "import time\ntime.sleep(0.75)\n" + v for k, v in ref.items()}
    _submit(course, "sleeper", slow)
    grader = Nbgrader(course, cell_timeout=3, notebook_seconds=4)
    (verdict,) = autograde(course, A01, ["sleeper"], grader=grader)
    assert verdict.status == "graded" and verdict.score == 16
    feedback_source = (course / "autograded" / "sleeper" / A01 / f"{A01}.ipynb").read_text()
    assert "nbgrader's run of the notebook was stopped after 4 s" in feedback_source
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(A01, "sleeper").score == 16
    assert not processes_left_by_this_test_run()
