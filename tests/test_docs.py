"""Is the documentation site (docs/, mkdocs.yml) true, and does it build?

It builds with `mkdocs build --strict` (every warning an error: a page left out of the navigation,
a link to a missing page or anchor) and loads nothing from anywhere. Its pages keep the README's
rule for code blocks (tests/doc_rules.py, where the rule and its helpers live):

- a block fenced `bash` or `console` is a command a reader runs, and a test runs it: one here, or
  a named test elsewhere. A command no test can run (a server to start, a cluster) is shown in a
  block of another language, `text` or `python`, registered with the reason it is not run;
- each block is registered below with a fingerprint of its text, so a changed block is looked at
  again; a block the README has too, character for character, is accounted for by the README's
  registry (the test that runs it there runs it for both);
- every repository path a page names exists, and every dotted name of the project's packages it
  gives is defined.

The last tests plant a command no test runs, and broken links, and show the checks failing on them.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, ROOT
from doc_rules import Block, blocks, command, missing_paths, unaccounted, undefined_names
from test_readme import BLOCKS, BLOCKS_NOW, DOC_PAGES, student_course

DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent


def page_blocks(pages=DOC_PAGES) -> list[Block]:
    return [b for page in pages for b in blocks(page.read_text(encoding="utf-8"), page.relative_to(ROOT).as_posix())]


def doc_name(b: Block) -> tuple[str, str]:
    return b.page, b.key


# Every fenced block of docs/ that the README does not have as it stands, by (page, its marker
# comment or else its first command), with its fingerprint and how it is checked (the README's
# forms: "run by tests/FILE.py::TEST", "run by .ci/run: ...", "not run: <reason>").
DOC_BLOCKS = {
    ("docs/contributing.md", 'pip install -e ".[test]" && pytest'): (
        "b8a78477", "run by .ci/run: its own install and test line, as it stands"),
    ("docs/contributing.md", "deepgrad release"): (
        "7cb055f1",
        "run by tests/test_docs.py::test_the_release_and_mutation_commands_work_as_written",
        "run by tests/test_readme.py::test_make_data_regenerates_the_data_exactly"),
    ("docs/contributing.md", "mkdocs build --strict"): (
        "77ac05ee", "run by tests/test_docs.py::test_the_site_builds_strictly_and_loads_nothing_from_elsewhere"),
    ("docs/contributing.md", "mkdocs serve"): (
        "db3a314e", "not run: it serves the site until it is stopped; the strict build above makes the same pages"),
    ("docs/instructors.md", "deepgrad autograde a01_gradient_descent --jobs 2"): (
        "6c72289a",
        "run by tests/test_parallel_grading.py::test_two_jobs_from_the_command_line_give_the_serial_results",
        "run by tests/test_class_report.py::test_the_cli_prints_both_paths"),
    ("docs/instructors.md", "dask scheduler"): (
        "acfd471b", "not run: a Dask scheduler and workers on machines of their own, with placeholders; "
                    "tests/test_parallel_grading.py grades on a two-worker LocalCluster instead"),
    ("docs/instructors.md", "slurm"): (
        "892f3cba", "not run: it needs a Slurm cluster and dask-jobqueue (documented, not tested)"),
    ("docs/instructors.md", 'c.CourseDirectory.db_url = "postgresql://USER@HOST/DATABASE"'): (
        "9286ecd3", "not run: a line of nbgrader_config.py with placeholders; tests/test_postgres.py sets it "
                    "to its private server's address"),
    ("docs/students.md", "failure-example"): (
        "d4ca690a", "run by tests/test_docs.py::test_the_failure_shown_is_what_the_self_check_prints"),
}


def readme_blocks() -> frozenset:
    """(key, fingerprint) of the README's blocks its own registry accounts for."""
    return frozenset((b.key, b.fingerprint) for b in BLOCKS_NOW if BLOCKS.get(b.key, ("",))[0] == b.fingerprint)


