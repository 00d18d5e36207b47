"""The grading report ``grading_report_ASSIGNMENT.csv``: a status and reason for every submission
and task (see :mod:`deepgrad.grading.verdict`), its text cells safe in a spreadsheet and cut to what
Python's csv reads (:mod:`deepgrad.base.safe_text`)."""
from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path

from autograder.bounded import bounded

from ..base.safe_text import FIELD_CHARS, read_csv, write_csv
from .verdict import SubmissionVerdict

REPORT_COLUMNS = ["assignment", "student", "status", "task", "score", "max_score", "hidden_seed", "reason",
                  "sandbox"]
# One message of a task's reason (they are joined by " | "): "a01.sigmoid.values: ..." or
# "a01.sigmoid.values (hidden): ...", as deepgrad.grading.verdict._run_checks writes them.
CHECK_MESSAGE = re.compile(r"^(?P<id>[A-Za-z]\w*(?:\.[\w\-\[\]]+)+)(?P<hidden> \(hidden\))?: (?P<rest>.*)$", re.S)


def report_rows(verdict: SubmissionVerdict) -> list[list]:
    """The submission's own row (no task: its status graded, review or broken, its total score
    and reason), then one row per task. Messages are kept each on one line, each cut where it was
    made (autograder.bounded) and the task's together to a CSV field's size (deepgrad.base.safe_text)."""
    v = verdict
    rows = [[v.assignment, v.student, v.status, "", v.score, sum(t.points for t in v.tasks), v.seed, v.reason,
             v.sandbox]]
    for t in v.tasks:
        rows.append([v.assignment, v.student, t.status, t.grade_id, t.score, t.points, v.seed,
                     bounded(" | ".join(" ".join(m.split()) for m in t.messages), FIELD_CHARS), v.sandbox])
    return rows


def write_report(verdicts: list[SubmissionVerdict], path: Path) -> Path:
    """A row per submission and one per task, each with a status and the reason: no silent zeros.

    Rows of other submissions that the file already holds are kept: grading some students
    (again) replaces only their rows. The file is replaced whole, never left half written. Every
    text cell is written so that no spreadsheet runs it as a formula (:mod:`deepgrad.base.safe_text`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    graded = {(v.assignment, v.student) for v in verdicts}
    kept = [row for row in _existing_rows(path) if (row[0], row[1]) not in graded]
    rows = kept + [row for v in verdicts for row in report_rows(v)]
    rows.sort(key=lambda row: (str(row[0]), str(row[1])))  # each submission's rows keep their order
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    write_csv(partial, REPORT_COLUMNS, rows)
    os.replace(partial, path)
    return path


def _existing_rows(path: Path) -> list[list[str]]:
    """The rows of an earlier report (written by this module; never by student code), if its
    columns are this version's, as they were before :func:`write_report` made them safe; an older
    or foreign file is kept beside as ``<name>.old``. A row csv cannot read is left out, said."""
    if not path.is_file():
        return []
    rows, skipped = read_csv(path)
    if skipped:
        warnings.warn(f"{path}: {skipped} row(s) could not be read and are left out of the new report "
                      f"(the old one is kept as {path.name}.unreadable)")
        shutil.copyfile(path, path.with_name(path.name + ".unreadable"))
    if rows and rows[0] == REPORT_COLUMNS:
        return [row for row in rows[1:] if len(row) == len(REPORT_COLUMNS)]
    os.replace(path, path.with_name(path.name + ".old"))
    return []
