"""Is README.md true as written? Each of its commands is run, here or by a named test; every other
block is listed as not run, with the reason; the student self-check lines run in a copy of the
course; every repository path, link and name of the code it gives exists; the Quickstart's times
agree with the rest of the project.

The rule for code blocks and the helpers that check it live in tests/doc_rules.py, with which
tests/test_docs.py holds the documentation site (docs/) to the same rule."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, ROOT
from deepgrad.base.course_files import copy_course
from doc_rules import NOT_IN_THE_REPO, Block, blocks, command, missing_paths, named_paths, unaccounted, undefined_names

README = ROOT / "README.md"
# The pages of the documentation site (tests/test_docs.py), which keep the same rules.
DOC_PAGES = sorted((ROOT / "docs").rglob("*.md"))


BLOCKS_NOW = blocks(README.read_text(encoding="utf-8"))

# Every fenced block of README.md, by its marker comment (`<!-- walkthrough: ... -->` just above
# it) or else its first command, with its fingerprint and how it is checked.
BLOCKS = {
    "pip install -e . && deepgrad demo": (
        "a7e5cbbb",
        "run by tests/test_grading.py::test_demo_writes_feedback_csv_and_table",  # the demo's grading
        "run by tests/test_grading.py::test_demo_without_keep_names_its_temporary_folder",  # its command
        "run by .ci/run: its second line as it stands, after installing the course the same way "
        "(test_quickstart_is_what_ci_runs)"),
    "pytest autograder": ("e0a743f5", "run by tests/test_readme.py::test_self_check_line_does_what_the_readme_says"),
    "solutions/<assignment>/<assignment>.ipynb": (
        "3afc1668", "not run: the course layout, a listing (test_every_path_named_exists checks its paths)"),
    "walkthrough": (
        "575a4f6a",
        "run by tests/test_walkthrough.py::test_the_walkthrough_takes_a_submission_from_release_to_export"),
    "deepgrad similar a01_gradient_descent": (
        "10234e56", "run by tests/test_similar.py::test_a_class_graded_by_nbgraders_own_autograde"),
}


def test_every_code_block_is_accounted_for():
    problems = unaccounted(BLOCKS_NOW, BLOCKS)
    assert not problems, "\n".join(problems)


def block(key: str) -> Block:
    return next(b for b in BLOCKS_NOW if b.key == key)


# --- the Quickstart ------------------------------------------------------------------------------

def test_quickstart_is_what_ci_runs():
    """The Quickstart's test line is .ci/run's own command, and CI installs the course the same way."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    install, tests = (command(line) for line in block("pip install -e . && deepgrad demo").lines)
    assert tests in (line.strip() for line in ci), tests
    assert install.startswith("pip install -e . && ") and install.endswith("deepgrad demo")


def test_quickstart_says_how_long_each_command_takes_on_two_cores():
    text = README.read_text(encoding="utf-8")
    said = [re.search(r"\(about ([\d.]+ minutes?) on 2 cores\)$", line) for line in
            block("pip install -e . && deepgrad demo").lines]
    assert all(said), "each Quickstart line ends with (about N minutes on 2 cores)"
    demo, suite = (m.group(1) for m in said)
    # the same times the rest of the README and the demo's own first line give
    assert f"This takes about {demo} on 2 cores" in text
    cli = ROOT / "deepgrad" / "commands" / "cli.py"
    assert f"(about {demo} on 2 cores)" in cli.read_text(encoding="utf-8")
    assert f"`pytest` runs `tests/` (about {suite} on 2 cores)" in text
    # and no page of the documentation gives another
    for page in DOC_PAGES:
        times = set(re.findall(r"about ([\d.]+ minutes?) on 2 cores", page.read_text(encoding="utf-8")))
        assert times <= {demo, suite}, (page.name, times)


# --- the student self-check, run line by line in a copy of the course ----------------------------

SELF_CHECK = [command(line) for line in block("pytest autograder").lines]