def block(page: str, key: str) -> Block:
    return next(b for b in page_blocks() if doc_name(b) == (f"docs/{page}", key))


def test_every_code_block_is_accounted_for():
    found = page_blocks()
    problems = unaccounted(found, DOC_BLOCKS, doc_name, readme_blocks())
    assert not problems, "\n".join(problems) + (
        "\nRegister it in DOC_BLOCKS in tests/test_docs.py with that fingerprint: 'run by tests/FILE.py::TEST' "
        "(a `bash` or `console` block must be run), or 'not run: <reason>' for a block of another language.")
    # the pages share the README's blocks where they repeat them: the self-check, the term's walkthrough
    assert {b.key for b in found if (b.key, b.fingerprint) in readme_blocks()} >= {"pytest autograder", "walkthrough"}


def test_every_path_named_exists():
    missing = {page.name: missing_paths(page.read_text(encoding="utf-8")) for page in DOC_PAGES}
    assert not {name: paths for name, paths in missing.items() if paths}, missing


def test_every_name_of_the_code_it_gives_is_defined():
    wrong = {page.name: undefined_names(page.read_text(encoding="utf-8")) for page in DOC_PAGES}
    assert not {name: names for name, names in wrong.items() if names}, wrong


# --- the site builds, strictly, and stands alone -----------------------------------------------------

