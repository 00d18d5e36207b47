"""Does grading warn, with the command that fixes it, when other users could read the course?"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from deepgrad.base.permissions import readable_by_others, warning


@pytest.fixture
def open_course():
    """A course folder every user can enter (directly under /tmp, so each folder above is
    searchable by others), with world-readable solutions and gradebook."""
    root = Path(tempfile.mkdtemp(prefix="deepgrad-perm-", dir="/tmp"))
    try:
        root.chmod(0o755)
        (root / "solutions").mkdir(mode=0o755)
        (root / "gradebook.db").write_text("")
        (root / "gradebook.db").chmod(0o644)
        (root / "notes.txt").write_text("public")
        yield root
    finally:
        shutil.rmtree(root)


def test_an_open_course_is_named_with_the_fix(open_course):
    assert readable_by_others(open_course) == [open_course / "solutions", open_course / "gradebook.db"]
    said = warning(open_course)
    assert "solutions/, gradebook.db" in said and f"chmod o-rwx {open_course}" in said


def test_the_fix_it_names_is_enough(open_course):
    open_course.chmod(0o750)  # what the warning says to run
    assert readable_by_others(open_course) == [] and warning(open_course) == ""


def test_a_private_file_in_an_open_folder_is_not_named(open_course):
    (open_course / "gradebook.db").chmod(0o600)
    assert readable_by_others(open_course) == [open_course / "solutions"]
