"""One grading path, whatever the instructor runs: `deepgrad autograde` and plain `nbgrader
autograde` (the command line; the formgrader's Autograde button calls the same API) give the same
scores, the same report and hidden-free feedback, because nbgrader runs deepgrad's verdict from the
course's nbgrader_config.py. Grading some students never loses the others' report rows."""
from __future__ import annotations

import csv
import html
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest
from nbgrader.api import Gradebook

from conftest import (NEEDS_CHROMIUM, NOTEBOOKS, PATCHED_NUMPY_SIGMOID, ROOT, headless_chromium,
                      processes_left_by_this_test_run, released_course, use_gradebook)
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.base.course_files import copy_course
from deepgrad.base.leaks import HIDDEN, secret_lines
from deepgrad.commands.submissions import answered, read, reference_answers, write

A01 = NOTEBOOKS["a01"]
CHEAT = PATCHED_NUMPY_SIGMOID
WRONG_SIGN = "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n"
CLASS = {"honest": {}, "cheater": {"ans_sigmoid": CHEAT}, "buggy": {"ans_sigmoid": WRONG_SIGN},
         "stub": None}
CLICKED = ("honest", "cheater")  # whose buttons headless Chromium clicks


def _scores(course) -> dict[str, dict[str, float]]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: {g.name: g.score for g in gradebook.find_submission_notebook(A01, A01, student).grades}
                for student in CLASS}


def _report(course) -> list[tuple]:
    with (course / f"grading_report_{A01}.csv").open() as handle:
        return sorted((r["student"], r["status"], r["task"], r["score"], r["hidden_seed"])
                      for r in csv.DictReader(handle))


def _nbgrader(course, *args) -> subprocess.CompletedProcess:
    """nbgrader's own command line, in the course folder, as an instructor types it."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _forget(course) -> None:
    """Scores no grading gives (99 each), no report and no feedback page."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in CLASS:
            for grade in gradebook.find_submission_notebook(A01, A01, student).grades:
                grade.auto_score = 99.0
        gradebook.db.commit()
    (course / f"grading_report_{A01}.csv").unlink()
    shutil.rmtree(course / "feedback", ignore_errors=True)


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory):
    """The same class graded by `deepgrad autograde`, then again by plain `nbgrader autograde`."""
    from deepgrad.runs.autograde import autograde_and_report

    course, release, ref = released_course(tmp_path_factory.mktemp("paths") / "course")
    for student, changes in CLASS.items():
        nb = release if changes is None else answered(release, {**ref, **changes})
        write(nb, course / "submitted" / student / A01 / f"{A01}.ipynb")
    verdicts, _ = autograde_and_report(course, A01, grader=Nbgrader(course, cell_timeout=10))
    by_deepgrad = _scores(course), _report(course)
    _forget(course)  # so what follows can only come from nbgrader's own run
    done = _nbgrader(course, "autograde", A01, "--force")
    by_nbgrader = _scores(course), _report(course)
    return course, {v.student: v for v in verdicts}, by_deepgrad, by_nbgrader, done


def test_the_verdict_decides_under_deepgrad(both_paths):
    _, verdicts, (scores, _), _, _ = both_paths
    assert {s: v.status for s, v in verdicts.items()} == dict.fromkeys(CLASS, "graded")
    assert sum(scores["honest"].values()) == 16
    assert scores["cheater"]["test_sigmoid"] == 0 and scores["buggy"]["test_sigmoid"] == 0
    assert sum(scores["stub"].values()) == 0


def test_plain_nbgrader_autograde_gives_the_verdicts_scores_and_report(both_paths):
    """Does `nbgrader autograde` from the command line grade exactly as `deepgrad autograde`: the
    cheater's patched numpy gains nothing, and the report has the same rows and seeds?"""
    _, _, by_deepgrad, by_nbgrader, done = both_paths
    assert done.returncode == 0, done.stderr[-3000:]
    assert by_nbgrader == by_deepgrad


