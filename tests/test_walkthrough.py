"""Is the README's term walkthrough true: do its commands, run in its order by an instructor and a
student, take a submission through the exchange to a grade, feedback and an export?"""
from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import NOTEBOOKS, ROOT, processes_left_by_this_test_run
from deepgrad.base.course_files import copy_course
from deepgrad.commands.submissions import answered, read, reference_answers, write

A01 = NOTEBOOKS["a01"]
EXCHANGE_LINE = "sudo install -d -m 1777 /srv/nbgrader/exchange"
# The student's notebooks import the bundle's packages: installed here already (the project is).
INSTALL_LINE = "pip install -e deepgrad-student"


def walkthrough() -> list[tuple[str, str]]:
    """(who, command) for each line of the README's walkthrough block."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- walkthrough:.*?-->\n```console\n(.*?)```", text, re.S).group(1)
    return [tuple(line.split("$ ", 1)) for line in block.splitlines()]


def test_the_walkthrough_takes_a_submission_from_release_to_export(tmp_path):
    steps = walkthrough()
    assert steps[0] == ("instructor", EXCHANGE_LINE) and ("student", INSTALL_LINE) in steps
    course = copy_course(ROOT, tmp_path / "course")
    for package in ("autograder", "dlkit"):  # a checkout of the course holds them (the bundle copies them)
        shutil.copytree(ROOT / package, course / package, ignore=shutil.ignore_patterns("__pycache__"))
    student = tmp_path / "student"
    student.mkdir()
    exchange = tmp_path / "exchange"  # the test's own, not the machine's /srv/nbgrader/exchange
    # the student side finds it in nbgrader's config where they work
    (student / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    env = {**os.environ, "DEEPGRAD_EXCHANGE": str(exchange), "PYTHONWARNINGS": "ignore"}
    bin_dir = Path(sys.executable).parent
    printed = {}
    for who, command in steps:
        if command == EXCHANGE_LINE:
            exchange.mkdir(mode=0o1777)
            exchange.chmod(0o1777)
            continue
        if command == INSTALL_LINE:
            continue
        argv = shlex.split(command)
        if argv[0] in ("deepgrad", "nbgrader"):
            argv[0] = str(bin_dir / argv[0])
        done = subprocess.run(argv, cwd=course if who == "instructor" else student, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        printed[command] = done.stdout + done.stderr
        if command.startswith("nbgrader fetch_assignment"):  # the student does the work
            path = student / A01 / f"{A01}.ipynb"
            ref = reference_answers(read(ROOT / "solutions" / A01 / f"{A01}.ipynb"))
            write(answered(read(path), ref), path)

    name = os.environ.get("USER") or __import__("getpass").getuser()
    said = "\n".join(printed.values())
    for words in ("Released as: deepgrad a01_gradient_descent", "Fetched as: deepgrad a01_gradient_descent",
                  "Submitted as: deepgrad a01_gradient_descent", f"Collecting submission: {name} {A01}",
                  f"{name:<20} 16 / 16", "student bundle written to"):
        assert words in said, words
    assert "warning: other users" not in printed[f"deepgrad autograde {A01}"]  # the chmod did it
    assert (tmp_path / "deepgrad-student" / "autograder").is_dir()
    (page,) = (student / A01 / "feedback").rglob(f"{A01}.html")
    assert "every check passed, hidden ones included" in html.unescape(page.read_text())
    grades = (course / "grades.csv").read_text().splitlines()
    assert any(row.startswith(f"{A01},") and f",{name}," in row and ",16.0,0.0,16.0,16.0" in row
               for row in grades), grades
    assert not processes_left_by_this_test_run()
