"""`deepgrad demo --lang zh-TW`: the 繁體中文 edition released, graded by nbgrader with deepgrad's
verdict, and given feedback, in a course of one assignment (a03, whose locked setup cell is
translated too)."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from conftest import NOTEBOOKS, ROOT
from deepgrad.base.course_files import copy_course
from deepgrad.base.translation_rules import CJK
from deepgrad.commands.cli import main
from deepgrad.commands.demo import run_demo

A03 = NOTEBOOKS["a03"]


@pytest.fixture(scope="module")
def demo_zh(tmp_path_factory):
    """A course with a03 alone, its demo run in 繁體中文."""
    root = copy_course(ROOT, tmp_path_factory.mktemp("one-assignment") / "course")
    for folder in (root / "solutions").iterdir():
        if folder.name != A03:
            shutil.rmtree(folder)
    return run_demo(root, tmp_path_factory.mktemp("demo-zh") / "course", language="zh-TW")


def test_the_chinese_edition_is_graded_like_the_english(demo_zh):
    """The reference full marks, the stubs nothing, the planted bug in between (the English demo's
    grades for a03, tests/test_grading.py::test_round_trip_grades)."""
    reference, stubs, buggy = (demo_zh.grades[(s, A03)] for s in ("reference", "stubs", "buggy"))
    assert reference[0] == reference[1] > 0 and stubs[0] == 0 and 0 < buggy[0] < buggy[1]


def test_the_submissions_keep_their_own_words_through_grading(demo_zh):
    """nbgrader's autograde kept the 繁體中文 setup cell (not replaced by the gradebook's copy as
    tampered with), and the feedback page shows the notebook's Chinese."""
    graded = nbformat.read(demo_zh.workdir / "autograded" / "reference" / A03 / f"{A03}.ipynb", as_version=4)
    released = nbformat.read(demo_zh.workdir / "assignments-zh-TW" / A03 / f"{A03}.ipynb", as_version=4)
    setup = [c.source for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"]
    assert setup == [c.source for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"]
    assert CJK.search(setup[0])
    page = (demo_zh.workdir / "feedback" / "reference" / A03 / f"{A03}.html").read_text(encoding="utf-8")
    assert "反向傳播" in page


def test_the_demo_command_takes_the_language():
    with pytest.raises(SystemExit):
        main(["demo", "--lang", "fr"])
