"""Does the instructor path work: nbgrader round trip, the demo, the student bundle, the leak scan?"""
from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from conftest import NOTEBOOKS, ROOT
from deepgrad.bundle import make_bundle
from deepgrad.cli import main
from deepgrad.course import CourseError, find_root
from deepgrad.demo import STUDENTS, format_table, run_demo
from deepgrad.leaks import STUDENT_FOLDERS, scan, secret_lines


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(ROOT, tmp_path_factory.mktemp("demo") / "course")


def test_round_trip_grades(demo):
    """Does nbgrader give the reference full marks, the stubs 0 and the buggy one partial credit?"""
    for name in NOTEBOOKS.values():
        ref, stubs, buggy = (demo.grades[(s, name)] for s in ("reference", "stubs", "buggy"))
        assert ref[0] == ref[1] > 0
        assert stubs[0] == 0
        assert 0 < buggy[0] < buggy[1]


def test_demo_writes_feedback_csv_and_table(demo):
    """Are there feedback pages for every submission, a CSV of all grades and a readable table?"""
    assert len(demo.feedback) == len(STUDENTS) * len(NOTEBOOKS)
    rows = list(csv.DictReader(demo.csv.open()))
    assert {(r["student_id"], r["assignment"]) for r in rows} == set(demo.grades)
    table = format_table(demo)
    assert all(s in table for s in STUDENTS) and "12 / 12" in table


def test_demo_leaves_the_course_untouched(demo):
    """Is grading done in a copy, never in the instructor's course folder?"""
    assert demo.workdir != ROOT and not (ROOT / "submitted").exists()


def test_demo_refuses_a_non_empty_workdir(tmp_path, capsys):
    """Does `deepgrad demo --workdir` on a used folder answer with a message, not a traceback?"""
    (tmp_path / "something").write_text("x")
    assert main(["demo", "--workdir", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_missing_course_is_a_clear_message(tmp_path, monkeypatch):
    """Outside a course, is the error a sentence that says what to do?"""
    monkeypatch.setattr("deepgrad.course.PACKAGE_ROOT", tmp_path)
    with pytest.raises(CourseError, match="no course found"):
        find_root(tmp_path)


def test_nothing_secret_reaches_students(root):
    """Is no solution or hidden-test line present in assignments/, autograder/ or source_data/?"""
    secret = secret_lines(root / "solutions")
    assert len(secret) > 50  # the scan has something to look for
    assert scan(root, secret) == []


def test_leak_scan_catches_a_planted_leak(root, tmp_path):
    """Would one reference line copied into the autograder be caught?"""
    secret = secret_lines(root / "solutions")
    line = sorted(secret)[0]
    (tmp_path / "autograder").mkdir()
    (tmp_path / "autograder" / "helpers.py").write_text(f"x = 1\n    {line}\n")
    hits = scan(tmp_path, secret)
    assert hits and line in hits[0]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return make_bundle(ROOT, tmp_path_factory.mktemp("bundle") / "deepgrad-student")


def test_bundle_has_the_student_files_only(bundle):
    """Does the bundle hold the release, the self-check, the data, a README and a pyproject -- no solutions?"""
    assert sorted(p.name for p in bundle.iterdir()) == sorted([*STUDENT_FOLDERS, "README.md", "pyproject.toml"])
    assert not list(bundle.rglob("*solution*")) and not (bundle / "solutions").exists()
    assert scan(bundle, secret_lines(ROOT / "solutions")) == []


def test_bundle_self_check_runs(bundle):
    """Can a student run `pytest autograder` in the unpacked bundle right away?"""
    done = subprocess.run([sys.executable, "-m", "pytest", "autograder", "-q"], cwd=bundle,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "not implemented yet" in done.stdout and "hidden checks run at grading" in done.stdout
    assert str(ROOT) not in done.stdout  # it checked the bundle's own notebooks


def test_bundle_refuses_a_non_empty_folder(tmp_path):
    """Does bundling into a used folder stop with a message instead of mixing files?"""
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CourseError, match="not empty"):
        make_bundle(ROOT, tmp_path)


def test_bundle_with_a_leak_is_removed(tmp_path, monkeypatch):
    """If a secret line would ship, is the bundle deleted and the leak named?"""
    monkeypatch.setattr("deepgrad.bundle.secret_lines", lambda _: {"x = 1  # a planted secret line!"})
    course = tmp_path / "course"
    for folder in STUDENT_FOLDERS:
        (course / folder).mkdir(parents=True)
    (course / "autograder" / "leak.py").write_text("x = 1  # a planted secret line!\n")
    with pytest.raises(CourseError, match="leak.py"):
        make_bundle(course, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_autograde_of_an_unknown_assignment_is_a_clear_message(capsys):
    """Does `deepgrad autograde` name a missing assignment instead of failing with a traceback?"""
    from deepgrad.cli import COULD_NOT_START, MOST_BROKEN_SHOWN

    assert main(["autograde", "a99_nothing"]) == COULD_NOT_START > MOST_BROKEN_SHOWN
    assert "no source notebook" in capsys.readouterr().err


def test_terminal_reasons_are_shortened_at_a_word_boundary():
    """Does the terminal show a long reason cut between words, with "…" (the report keeps it whole)?"""
    from deepgrad.cli import shortened

    long = " ".join(f"word{i}" for i in range(100))
    short = shortened(long)
    assert len(short) <= 160 and short.endswith(" …")
    assert long.startswith(short[:-2]) and long[len(short) - 2] == " "
    assert shortened("kept\nas  one line") == "kept as one line"


def test_help_lists_every_command_in_plain_words(capsys):
    from deepgrad.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    said = capsys.readouterr().out
    assert all(name in said for name in ("demo", "autograde", "report", "release", "bundle"))
    assert "``" not in said
