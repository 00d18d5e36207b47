"""``grades.csv`` (``nbgrader export``, the formgrader's export and the demo) written as a CSV that
no spreadsheet runs.

nbgrader's own CSV export joins its fields with commas as they are: a student id, a name or an
email is whatever a folder or an account was called, so ``=HYPERLINK(...)`` would be a live formula
and a comma in one would shift every column after it. This is nbgrader's exporter with the same
columns and rows, written through :mod:`csv` with each text field made inert
(:func:`deepgrad.base.safe_text.csv_cell`). ``nbgrader_config.py`` names it as ``c.ExportApp.plugin_class``.
"""
from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import CsvExportPlugin

from ..base.safe_text import csv_row

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
           "raw_score", "late_submission_penalty", "score", "max_score"]


def _blank(value):
    return "" if value is None else value


class SafeCsvExportPlugin(CsvExportPlugin):
    """nbgrader's ``CsvExportPlugin`` (its options: ``to``, ``assignment``, ``student``), each text
    field inert for spreadsheets and quoted as CSV."""

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "grades.csv"
        assignments, students = {str(a) for a in self.assignment}, {str(s) for s in self.student}
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")  # (nbgrader's own line ends)
            out.writerow(COLUMNS)
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    try:
                        submission = gradebook.find_submission(assignment.name, student.id)
                        timestamp, raw, penalty = (submission.timestamp, submission.score,
                                                   submission.late_submission_penalty)
                    except MissingEntry:  # nothing submitted: a score of zero, as nbgrader's own
                        timestamp, raw, penalty = None, 0.0, 0.0
                    score = max(0.0, raw - penalty)
                    row = [assignment.name, assignment.duedate, timestamp, student.id, student.last_name,
                           student.first_name, student.email, raw, penalty, score, assignment.max_score]
                    out.writerow(csv_row(str(_blank(v)) if not isinstance(v, (int, float)) else v for v in row))
