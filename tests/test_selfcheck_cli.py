"""Does `pytest autograder` behave as the README promises, on the reference, the stubs and a bug?"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import NOTEBOOKS, ROOT
from deepgrad.submissions import answered, read, reference_answers, with_bug, write


def selfcheck(*args: str, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "autograder", "-p", "no:randomly", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=None if env is None else {**os.environ, **env})


def score_line(output: str) -> dict:
    return json.loads([line for line in output.splitlines() if line.startswith('{"score"')][-1])


def test_reference_scores_full_marks():
    """Does `--submission solutions` pass every public check, with the table and the JSON line?"""
    done = selfcheck("--submission", "solutions")
    assert done.returncode == 0, done.stdout[-3000:]
    score = score_line(done.stdout)
    assert score["score"] == score["max_score"] > 0
    assert f"public checks: {score['public_checks_total']}/{score['public_checks_total']} passed; " \
           "hidden checks run at grading" in done.stdout
    for assignment in NOTEBOOKS:
        assert f"\n{assignment}" in done.stdout


def test_default_target_is_the_release_and_stubs_say_not_implemented():
    """Without --submission, are the release's stubs checked, each 'not implemented yet'?"""
    done = selfcheck("-q")
    assert done.returncode == 1
    score = score_line(done.stdout)
    assert score["score"] == 0 and score["public_checks_passed"] == 0
    assert done.stdout.count("not implemented yet") >= score["public_checks_total"]
    assert "Traceback" not in done.stdout


@pytest.mark.parametrize("option, present, absent", [
    (["-m", "a02"], ["a02        d_w21"], ["a01        sigmoid"]),
    (["-k", "sigmoid_grad"], ["a01        sigmoid_grad"], ["a01        sigmoid     ", "a02"]),
    (["-m", "a01_sigmoid"], ["a01        sigmoid     "], ["sigmoid_grad", "a02"]),
])
def test_markers_and_keywords_select_checks(option, present, absent):
    """Do `-m a02`, a task marker and `-k` select just those checks?"""
    done = selfcheck("--submission", "solutions", *option)
    assert done.returncode == 0, done.stdout[-2000:]
    table = done.stdout.split("deepgrad self-check")[1]
    assert all(p in table for p in present) and not any(a in table for a in absent)


def test_one_notebook_can_be_checked():
    """Does `--submission` accept one notebook and check only its assignment?"""
    name = NOTEBOOKS["a01"]
    done = selfcheck("--submission", f"solutions/{name}/{name}.ipynb")
    assert done.returncode == 0
    assert "a02" not in done.stdout.split("deepgrad self-check")[1]


def test_missing_submission_path_is_a_clear_message():
    """Does a wrong --submission path give a message instead of a traceback?"""
    done = selfcheck("--submission", "no/such/folder")
    assert done.returncode != 0
    assert "no such file or folder" in done.stdout + done.stderr


def test_sign_error_in_one_derivative_is_named(tmp_path):
    """Does a submission with a sign error in d_w21 lose exactly that task, named with its weight?"""
    name = NOTEBOOKS["a02"]
    answers = with_bug(reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb")), "a02")
    release = read(ROOT / "assignments" / name / f"{name}.ipynb")
    write(answered(release, answers), tmp_path / name / f"{name}.ipynb")
    done = selfcheck("--submission", str(tmp_path), "-m", "a02")
    assert done.returncode == 1
    assert "gradient check failed for `d_w21` with respect to `w21`" in done.stdout
    assert "relative error" in done.stdout
    failed = {line.split("[")[1].split("]")[0] for line in done.stdout.splitlines() if line.startswith("FAILED")}
    assert {f.rsplit(".", 1)[0] for f in failed} <= {"a02.d_w21", "a02.train"}
    assert "a02.d_w21.numeric" in failed and "a02.d_w21.values" in failed
    # the run ends with the points table, the coverage line and the score line, below pytest's summary
    lines = done.stdout.rstrip().splitlines()
    assert lines[-1].startswith('{"score"') and lines[-2].startswith("public checks: ")
    stats = max(i for i, line in enumerate(lines) if " failed" in line and line.startswith("="))
    assert stats < next(i for i, line in enumerate(lines) if "deepgrad self-check" in line)


def test_without_a_sandbox_the_summary_says_so_once():
    """Where no sandbox can be made (here: DEEPGRAD_BWRAP names no program), do the checks still
    run, with one note saying so above the JSON line, and does a normal run carry no such note?"""
    note = "ran without the sandbox"
    plain = selfcheck("--submission", "solutions", "-m", "a01", env={"DEEPGRAD_BWRAP": "/nonexistent/bwrap"})
    assert plain.returncode == 0, plain.stdout[-3000:]
    assert plain.stdout.count(note) == 1
    lines = plain.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if note in line)
    assert lines[at + 1].startswith('{"score"')
    sandboxed = selfcheck("--submission", "solutions", "-m", "a01")
    assert sandboxed.returncode == 0 and note not in sandboxed.stdout


def test_a_wrong_loss_is_blamed_alone(tmp_path):
    """A sum where a02's `loss` wants the mean: does `loss` fail, while the nine derivatives (right,
    but checked against the student's own loss) and `train` are "not checked yet", neither passed
    nor failed, with the function to fix first named? (The planted contrast: with the loss right,
    the same derivatives pass.)"""
    name = NOTEBOOKS["a02"]
    answers = reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb"))
    answers["ans_loss"] = answers["ans_loss"].replace("-np.mean(", "-np.sum(")
    assert "-np.sum(" in answers["ans_loss"]
    release = read(ROOT / "assignments" / name / f"{name}.ipynb")
    write(answered(release, answers), tmp_path / name / f"{name}.ipynb")
    done = selfcheck("--submission", str(tmp_path), "-m", "a02", "-rfs")
    assert done.returncode == 1
    failed = {line.split("[")[1].split("]")[0] for line in done.stdout.splitlines() if line.startswith("FAILED")}
    assert {f.rsplit(".", 1)[0] for f in failed} == {"a02.loss"}
    assert "a sum where the mean belongs" in done.stdout
    assert "not checked yet: `loss` fails its own checks, fix it first" in done.stdout
    score = score_line(done.stdout)
    assert score["public_checks_not_checked_yet"] >= 9  # the nine derivatives' numeric checks
    assert "not checked yet (another function fails first)" in done.stdout.split("deepgrad self-check")[1]


@pytest.mark.parametrize("option", [["-m", "a99"], ["-k", "no_such_function"]])
def test_a_selection_that_matches_nothing_says_so(option):
    """Does `-m a99` (or a `-k` matching no check) say that nothing matched, and what would?"""
    done = selfcheck("--submission", "solutions", *option)
    assert done.returncode == 5  # pytest's "no tests ran"
    assert f"no check matched {option[0]} {option[1]!r}" in done.stdout
    assert "a01, a02" in done.stdout and "a01_gradient_descent" in done.stdout
