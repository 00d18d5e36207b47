"""Reading the parts of a notebook that the self-check runs.

Only two kinds of code cell are loaded: the read-only *setup* cells (imports and constants the
answers rely on, nbgrader ``grade_id`` starting with ``setup``) and the *answer* cells that
nbgrader marks ``solution: true``. Training runs and plots live in other cells, so they never
run during a self-check.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

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
        return f"cell {self.index} ({self.grade_id})"


def assignment_of(path: Path) -> str | None:
    """``a01_gradient_descent.ipynb`` -> ``a01``; None for other names."""
    match = _ASSIGNMENT.match(Path(path).name)
    return match.group(1) if match else None


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _without_magics(source: str) -> str:
    # IPython-only lines (%matplotlib, !pip) are not Python; blank them and keep line numbers.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def read_cells(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"notebook not found: {path}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(
            f"{path} is not a readable notebook ({exc}). If you edited it outside Jupyter, "
            "restore it from your last checkpoint (File > Revert) or re-download the assignment."
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{path} has no list of cells; it is not a Jupyter notebook")
    return cells


def loadable_cells(path: Path) -> list[CodeCell]:
    """The setup and answer cells of the notebook at ``path``, in notebook order."""
    chosen = []
    for index, cell in enumerate(read_cells(path), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        grade_id = str(meta.get("grade_id", ""))
        if meta.get("solution") is True or (grade_id.startswith("setup") and not meta.get("grade")):
            chosen.append(CodeCell(index, grade_id, _without_magics(_source(cell))))
    return chosen


# Libraries that would do an exercise for the student (autodiff, ready-made layers and losses).
FORBIDDEN_MODULES = ("torch", "tensorflow", "keras", "jax", "autograd", "mxnet", "theano", "cupy",
                     "scipy", "sklearn", "numdifftools")
_FORBIDDEN = re.compile(r"\b(" + "|".join(FORBIDDEN_MODULES) + r")\b")


def forbidden_uses(path: Path) -> dict[str, str]:
    """Functions defined in answer cells that mention a forbidden library: {function: library}.

    Read as text, never run, so this is safe on any submission. A mention in a comment counts too:
    the message tells the student to remove it.
    """
    found = {}
    for cell in loadable_cells(path):
        if cell.grade_id.startswith("setup"):
            continue
        mention = _FORBIDDEN.search(cell.source)
        if mention:
            for name in re.findall(r"^\s*def\s+(\w+)\s*\(", cell.source, flags=re.M):
                found[name] = mention.group(1)
    return found
