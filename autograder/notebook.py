"""Reading the parts of a notebook that the self-check runs.

Only two kinds of code cell are loaded: the read-only *setup* cells (imports and constants the
answers rely on, nbgrader ``grade_id`` starting with ``setup``) and the *answer* cells that
nbgrader marks ``solution: true``. Training runs and plots live in other cells, so they never
run during a self-check.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .messages import SOURCE_LANGUAGE, language_of, say
from .uses import forbidden_functions

_ASSIGNMENT = re.compile(r"^(a\d\d)_")


class NotebookError(Exception):
    """The notebook cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class CodeCell:
    index: int          # position among all cells, 1-based, as Jupyter users count
    grade_id: str
    source: str

    @property
    def label(self) -> str:
        """"cell 3 (ans_sigmoid)", in the current language (in the worker: English, as its tracebacks name cells)."""
        return cell_label(self.index, self.grade_id)


def cell_label(index: int, grade_id: str) -> str:
    """A cell as messages name it: its position among all cells and its grade id."""
    return say("cell {index} ({grade_id})", index=index, grade_id=grade_id)


def assignment_of(path: Path) -> str | None:
    """``a01_gradient_descent.ipynb`` -> ``a01``; None for other names."""
    match = _ASSIGNMENT.match(Path(path).name)
    return match.group(1) if match else None


# A submission's notebook is whatever JSON the student (or their editor) wrote: cells that are not
# objects, metadata that is a list, a source that is a number. These accessors read any shape,
# answering "nothing here" for a part that is not shaped as nbformat says, so that no reader of a
# submission meets a TypeError or AttributeError on the way.
def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata; {} where there is none or it is not an object."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    found = meta.get("nbgrader") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def grade_id(cell) -> str | None:
    found = nbgrader_meta(cell).get("grade_id")
    return found if isinstance(found, str) else None


def cell_type(cell) -> str | None:
    found = cell.get("cell_type") if isinstance(cell, dict) else None
    return found if isinstance(found, str) else None


def cell_id(cell) -> str | None:
    found = cell.get("id") if isinstance(cell, dict) else None
    return found if isinstance(found, str) else None


def cell_source(cell, label: str | None = None) -> str:
    """The cell's code as one string (nbformat allows a string or a list of strings); anything
    else is a NotebookError, since running something other than what the student wrote is no answer."""
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, str):
        return src
    if isinstance(src, list) and all(isinstance(line, str) for line in src):
        return "".join(src)
    raise NotebookError(say("{cell} has a `source` that is a {type_name}, not text, so its code cannot be read. "
                            "Was the notebook edited outside Jupyter? Restore it from your last checkpoint "
                            "(File > Revert) or copy your answers into a fresh download.",
                            cell=say("a cell") if label is None else label, type_name=type(src).__name__))


def _without_magics(source: str) -> str:
    # IPython-only lines (%matplotlib, !pip) are not Python; blank them and keep line numbers.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def parse_notebook(data: bytes | str, shown: str) -> dict:
    """The notebook in ``data`` (a file's content; ``shown`` names it in messages), or a
    NotebookError: not UTF-8, not JSON (nested too deeply or numbers too long to parse count too),
    or not an object holding a list of cells."""
    try:
        nb = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        why = say("nested too deeply") if isinstance(exc, RecursionError) else str(exc)[:200]
        raise NotebookError(say(
            "{notebook} is not a readable notebook ({why}). If you edited it outside Jupyter, "
            "restore it from your last checkpoint (File > Revert) or re-download the assignment.",
            notebook=shown, why=why)) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(say("{notebook} has no list of cells; it is not a Jupyter notebook", notebook=shown))
    return nb


def read_cells(path: Path) -> list:
    """The notebook's cells, as stored: a list, each entry of any JSON type (see the accessors)."""
    path = Path(path)
    if not path.is_file():
        raise NotebookError(say("notebook not found: {path}", path=path))
    return parse_notebook(path.read_bytes(), str(path))["cells"]


def notebook_language(path: Path) -> str:
    """The language the notebook at ``path`` is in: its metadata's (``metadata.deepgrad.language``,
    which each edition's release writes), one of the course's languages; English where it names
    none, or none the course has (the metadata is the student's file's), or the file cannot be
    read (its checks say why)."""
    try:
        nb = parse_notebook(Path(path).read_bytes(), str(path))
    except (NotebookError, OSError):
        return SOURCE_LANGUAGE
    return language_of(nb.get("metadata"))


def loadable_cells(path: Path) -> list[CodeCell]:
    """The setup and answer cells of the notebook at ``path``, in notebook order."""
    chosen = []
    for index, cell in enumerate(read_cells(path), start=1):
        if cell_type(cell) != "code":
            continue
        meta = nbgrader_meta(cell)
        name = str(meta.get("grade_id", ""))
        if meta.get("solution") is True or (name.startswith("setup") and not meta.get("grade")):
            found = CodeCell(index, name, "")
            chosen.append(replace(found, source=_without_magics(cell_source(cell, found.label))))
    return chosen


# A test cell running an earlier assignment's public checks on a function pasted from it: a call of
# a task, with no inputs, as the notebooks' own cells write it: check("a03.affine_forward").
_EARLIER_CHECK = re.compile(r"""\bcheck\(\s*["'](a\d\d)\.(\w+)["']\s*\)""")


def carried_tasks(path: Path) -> list[str]:
    """The earlier assignments' tasks (``a03.affine_forward``) whose public checks the notebook's own
    ungraded test cells run: the functions *carried* into it, pasted from those assignments. The
    notebook is the one place that says what it carries; the self-check runs the same checks.
    Read as text, never run."""
    own = assignment_of(path)
    found: list[str] = []
    for cell in read_cells(path):
        if cell_type(cell) != "code" or nbgrader_meta(cell).get("grade") is True:
            continue
        try:
            source = cell_source(cell)
        except NotebookError:
            continue
        for assignment, name in _EARLIER_CHECK.findall(source):
            task_id = f"{assignment}.{name}"
            if own is not None and assignment < own and task_id not in found:
                found.append(task_id)
    return found


def forbidden_uses(path: Path) -> dict[str, str]:
    """Functions of the loaded cells that use a forbidden library: {function: library}.

    Every cell the worker loads is read, setup cells too (a student can add a cell whose grade id
    starts with "setup"; the course's own import only numpy, matplotlib and dlkit). Read as code,
    never run, in time linear in the notebook's size (:mod:`autograder.uses`): a mention in a
    comment, docstring or string is not a use."""
    return forbidden_functions([cell.source for cell in loadable_cells(path)])