def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    """The contributor's guide's build line as it stands, into ``site`` rather than the tree's
    `site/`, with the mkdocs of this interpreter."""
    argv = shlex.split(command(block("contributing.md", "mkdocs build --strict").lines[0]))
    assert argv[:3] == ["mkdocs", "build", "--strict"], argv
    return subprocess.run([str(BIN / "mkdocs"), *argv[1:], "--config-file", str(config), "--site-dir", str(site)],
                          cwd=config.parent, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = build(ROOT / "mkdocs.yml", out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_the_site_builds_strictly_and_loads_nothing_from_elsewhere(site):
    pages = sorted(site.glob("*.html"))
    assert {p.stem for p in pages} >= {page.stem for page in DOC_PAGES}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        loads = re.findall(r"<(?:script|img|iframe)[^>]*\ssrc=\"(?:https?:)?//[^\"]*\"|<link[^>]*\shref=\"(?:https?:)?//[^\"]*\"",
                           html)
        assert not loads, (page.name, loads)


def planted_docs(tmp_path: Path, page: str, text: str) -> Path:
    """A copy of the site's sources with ``text`` added to docs/``page``: its mkdocs.yml."""
    shutil.copytree(DOCS, tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / page).open("a", encoding="utf-8") as handle:
        handle.write(text)
    return tmp_path / "mkdocs.yml"


@pytest.mark.parametrize("planted, said", [
    ("\nSee [the grader's manual](grading-manual.md).\n", "grading-manual.md"),
    ("\nSee [the sandbox](security.md#the-sandbox-of-old).\n", "the-sandbox-of-old"),
], ids=["missing page", "missing anchor"])
def test_a_broken_link_fails_the_build(tmp_path, planted, said):
    done = build(planted_docs(tmp_path / "sources", "students.md", planted), tmp_path / "site")
    assert done.returncode != 0 and said in done.stderr, done.stderr[-2000:]


def test_a_page_left_out_of_the_navigation_fails_the_build(tmp_path):
    config = planted_docs(tmp_path / "sources", "students.md", "")
    (config.parent / "docs" / "faq.md").write_text("# FAQ\n", encoding="utf-8")
    done = build(config, tmp_path / "site")
    assert done.returncode != 0 and "faq.md" in done.stderr, done.stderr[-2000:]


# --- the rule refuses a command no test runs -----------------------------------------------------------

PLANTED = "## Grading faster\n\n```bash\ndeepgrad autograde a01_gradient_descent --turbo\n```\n"


def test_a_command_no_test_runs_is_refused():
    """A page gains a `bash` block that nothing registers, or one registered as not run, or a block
    with no language, or one said to be run by a test that does not exist: each is refused."""
    page = "docs/instructors.md"
    planted = blocks(PLANTED, page)
    found = page_blocks() + planted
    assert any("is new or changed" in p and "--turbo" in p
               for p in unaccounted(found, DOC_BLOCKS, doc_name, readme_blocks()))
    (new,) = planted
    for hows, said in [(("not run: it is too slow to run in a test",), "a test runs it"),
                       (("run by tests/test_docs.py::test_turbo_grading",), "no such test"),
                       ((), "no entry says how it is checked")]:
        registry = {**DOC_BLOCKS, doc_name(new): (new.fingerprint, *hows)}
        assert any(said in p for p in unaccounted(found, registry, doc_name, readme_blocks())), hows
    unfenced = blocks("```\ndeepgrad autograde a01_gradient_descent --turbo\n```\n", page)
    assert any("without a language" in p for p in unaccounted(page_blocks() + unfenced, DOC_BLOCKS, doc_name,
                                                              readme_blocks()))
    # and a path or a name of the code that does not exist
    assert missing_paths("see `deepgrad/turbo.py`") == ["deepgrad/turbo.py"]
    assert undefined_names("see `deepgrad.runs.jobs.TurboJobs` and `deepgrad.runs.jobs.Job`") == \
        ["deepgrad.runs.jobs.TurboJobs"]


# --- the commands, as written ----------------------------------------------------------------------

def test_the_release_and_mutation_commands_work_as_written(tmp_path):
    """The contributor's guide's block, line by line in a copy of the course: `deepgrad release`
    makes the committed release byte for byte, and the mutation tool finds no survivor in a01.
    (Its `make_data.py` line: tests/test_readme.py::test_make_data_regenerates_the_data_exactly.)"""
    course = student_course(tmp_path / "course")
    shutil.copytree(ROOT / "tools", course / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    committed = {p.relative_to(ROOT): p.read_bytes() for p in (ROOT / "assignments").rglob("*.ipynb")}
    shutil.rmtree(course / "assignments")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    printed = {}
    for line in block("contributing.md", "deepgrad release").lines:
        argv = shlex.split(command(line))
        if argv[:2] == ["python", "source_data/make_data.py"]:
            continue  # run by tests/test_readme.py, in a copy of source_data/ alone
        argv[0] = sys.executable if argv[0] == "python" else str(BIN / argv[0])
        done = subprocess.run(argv, cwd=course, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (line, done.stdout[-2000:], done.stderr[-2000:])
        printed[argv[1]] = done.stdout + done.stderr
    assert set(printed) == {"release", "tools/mutants.py"}
    made = {p.relative_to(course): p.read_bytes() for p in (course / "assignments").rglob("*.ipynb")}
    assert made == committed and len(made) == len(NOTEBOOKS)
    assert " 0 survived" in printed["tools/mutants.py"], printed["tools/mutants.py"][-500:]


def test_the_failure_shown_is_what_the_self_check_prints(tmp_path):
    """The student's guide shows what `pytest autograder -m a02` prints for assignment 2 with the
    demo's planted bug (a sign error in `d_w21`): every line it shows is a line of that output."""
    from deepgrad.commands.submissions import BUGS, answered, read, reference_answers, with_bug, write

    assert "d_w21" in BUGS["a02"][0]
    course = student_course(tmp_path / "course")
    name = NOTEBOOKS["a02"]
    notebook = course / "assignments" / name / f"{name}.ipynb"
    answers = with_bug(reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb")), "a02")
    write(answered(read(notebook), answers), notebook)
    done = subprocess.run([sys.executable, "-m", "pytest", "autograder", "-m", "a02"], cwd=course,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 1, done.stdout[-3000:]
    printed = [line.rstrip() for line in done.stdout.splitlines()]
    shown = block("students.md", "failure-example").lines
    assert len(shown) >= 4
    assert not [line for line in shown if line.rstrip() not in printed], done.stdout[-3000:]