def student_course(dest: Path) -> Path:
    """A copy of the course as a student has it: the release, the self-check and the toolkit."""
    course = copy_course(ROOT, dest)
    for folder in ("assignments", "autograder", "dlkit"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return student_course(tmp_path_factory.mktemp("readme") / "course")


def _rows(output: str) -> list[tuple[str, str]]:
    """(assignment, task) of each row of the self-check's points table."""
    table = output.split("deepgrad self-check", 1)[1]
    return re.findall(r"^(a\d\d) +(\w+) +(?:\d|not )", table, re.M)


@pytest.mark.parametrize("line", SELF_CHECK)
def test_self_check_line_does_what_the_readme_says(course, line):
    from autograder.registry import CHECKS, TASKS, load_all

    load_all()
    argv = shlex.split(line)
    assert argv[:2] == ["pytest", "autograder"], line
    # PATH: "another folder of notebooks": the copy's reference answers
    argv = [sys.executable, "-m", *("solutions" if a == "PATH" else a for a in argv)]
    done = subprocess.run(argv, cwd=course, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    out = done.stdout
    rows = _rows(out)
    last = out.rstrip().splitlines()
    score = json.loads(last[-1])  # the run ends with one JSON score line ...
    n, total = score["public_checks_passed"], score["public_checks_total"]
    assert last[-2] == f"public checks: {n}/{total} passed; hidden checks run at grading", last[-2]
    options = tuple(argv[4:])
    if options == ():  # every assignment in assignments/: the release's stubs
        assert done.returncode == 1 and score["score"] == 0 == n and total == len(CHECKS)
        assert {a for a, _ in rows} == set(NOTEBOOKS)
        assert out.count("not implemented yet") >= total and "Traceback" not in out
    elif options == ("-m", "a02"):  # one assignment
        assert done.returncode == 1 and 0 < total < len(CHECKS)
        assert {t for a, t in rows} == {t.id.split(".")[1] for t in TASKS.values() if t.assignment == "a02"}
        assert {a for a, _ in rows} == {"a02"}
    elif options == ("-k", "sigmoid"):  # by name
        assert done.returncode == 1 and 0 < total < len(CHECKS)
        # each row's task (its own, or one carried into a later notebook) has a check -k matched: by the
        # task's name (a01.sigmoid) or by a check's (a09.unary_backward.sigmoid)
        assert rows and all(any("sigmoid" in c.id for c in CHECKS.values() if c.task.name == t)
                            for _, t in rows), rows
        assert ("a09", "unary_backward") in rows  # by the name of one of its checks alone
    elif options == ("--submission", "solutions"):  # another folder of notebooks: all passes
        assert done.returncode == 0, out[-3000:]
        assert score["score"] == score["max_score"] > 0 and n == total == len(CHECKS)
    else:
        pytest.fail(f"a self-check line this test does not know: {line!r}: say here what it should do")


def test_markers_the_readme_names_exist():
    """`-m a02`'s comment names markers: each is an assignment's or a task's."""
    from autograder.registry import TASKS, load_all

    load_all()
    markers = {t.assignment for t in TASKS.values()} | {t.id.replace(".", "_") for t in TASKS.values()}
    (line,) = [line for line in block("pytest autograder").lines if "(markers:" in line]
    named = re.findall(r"\ba\d\d\w*", line.split("(markers:")[1])
    assert len(named) >= 4 and set(named) <= markers, named


# --- other README commands that run in seconds -----------------------------------------------------

def test_deepgrad_help_gives_every_command_one_plain_line():
    """`deepgrad --help` lists every subcommand, each with a one-line plain-text description, and
    they are the commands the README's course layout names."""
    done = subprocess.run([str(Path(sys.executable).parent / "deepgrad"), "--help"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    commands = re.search(r"\{([\w,]+)\}", done.stdout).group(1).split(",")
    layout = re.search(r"the `deepgrad` command \(([\w, ]+)\)", README.read_text(encoding="utf-8")).group(1)
    assert sorted(commands) == sorted(layout.split(", "))
    lines = done.stdout.splitlines()
    for name in commands:
        (at,) = [i for i, line in enumerate(lines) if re.match(rf" {{4}}{name} +\S", line)]
        description = lines[at].split(name, 1)[1].strip()
        assert re.fullmatch(r"[a-z][\w ,()/.-]+", description), (name, description)
        assert not lines[at + 1].startswith(" " * 6), f"{name}: its description runs past one line"


def test_make_data_regenerates_the_data_exactly(tmp_path):
    """`python source_data/make_data.py` (the contributor's guide's command) regenerates every data
    set exactly."""
    shutil.copytree(ROOT / "source_data", tmp_path / "source_data", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "source_data/make_data.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    made = sorted(p.name for p in (tmp_path / "source_data").iterdir() if p.suffix != ".py")
    assert made and made == sorted(p.name for p in (ROOT / "source_data").iterdir() if p.suffix != ".py"
                                   and p.name != "__pycache__")
    for name in made:
        assert (tmp_path / "source_data" / name).read_bytes() == (ROOT / "source_data" / name).read_bytes(), name


def test_the_checks_the_readme_quotes_are_in_the_notebooks():
    """`check("a01.sigmoid")` and the hidden block's example, wherever the README or the
    documentation quotes them, are as a solutions notebook has them."""
    quoted = [q for page in (README, *DOC_PAGES) for q in re.findall(r"`(check\(\"a\d\d\..*?\))`", page.read_text(encoding="utf-8"))]
    sources = "\n".join("".join(cell["source"]) for nb in (ROOT / "solutions").glob("*/*.ipynb")
                        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"])
    assert quoted and all(q in sources for q in quoted), [q for q in quoted if q not in sources]


# --- every path and name it gives -------------------------------------------------------------------

def test_every_path_named_exists():
    missing = missing_paths(README.read_text(encoding="utf-8"))
    assert not missing, f"README.md names paths that are not in the repository: {missing}"


def test_no_path_is_excused_that_nothing_names():
    named = set().union(*(named_paths(page.read_text(encoding="utf-8")) for page in (README, *DOC_PAGES)))
    assert {"nbgrader_config.py", ".ci/run", "bench/README.md", "tests/test_walkthrough.py"} <= named
    stale = set(NOT_IN_THE_REPO) - named
    assert not stale, f"NOT_IN_THE_REPO lists paths neither the README nor docs/ names: {sorted(stale)}"


def test_every_name_of_the_code_it_gives_is_defined():
    text = README.read_text(encoding="utf-8")
    assert "deepgrad.commands.submissions.BUGS" in text
    assert not undefined_names(text), undefined_names(text)


def test_every_link_leads_somewhere():
    """The README's links into the repository (the documentation's pages) lead to files."""
    links = [target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", README.read_text(encoding="utf-8"))
             if "://" not in target]
    assert "docs/students.md" in links
    assert not [link for link in links if link and not (ROOT / link).exists()]
