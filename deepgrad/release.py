"""Generating the student release (``assignments/``) from ``solutions/`` with nbgrader."""
from __future__ import annotations

import shutil
from pathlib import Path

from .course import Nbgrader, assignments


def generate_release(root: Path) -> list[Path]:
    """(Re)build ``root/assignments`` from ``root/solutions``; the notebooks written."""
    release = root / "assignments"
    if release.exists():
        shutil.rmtree(release)  # no stale assignment survives a rename
    written = []
    grader = Nbgrader(root)
    for name in assignments(root):
        grader.generate_assignment(name)
        written.append(release / name / f"{name}.ipynb")
    return written