def test_plain_nbgrader_feedback_holds_no_hidden_test(both_paths):
    """Do the autograded notebooks and the feedback pages made by plain nbgrader commands hold
    the verdict's messages and no hidden-test line? (The planted check: the source holds some.)"""
    course = both_paths[0]
    done = _nbgrader(course, "generate_feedback", A01, "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    hidden = secret_lines(ROOT / "solutions", blocks=(HIDDEN,))
    assert [line for line in hidden if line in (course / "solutions" / A01 / f"{A01}.ipynb").read_text()]
    for student in CLASS:
        autograded = (course / "autograded" / student / A01 / f"{A01}.ipynb").read_text()
        page = html.unescape((course / "feedback" / student / A01 / f"{A01}.html").read_text())
        for text in (autograded, page):
            assert not [line for line in hidden if line in text] and "BEGIN HIDDEN" not in text
    page = html.unescape((course / "feedback" / "buggy" / A01 / f"{A01}.html").read_text())
    assert "hidden check" in page and "`sigmoid` returned a wrong value" in page


def test_feedback_shows_no_output_the_verdict_did_not_write(both_paths):
    """An autograded notebook made some other way (here: a test cell given a hidden block and
    in-kernel output, as plain nbgrader without deepgrad would leave it): does the feedback show
    neither, but a note?"""
    course = both_paths[0]
    path = course / "autograded" / "stub" / A01 / f"{A01}.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_sigmoid")
    cell["source"] = "check('a01.sigmoid')\n### BEGIN HIDDEN TESTS\ncheck('a01.sigmoid.values', z=SECRET_INPUT_7731)\n### END HIDDEN TESTS\n"
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "IN-KERNEL OUTPUT 5521\n"}]
    path.write_text(json.dumps(nb))
    Nbgrader(course).generate_feedback(A01, "stub")
    page = html.unescape((course / "feedback" / "stub" / A01 / f"{A01}.html").read_text())
    assert "SECRET_INPUT_7731" not in page and "IN-KERNEL OUTPUT 5521" not in page
    assert "not graded by deepgrad's verdict" in page


def test_nbgrader_in_process_leaves_no_worker_behind(both_paths):
    """nbgrader's own API in this process (as the formgrader's server calls it, or a script): once
    a submission is graded, is no sandboxed worker of its verdict left running?"""
    course = both_paths[0]
    result = Nbgrader(course, cell_timeout=10).api.autograde(A01, "honest", force=True, create=True)
    assert result["success"], result.get("error")
    assert sum(_scores(course)["honest"].values()) == 16
    assert not processes_left_by_this_test_run()


def test_grading_one_student_keeps_everyone_elses_report_rows(both_paths):
    """Does `deepgrad autograde A --student X` replace X's rows only?"""
    from deepgrad.runs.autograde import autograde_and_report

    course, _, (_, rows), _, _ = both_paths
    autograde_and_report(course, A01, students=["buggy"], grader=Nbgrader(course, cell_timeout=10))
    assert _report(course) == rows
    assert not processes_left_by_this_test_run()


# ---------------------------------------------------------------- the formgrader's buttons
def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Formgrader:
    """A running Jupyter server with nbgrader's formgrader, in the course folder."""

    port: int
    token: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def api(self, path: str, method: str = "GET"):
        """A call to the formgrader's HTTP API, as its buttons make them."""
        import urllib.request

        req = urllib.request.Request(self.url(path), method=method, data=b"" if method == "POST" else None,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=600) as reply:
            return json.loads(reply.read() or b"null")


