"""Student-controlled text written to a CSV file or printed on the instructor's terminal.

A student chooses their folder's name (the student id), and their code chooses what its exceptions
say, so a report's reason can be ``=HYPERLINK("http://…", "click")``: a spreadsheet opening the
CSV would run it as a formula (OWASP's "CSV injection"). Every text field the project writes to
a CSV goes through :func:`csv_cell`, which makes it a plain value the way defusedcsv does (a
single quote in front), and is cut to :data:`FIELD_CHARS`, well under the 131,072 characters
Python's csv reads by default; :func:`csv_value` undoes exactly what :func:`csv_cell` did, so a
report read back holds the ids and reasons as they were. Numbers are written as numbers.

On a terminal, an escape sequence in a student id or reason could clear the screen, rewrite lines
already printed or retitle the window: :func:`terminal_text` shows every control character as its
escape (``\\x1b``), keeps one line and cuts it to a width.
"""
from __future__ import annotations

import csv
import re
from contextlib import contextmanager

from autograder.bounded import bounded
from autograder.terminal import escape_controls

# One CSV field: a task's messages joined (each at most autograder.bounded.MESSAGE_CHARS) fit
# several times over, and Python's csv (131,072 by default) reads it without a raised limit.
FIELD_CHARS = 32_000
# What a spreadsheet reads as the start of a formula (OWASP): = + - @, and a tab or carriage
# return, also after leading whitespace. A leading quote is escaped too, so reading back is exact.
_FORMULA_START = tuple("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Reading a report written before fields were cut: as large as a notebook may be (16 MiB), so a
# field of an older version is read, never a crash (and cut when the report is written again).
READ_FIELD_CHARS = 64 * 2**20


def csv_cell(value):
    """``value`` as a CSV cell that no spreadsheet runs: numbers as they are; text cut to
    :data:`FIELD_CHARS`, with a single quote in front if it starts (after any
    whitespace) like a formula or with a quote; a number written as text stays as it is."""
    if isinstance(value, (int, float)) or value is None:
        return value
    text = bounded(str(value), FIELD_CHARS)
    if _NUMBER.fullmatch(text):
        return text
    if text.startswith("'") or text.lstrip(" \n\v\f").startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_value(text: str) -> str:
    """A cell as :func:`csv_cell` was given it (the quote it added removed)."""
    return text[1:] if text.startswith("'") else text


def csv_row(values) -> list:
    return [csv_cell(v) for v in values]


@contextmanager
def long_fields():
    """While inside, csv reads fields up to :data:`READ_FIELD_CHARS` (Python's limit is one for the
    whole process: it is put back on leaving)."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, READ_FIELD_CHARS))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def write_csv(path, header: list[str], rows) -> None:
    """``rows`` under ``header`` into ``path``, each cell through :func:`csv_cell`."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(map(csv_row, rows))


def read_csv(path) -> tuple[list[list[str]], int]:
    """The rows of a CSV file written by :func:`write_csv` (its header first), each cell as it was
    given (:func:`csv_value`), and how many rows could not be read. An over-long field of a report
    written before fields were cut is read (:func:`long_fields`); a row csv still refuses is
    skipped and counted, never the whole file."""
    rows, skipped = [], 0
    with open(path, newline="", encoding="utf-8", errors="replace") as handle, long_fields():
        reader = csv.reader(handle)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                skipped += 1
                continue
            rows.append(row if not rows else [csv_value(cell) for cell in row])
    return rows, skipped


# What a terminal line of deepgrad shows of a student id and of a reason.
ID_CHARS = 40
LINE_CHARS = 160


def terminal_text(text: str, width: int = LINE_CHARS) -> str:
    """One line of at most ``width`` characters, every control character shown as its escape, cut
    at a word boundary with "…" (the report holds the whole text)."""
    line = escape_controls(" ".join(str(text).split()))
    if len(line) <= width:
        return line
    return (line[:width - 1].rsplit(" ", 1)[0] if " " in line[:width - 1] else line[:width - 2]) + " …"
