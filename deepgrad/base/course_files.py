"""The course folder: where it is, its assignments, its notebooks, and copying it."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from .errors import CourseError

# The checkout (or installed tree) deepgrad/ sits in; in a checkout it holds the course too.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_ASSIGNMENT_DIR = re.compile(r"^a\d\d_\w+$")
COURSE_FILES = ("solutions", "source_data", "translations", "nbgrader_config.py")


def usable_cores() -> int:
    """The cores this process may run on (``deepgrad autograde --jobs``' default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def find_root(start: Path | None = None) -> Path:
    """The course folder: ``start`` (default: the current folder) or the installed checkout."""
    for candidate in (Path(start or Path.cwd()).resolve(), PACKAGE_ROOT):
        if (candidate / "nbgrader_config.py").is_file() and (candidate / "solutions").is_dir():
            return candidate
    raise CourseError("no course found: run this from the deepgrad course folder (the one with "
                      "nbgrader_config.py and solutions/), after `pip install -e .` there")


def assignments(root: Path) -> list[str]:
    names = sorted(p.name for p in (root / "solutions").iterdir()
                   if p.is_dir() and _ASSIGNMENT_DIR.match(p.name))
    if not names:
        raise CourseError(f"{root / 'solutions'} holds no assignment folder (a01_..., a02_...)")
    return names


def notebook(root: Path, folder: str, assignment: str) -> Path:
    return root / folder / assignment / f"{assignment}.ipynb"


def copy_course(root: Path, dest: Path) -> Path:
    """Copy what nbgrader needs to grade (never grading outputs) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = root / name
        if not src.exists():
            raise CourseError(f"{src} is missing from the course")
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    return dest