@pytest.fixture(scope="module")
def formgrader(both_paths):
    """The formgrader an instructor starts in the course folder."""
    import secrets
    import time

    course = both_paths[0]
    server_at = Formgrader(_free_port(), secrets.token_hex(16))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={server_at.port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={server_at.token}", f"--ServerApp.root_dir={course}", "--allow-root",
         "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}"],
        cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        for _ in range(120):
            try:
                server_at.api("/formgrader/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"jupyter server did not start: {server.stderr.read()[-3000:]}")
                time.sleep(0.5)
        yield server_at
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _assert_graded_as_deepgrad_does(course, scores, students=tuple(CLASS)) -> None:
    """The verdict's scores and report, and feedback without a hidden test, for ``students`` (the
    others keep what _forget gave them)."""
    assert {s: v for s, v in _scores(course).items() if s in students} == {s: scores[s] for s in students}
    assert {r[0] for r in _report(course)} == set(students)
    hidden = secret_lines(ROOT / "solutions", blocks=(HIDDEN,))
    for student in students:
        page = html.unescape((course / "feedback" / student / A01 / f"{A01}.html").read_text())
        assert not [line for line in hidden if line in page] and "BEGIN HIDDEN" not in page
    page = html.unescape((course / "feedback" / "cheater" / A01 / f"{A01}.html").read_text())
    assert "hidden check" in page and "`sigmoid` returned a wrong value" in page


def test_the_formgrader_buttons_grade_and_give_feedback_as_deepgrad_does(both_paths, formgrader):
    """Autograde and Generate Feedback through the formgrader's HTTP API, on a running Jupyter
    server: the verdict's scores (the cheater's patched numpy gains nothing) and feedback without
    a hidden test."""
    course, _, (scores, _), _, _ = both_paths
    _forget(course)
    for student in CLASS:
        result = formgrader.api(f"/formgrader/api/submission/{A01}/{student}/autograde", "POST")
        assert result["success"], result.get("error")
        result = formgrader.api(f"/formgrader/api/assignment/{A01}/{student}/generate_feedback", "POST")
        assert result["success"], result.get("error")
    _assert_graded_as_deepgrad_does(course, scores)
    submissions = formgrader.api(f"/formgrader/api/submissions/{A01}")
    assert {s["student"]: s["score"] for s in submissions} == {s: sum(v.values()) for s, v in scores.items()}


@NEEDS_CHROMIUM
def test_clicking_the_formgraders_buttons_in_chromium(both_paths, formgrader):
    """The ⚡ Autograde and Generate Feedback buttons of Manage Submissions, clicked in headless
    Chromium: the same scores, report and hidden-free feedback as `deepgrad autograde`."""
    from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    course, _, (scores, _), _, _ = both_paths
    _forget(course)
    with headless_chromium() as browser:
        browser.get(formgrader.url("/login"))  # as the instructor does: the token in the login form
        password = browser.find_element(By.NAME, "password")
        password.send_keys(formgrader.token)
        password.submit()
        wait = WebDriverWait(browser, 300)
        wait.until(lambda b: "/login" not in b.current_url)
        browser.get(formgrader.url(f"/formgrader/manage_submissions/{A01}"))

        def clicked(student: str, button: str) -> bool:
            """Click the student's button once the row shows it (rows re-render after each call)."""
            try:
                for row in browser.find_elements(By.CSS_SELECTOR, "#main-table tr"):
                    ids = row.find_elements(By.CSS_SELECTOR, "td.student-id")
                    links = row.find_elements(By.CSS_SELECTOR, f"td.{button} a")
                    if ids and ids[0].text == student and links:
                        links[0].click()
                        return True
            except StaleElementReferenceException:
                pass
            return False

        def pressed(element) -> bool:
            """Clicked, once it can be (a dialog fades in first)."""
            try:
                element.click()
            except ElementNotInteractableException:
                return False
            return True

        def click(student: str, button: str) -> None:
            wait.until(lambda _: clicked(student, button))
            modal = wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#success-modal, #error-modal"))[0]
            assert modal.get_attribute("id") == "success-modal", modal.text
            wait.until(lambda _: pressed(modal.find_element(By.CSS_SELECTOR, "button.close")))  # the dialog goes
            wait.until(lambda b: not b.find_elements(By.CSS_SELECTOR, ".modal, .modal-backdrop"))

        # Two students: the buttons' path is the HTTP API's (the test above grades the whole class
        # through it); here the point is that an instructor's clicks reach it, for a cheater too.
        for student in CLICKED:
            click(student, "autograde")
            click(student, "generate-feedback")
    _assert_graded_as_deepgrad_does(course, scores, CLICKED)


# ---------------------------------------------------------------- the course's gradebook, whatever it is
def test_deepgrad_grades_into_the_gradebook_the_config_names(tmp_path):
    """With db_url naming another database, and a stale gradebook.db where the default would be:
    does `deepgrad autograde` record the verdict there, and leave gradebook.db alone?"""
    course = copy_course(ROOT, tmp_path / "course")
    elsewhere = tmp_path / "elsewhere" / "grades.sqlite"
    elsewhere.parent.mkdir()
    use_gradebook(course, f"sqlite:///{elsewhere}")
    (course / "gradebook.db").write_bytes(b"stale")
    Nbgrader(course).generate_assignment(A01)  # released into the gradebook the config names (a01: all it grades)
    release = read(course / "assignments" / A01 / f"{A01}.ipynb")
    ref = reference_answers(read(course / "solutions" / A01 / f"{A01}.ipynb"))
    for student, changes in (("honest", {}), ("cheater", {"ans_sigmoid": CHEAT})):
        write(answered(release, {**ref, **changes}), course / "submitted" / student / A01 / f"{A01}.ipynb")
    done = subprocess.run([sys.executable, "-m", "deepgrad.commands.cli", "autograde", A01], cwd=course,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with Gradebook(f"sqlite:///{elsewhere}") as gradebook:
        scores = {s: gradebook.find_submission(A01, s).score for s in ("honest", "cheater")}
    assert scores["honest"] == 16 and scores["cheater"] == 16 - 2 - 1 - 2
    assert (course / "gradebook.db").read_bytes() == b"stale"


def test_the_demo_grades_into_a_gradebook_of_its_own(tmp_path):
    """Whatever database the course names, is the demo's copy pointed at a file inside itself?"""
    from deepgrad.commands.demo import own_gradebook

    course = copy_course(ROOT, tmp_path / "course")
    use_gradebook(course, "postgresql://grader@db/course")
    assert Nbgrader(course).db_url == "postgresql://grader@db/course"
    own_gradebook(course)
    assert Nbgrader(course).db_url == f"sqlite:///{course / 'gradebook.db'}"
