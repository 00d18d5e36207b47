"""Does the instructor path work: nbgrader round trip, the demo, the student bundle, the leak scan?"""
from __future__ import annotations

import csv
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import NEEDS_CHROMIUM, NOTEBOOKS, ROOT, headless_chromium, processes_left_by_this_test_run
from deepgrad.commands.bundle import make_bundle
from deepgrad.commands.cli import main
from deepgrad.base.errors import CourseError
from deepgrad.base.course_files import find_root
from deepgrad.commands.demo import STUDENTS, DemoResult, format_table, run_demo, write_index
from deepgrad.base.leaks import STUDENT_FOLDERS, scan, secret_lines


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
    assert all(s in table for s in STUDENTS) and "16 / 16" in table


def test_grading_skips_exactly_the_tagged_cells_and_the_rest_runs_clean(demo):
    """nbgrader's run of the reference answers leaves out every cell the source tags
    skip-when-grading (each says so, in the autograded notebook and on the feedback page) and every
    test cell (each shows the verdict's result instead), and runs every other code cell without an
    error: nothing left running depends on a cell left out."""
    import nbformat

    from deepgrad.adapters.preprocessors import SKIP_WHEN_GRADING, SKIPPED_NOTE, is_test_cell

    for name in NOTEBOOKS.values():
        source = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
        tagged = {c.id for c in source.cells if SKIP_WHEN_GRADING in c.metadata.get("tags", [])}
        graded = nbformat.read(demo.workdir / "autograded" / "reference" / name / f"{name}.ipynb", as_version=4)
        code = [c for c in graded.cells if c.cell_type == "code"]
        assert tagged and tagged <= {c.id for c in code}, name
        for cell in code:
            texts = [o.get("text", "") for o in cell.outputs]
            if cell.id in tagged:
                assert cell.execution_count is None and texts == [SKIPPED_NOTE], (name, cell.id)
            elif is_test_cell(cell):
                assert cell.execution_count is None and texts and texts[0].startswith("✓ test_"), (name, cell.id)
            else:
                assert SKIPPED_NOTE not in texts and cell.execution_count is not None, (name, cell.id)
                assert not [o for o in cell.outputs if o.output_type == "error"], (name, cell.id)
        page = (demo.workdir / "feedback" / "reference" / name / f"{name}.html").read_text(encoding="utf-8")
        assert page.count("Not run when grading") == len(tagged), name


def test_demo_leaves_the_course_untouched(demo):
    """Is grading done in a copy, never in the instructor's course folder?"""
    assert demo.workdir != ROOT and not (ROOT / "submitted").exists()


