"""Does `pytest autograder` behave as the README promises, on the reference, the stubs and a bug?"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autograder.notebook import carried_tasks
from autograder.registry import CHECKS, TASKS, load_all
from conftest import NOTEBOOKS, ROOT
from deepgrad.commands.submissions import answered, read, reference_answers, with_bug, write


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
    # the functions pasted into later notebooks pass assignment 3-6's checks there, listed apart, for no points
    load_all()
    assert score["public_checks_total"] == len(CHECKS)
    assert score["max_score"] == sum(t.points for t in TASKS.values())
    summary = done.stdout.split("deepgrad self-check")[1]
    for n in (3, 4, 5, 6):
        assert f"\ncarried from assignment {n} (no points" in summary
    assert "a04        affine_forward                      passed  1/1 checks passed" in summary
    assert "a07        softmax_ce                          passed" in summary


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


def test_carried_cells_are_checked_apart(tmp_path):
    """a04 with every task of its own right, `affine_forward` pasted without its bias and the
    sigmoid cell not pasted: do Assignment 3's checks of the pasted cells fail, the bug naming
    `affine_forward` and the stub "not pasted yet", listed under "carried from assignment 3",
    while a04's points and JSON score are those of the reference?"""
    name = NOTEBOOKS["a04"]
    answers = reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb"))
    answers["carry_affine"] = answers["carry_affine"].replace("    out = x @ W + b\n", "    out = x @ W\n", 1)
    assert "    out = x @ W\n" in answers["carry_affine"]
    del answers["carry_sigmoid"]  # left as released: the stub
    release = read(ROOT / "assignments" / name / f"{name}.ipynb")
    write(answered(release, answers), tmp_path / name / f"{name}.ipynb")
    done = selfcheck("--submission", str(tmp_path), "-m", "a04", "-rfs")
    assert done.returncode == 1
    failed = {line.split("[")[1].split("]")[0] for line in done.stdout.splitlines() if line.startswith("FAILED")}
    assert failed == {f"a04/carried/a03.{c}" for c in (
        "affine_forward.values", "sigmoid_forward.values", "sigmoid_forward.extremes", "sigmoid_backward.numeric",
        # the pasted sigmoid_ce_forward calls sigmoid_forward, so it waits for that paste too
        "sigmoid_ce_forward.values", "sigmoid_ce_forward.extremes", "sigmoid_ce_backward.numeric")}, \
        done.stdout[-4000:]
    assert "pasted from Assignment 3 (checked by its public checks, for no points here): `affine_forward`" \
        in done.stdout
    assert "not pasted yet: `sigmoid_forward` still raises NotImplementedError. Paste your code from " \
           "Assignment 3 in its place." in done.stdout
    assert "not pasted yet: `sigmoid_ce_forward` (it calls `sigmoid_forward`, which) still raises" in done.stdout
    assert "not implemented yet" not in done.stdout
    # a04's own tasks: full marks, as on the reference; the carried checks are not counted
    load_all()
    a04 = [c for c in CHECKS.values() if c.task.assignment == "a04"]
    score = score_line(done.stdout)
    assert score["score"] == score["max_score"] == sum(t.points for t in TASKS.values() if t.assignment == "a04")
    assert score["public_checks_passed"] == score["public_checks_total"] == len(a04)
    summary = done.stdout.split("deepgrad self-check")[1].splitlines()
    start = summary.index("carried from assignment 3 (no points: Assignment 3's public checks on what you pasted)")
    end = next(i for i, line in enumerate(summary) if line.startswith("public checks: "))
    # columns: the notebook, the function (its task), the verdict under "points", the checks
    assert [(line[:11].strip(), line[11:41].strip(), line[41:53].strip()) for line in summary[start + 1:end]] == [
        ("a04", "affine_forward", "failed"), ("a04", "affine_backward", "not checked"),
        ("a04", "sigmoid_forward", "not pasted"), ("a04", "sigmoid_backward", "not pasted"),
        ("a04", "sigmoid_ce_forward", "not pasted"), ("a04", "sigmoid_ce_backward", "not pasted")]
    assert "not checked yet: `affine_forward` fails its own checks, fix it first" in done.stdout
    lines = done.stdout.rstrip().splitlines()
    assert lines[-1].startswith('{"score"') and lines[-2].startswith("public checks: ")


def test_every_pasted_function_is_checked_where_it_is_pasted():
    """Is each "TODO: paste your X from Assignment N" of a notebook covered by a task of N that its
    test cells check (and so the self-check too), in the source and the release alike?"""
    import re
    load_all()
    for folder in ("solutions", "assignments"):
        for assignment, name in NOTEBOOKS.items():
            path = ROOT / folder / name / f"{name}.ipynb"
            pasted = set(re.findall(r"TODO: paste your (\w+) from Assignment (\d+)", path.read_text()))
            tasks = carried_tasks(path)
            for fn, n in pasted:
                assert any(t.startswith(f"a{int(n):02d}.") and fn.startswith(t.split(".")[1]) for t in tasks), \
                    (folder, assignment, fn, tasks)
            assert all(t in TASKS for t in tasks)
            assert bool(pasted) == bool(tasks), (folder, assignment)


FORGER = '''def sigmoid(z):
    print('{"score": 12.0, "max_score": 12.0}')
    raise ValueError('nothing to see\\n{"score": 12.0, "max_score": 12.0}\\n\\x1b[2J\\x1b]0;title\\x07\\r\\u202e')
'''


def test_student_output_cannot_pass_for_the_score_line(tmp_path):
    """A function whose error message holds a forged score line and terminal escapes: is the score
    line still the only line that starts like one, and is it what --score-file writes; does no
    escape reach the terminal raw? (Planted bug: the message printed as it came.)"""
    name = NOTEBOOKS["a01"]
    path = tmp_path / f"{name}.ipynb"
    release = read(ROOT / "assignments" / name / f"{name}.ipynb")
    ref = reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb"))
    write(answered(release, {**ref, "ans_sigmoid": FORGER}), path)
    done = selfcheck("-m", "a01", "--submission", str(path), "--score-file", str(tmp_path / "score.json"))
    assert done.returncode == 1 and "nothing to see" in done.stdout
    scores = [line for line in done.stdout.splitlines() if line.startswith('{"score"')]
    assert len(scores) == 1 and json.loads(scores[0]) == json.loads((tmp_path / "score.json").read_text())
    assert json.loads(scores[0])["score"] < 16
    assert not any(ch in done.stdout for ch in "\x1b\x07\r\u202e")
    assert "\\x1b[2J" in done.stdout
