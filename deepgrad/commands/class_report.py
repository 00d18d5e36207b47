"""``deepgrad report ASSIGNMENT``: one self-contained HTML page on how the class did.

Read from the gradebook (the scores) and the grading report ``grading_report_ASSIGNMENT.csv``
(statuses, reasons and check messages): a score histogram, the pass rate per task and per check,
the hints that fired most, the broken and review submissions, and a link to each student's
feedback page. A CSV beside it holds the per-task numbers.

The page loads nothing from anywhere (its charts are embedded PNGs), and every piece of text in
it is escaped: student ids and reasons are untrusted.
"""
from __future__ import annotations

import base64
import html
import io
import re
import statistics
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from nbgrader.api import Gradebook, MissingEntry

from autograder.diagnose import KINDS
from autograder.terminal import escape_controls

from ..adapters.nbgrader_api import Nbgrader
from ..base.errors import CourseError
from ..base.safe_text import read_csv
from ..base.safe_text import write_csv as write_table
from ..grading.grading_report import REPORT_COLUMNS

# "a01.sigmoid.values: ..." or "a01.sigmoid.values (hidden): ..." (see deepgrad.grading.verdict._run_checks)
_CHECK = re.compile(r"^(?P<id>[A-Za-z]\w*(?:\.[\w\-\[\]]+)+)(?P<hidden> \(hidden\))?: (?P<rest>.*)$", re.S)
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
CUT_HINT = "a hint cut short in the grading report"


def _hint_kind(message: str) -> str | None:
    """The mistake a check message's hint names (one of autograder.diagnose.KINDS), if it has one."""
    _, said, hint = message.partition("hint:")
    if not said:
        return None
    if kind := next((kind for kind in KINDS if kind in hint), None):
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
            if not found or found["rest"].startswith("not judged:"):
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


def _png(figure) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram_png(scores: list[float], most: float) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.8))
    axes = figure.add_subplot()
    top = max(most, max(scores, default=0), 1)
    bins = min(20, max(1, int(round(top))))
    axes.hist(scores, bins=bins, range=(0, top), color="#4063a0", edgecolor="white")
    axes.set_xlabel(f"score (out of {most:g})")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def pass_rate_png(tasks: list[TaskStats]) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 0.6 + 0.32 * max(1, len(tasks))))
    axes = figure.add_subplot()
    names = [t.task for t in tasks][::-1]
    axes.barh(names, [100 * t.pass_rate for t in tasks][::-1], color="#3c8d5a")
    axes.set_xlim(0, 100)
    axes.set_xlabel("pass rate (%)")
    return _png(figure)


def _e(value) -> str:
    # Control characters shown as escapes too: a bidirectional override would reorder what is read.
    return html.escape(escape_controls(str(value)), quote=True)


def _pct(rate: float) -> str:
    return f"{100 * rate:.0f} %"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of already escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.reason { font-family: monospace; font-size: 90%; white-space: pre-wrap; word-break: break-word; }
