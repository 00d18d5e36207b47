"""Does the grader copy each submitted notebook once, safely, and refuse what is not a notebook file?"""
from __future__ import annotations

import json
import os
import stat

import pytest

from deepgrad.base import snapshot
from deepgrad.base.snapshot import MAX_NOTEBOOK_BYTES, Snapshots, SnapshotError

A01 = "a01_gradient_descent"
NOTEBOOK = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1\n", "outputs": []}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
SHOWN = f"submitted/sam/{A01}/{A01}.ipynb"


@pytest.fixture
def course(tmp_path):
    (tmp_path / "submitted" / "sam" / A01).mkdir(parents=True)
    return tmp_path


def _path(course, student="sam"):
    return course / "submitted" / student / A01 / f"{A01}.ipynb"


def _refused(course) -> str:
    with Snapshots(course, A01) as snapshots, pytest.raises(SnapshotError) as refusal:
        snapshots.take("sam")
    return str(refusal.value)


def test_good_notebook_is_copied_byte_for_byte_into_a_private_folder(course):
    """Is a regular notebook copied unchanged, into a folder only the grader can enter, and is that
    copy what stays, whatever happens to submitted/ afterwards?"""
    _path(course).write_bytes(NOTEBOOK)
    with Snapshots(course, A01) as snapshots:
        copy = snapshots.take("sam")
        assert copy.read_bytes() == NOTEBOOK
        assert stat.S_IMODE(snapshots.folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        _path(course).write_text("{ replaced after the snapshot")
        assert copy.read_bytes() == NOTEBOOK
    assert not snapshots.folder.exists()


@pytest.mark.parametrize("where", ["notebook", "assignment folder", "student folder"])
def test_symbolic_link_anywhere_below_submitted_is_refused(course, tmp_path_factory, where):
    """Is a link refused (named, with what to do), be it the notebook or a folder on its path,
    even when it points at a perfectly good notebook?"""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / A01).mkdir()
    (elsewhere / A01 / f"{A01}.ipynb").write_bytes(NOTEBOOK)
    if where == "notebook":
        _path(course).symlink_to(elsewhere / A01 / f"{A01}.ipynb")
        shown = SHOWN
    elif where == "assignment folder":
        (course / "submitted" / "sam" / A01).rmdir()
        (course / "submitted" / "sam" / A01).symlink_to(elsewhere / A01)
        shown = f"submitted/sam/{A01}"
    else:
        (course / "submitted" / "sam" / A01).rmdir()
        (course / "submitted" / "sam").rmdir()
        (course / "submitted" / "sam").symlink_to(elsewhere)
        shown = "submitted/sam"
    assert _refused(course) == (f"{shown} is a symbolic link: submit the notebook file itself, in plain "
                                "folders, not a link")


def test_fifo_is_refused_without_blocking(course):
    """Is a named pipe refused at once (no writer ever comes), not read?"""
    os.mkfifo(_path(course))
    assert f"{SHOWN} is a FIFO (named pipe), not a notebook file" in _refused(course)


def test_device_is_refused(course):
    """Is a character device (here a copy of /dev/null) refused?"""
    try:
        os.mknod(_path(course), stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device needs CAP_MKNOD")
    assert f"{SHOWN} is a device, not a notebook file" in _refused(course)


def test_folder_in_place_of_the_notebook_is_refused(course):
    _path(course).mkdir()
    assert f"{SHOWN} is a folder, not a notebook file" in _refused(course)


def test_oversize_notebook_is_refused_unread(course):
    """Is a notebook over the cap refused, with its size and what to do, without reading it
    (a sparse file: nothing to read but its size)?"""
    with open(_path(course), "wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES + 1)
    message = _refused(course)
    assert f"{SHOWN} is 16.0 MiB, over the 16 MiB" in message and "clear its outputs" in message


@pytest.mark.parametrize("content, words", [
    (b"{ not json", "is not a readable notebook"),
    (b"\xff\xfe\x00garbage", "is not a readable notebook"),
    (b"[" * 100_000 + b"]" * 100_000, "is not a readable notebook (nested too deeply)"),
    (b'{"cells": [1' + b"1" * 5000 + b"]}", "is not a readable notebook"),   # an int JSON cannot hold
    (b"[1, 2, 3]", "has no list of cells"),
    (b'{"cells": {"0": {}}}', "has no list of cells"),
    (b'{"metadata": {}}', "has no list of cells"),
], ids=["not-json", "not-utf8", "too-deep", "huge-int", "a-list", "cells-not-a-list", "no-cells"])
def test_invalid_notebook_is_refused_with_its_name(course, content, words):
    """Is every file that is not a JSON object holding a list of cells refused, naming the file?"""
    _path(course).write_bytes(content)
    assert _refused(course).startswith(f"{SHOWN} {words}")


def test_missing_notebook_says_wrong_name(course):
    (course / "submitted" / "sam" / A01 / "a01_my_copy.ipynb").write_bytes(NOTEBOOK)
    assert _refused(course).startswith(f"no notebook at {SHOWN} (wrong name?")


@pytest.mark.parametrize("student", ["..", ".", "", "a/b"])
def test_student_name_must_be_a_plain_folder_name(course, student):
    """Can no --student value make the grader read outside submitted/?"""
    with Snapshots(course, A01) as snapshots, pytest.raises(SnapshotError, match="not a student's folder name"):
        snapshots.take(student)


def test_without_openat_a_link_is_still_refused(course, tmp_path_factory, monkeypatch):
    """Where the OS has no openat() (Windows), is a linked notebook still refused, a good one copied?"""
    monkeypatch.setattr(snapshot, "_DIR_FD", False)
    target = tmp_path_factory.mktemp("elsewhere") / "nb.ipynb"
    target.write_bytes(NOTEBOOK)
    _path(course).symlink_to(target)
    assert _refused(course).startswith(f"{SHOWN} is a symbolic link")
    _path(course).unlink()
    _path(course).write_bytes(NOTEBOOK)
    with Snapshots(course, A01) as snapshots:
        assert snapshots.take("sam").read_bytes() == NOTEBOOK
