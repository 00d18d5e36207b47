"""Who else on the machine can read the course's private files?

On a shared server students have accounts of their own. The course folder holds the solutions, the
submissions, the gradebook and the secret behind every hidden input: none of it may be readable by
other users. nbgrader's exchange is outside the course (``nbgrader_config.py``), so nobody but the
instructor needs to enter the course folder at all.
"""
from __future__ import annotations

import stat
from pathlib import Path

PRIVATE = ("solutions", "submitted", "autograded", "feedback", "gradebook.db", ".deepgrad-secret",
           "nbgrader_config.py")


def _reachable_by_others(path: Path) -> bool:
    """Can a user who is neither the owner nor in the group get to ``path`` (every folder above it
    searchable by others) and read it?"""
    try:
        if not path.stat().st_mode & stat.S_IROTH:
            return False
        return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.resolve().parents)
    except OSError:
        return False


def readable_by_others(root: Path) -> list[Path]:
    """The course's private files and folders that other users of the machine can read."""
    root = Path(root)
    return [root / name for name in PRIVATE if (root / name).exists() and _reachable_by_others(root / name)]


def warning(root: Path) -> str:
    """What to tell the instructor, or "" when nothing is exposed."""
    exposed = readable_by_others(root)
    if not exposed:
        return ""
    names = ", ".join(p.name + ("/" if p.is_dir() else "") for p in exposed)
    return (f"warning: other users of this machine can read {names} in {root}. On a server students "
            f"use too, close the course folder to them (the exchange is outside it): chmod o-rwx {root}")
