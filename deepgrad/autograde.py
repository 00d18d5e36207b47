"""``deepgrad autograde ASSIGNMENT``: nbgrader's autograde, then the trusted verdict on top.

nbgrader still runs the notebooks (for the autograded copies, feedback and gradebook entries),
but the scores it records are replaced by :mod:`deepgrad.verdict`'s, computed outside student code.
A submission whose grading broke is marked ``broken`` with its reason, never a silent 0.
"""
from __future__ import annotations

from pathlib import Path

from .course import CourseError, Nbgrader, notebook
from .verdict import SubmissionVerdict, grade_submission, rewrite_for_feedback, write_report


def submitted_students(course: Path, assignment: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir()) if folder.is_dir() else []


def autograde(course: Path, assignment: str, students: list[str] | None = None,
              grader: Nbgrader | None = None) -> list[SubmissionVerdict]:
    source = notebook(course, "solutions", assignment)
    if not source.is_file():
        raise CourseError(f"no source notebook {source}")
    grader = grader or Nbgrader(course)
    verdicts = []
    for student in students or submitted_students(course, assignment):
        try:
            grader.autograde(assignment, student)
        except CourseError as exc:  # nbgrader's pass failed: the verdict below still decides
            nbgrader_problem = str(exc).splitlines()[0]
        else:
            nbgrader_problem = ""
        verdict = grade_submission(source, notebook(course, f"submitted/{student}", assignment),
                                   student, assignment)
        if verdict.status == "graded":
            autograded = notebook(course, f"autograded/{student}", assignment)
            try:
                grader.record(verdict)
                if not autograded.is_file():
                    raise CourseError(f"nbgrader wrote no {autograded}")
                rewrite_for_feedback(autograded, verdict)
            except CourseError as exc:
                note = f" (nbgrader: {nbgrader_problem})" if nbgrader_problem else ""
                verdict.status, verdict.reason = "broken", f"{exc}{note}"
        verdicts.append(verdict)
    return verdicts


def report_path(course: Path, assignment: str) -> Path:
    return course / f"grading_report_{assignment}.csv"


def autograde_and_report(course: Path, assignment: str, **kwargs) -> tuple[list[SubmissionVerdict], Path]:
    verdicts = autograde(course, assignment, **kwargs)
    return verdicts, write_report(verdicts, report_path(course, assignment))
