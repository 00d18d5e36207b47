"""``deepgrad report ASSIGNMENT``: one self-contained HTML page on how the class did.

Read from the gradebook (the scores) and the grading report ``grading_report_ASSIGNMENT.csv``
(statuses, reasons and check messages): a score histogram, the pass rate per task and per check,
the hints that fired most, the broken and review submissions, and a link to each student's
feedback page. A CSV beside it holds the per-task numbers.

The page loads nothing from anywhere (its charts are embedded PNGs), and every piece of text in
it is escaped: student ids and reasons are untrusted.
"""
from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from nbgrader.api import Gradebook, MissingEntry

from autograder.diagnose import HINT, KINDS
from autograder.messages import LANGUAGES, N_, SOURCE_LANGUAGE, speaking, translated

from ..adapters.nbgrader_api import Nbgrader
from ..base.errors import CourseError
from ..base.safe_text import read_csv
from ..base.safe_text import write_csv as write_table
from ..grading.grading_report import CHECK_MESSAGE as _CHECK
from ..grading.grading_report import REPORT_COLUMNS
from ..grading.verdict import NOT_JUDGED
from .class_report_page import render_html

CSV_COLUMNS = ["task", "max_points", "submissions", "passed", "pass_rate", "mean_score"]


@dataclass
class TaskStats:
    task: str
    max_points: float
    submissions: int = 0
    passed: int = 0
    total_score: float = 0.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else 0.0

    @property
    def mean_score(self) -> float:
        return self.total_score / self.submissions if self.submissions else 0.0


@dataclass
class CheckStats:
    check: str
    hidden: bool
    task: str
    failed: int       # submissions with this check failing
    judged: int       # submissions whose task was judged (passed or failed)

    @property
    def pass_rate(self) -> float:
        return 1 - self.failed / self.judged if self.judged else 0.0


@dataclass
class ClassReport:
    assignment: str
    scores: dict[str, tuple[float, float]]                   # student -> (score, max) from the gradebook
    tasks: list[TaskStats]
    checks: list[CheckStats]
    hints: list[tuple[str, int, int]]                        # (kind, failed checks, students)
    problems: list[tuple[str, str, str]]                     # (student, review|broken, reason)
    statuses: dict[str, str] = field(default_factory=dict)  # student -> graded|review|broken (report)
    feedback: dict[str, str] = field(default_factory=dict)  # student -> relative link, where it exists


def report_file(root: Path, assignment: str) -> Path:
    return Path(root) / f"grading_report_{assignment}.csv"


def _first_run(assignment: str) -> str:
    return f"run `deepgrad autograde {assignment}` first"


def read_report(path: Path, assignment: str) -> list[dict[str, str]]:
    """The grading report's rows of ``assignment``."""
    if not path.is_file():
        raise CourseError(f"no grading report {path}: {_first_run(assignment)}")
    # Read as written (deepgrad.base.safe_text: formula quotes undone, an over-long field of an older
    # report read, a row csv refuses left out and said) so no report stops the class report.
    table, skipped = read_csv(path)
    header = table[0] if table else None
    if header != REPORT_COLUMNS:
        raise CourseError(f"{path} is not a deepgrad grading report (its columns are not "
                          f"{', '.join(REPORT_COLUMNS)}): {_first_run(assignment)}")
    if skipped:
        warnings.warn(f"{path}: {skipped} row(s) could not be read; the class report leaves them out")
    rows = [dict(zip(header, row)) for row in table[1:] if len(row) == len(header)]
    rows = [row for row in rows if row["assignment"] == assignment]
    if not rows:
        raise CourseError(f"{path} holds no row of {assignment}: {_first_run(assignment)}")
    return rows


def read_gradebook(db_url: str, assignment: str) -> tuple[dict[str, tuple[float, float]],
                                                            dict[str, list[tuple[str, float, float]]]]:
    """Each student's (score, max score), and their (task, score, max score) grades."""
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        raise CourseError(f"no gradebook at {db_url.removeprefix('sqlite:///')}: {_first_run(assignment)}")
    scores, grades = {}, {}
    with Gradebook(db_url) as gradebook:
        try:
            submissions = list(gradebook.find_assignment(assignment).submissions)
        except MissingEntry:
            submissions = []
        for sub in submissions:
            scores[sub.student_id] = (float(sub.score or 0), float(sub.max_score or 0))
            try:
                notebook = gradebook.find_submission_notebook(assignment, assignment, sub.student_id)
            except MissingEntry:
                continue
            grades[sub.student_id] = [(g.name, float(g.score or 0), float(g.max_score or 0))
                                      for g in notebook.grades]
    if not scores:
        raise CourseError(f"the gradebook ({db_url}) holds no submission of {assignment}: "
                          f"{_first_run(assignment)}")
    return scores, grades


