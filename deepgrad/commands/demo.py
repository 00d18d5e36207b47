"""``deepgrad demo``: release, three submissions per assignment, grading, the grade table.

Grading is nbgrader's autograde, feedback and export, with the scores decided by the trusted
verdict of :mod:`deepgrad.runs.autograde`.

With ``language`` (``deepgrad demo --lang zh-TW``) the demo releases and grades that edition.
Everything happens in a copy of the course, so the instructor's gradebook is never touched. The
demo ends with ``index.html`` in that copy: the grade table, each grade linking to its feedback
page, and links to the CSV export, the grading report, the class reports and the pages of similar
submissions (``deepgrad similar``).
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from nbgrader.api import Gradebook, MissingEntry

from ..adapters.nbgrader_api import Nbgrader
from ..adapters.translated_release import release_folder
from ..base.catalogues import SOURCE_LANGUAGE
from ..base.course_files import assignments, copy_course, notebook, usable_cores
from ..base.errors import CourseError
from ..grading.grading_report import write_report
from ..runs.autograde import autograde, start_jobs
from ..runs.jobs import job_pool
from .class_report import write_class_report
from .release import release_each
from .similar import write_similarity
from .submissions import BUGS, filled_in_place, read, write

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
    index: Path | None = None  # index.html in workdir: the grade table and links to everything above
    similar: list[Path] = field(default_factory=list)  # similar_<assignment>.html, one each


def make_submissions(course: Path, assignment: str, language: str = SOURCE_LANGUAGE) -> list[str]:
    """The demo's students' notebooks, written where a student of that edition writes (its
    docstrings and comments kept): the reference's answers, the stubs, the planted bug."""
    release_nb = read(notebook(course, release_folder(language), assignment))
    source = read(notebook(course, "solutions", assignment))
    made = {"reference": filled_in_place(release_nb, source), "stubs": release_nb}
    if assignment.split("_")[0] in BUGS:
        made["buggy"] = filled_in_place(release_nb, source, bug=assignment.split("_")[0])
    for student, nb in made.items():
        write(nb, course / "submitted" / student / assignment / f"{assignment}.ipynb")
    return list(made)


def read_grades(db_url: str, names: list[str]) -> dict[tuple[str, str], tuple[float, float]]:
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


def run_demo(root: Path, workdir: Path, progress: bool = False, language: str = SOURCE_LANGUAGE) -> DemoResult:
    started = time.monotonic()
    # One set of job processes for every assignment, started first: they import the grader's
    # modules while this process copies the course and loads nbgrader.
    with job_pool(usable_cores()) as pool:
        course = copy_course(root, workdir)
        own_gradebook(course)
        names = assignments(course)
        grader = Nbgrader(course, language=language)
        early, report, class_reports, similar = {}, course / "grading_report.csv", [], []
        # Every assignment's jobs go to the pool as soon as it is released, so that its processes
        # grade while this one releases the next assignment and then runs nbgrader's passes.
        for assignment in release_each(course, grader, language=language):
            students = make_submissions(course, assignment, language)
            early[assignment] = students, start_jobs(course, assignment, students, pool, grader)
        for assignment in names:
            students, jobs = early[assignment]
            verdicts = autograde(course, assignment, students, grader=grader, pool=pool, progress=progress,
                                 started=jobs)
            for student in students:
                grader.generate_feedback(assignment, student)
            # Each assignment's rows and class report as soon as it is graded, while the job
            # processes still grade the next ones (the report keeps the rows already in it).
            write_report(verdicts, report)
            class_reports.append(write_class_report(course, assignment, report=report, db_url=grader.db_url,
                                                    language=language)[0])
            similar.append(write_similarity(course, assignment, report=report)[0])
    csv = grader.export_csv(course / "grades.csv")
    if not csv.is_file():
        raise CourseError(f"nbgrader export did not write {csv}")
    result = DemoResult(course, names, read_grades(grader.db_url, names),
                        sorted((course / "feedback").rglob("*.html")), csv, report)
    result.class_reports = class_reports
    result.similar = similar
    result.db_url = grader.db_url
    result.seconds = time.monotonic() - started
    result.index = write_index(result)
    return result


