"""Finding the notebook of each assignment in a submission: a folder, or one notebook."""
from __future__ import annotations

from pathlib import Path

from .messages import say
from .notebook import assignment_of


class SubmissionError(Exception):
    """The submission path cannot be used; the message says why."""


def find_notebooks(target: Path) -> dict[str, Path]:
    """Map assignment ('a01') to its notebook under ``target`` (a folder or an .ipynb file)."""
    target = Path(target)
    if not target.exists():
        raise SubmissionError(say("--submission {target}: no such file or folder", target=target))
    if target.is_file():
        assignment = assignment_of(target)
        if target.suffix != ".ipynb" or assignment is None:
            raise SubmissionError(say("--submission {target}: expected a notebook named like "
                                      "a01_gradient_descent.ipynb, or a folder of them", target=target))
        return {assignment: target}
    found: dict[str, Path] = {}
    for path in sorted(target.rglob("a[0-9][0-9]_*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        found.setdefault(assignment_of(path), path)
    return found
