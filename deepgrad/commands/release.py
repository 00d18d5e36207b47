"""Generating the student release (``assignments/``) from ``solutions/`` with nbgrader."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

from ..adapters.nbgrader_api import Nbgrader
from ..base.course_files import assignments


def generate_release(root: Path) -> list[Path]:
    """(Re)build ``root/assignments`` from ``root/solutions``; the notebooks written."""
    return [root / "assignments" / name / f"{name}.ipynb" for name in release_each(root)]


def release_each(root: Path, grader: Nbgrader | None = None) -> Iterator[str]:
    """(Re)build ``root/assignments`` one assignment at a time, yielding each name once it is
    released (its notebook written and its gradebook entries made)."""
    release = root / "assignments"
    if release.exists():
        shutil.rmtree(release)  # no stale assignment survives a rename
    grader = grader or Nbgrader(root)
    for name in assignments(root):
        grader.generate_assignment(name)
        yield name