class _Index(HTMLParser):
    """The hrefs of a page and the text of its table cells, row by row (a cell's text includes its link's)."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.rows, self.title = [], [], ""
        self._cell = self._in_title = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell.strip())
            self._cell = None
        self._in_title = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_title:
            self.title += data


def _parse(page: Path) -> _Index:
    parsed = _Index()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def test_demo_index_shows_the_grades_and_links_every_file(demo):
    """Does index.html hold the terminal table's grades and link every feedback page, the CSV, the
    grading report and each class report, all by relative links to files that exist?"""
    assert demo.index == demo.workdir / "index.html" and demo.index.is_file()
    page = _parse(demo.index)
    assert page.title == "deepgrad demo"
    header, *rows = page.rows
    assert header == ["student", *demo.assignments]
    table = {row[0]: dict(zip(demo.assignments, row[1:])) for row in rows}
    assert list(table) == list(STUDENTS)
    for (student, assignment), (score, most) in demo.grades.items():
        assert table[student][assignment] == f"{score:g} / {most:g}"
    assert all("://" not in href and not href.startswith("/") for href in page.hrefs)
    linked = {(demo.workdir / unquote(href)).resolve() for href in page.hrefs}
    assert all(path.is_file() for path in linked), sorted(p for p in linked if not p.is_file())
    wanted = {*demo.feedback, demo.csv, demo.report, *demo.class_reports}
    assert {p.resolve() for p in wanted} <= linked
    assert "<script" not in demo.index.read_text(encoding="utf-8")


@NEEDS_CHROMIUM
def test_demo_index_renders_in_chromium(demo):
    """Does Chromium show the table, and does a grade's link open that submission's feedback page?"""
    from selenium.webdriver.common.by import By

    with headless_chromium() as browser:
        browser.get(demo.index.as_uri())
        assert browser.title == "deepgrad demo"
        cells = browser.find_elements(By.CSS_SELECTOR, "td.grade a")
        assert len(cells) == len(demo.feedback) and all(c.is_displayed() for c in cells)
        first = cells[0].get_attribute("href")
        browser.get(first)
        assert "feedback" in first and browser.find_elements(By.TAG_NAME, "body")


def _fake_run_demo(root, workdir, progress=False, language="en"):
    """What run_demo returns, without grading: one assignment, one feedback page, an index."""
    workdir.mkdir(parents=True, exist_ok=True)
    a = "a01_<odd & name>"
    (workdir / "feedback" / "reference" / a).mkdir(parents=True)
    feedback = workdir / "feedback" / "reference" / a / f"{a}.html"
    feedback.write_text("<html></html>")
    for name in ("grades.csv", "grading_report.csv", f"class_report_{a}.html"):
        (workdir / name).write_text("x")
    result = DemoResult(workdir, [a], {("reference", a): (12.0, 12.0), ("stubs", a): (0.0, 12.0)}, [feedback],
                        workdir / "grades.csv", workdir / "grading_report.csv", 3.0, "sqlite:///g.db",
                        [workdir / f"class_report_{a}.html"])
    result.index = write_index(result)
    return result


@pytest.mark.parametrize("option", ["--keep", "--workdir"])
def test_demo_keep_grades_in_that_folder_and_ends_with_the_index(option, tmp_path, monkeypatch, capsys):
    """Does `deepgrad demo --keep DIR` (or its old name --workdir) grade in DIR and end with the table,
    the one index path, the time and where the course copy stays?"""
    monkeypatch.setattr("deepgrad.commands.demo.run_demo", _fake_run_demo)
    # No fork server (its imports cost 1.7 s of CPU a run): this fake grades nothing, and starting
    # and stopping the demo's server early is the test below's (it counts what is left running).
    monkeypatch.setattr("deepgrad.commands.cli.start_early", lambda: False)
    assert main(["demo", option, str(tmp_path / "kept")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    index = tmp_path / "kept" / "index.html"
    assert lines[-3] == f"open {index.as_uri()}  (grades, feedback pages, CSV, grading report, class reports)"
    assert lines[-2] == "done in 3 s"
    assert lines[-1] == f"the graded course copy stays in {tmp_path / 'kept'}"
    assert lines[-8].startswith("student") and "12 / 12" in lines[-7] and "0 / 12" in lines[-6] and not lines[-4]
    page = _parse(index)
    assert page.rows[0] == ["student", "a01_<odd & name>"]  # escaped in the page, plain text once parsed
    assert all((index.parent / unquote(href)).is_file() for href in page.hrefs)
    assert len(page.hrefs) == 4  # no link to the class report's CSV, which this fake did not write


def test_demo_without_keep_names_its_temporary_folder(tmp_path, monkeypatch, capsys):
    """Without --keep, does the demo say which temporary folder holds everything and that it may go?"""
    monkeypatch.setattr("deepgrad.commands.demo.run_demo", _fake_run_demo)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert main(["demo"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    folder = next(tmp_path.glob("deepgrad-demo-*"))
    assert (folder / "index.html").is_file()
    assert last.startswith(f"everything is in the temporary folder {folder}: delete it when done")
    assert not processes_left_by_this_test_run()  # the fork server it started early, with no pool to stop it


def test_demo_refuses_a_non_empty_workdir(tmp_path, capsys):
    """Does `deepgrad demo --keep` on a used folder answer with a message, not a traceback?"""
    (tmp_path / "something").write_text("x")
    assert main(["demo", "--keep", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_missing_course_is_a_clear_message(tmp_path, monkeypatch):
    """Outside a course, is the error a sentence that says what to do?"""
    monkeypatch.setattr("deepgrad.base.course_files.PACKAGE_ROOT", tmp_path)
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
    monkeypatch.setattr("deepgrad.commands.bundle.secret_lines", lambda _: {"x = 1  # a planted secret line!"})
    course = tmp_path / "course"
    for folder in STUDENT_FOLDERS:
        (course / folder).mkdir(parents=True)
    (course / "autograder" / "leak.py").write_text("x = 1  # a planted secret line!\n")
    with pytest.raises(CourseError, match="leak.py"):
        make_bundle(course, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_autograde_of_an_unknown_assignment_is_a_clear_message(capsys):
    """Does `deepgrad autograde` name a missing assignment instead of failing with a traceback?"""
    from deepgrad.commands.cli import COULD_NOT_START, MOST_BROKEN_SHOWN

    assert main(["autograde", "a99_nothing"]) == COULD_NOT_START > MOST_BROKEN_SHOWN
    assert "no source notebook" in capsys.readouterr().err


def test_terminal_reasons_are_shortened_at_a_word_boundary():
    """Does the terminal show a long reason cut between words, with "…" (the report keeps it whole)?"""
    from deepgrad.commands.cli import shortened

    long = " ".join(f"word{i}" for i in range(100))
    short = shortened(long)
    assert len(short) <= 160 and short.endswith(" …")
    assert long.startswith(short[:-2]) and long[len(short) - 2] == " "
    assert shortened("kept\nas  one line") == "kept as one line"


def test_help_lists_every_command_in_plain_words(capsys):
    from deepgrad.commands.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    said = capsys.readouterr().out
    assert all(name in said for name in ("demo", "autograde", "report", "release", "bundle"))
    assert "``" not in said