# Reports of older versions kept each message's first 500 characters; this one cuts a message's
# middle where it is made (autograder.bounded), so a hint is cut short only if the note is in it.
REPORT_MESSAGE_CHARS = 500
CUT_HINT = N_("a hint cut short in the grading report")


def _hint_kind(message: str) -> str | None:
    """The mistake a check message's hint names (one of autograder.diagnose.KINDS, by its English
    name whatever the language it was said in: a class may mix the editions), if it has one."""
    for lang in LANGUAGES:
        _, said, hint = message.partition(translated(HINT, lang).strip())
        if said:
            break
    else:
        return None
    if kind := next((kind for kind in KINDS if kind in hint or translated(kind, lang) in hint), None):
        return kind
    cut = len(message) == REPORT_MESSAGE_CHARS or "(cut: " in hint
    return CUT_HINT if cut else hint.strip()[:80] or None


def gather(root: Path, assignment: str, report: Path | None = None, db_url: str | None = None) -> ClassReport:
    root = Path(root)
    rows = read_report(report or report_file(root, assignment), assignment)
    if db_url is None:
        db_url = Nbgrader(root).db_url
    scores, grades = read_gradebook(db_url, assignment)

    order = list(dict.fromkeys(row["task"] for row in rows if row["task"]))
    stats: dict[str, TaskStats] = {}
    for student_grades in grades.values():
        for name, score, most in student_grades:
            task = stats.setdefault(name, TaskStats(name, most))
            task.max_points = max(task.max_points, most)
            task.submissions += 1
            task.passed += score >= most
            task.total_score += score
    tasks = sorted(stats.values(), key=lambda t: (order.index(t.task) if t.task in order else len(order), t.task))

    judged: Counter[str] = Counter()
    failed: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
    hint_checks: Counter[str] = Counter()
    hint_students: dict[str, set[str]] = defaultdict(set)
    statuses: dict[str, str] = {}
    problems = []
    for row in rows:
        student = row["student"]
        if not row["task"]:  # the submission's own row
            statuses[student] = row["status"]
            if row["status"] != "graded":
                problems.append((student, row["status"], row["reason"]))
            continue
        statuses.setdefault(student, "graded")
        if row["status"] not in ("passed", "failed"):
            continue
        judged[row["task"]] += 1
        for message in filter(str.strip, row["reason"].split(" | ")):  # as written: lengths tell cut ones
            found = _CHECK.match(message)
            if not found or found["rest"].startswith(f"{NOT_JUDGED}:"):
                continue
            failed[(row["task"], found["id"], bool(found["hidden"]))].add(student)
            if kind := _hint_kind(message):
                hint_checks[kind] += 1
                hint_students[kind].add(student)
    checks = [CheckStats(check, hidden, task, len(who), judged[task])
              for (task, check, hidden), who in failed.items()]
    checks.sort(key=lambda c: (c.pass_rate, c.check, c.hidden))
    hints = sorted(((kind, n, len(hint_students[kind])) for kind, n in hint_checks.items()),
                   key=lambda h: (-h[1], h[0]))
    problems.sort(key=lambda p: (p[1] != "broken", p[0]))

    feedback = {}
    for student in sorted(set(scores) | set(statuses)):
        page = root / "feedback" / student / assignment / f"{assignment}.html"
        try:
            inside = page.resolve().is_relative_to((root / "feedback").resolve())
        except (OSError, ValueError):
            inside = False
        if inside and page.is_file():
            feedback[student] = "/".join(quote(part, safe="") for part in
                                         ("feedback", student, assignment, f"{assignment}.html"))
    return ClassReport(assignment, scores, tasks, checks, hints, problems, statuses, feedback)


def write_csv(report: ClassReport, path: Path) -> Path:
    """The per-task numbers; text cells made safe for a spreadsheet like every CSV of deepgrad's."""
    write_table(path, CSV_COLUMNS, ([t.task, f"{t.max_points:g}", t.submissions, t.passed, f"{t.pass_rate:.4f}",
                                     f"{t.mean_score:.4f}"] for t in report.tasks))
    return path


def write_class_report(root: Path, assignment: str, report: Path | None = None,
                       db_url: str | None = None, language: str = SOURCE_LANGUAGE) -> tuple[Path, Path]:
    """Write ``class_report_ASSIGNMENT.html`` and ``.csv`` in ``root``; their paths.

    ``report``: the grading report (default ``grading_report_ASSIGNMENT.csv`` in ``root``);
    ``db_url``: the gradebook (default: the one the course's nbgrader configuration names);
    ``language``: the page's own words' (the CSV's columns are for programs: the same in every language)."""
    root = Path(root)
    gathered = gather(root, assignment, report, db_url)
    page = root / f"class_report_{assignment}.html"
    with speaking(language):
        page.write_text(render_html(gathered, language), encoding="utf-8")
    return page, write_csv(gathered, root / f"class_report_{assignment}.csv")
