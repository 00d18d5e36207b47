"""Is README.md true as written? Each of its code blocks is run here, run by a named test, or
listed as not run with the reason; the student self-check lines run in a copy of the course; every
repository path it names exists; the Quickstart's times agree with the rest of the project."""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, ROOT
from deepgrad.course import copy_course

README = ROOT / "README.md"


@dataclass(frozen=True)
class Block:
    line: int         # where its opening ``` is (1-based)
    info: str         # the fence's info string ("bash", "console", "")
    marker: str       # the name of a `<!-- name: ... -->` comment just above it, else ""
    lines: tuple      # its lines

    @property
    def key(self) -> str:
        return self.marker or re.split(r"\s{2,}", command(self.lines[0]))[0]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha1("\n".join((self.info, *self.lines)).encode()).hexdigest()[:8]


def command(line: str) -> str:
    """A code line without its trailing `# comment` (a lone `#` in a shell line starts one)."""
    return re.split(r"\s+#\s", line, maxsplit=1)[0].strip()


def blocks(text: str) -> list[Block]:
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opened = re.fullmatch(r"```(\S*)\s*", lines[i])
        if not opened:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        above = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = re.match(r"<!--\s*([\w-]+):", above)
        found.append(Block(i + 1, opened.group(1), marker.group(1) if marker else "", tuple(lines[i + 1:end])))
        i = end + 1
    return found


BLOCKS_NOW = blocks(README.read_text(encoding="utf-8"))

# Every fenced block of README.md, by its marker comment (`<!-- walkthrough: ... -->` just above
# it) or else its first command, with its fingerprint (so that a changed block is looked at again)
# and how it is checked: "run here" (a test below, named in RUN_HERE), "run by tests/FILE::TEST"
# (that test exists), or "not run: <reason>".
BLOCKS = {
    "pip install -e . && deepgrad demo": (
        "a7e5cbbb",
        "run by tests/test_grading.py::test_demo_writes_feedback_csv_and_table",  # the demo's grading
        "run by tests/test_grading.py::test_demo_without_keep_names_its_temporary_folder",  # its command
        "not run: `pip install` and `pytest` are what .ci/run runs (test_quickstart_is_what_ci_runs)"),
    "pytest autograder": ("e0a743f5", "run here"),
    "solutions/<assignment>/<assignment>.ipynb": (
        "8cf57c61", "not run: the course layout, a listing (test_every_path_named_exists checks its paths)"),
    "walkthrough": (
        "575a4f6a",
        "run by tests/test_walkthrough.py::test_the_walkthrough_takes_a_submission_from_release_to_export"),
}
RUN_HERE = {"pytest autograder": "test_self_check_line_does_what_the_readme_says"}


def test_every_code_block_is_accounted_for():
    unknown = [f"README.md line {b.line}: block `{b.key}` (fingerprint {b.fingerprint!r}) is new or changed"
               for b in BLOCKS_NOW if b.key not in BLOCKS or BLOCKS[b.key][0] != b.fingerprint]
    assert not unknown, "\n".join(unknown) + (
        "\nClassify it in BLOCKS in tests/test_readme.py, with that fingerprint: 'run here' (and a test "
        "here, named in RUN_HERE), 'run by tests/FILE.py::TEST' or 'not run: <reason>'.")
    assert set(BLOCKS) == {b.key for b in BLOCKS_NOW}, "BLOCKS lists a block the README no longer has"
    for key, (_, *hows) in BLOCKS.items():
        assert hows, key
        for how in hows:
            if how == "run here":
                assert RUN_HERE[key] in globals(), (key, RUN_HERE[key])
            elif how.startswith("run by "):
                path, name = how.removeprefix("run by ").split("::")
                tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
                assert name in {f.name for f in tree.body if isinstance(f, ast.FunctionDef)}, how
            else:
                assert re.fullmatch(r"not run: \S.{10,}", how), (key, how)


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
    assert f"(about {demo} on 2 cores)" in (ROOT / "deepgrad" / "cli.py").read_text(encoding="utf-8")
    assert f"`pytest` runs `tests/` (about {suite} on 2 cores)" in text


# --- the student self-check, run line by line in a copy of the course ----------------------------

