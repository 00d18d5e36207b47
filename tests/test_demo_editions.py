"""`deepgrad demo --lang zh-TW`: the 繁體中文 edition released, graded by nbgrader with deepgrad's
verdict, and given feedback, in a course of one assignment (a03, whose locked setup cell is
translated too)."""
from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from conftest import NOTEBOOKS, ROOT
from deepgrad.base.course_files import copy_course
from deepgrad.base.translation_rules import CJK
from deepgrad.commands.cli import main
from deepgrad.commands.demo import run_demo
from test_message_catalogues import english_left

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


def test_a_chinese_students_feedback_is_chinese_throughout(demo_zh):
    """The planted bug's feedback (its verdict's messages, hints included, and the page's own words)
    is said in 繁體中文, numbers, names and code as they are; the English demo's is English
    (tests/test_walkthrough.py reads it)."""
    graded = nbformat.read(demo_zh.workdir / "autograded" / "buggy" / A03 / f"{A03}.ipynb", as_version=4)
    said = [line for cell in graded.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"
            for line in [out.get("evalue", ""), *out.get("traceback", [])]]
    assert said and all(CJK.search(line) for line in said), said
    assert {line: english_left(line) for line in said if english_left(line)} == {}
    page = (demo_zh.workdir / "feedback" / "buggy" / A03 / f"{A03}.html").read_text(encoding="utf-8")
    assert "分數：" in page and "測試儲存格" in page and "(Score: " not in page and ">Test cell<" not in page
    assert "隱藏檢查已在評分時執行" in page


def test_the_demo_writes_the_page_of_similar_submissions(demo_zh):
    """`deepgrad similar`, run by the demo: the reference and the planted bug (the same answers but
    one line) are the one pair worth a look, and the untouched stubs, whose 繁體中文 docstrings and
    comments are the release's, are in none; the index links the page."""
    (page,) = demo_zh.similar
    assert page == demo_zh.workdir / f"similar_{A03}.html"
    pairs = re.findall(r"<h3>\d+\. (\S+) and (\S+): score (\d+)</h3>", page.read_text(encoding="utf-8"))
    assert [set(p[:2]) for p in pairs] == [{"reference", "buggy"}] and int(pairs[0][2]) >= 90
    assert f'href="similar_{A03}.html"' in demo_zh.index.read_text(encoding="utf-8")
