"""`deepgrad autograde --jobs N` grades side by side and gives exactly what a serial run gives.

One mixed class of a01 (honest, buggy, stub, a cheater patching numpy, a hostile one killing
its parent, a notebook that is not JSON, a symlink) is graded three ways in one course: serially,
by the command line with two jobs, and with two jobs one of whose processes is killed mid-run.
Before each parallel run every result is forgotten (scores set to 99, autograded notebooks,
feedback and the report deleted), so a run can only pass on its own results."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from nbgrader.api import Gradebook

from conftest import NOTEBOOKS, PATCHED_NUMPY_SIGMOID, processes_left_by_this_test_run, released_course
from deepgrad.course import Nbgrader
from deepgrad.submissions import answered, write

A01 = NOTEBOOKS["a01"]
WRONG_SIGN = "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n"
# put before the reference's own sigmoid
KILLS_PARENT = "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass\n\n\n"
CLASS = {"honest": {}, "buggy": {"ans_sigmoid": WRONG_SIGN}, "stub": None,
         "cheater": {"ans_sigmoid": PATCHED_NUMPY_SIGMOID}, "hostile": {"ans_sigmoid": KILLS_PARENT}}
BROKEN = ("junk", "link")  # a notebook that is not JSON; a symlink to the solutions (refused)


def _outcome(course, verdicts) -> dict:
    """Everything a run leaves: verdicts, gradebook scores, report rows, autograded notebooks."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: {g.name: (g.auto_score, g.needs_manual_grade) for n in s.notebooks for g in n.grades}
                  for s in gradebook.find_assignment(A01).submissions}
    with (course / f"grading_report_{A01}.csv").open() as handle:
        report = sorted(tuple(row.items()) for row in csv.DictReader(handle))
    autograded = {}
    for path in sorted((course / "autograded").glob(f"*/{A01}/{A01}.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            cell.get("metadata", {}).pop("execution", None)  # nbclient's timestamps
        autograded[path.parts[-3]] = nb
    return {"verdicts": [(v.student, v.status, v.score, v.reason, v.seed, v.sandbox,
                          [(t.grade_id, t.status, t.score, t.messages, t.student_messages) for t in v.tasks]) for v in verdicts],
            "scores": scores, "report": report, "autograded": autograded}


def _forget(course) -> None:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(A01).submissions:
            for nb in submission.notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 99.0, False
        gradebook.db.commit()
    shutil.rmtree(course / "autograded")
    (course / f"grading_report_{A01}.csv").unlink()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    from deepgrad.autograde import autograde_and_report

    course, release, ref = released_course(tmp_path_factory.mktemp("jobs") / "course")
    for student, changes in CLASS.items():
        if student == "hostile":
            changes = {"ans_sigmoid": KILLS_PARENT + ref["ans_sigmoid"]}
        nb = release if changes is None else answered(release, {**ref, **changes})
        write(nb, course / "submitted" / student / A01 / f"{A01}.ipynb")
    for student in BROKEN:
        (course / "submitted" / student / A01).mkdir(parents=True)
    (course / "submitted" / "junk" / A01 / f"{A01}.ipynb").write_text("{ not json")
    os.symlink(course / "solutions" / A01 / f"{A01}.ipynb", course / "submitted" / "link" / A01 / f"{A01}.ipynb")
    verdicts, _ = autograde_and_report(course, A01, grader=Nbgrader(course, cell_timeout=10), jobs=1)
    return course, _outcome(course, verdicts)


def test_the_serial_run_grades_the_mixed_class(serial):
    """The reference point is itself right: honest full marks, the rest as they deserve."""
    by_student = {v[0]: v for v in serial[1]["verdicts"]}
    assert by_student["honest"][1:3] == ("graded", 12)
    assert by_student["hostile"][1:3] == ("graded", 12)  # its kill reached no grader process
    assert by_student["cheater"][2] < 12 and by_student["buggy"][2] < 12 and by_student["stub"][2] == 0
    assert by_student["junk"][1] == by_student["link"][1] == "broken"


def test_two_jobs_from_the_command_line_give_the_serial_results(serial):
    """`deepgrad autograde A --jobs 2`: the same verdicts, scores, report and autograded notebooks,
    a progress bar on stderr, and nothing left running."""
    course, expected = serial
    _forget(course)
    done = subprocess.run([sys.executable, "-m", "deepgrad", "autograde", A01, "--jobs", "2"], cwd=course,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == len(BROKEN), done.stderr[-3000:]
    assert f"{len(CLASS) + len(BROKEN)}/{len(CLASS) + len(BROKEN)}" in done.stderr and "2 broken" in done.stderr
    got = _outcome(course, [])
    assert {k: got[k] for k in ("scores", "report", "autograded")} == \
        {k: expected[k] for k in ("scores", "report", "autograded")}
    assert not processes_left_by_this_test_run()


def test_a_killed_job_process_takes_no_submission_with_it(serial, monkeypatch):
    """One job process is SIGKILLed while the run goes on: every submission is still graded,
    exactly as serially (those the dead process held are graded by the run itself)."""
    import deepgrad.jobs as jobs
    from deepgrad.autograde import autograde_and_report

    course, expected = serial
    _forget(course)
    own_pool, killed, finished = jobs.job_pool, [], threading.Event()

    def killer(executor):
        while not finished.is_set():
            processes = list((getattr(executor, "_processes", None) or {}).values())
            if processes and time.monotonic() - started > 3:
                os.kill(processes[0].pid, signal.SIGKILL)
                killed.append(processes[0].pid)
                return
            time.sleep(0.1)

    def pool_with_killer(n):
        manager = own_pool(n)
        executor = manager.__enter__()
        threading.Thread(target=killer, args=(executor,), daemon=True).start()

        class Managed:
            def __enter__(self):
                return executor

            def __exit__(self, *exc):
                return manager.__exit__(*exc)
        return Managed()

    monkeypatch.setattr(jobs, "job_pool", pool_with_killer)
    started = time.monotonic()
    verdicts, _ = autograde_and_report(course, A01, grader=Nbgrader(course, cell_timeout=10), jobs=2)
    finished.set()
    assert killed, "the run ended before a job process could be killed"
    assert _outcome(course, verdicts) == expected
    assert not processes_left_by_this_test_run()