SELF_CHECK = [command(line) for line in block("pytest autograder").lines]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course as a student has it: the release, the self-check and the toolkit."""
    course = copy_course(ROOT, tmp_path_factory.mktemp("readme") / "course")
    for folder in ("assignments", "autograder", "dlkit"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return course


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
        assert rows and all("sigmoid" in t for _, t in rows), rows
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
    """`python source_data/make_data.py` regenerates every data set exactly."""
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
    """`check("a01.sigmoid")` and the hidden block's example are as a solutions notebook has them."""
    quoted = re.findall(r"`(check\(.*?\))`", README.read_text(encoding="utf-8"))
    sources = "\n".join("".join(cell["source"]) for nb in (ROOT / "solutions").glob("*/*.ipynb")
                        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"])
    assert quoted and all(q in sources for q in quoted), [q for q in quoted if q not in sources]


# --- every path it names ---------------------------------------------------------------------------

# Paths the README names that are not in the repository, and why.
NOT_IN_THE_REPO = {
    # made at run time, inside the course folder (all git-ignored)
    "submitted/": "nbgrader collect's submissions",
    "submitted/<student>/<assignment>/<assignment>.ipynb": "a collected submission",
    "autograded/": "nbgrader autograde's output",
    "feedback/<student>/…html": "nbgrader generate_feedback's output",
    "feedback/": "nbgrader generate_feedback's output folder",
    "gradebook.db": "nbgrader's SQLite gradebook, made on first use",
    "grades.csv": "nbgrader export's output",
    "grading_report.csv": "the demo's grading report, in its temporary copy",
    "grading_report_ASSIGNMENT.csv": "deepgrad autograde's report",
    "class_report_ASSIGNMENT.html": "deepgrad report's page",
    "class_report_ASSIGNMENT.csv": "deepgrad report's table",
    # made at run time outside the course folder
    "/srv/nbgrader/exchange": "nbgrader's exchange, made once per server (the walkthrough's first line)",
    "../deepgrad-student": "the bundle the walkthrough writes beside the course",
    "a01_gradient_descent/": "the student's folder, made by nbgrader fetch_assignment where they work",
    "a01_gradient_descent/feedback/": "made there by nbgrader fetch_feedback",
    # the host's folders, as the sandbox sees or hides them
    "/tmp": "the sandbox's private /tmp",
    "/dev/shm": "the sandbox's private /dev/shm",
    "/proc": "the sandbox's own /proc",
    "/proc/<pid>/root": "another process's root, which the sandbox cannot see",
    "/usr/local": "an example of a system folder a course might sit in",
    # not a path
    "dask/dask": "the Dask Helm chart's name",
}
PATHLIKE = re.compile(r"(?:[\w.<>…-]*/)+[\w.<>…-]*|[\w.-]+\.(?:py|md|ipynb|toml|csv|html|db)")


def named_paths(text: str) -> set[str]:
    """Tokens of backticked spans and code blocks that look like paths (in a block, a line's text
    before a run of two spaces: a listing's path, a command without its comment)."""
    fenced = re.compile(r"^```.*?^```", re.M | re.S)
    chunks = re.findall(r"`([^`]+)`", fenced.sub("", text))
    chunks += [re.split(r"\s{2,}", line)[0] for b in blocks(text) for line in b.lines]
    found = set()
    for chunk in chunks:
        for token in chunk.split():
            token = token.strip("\"'").rstrip(".,;:)").lstrip("(")
            if "://" not in token and PATHLIKE.fullmatch(token) and re.search(r"[A-Za-z]", token):
                found.add(token)
    return found


def expanded(path: str) -> list[str]:
    """A path with placeholders, as every real path it stands for: <assignment>, aNN."""
    names = sorted(NOTEBOOKS.values())
    if "<assignment>" in path:
        return [path.replace("<assignment>", name) for name in names]
    if "aNN" in path:
        return [path.replace("aNN", a) for a in sorted(NOTEBOOKS)]
    return [path]


def test_every_path_named_exists():
    named = named_paths(README.read_text(encoding="utf-8"))
    assert {"nbgrader_config.py", ".ci/run", "bench/README.md", "tests/test_walkthrough.py"} <= named
    stale = set(NOT_IN_THE_REPO) - named
    assert not stale, f"NOT_IN_THE_REPO lists paths the README no longer names: {sorted(stale)}"
    missing = [p for p in sorted(named - set(NOT_IN_THE_REPO)) for real in expanded(p)
               if not (ROOT / real).exists()]
    assert not missing, f"README.md names paths that are not in the repository: {missing}"
