"""Does every deepgrad command work on a PostgreSQL gradebook, as on the embedded SQLite file?

A private PostgreSQL server is started for the module (Unix socket only, in a temporary folder;
no TCP port): skipped where no server binaries or no `psycopg` driver (the `postgres` extra) exist.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from conftest import NOTEBOOKS, PATCHED_NUMPY_SIGMOID, ROOT, use_gradebook
from deepgrad.base.course_files import copy_course
from deepgrad.commands.submissions import answered, read, reference_answers, write

A01 = NOTEBOOKS["a01"]
SERVER_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = pytest.mark.skipif(not SERVER_BIN or importlib.util.find_spec("psycopg") is None,
                                reason="needs PostgreSQL's server binaries and the psycopg driver")


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server with an empty `gradebook` database; its SQLAlchemy URL."""
    bindir = SERVER_BIN[-1]
    base = Path(tempfile.mkdtemp(prefix="deepgrad-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    as_server = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: it runs as nobody
        nobody = pwd.getpwnam("nobody")
        for path in (base, sock):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        as_server = ["setpriv", "--reuid", str(nobody.pw_uid), "--regid", str(nobody.pw_gid), "--clear-groups", "--"]

    def run(*argv):
        subprocess.run([*as_server, f"{bindir}/{argv[0]}", *argv[1:]], check=True, capture_output=True,
                       timeout=120)

    run("initdb", "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8")
    run("pg_ctl", "-D", str(data), "-l", str(base / "log"), "-w", "-o", f"-k {sock} -c listen_addresses=''",
        "start")
    try:
        run("createdb", "-h", str(sock), "-U", "grader", "gradebook")
        yield f"postgresql://grader@/gradebook?host={sock}"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _command(course, *argv) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", *argv], cwd=course, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-3000:])
    return done


def test_every_deepgrad_command_works_on_a_postgresql_gradebook(postgres_url, tmp_path):
    """release, autograde (two jobs side by side), report, and nbgrader's feedback and export, on a
    course whose db_url is PostgreSQL: the verdict's scores land there (the cheater gains nothing), and no SQLite file
    appears."""
    course = copy_course(ROOT, tmp_path / "course")
    use_gradebook(course, postgres_url)
    _command(course, "deepgrad.commands.cli", "release")
    release = read(course / "assignments" / A01 / f"{A01}.ipynb")
    ref = reference_answers(read(course / "solutions" / A01 / f"{A01}.ipynb"))
    for student, changes in (("honest", {}), ("cheater", {"ans_sigmoid": PATCHED_NUMPY_SIGMOID})):
        write(answered(release, {**ref, **changes}), course / "submitted" / student / A01 / f"{A01}.ipynb")
    graded = _command(course, "deepgrad.commands.cli", "autograde", A01, "--jobs", "2")  # side by side, one writer
    assert f"{'honest':<20} 16 / 16" in graded.stdout
    _command(course, "nbgrader", "generate_feedback", A01)
    _command(course, "deepgrad.commands.cli", "report", A01)
    _command(course, "nbgrader", "export")
    with Gradebook(postgres_url) as gradebook:
        scores = {s: gradebook.find_submission(A01, s).score for s in ("honest", "cheater")}
    assert scores == {"honest": 16, "cheater": 16 - 2 - 1 - 2}
    assert (course / "feedback" / "cheater" / A01 / f"{A01}.html").is_file()
    assert (course / f"class_report_{A01}.html").is_file()
    assert any(line.startswith(f"{A01},") and ",honest," in line and ",16.0," in line
               for line in (course / "grades.csv").read_text().splitlines())
    assert not (course / "gradebook.db").exists()