def _cell(score: tuple[float, float] | None) -> str:
    """A grade as the terminal table and index.html show it."""
    return f"{score[0]:g} / {score[1]:g}" if score else "-"


def format_table(result: DemoResult) -> str:
    width = max(len(a) for a in result.assignments) + 2
    lines = [f"{'student':<12}" + "".join(f"{a:>{width}}" for a in result.assignments)]
    for student in STUDENTS:
        cells = []
        for assignment in result.assignments:
            score = result.grades.get((student, assignment))
            cells.append(_cell(score))
        lines.append(f"{student:<12}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(lines)


_INDEX_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.grade { text-align: right; font-variant-numeric: tabular-nums; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _link(result: DemoResult, path: Path | None, text: str) -> str:
    """``<a>`` to ``path`` relative to the demo's folder (where index.html is), or the bare text
    where there is no such file."""
    if path is None or not Path(path).is_file():
        return _e(text)
    href = "/".join(quote(part, safe="") for part in Path(path).relative_to(result.workdir).parts)
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def _similar_link(result: DemoResult, page: Path | None) -> str:
    return f", {_link(result, page, 'similar submissions')}" if page else ""


def write_index(result: DemoResult) -> Path:
    """Write ``index.html`` in the demo's folder and return its path: one self-contained page (no
    script, no network) with the student x assignment grade table of :func:`format_table`, each
    grade linking to that submission's feedback page, and links to the CSV export, the grading
    report and each assignment's class report and page of similar submissions."""
    # <wbr>: a long assignment name may wrap after an underscore, so the table fits the page
    head = "<th>student</th>" + "".join(f"<th>{_e(a).replace('_', '_<wbr>')}</th>" for a in result.assignments)
    rows = []
    for student in STUDENTS:
        cells = []
        for assignment in result.assignments:
            page = result.workdir / "feedback" / student / assignment / f"{assignment}.html"
            grade = _link(result, page, _cell(result.grades.get((student, assignment))))
            cells.append(f'<td class="grade">{grade}</td>')
        rows.append(f"<tr><th>{_e(student)}</th>{''.join(cells)}</tr>")
    similar = {page.stem.removeprefix("similar_"): page for page in result.similar}
    reports = "".join(f"<li>{_link(result, page, page.stem.removeprefix('class_report_'))} "
                      f"({_link(result, page.with_suffix('.csv'), 'per-task CSV')}"
                      f"{_similar_link(result, similar.get(page.stem.removeprefix('class_report_')))})</li>\n"
                      for page in result.class_reports)
    text = (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>deepgrad demo</title>\n<style>{_INDEX_STYLE}</style>\n</head>\n<body>\n"
            f"<h1>deepgrad demo</h1>\n"
            f"<p>Three sample submissions per assignment (the reference answers, the untouched stubs, one "
            f"with a realistic bug), graded by <code>deepgrad autograde</code> and nbgrader in a copy of the "
            f"course. Each grade links to its feedback page.</p>\n"
            f"<h2>Grades</h2>\n<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + "\n</tbody>\n</table>\n<h2>Files</h2>\n<ul>\n"
            f"<li>{_link(result, result.csv, 'grades.csv')}: nbgrader's export of every grade</li>\n"
            f"<li>{_link(result, result.report, 'grading_report.csv')}: status and reason per submission "
            f"and task</li>\n</ul>\n<h2>Class reports</h2>\n<ul>\n{reports}</ul>\n"
            f"<p>Gradebook: <code>{_e(result.db_url)}</code>. Graded in {result.seconds:.0f} s.</p>\n"
            "</body>\n</html>\n")
    index = result.workdir / "index.html"
    index.write_text(text, encoding="utf-8")
    return index