.broken { color: #a00; } .review { color: #a60; }
"""


def render_html(report: ClassReport) -> str:
    a = report.assignment
    values = sorted(score for score, _ in report.scores.values())
    most = max((m for _, m in report.scores.values()), default=0.0)
    summary = (f"{len(values)} submission(s) in the gradebook; mean {statistics.fmean(values):.2f}, "
               f"median {statistics.median(values):g}, lowest {values[0]:g}, highest {values[-1]:g} "
               f"(out of {most:g}).")
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             f"<title>Class report: {_e(a)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
             f"<h1>Class report: {_e(a)}</h1>\n"
             "<p>From the gradebook (scores) and the grading report (statuses, reasons, check "
             "messages).</p>\n"]

    parts.append(f"<section id=\"scores\">\n<h2>Scores</h2>\n<p>{_e(summary)}</p>\n"
                 f"<img alt=\"histogram of the scores of {_e(a)}\" "
                 f"src=\"data:image/png;base64,{histogram_png(values, most)}\">\n</section>\n")

    task_rows = [[_e(t.task), f"{t.max_points:g}", str(t.submissions), str(t.passed), _pct(t.pass_rate),
                  f"{t.mean_score:.2f}"] for t in report.tasks]
    chart = (f"<img alt=\"pass rate per task\" src=\"data:image/png;base64,{pass_rate_png(report.tasks)}\">\n"
             if report.tasks else "")
    parts.append("<section id=\"tasks\">\n<h2>Pass rate per task</h2>\n<p>A task passes with its full "
                 "points.</p>\n" + _table(["task", "points", "submissions", "passed", "pass rate",
                                           "mean score"], task_rows) + "\n" + chart + "</section>\n")

    if report.checks:
        check_rows = [[_e(c.check), "hidden" if c.hidden else "public", _e(c.task), str(c.failed),
                       str(c.judged), _pct(c.pass_rate)] for c in report.checks]
        checks = _table(["check", "inputs", "task", "failed", "judged", "pass rate"], check_rows)
    else:
        checks = "<p>No check failed.</p>"
    parts.append("<section id=\"checks\">\n<h2>Pass rate per check</h2>\n<p>Checks that failed at least "
                 "once, by the grading report's messages (a check not listed passed for every submission "
                 "whose task was judged). Public and hidden inputs are counted apart.</p>\n"
                 + checks + "\n</section>\n")

    if report.hints:
        hints = _table(["hint: the likely mistake", "failed checks", "students"],
                       [[_e(kind), str(n), str(who)] for kind, n, who in report.hints])
    else:
        hints = "<p>No hint fired.</p>"
    parts.append("<section id=\"diagnoses\">\n<h2>Diagnoses</h2>\n<p>The hints that named a known mistake "
                 "in a wrong value, most frequent first.</p>\n" + hints + "\n</section>\n")

    if report.problems:
        problems = _table(["student", "status", "reason"],
                          [[_e(s), f"<span class=\"{_e(status)}\">{_e(status)}</span>",
                            f"<span class=\"reason\">{_e(reason)}</span>"]
                           for s, status, reason in report.problems])
    else:
        problems = "<p>None: every submission was graded.</p>"
    parts.append("<section id=\"problems\">\n<h2>Broken and review submissions</h2>\n" + problems
                 + "\n</section>\n")

    student_rows = []
    for student in sorted(set(report.scores) | set(report.statuses)):
        score = report.scores.get(student)
        link = report.feedback.get(student)
        student_rows.append([_e(student), f"{score[0]:g} / {score[1]:g}" if score else "-",
                             _e(report.statuses.get(student, "-")),
                             f"<a href=\"{_e(link)}\">feedback</a>" if link else "no feedback page yet"])
    parts.append("<section id=\"students\">\n<h2>Students</h2>\n"
                 + _table(["student", "score", "status", "feedback"], student_rows) + "\n</section>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def write_csv(report: ClassReport, path: Path) -> Path:
    """The per-task numbers; text cells made safe for a spreadsheet like every CSV of deepgrad's."""
    write_table(path, CSV_COLUMNS, ([t.task, f"{t.max_points:g}", t.submissions, t.passed, f"{t.pass_rate:.4f}",
                                     f"{t.mean_score:.4f}"] for t in report.tasks))
    return path


def write_class_report(root: Path, assignment: str, report: Path | None = None,
                       db_url: str | None = None) -> tuple[Path, Path]:
    """Write ``class_report_ASSIGNMENT.html`` and ``.csv`` in ``root``; their paths.

    ``report``: the grading report (default ``grading_report_ASSIGNMENT.csv`` in ``root``);
    ``db_url``: the gradebook (default: the one the course's nbgrader configuration names)."""
    root = Path(root)
    gathered = gather(root, assignment, report, db_url)
    page = root / f"class_report_{assignment}.html"
    page.write_text(render_html(gathered), encoding="utf-8")
    return page, write_csv(gathered, root / f"class_report_{assignment}.csv")
