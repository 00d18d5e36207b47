"""``deepgrad autograde ASSIGNMENT``: nbgrader's autograde, then the trusted verdict on top.

nbgrader still runs the notebooks (for the autograded copies, feedback and gradebook entries),
but the scores it records are replaced by :mod:`deepgrad.verdict`'s, computed outside student code.
A submission whose grading broke is marked ``broken`` with its reason, never a silent 0.
"""
from __future__ import annotations

import json
from pathlib import Path

from autograder.sandbox import Limits, secret_paths

from .course import CourseError, Nbgrader, notebook
from .verdict import SubmissionVerdict, grade_submission, rewrite_for_feedback, write_report


# The folder autograder/ is installed from; in a checkout it holds solutions/ too, to be hidden.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def submitted_students(course: Path, assignment: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir()) if folder.is_dir() else []


def autograde(course: Path, assignment: str, students: list[str] | None = None,
              grader: Nbgrader | None = None, limits: Limits = Limits()) -> list[SubmissionVerdict]:
    source = notebook(course, "solutions", assignment)
    if not source.is_file():
        raise CourseError(f"no source notebook {source}")
    grader = grader or Nbgrader(course)
    verdicts = []
    hidden = tuple(secret_paths(course, PACKAGE_ROOT))
    for student in students or submitted_students(course, assignment):
        try:
            grader.autograde(assignment, student, hidden)
        except CourseError as exc:  # nbgrader's pass failed: the verdict below still decides
            nbgrader_problem = str(exc).splitlines()[0]
        else:
            nbgrader_problem = ""
        verdict = grade_submission(source, notebook(course, f"submitted/{student}", assignment),
                                   student, assignment, limits=limits, hide=hidden)
        if verdict.tasks:  # graded, review, or stopped by the time cap part way: its scores are honest
            autograded = notebook(course, f"autograded/{student}", assignment)
            try:
                grader.record(verdict)
                if not autograded.is_file():  # nbgrader gave up on it: feedback still needs one
                    write_unexecuted(notebook(course, f"submitted/{student}", assignment), autograded,
                                     nbgrader_problem.rstrip(":") or "nbgrader wrote no autograded notebook")
                rewrite_for_feedback(autograded, verdict)
            except CourseError as exc:
                note = f" (nbgrader: {nbgrader_problem})" if nbgrader_problem else ""
                verdict.status, verdict.reason = "broken", f"{exc}{note}"
        verdicts.append(verdict)
    return verdicts


def write_unexecuted(submitted: Path, autograded: Path, why: str) -> None:
    """The autograded notebook nbgrader did not write: the submission as handed in, outputs
    cleared (nothing of it ran to the end), with a note saying why. The verdict's messages are
    added to its test cells afterwards, as for every autograded notebook."""
    nb = json.loads(submitted.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    note = (f"**Note from the grader:** nbgrader could not run this notebook to the end ({why}), so "
            "it shows no outputs. Your scores do not depend on that run: every check ran on your "
            "functions separately, and its results are in the test cells below.")
    cell = {"cell_type": "markdown", "metadata": {}, "source": note}
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):  # cell ids exist from 4.5 on
        cell["id"] = "deepgrad-unexecuted"
    nb["cells"].insert(0, cell)
    autograded.parent.mkdir(parents=True, exist_ok=True)
    autograded.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def report_path(course: Path, assignment: str) -> Path:
    return course / f"grading_report_{assignment}.csv"


def autograde_and_report(course: Path, assignment: str, **kwargs) -> tuple[list[SubmissionVerdict], Path]:
    verdicts = autograde(course, assignment, **kwargs)
    return verdicts, write_report(verdicts, report_path(course, assignment))
