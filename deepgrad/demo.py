"""``deepgrad demo``: release, three submissions per assignment, grading, the grade table.

Grading is nbgrader's autograde, feedback and export, with the scores decided by the trusted
verdict of :mod:`deepgrad.autograde`.

Everything happens in a copy of the course, so the instructor's gradebook is never touched.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .course import CourseError, Nbgrader, assignments, copy_course, notebook, usable_cores
from .jobs import job_pool
from .autograde import autograde
from .class_report import write_class_report
from .release import generate_release
from .verdict import write_report
from .submissions import BUGS, answered, read, reference_answers, with_bug, write

STUDENTS = ("reference", "stubs", "buggy")


@dataclass
class DemoResult:
    workdir: Path
    assignments: list[str]
    grades: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)
    csv: Path | None = None
    report: Path | None = None
    seconds: float = 0.0
    db_url: str = ""
    class_reports: list[Path] = field(default_factory=list)  # class_report_<assignment>.html, one each


def make_submissions(course: Path, assignment: str) -> list[str]:
    release_nb = read(notebook(course, "assignments", assignment))
    answers = reference_answers(read(notebook(course, "solutions", assignment)))
    made = {"reference": answered(release_nb, answers), "stubs": release_nb}
    if assignment.split("_")[0] in BUGS:
        made["buggy"] = answered(release_nb, with_bug(answers, assignment.split("_")[0]))
    for student, nb in made.items():
        write(nb, course / "submitted" / student / assignment / f"{assignment}.ipynb")
    return list(made)


def read_grades(db_url: str, names: list[str]) -> dict[tuple[str, str], tuple[float, float]]:
    from nbgrader.api import Gradebook, MissingEntry

    grades = {}
    with Gradebook(db_url) as gradebook:
        for assignment in names:
            for student in STUDENTS:
                try:
                    sub = gradebook.find_submission(assignment, student)
                except MissingEntry:
                    continue
                grades[(student, assignment)] = (float(sub.score), float(sub.max_score))
    return grades


def own_gradebook(course: Path) -> None:
    """Point the copy's nbgrader configuration at a SQLite gradebook inside the copy, whatever
    database the course itself uses (a copied absolute path or PostgreSQL URL would be the
    instructor's own)."""
    config = course / "nbgrader_config.py"
    url = "sqlite:///" + str(course / "gradebook.db")
    config.write_text(config.read_text(encoding="utf-8") + "\n# deepgrad demo: this copy's own gradebook, never the "
                      f"course's\nc.CourseDirectory.db_url = {url!r}\n", encoding="utf-8")


def run_demo(root: Path, workdir: Path, progress: bool = False) -> DemoResult:
    started = time.monotonic()
    course = copy_course(root, workdir)
    own_gradebook(course)
    names = assignments(course)
    generate_release(course)
    grader = Nbgrader(course)
    verdicts = []
    with job_pool(usable_cores()) as pool:  # one set of job processes for every assignment
        for assignment in names:
            students = make_submissions(course, assignment)
            verdicts += autograde(course, assignment, students, grader=grader, pool=pool, progress=progress)
            for student in students:
                grader.generate_feedback(assignment, student)
    csv = grader.export_csv(course / "grades.csv")
    report = write_report(verdicts, course / "grading_report.csv")
    if not csv.is_file():
        raise CourseError(f"nbgrader export did not write {csv}")
    result = DemoResult(course, names, read_grades(grader.db_url, names),
                        sorted((course / "feedback").rglob("*.html")), csv, report)
    result.class_reports = [write_class_report(course, a, report=report, db_url=grader.db_url)[0] for a in names]
    result.seconds = time.monotonic() - started
    result.db_url = grader.db_url
    return result


def format_table(result: DemoResult) -> str:
    width = max(len(a) for a in result.assignments) + 2
    lines = [f"{'student':<12}" + "".join(f"{a:>{width}}" for a in result.assignments)]
    for student in STUDENTS:
        cells = []
        for assignment in result.assignments:
            score = result.grades.get((student, assignment))
            cells.append(f"{score[0]:g} / {score[1]:g}" if score else "-")
        lines.append(f"{student:<12}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(lines)
