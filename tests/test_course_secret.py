"""Are hidden-input seeds keyed by a course secret: reproducible with it, unpredictable without it?"""
from __future__ import annotations

import stat

import pytest

from conftest import ROOT
from deepgrad.base.errors import CourseError
from deepgrad.grading.verdict import SECRET_FILE, course_secret, submission_seed

A01 = "a01_gradient_descent"


def test_secret_is_made_once_private_and_reused(tmp_path):
    """Is the secret file made on first use (32 random bytes as hex, mode 0600), then read back
    unchanged on every later run?"""
    first = course_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert len(first) == 32 and path.read_text().strip() == first.hex()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.stat().st_mtime_ns
    assert course_secret(tmp_path) == first and path.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]  # no temporary file left behind


def test_each_course_gets_its_own_secret(tmp_path):
    """Does a course copy (as the tests and the demo make) get a secret of its own?"""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    assert course_secret(tmp_path / "one") != course_secret(tmp_path / "two")


def test_seed_depends_on_the_secret_and_is_reproducible_with_it():
    """Same student, assignment and secret: the same seed. Another secret (or student): another seed,
    so no one can work out a student's hidden inputs from the public code alone."""
    one, other = bytes(32), bytes(31) + b"\x01"
    assert submission_seed("sam", A01, one) == submission_seed("sam", A01, one)
    assert submission_seed("sam", A01, one) != submission_seed("sam", A01, other)
    assert submission_seed("sam", A01, one) != submission_seed("kim", A01, one)


def test_a_damaged_secret_is_a_clear_error(tmp_path):
    """Is a secret file that does not hold 64 hex digits refused, saying what to do, not replaced?"""
    (tmp_path / SECRET_FILE).write_text("not a secret\n")
    with pytest.raises(CourseError, match="does not hold a deepgrad secret.*Restore it"):
        course_secret(tmp_path)
    assert (tmp_path / SECRET_FILE).read_text() == "not a secret\n"


def test_secret_is_git_ignored():
    assert SECRET_FILE in (ROOT / ".gitignore").read_text().splitlines()
