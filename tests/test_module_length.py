"""No Python module of the project is over MAX_LINES lines: a longer one is split by topic.

The modules are every .py file git knows of (tracked, or new and not ignored) that is still in
the work tree; outside a git checkout, every .py file below the course root outside hidden, build,
cache and virtualenv folders.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

MAX_LINES = 400
# Folders of files that are not the project's modules, for the walk without git (.gitignore's).
NOT_THE_PROJECTS = {"build", "dist", "site", "__pycache__", "node_modules"}


def _walked(root: Path) -> list[Path]:
    def skipped(folder: str) -> bool:
        return folder.startswith(".") or folder in NOT_THE_PROJECTS or folder.endswith(".egg-info")
    return sorted(p for p in root.rglob("*.py") if not any(map(skipped, p.relative_to(root).parts[:-1])))


def python_modules(root: Path) -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.py"],
                                cwd=root, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout
        return _walked(root)
    # A file deleted (or moved) in the work tree stays in git's index until the change is committed.
    return sorted({root / name for name in listed.decode().split("\0") if name and (root / name).is_file()})


def assert_short_enough(path: Path, root: Path = ROOT) -> None:
    lines = len(path.read_bytes().splitlines())
    assert lines <= MAX_LINES, (f"{path.relative_to(root)} has {lines} lines, over {MAX_LINES}: split it by "
                                "topic into modules of at most that many")


MODULES = python_modules(ROOT)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_module_is_at_most_max_lines(path):
    assert_short_enough(path)


def test_the_modules_are_found():
    """Does the list hold the project's modules, new ones too, and nothing of a virtualenv?"""
    names = {str(p.relative_to(ROOT)) for p in MODULES}
    assert {"autograder/registry.py", "tests/test_module_length.py", "tests/conftest.py"} <= names
    assert not [name for name in names if name.startswith((".venv", "build/")) or "/__pycache__/" in name]


def test_a_module_over_the_limit_fails_naming_it_and_its_length(tmp_path):
    """Planted bug: a module of MAX_LINES + 1 lines fails, with its path and length; one of
    MAX_LINES lines passes."""
    (tmp_path / "pkg").mkdir()
    long = tmp_path / "pkg" / "long.py"
    long.write_text("x = 1\n" * (MAX_LINES + 1))
    with pytest.raises(AssertionError, match=rf"^pkg/long\.py has {MAX_LINES + 1} lines, over {MAX_LINES}: "):
        assert_short_enough(long, tmp_path)
    at_the_limit = tmp_path / "pkg" / "at_the_limit.py"
    at_the_limit.write_text("x = 1\n" * MAX_LINES)
    assert_short_enough(at_the_limit, tmp_path)


def test_without_git_the_walk_skips_what_is_not_the_projects(tmp_path, monkeypatch):
    """Where git cannot be asked, are the modules found by a walk that leaves out virtualenvs,
    builds, caches and egg-info?"""
    for name in ("a.py", "pkg/b.py", ".venv/lib/c.py", "build/lib/d.py", "pkg/__pycache__/e.py",
                 "x.egg-info/f.py", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")
    monkeypatch.setattr(subprocess, "run", no_git)
    assert python_modules(tmp_path) == [tmp_path / "a.py", tmp_path / "pkg" / "b.py"]
