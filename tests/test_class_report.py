"""`deepgrad report ASSIGNMENT`: the class report page and CSV, from a small hand-made course
(an nbgrader gradebook made through its API and a hand-written grading report; nothing graded)."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from conftest import NEEDS_CHROMIUM, headless_chromium
from deepgrad.commands.class_report import write_class_report
from deepgrad.commands.cli import main
from deepgrad.base.errors import CourseError
from deepgrad.grading.grading_report import REPORT_COLUMNS

A = "a01_gradient_descent"
HOSTILE = "<script>alert(1)"
HOSTILE_REASON = "a01.sigmoid.values could not be judged: <script>alert(2)</script> & more"
BROKEN_REASON = "no notebook at submitted/cat/a01_gradient_descent/a01.ipynb (wrong name?)"
SIGN = "hint: it is exactly −1 × the expected value: check the sign"
# student -> (test_sigmoid of 2 points, test_loss of 1 point), as the gradebook holds them
SCORES = {"ann": (2, 1), "bob": (0, 1), "cat": (0, 0), "dan": (2, 0), HOSTILE: (2, 1)}


def _gradebook(url: str, scores: dict[str, tuple[float, float]]) -> None:
    from nbgrader.api import Gradebook

    from deepgrad.adapters.gradebook import create_if_absent

    create_if_absent(url)  # made as deepgrad makes a course's (nbgrader's alembic subprocess: 3 s of CPU)
    with Gradebook(url) as gradebook:
        gradebook.add_assignment(A)
        gradebook.add_notebook(A, A)
        gradebook.add_grade_cell("test_sigmoid", A, A, max_score=2, cell_type="code")
        gradebook.add_grade_cell("test_loss", A, A, max_score=1, cell_type="code")
        for student, points in scores.items():
            gradebook.add_student(student)
            gradebook.update_or_create_submission(A, student)
            for task, score in zip(("test_sigmoid", "test_loss"), points):
                gradebook.find_grade(task, A, A, student).auto_score = score
        gradebook.db.commit()


def _report_rows() -> list[list]:
    def row(student, status, task="", score="", most="", reason=""):
        return [A, student, status, task, score, most, 1234, reason, "bubblewrap"]

    bob_sigmoid = " | ".join([
        f"a01.sigmoid.values: `sigmoid` returned [-0.73] for z=[1.0]; expected [0.73] (difference 1.5). {SIGN}",
        f"a01.sigmoid.values (hidden): `sigmoid` returned [-0.2] for z=[-1.4]; expected [0.2]. {SIGN}",
        "a01.sigmoid.extremes: `sigmoid` returned nan for z=[-1000.0]; expected 0.0"])
    dan_loss = ("a01.loss.values (hidden): `loss` returned 3.0 for y=[1, 0, 1]; expected 1.0. hint: it is exactly "
                "N = 3 (the number of samples) × the expected value: a sum where the mean belongs?")
    return [row("ann", "passed", "test_sigmoid", 2.0, 2.0), row("ann", "passed", "test_loss", 1.0, 1.0),
            row("bob", "failed", "test_sigmoid", 0.0, 2.0, bob_sigmoid), row("bob", "passed", "test_loss", 1.0, 1.0),
            row("cat", "broken", reason=BROKEN_REASON),
            row("dan", "passed", "test_sigmoid", 2.0, 2.0), row("dan", "failed", "test_loss", 0.0, 1.0, dan_loss),
            row(HOSTILE, "review", reason=HOSTILE_REASON),
            row(HOSTILE, "passed", "test_sigmoid", 2.0, 2.0), row(HOSTILE, "passed", "test_loss", 1.0, 1.0)]


def _write_report(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(REPORT_COLUMNS)
        out.writerows(rows)


@pytest.fixture(scope="module")
def gradebooks(tmp_path_factory) -> dict[str, Path]:
    """Gradebook files made once: with SCORES, and with the assignment but no submission."""
    folder = tmp_path_factory.mktemp("gradebooks")
    made = {"full": folder / "full.db", "empty": folder / "empty.db"}
    _gradebook("sqlite:///" + str(made["full"]), SCORES)
    _gradebook("sqlite:///" + str(made["empty"]), {})
    return made


@pytest.fixture
def course(tmp_path, monkeypatch, gradebooks):
    """A course folder `deepgrad report` can run in: configuration, gradebook, grading report, and
    a feedback page for ann only."""
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        "import os\nc = get_config()\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
        "c.CourseDirectory.root = HERE\n"
        "c.CourseDirectory.db_url = 'sqlite:///' + os.path.join(HERE, 'gradebook.db')\n", encoding="utf-8")
    shutil.copy(gradebooks["full"], root / "gradebook.db")
    _write_report(root / f"grading_report_{A}.csv", _report_rows())
    page = root / "feedback" / "ann" / A / f"{A}.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html>ann's feedback</html>", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def _section(page: str, heading: str) -> str:
    start = page.index(f"<h2>{heading}</h2>")
    return page[start:page.index("</section>", start)]


def test_the_page_holds_every_section_with_the_right_numbers(course):
    html_path, csv_path = write_class_report(course, A)
    assert html_path == course / f"class_report_{A}.html" and csv_path == course / f"class_report_{A}.csv"
    page = html_path.read_text(encoding="utf-8")

    scores = _section(page, "Scores")
    assert "5 submission(s) in the gradebook; mean 1.80, median 2, lowest 0, highest 3 (out of 3)" in scores
    assert re.search(r'<img alt="histogram[^"]*" src="data:image/png;base64,[A-Za-z0-9+/=]{200,}">', scores)

    tasks = _section(page, "Pass rate per task")
    assert "<tr><td>test_sigmoid</td><td>2</td><td>5</td><td>3</td><td>60 %</td><td>1.20</td></tr>" in tasks
    assert "<tr><td>test_loss</td><td>1</td><td>5</td><td>3</td><td>60 %</td><td>0.60</td></tr>" in tasks
    assert tasks.index("test_sigmoid") < tasks.index("test_loss")  # the notebook's order
    assert 'src="data:image/png;base64,' in tasks  # the bar chart

    checks = _section(page, "Pass rate per check")
    # test_sigmoid was judged for ann, bob, dan and the hostile id (cat's submission was broken)
    for check, inputs, task, failed, judged, rate in [
            ("a01.sigmoid.values", "public", "test_sigmoid", 1, 4, "75 %"),
            ("a01.sigmoid.values", "hidden", "test_sigmoid", 1, 4, "75 %"),
            ("a01.sigmoid.extremes", "public", "test_sigmoid", 1, 4, "75 %"),
            ("a01.loss.values", "hidden", "test_loss", 1, 4, "75 %")]:
        assert (f"<tr><td>{check}</td><td>{inputs}</td><td>{task}</td><td>{failed}</td><td>{judged}</td>"
                f"<td>{rate}</td></tr>") in checks
    assert "a01.loss.values</td><td>public" not in checks

    diagnoses = _section(page, "Diagnoses")
    assert "<tr><td>check the sign</td><td>2</td><td>1</td></tr>" in diagnoses
    assert "<tr><td>a sum where the mean belongs</td><td>1</td><td>1</td></tr>" in diagnoses
    assert diagnoses.index("check the sign") < diagnoses.index("a sum where the mean belongs")

    problems = _section(page, "Broken and review submissions")
    assert "<td>cat</td>" in problems and "broken" in problems and BROKEN_REASON in problems
    assert "review" in problems and "&lt;script&gt;alert(2)&lt;/script&gt; &amp; more" in problems
    assert problems.index("<td>cat</td>") < problems.index(">review<")  # broken ones first

    students = _section(page, "Students")
    assert f'<a href="feedback/ann/{A}/{A}.html">feedback</a>' in students
    assert students.count("<a href=") == 1  # only ann has a feedback page
    assert "<tr><td>cat</td><td>0 / 3</td><td>broken</td><td>no feedback page yet</td></tr>" in students

    with csv_path.open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["task", "max_points", "submissions", "passed", "pass_rate", "mean_score"],
            ["test_sigmoid", "2", "5", "3", "0.6000", "1.2000"],
            ["test_loss", "1", "5", "3", "0.6000", "0.6000"]]


def test_untrusted_text_is_escaped_and_nothing_is_loaded_from_anywhere(course):
    page = write_class_report(course, A)[0].read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]*)"', page))
    assert all(href.startswith("feedback/") for href in re.findall(r'href="([^"]*)"', page))


def test_a_feedback_link_is_made_only_where_the_file_exists(course):
    page = course / "feedback" / HOSTILE / A / f"{A}.html"
    page.parent.mkdir(parents=True)
    page.write_text("x", encoding="utf-8")
    html = write_class_report(course, A)[0].read_text(encoding="utf-8")
    quoted = f"feedback/%3Cscript%3Ealert%281%29/{A}/{A}.html"
    assert f'<a href="{quoted}">feedback</a>' in html
    assert _section(html, "Students").count("<a href=") == 2


def test_the_cli_prints_both_paths(course, capsys):
    assert main(["report", A]) == 0
    out = capsys.readouterr().out
    assert f"class report: {course / f'class_report_{A}.html'}" in out
    assert f"per-task CSV: {course / f'class_report_{A}.csv'}" in out
    assert (course / f"class_report_{A}.html").is_file() and (course / f"class_report_{A}.csv").is_file()


def test_a_missing_report_says_to_autograde_first(course, capsys):
    (course / f"grading_report_{A}.csv").unlink()
    assert main(["report", A]) == 2
    err = capsys.readouterr().err
    assert f"no grading report {course / f'grading_report_{A}.csv'}" in err
    assert f"run `deepgrad autograde {A}` first" in err
    assert not (course / f"class_report_{A}.html").exists()


def test_an_empty_gradebook_says_to_autograde_first(course, gradebooks):
    (course / "gradebook.db").unlink()
    with pytest.raises(CourseError, match=f"no gradebook at .*run `deepgrad autograde {A}` first"):
        write_class_report(course, A)
    assert not (course / "gradebook.db").exists()  # not made by asking
    shutil.copy(gradebooks["empty"], course / "gradebook.db")
    with pytest.raises(CourseError, match=f"holds no submission of {A}: run `deepgrad autograde {A}` first"):
        write_class_report(course, A)


def test_a_report_without_the_assignment_says_to_autograde_first(course):
    _write_report(course / f"grading_report_{A}.csv", [])
    with pytest.raises(CourseError, match=f"holds no row of {A}: run `deepgrad autograde {A}` first"):
        write_class_report(course, A)


def test_a_hint_cut_short_by_the_report_is_counted_as_such():
    from deepgrad.commands.class_report import CUT_HINT, _hint_kind

    assert _hint_kind(f"a01.sigmoid.values: returned [-0.73]; expected [0.73]. {SIGN}") == "check the sign"
    cut = ("a07.dropout.values: `dropout` returned " + "1.0, " * 120)[:486] + " hint: it is e"
    assert len(cut) == 500 and _hint_kind(cut) == CUT_HINT
    assert _hint_kind("a01.sigmoid.values: returned nan; expected 0.5") is None


@NEEDS_CHROMIUM
def test_every_section_is_displayed_in_chromium(course):
    from selenium.webdriver.common.by import By

    page = write_class_report(course, A)[0]
    with headless_chromium() as browser:
        browser.get(page.as_uri())
        headings = browser.find_elements(By.TAG_NAME, "h2")
        assert [h.text for h in headings] == ["Scores", "Pass rate per task", "Pass rate per check", "Diagnoses",
                                              "Broken and review submissions", "Students"]
        assert all(h.is_displayed() for h in headings)
        images = browser.find_elements(By.TAG_NAME, "img")
        assert len(images) == 2
        assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
                   for img in images)  # the embedded PNGs decode
        assert browser.find_element(By.CSS_SELECTOR, "#students a").text == "feedback"


def test_a_hint_said_in_chinese_counts_as_the_same_mistake():
    """A class may mix the editions: a 繁體中文 hint counts under the mistake's English name, and a
    message with no hint in either language counts under none."""
    from autograder.diagnose import SIGN, hint
    from autograder.messages import phrase, speaking
    from deepgrad.commands.class_report import _hint_kind

    with speaking("zh-TW"):
        said = "a01.sigmoid.values: `sigmoid` 回傳了錯誤的值" + hint("它正好是應有的值的 −1 倍：" + phrase(SIGN))
    assert "提示" in said and _hint_kind(" ".join(said.split())) == SIGN
    assert _hint_kind("a01.sigmoid.values: `sigmoid` 回傳了錯誤的值") is None


def test_the_page_speaks_the_language_asked_for(course):
    """`deepgrad report --lang zh-TW`: the page's own words in 繁體中文 (headings, tables, summary, the
    hints' names), its numbers and ids as in English; the CSV's columns, for programs, unchanged."""
    english = write_class_report(course, A)[0].read_text(encoding="utf-8")
    html_path, csv_path = write_class_report(course, A, language="zh-TW")
    page = html_path.read_text(encoding="utf-8")
    assert '<html lang="zh-TW">' in page and "<h2>各題通過率</h2>" in page and "<h2>Scores</h2>" not in page
    assert "成績簿中有 5 份作業；平均 1.80，中位數 2，最低 0，最高 3（滿分 3）。" in page
    assert "<tr><td>test_sigmoid</td><td>2</td><td>5</td><td>3</td><td>60 %</td><td>1.20</td></tr>" in page
    assert "請檢查正負號" in page and "check the sign" in english  # the hint's mistake, by its name in each
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == ",".join(
        ["task", "max_points", "submissions", "passed", "pass_rate", "mean_score"])
    assert main(["report", A, "--lang", "zh-TW"]) in (None, 0) and "全班報告" in html_path.read_text(encoding="utf-8")
