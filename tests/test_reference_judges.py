"""At grading, does each check judge the one function it names, against the reference solution?

The loss a gradient is checked against and the forward a backward is checked against come from
the reference solution, run in a worker of its own (``deepgrad.grading.verdict.reference_worker``). The
self-check has no reference and uses the student's own functions: each test grades the same
submission both ways, so the self-check run is the planted contrast that shows what changed.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from autograder.calls import LocalCaller, ReferenceFailure, WorkerCaller
from autograder.checks.a03 import GRAD_NAMES
from autograder.checks.common import judged_slope
from autograder.registry import CHECKS, TASKS, Check, attempt, blocked_by, checks_for, load_all
from autograder.sandbox import Limits
from conftest import NOTEBOOKS, ROOT, reference_namespace, solution_notebook
from deepgrad.commands.submissions import answered, read, reference_answers, write
from deepgrad.grading.verdict import grade_submission, reference_worker

load_all()
LIMITS = Limits(call_seconds=10, start_seconds=30)
SECRET = b"reference-judges"


def _submission(tmp_path: Path, assignment: str, replace: dict[str, tuple[str, str]]) -> Path:
    """The release of ``assignment`` with the reference answers, each ``answer cell: (old, new)``
    replaced once (the planted change must be found, or the test would prove nothing)."""
    name = NOTEBOOKS[assignment]
    answers = reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb"))
    for cell, (old, new) in replace.items():
        assert old in answers[cell], (cell, old)
        answers[cell] = answers[cell].replace(old, new, 1)
    path = tmp_path / "submitted" / name / f"{name}.ipynb"
    write(answered(read(ROOT / "assignments" / name / f"{name}.ipynb"), answers), path)
    return path


def _graded(assignment: str, path: Path) -> dict[str, float]:
    name = NOTEBOOKS[assignment]
    verdict = grade_submission(ROOT / "solutions" / name / f"{name}.ipynb", path, "student", name,
                               secret=SECRET, limits=LIMITS)
    assert verdict.status in ("graded", "review"), verdict.reason
    return {t.grade_id.removeprefix("test_"): t.score for t in verdict.tasks}


def _self_check_fails(path: Path, task: str) -> bool:
    caller = WorkerCaller(path, LIMITS)
    try:
        return any(attempt(c, caller) is not None for c in checks_for(task))
    finally:
        caller.close()


def test_a_wrong_loss_costs_only_the_loss(tmp_path):
    """a02's loss summing where it should average: at grading, do the nine derivatives (checked
    against the reference's loss) keep their points while `loss` loses its own? In the self-check
    the same derivatives fail against the student's wrong loss."""
    path = _submission(tmp_path, "a02", {"ans_loss": ("-np.mean(", "-np.sum(")})
    scores = _graded("a02", path)
    assert scores["loss"] == 0
    derivatives = [k for k in scores if k.startswith("d_w")]
    assert len(derivatives) == 9 and all(scores[k] > 0 for k in derivatives), scores
    assert _self_check_fails(path, "a02.d_w21")


def test_a_flat_forward_cannot_make_a_zero_backward_pass(tmp_path):
    """a03: an affine forward that returns zeros (flat under every nudge) and a backward that
    returns zero gradients. The self-check's numeric gradient of the student's flat forward is 0,
    so the backward passes there; at grading, against the reference's forward, it gets nothing."""
    zeros = ("return out, (x, W)", "return np.zeros_like(out), (x, W)")
    path = _submission(tmp_path, "a03", {
        "ans_affine_forward": zeros,
        "ans_affine_backward": ("return dx, dW, db",
                                "return np.zeros_like(dx), np.zeros_like(dW), np.zeros_like(db)")})
    assert not _self_check_fails(path, "a03.affine_backward")  # fooled by its own flat forward
    scores = _graded("a03", path)
    assert scores["affine_backward"] == 0 and scores["affine_forward"] == 0


# ================================================================ every function stands alone
# Driven by the registry: a check's ``uses`` names the functions whose values it judges by (the
# judge's: the reference's at grading). Each one is planted broken in an otherwise-reference
# submission, and the tasks that judge by it must keep every point at grading.

# What the planted functions share. A "broken" function is broken only when the grader asks (its
# caller is not the notebook's own code), so the student's other functions that call it internally
# stay right: what is measured is the checks' reliance on it, nothing else.
HELPERS = '''
import copy as _copy
import sys as _sys


def _asked_by_grader():
    return _sys._getframe(2).f_globals is not globals()


def _near(a, b):
    """Every number of a within 3e-5 of b's, everything else equal."""
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_near(x, z) for x, z in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_near(a[k], b[k]) for k in a)
    numbers = (np.ndarray, float, int, np.number)
    if isinstance(a, numbers) and not isinstance(a, bool):
        if not isinstance(b, numbers) or isinstance(b, bool):
            return False
        a, b = np.asarray(a), np.asarray(b)
        return (a.shape == b.shape and a.dtype.kind in "fiu" and b.dtype.kind in "fiu"
                and bool(np.all(np.abs(a - b) <= 3e-5)))
    return type(a) is type(b) and bool(a == b)


def _zeros(v):
    if isinstance(v, np.ndarray):
        return np.zeros_like(v)
    if isinstance(v, (tuple, list)):
        return type(v)(_zeros(x) for x in v)
    if isinstance(v, dict):
        return {k: _zeros(x) for k, x in v.items()}
    return 0.0 if isinstance(v, (float, np.floating)) else v
'''

# How a planted function behaves: {k} numbers the plant, {fn} is the function, {everyone} says whether
# the breakage shows to the notebook's own code too.
BROKEN = '''
_real_{k} = {fn}


def {fn}(*args):  # broken: None for a value, a wrong `out` beside the right cache for a layer
    result = _real_{k}(*args)
    if not ({everyone} or _asked_by_grader()):
        return result
    return (result[0] * 1.5 + 0.25,) + result[1:] if isinstance(result, tuple) else None
'''
CACHING = '''
_real_{k}, _seen_{k} = {fn}, []


def {fn}(*args):  # its first answer again for inputs within 3e-5 of an earlier call's: flat nearby
    for old, result in _seen_{k}:
        if _near(old, args):
            return _copy.deepcopy(result)
    result = _real_{k}(*args)
    _seen_{k}.append((_copy.deepcopy(args), _copy.deepcopy(result)))
    return result
'''
ZERO = '''
_real_{k} = {fn}


def {fn}(*args):  # every gradient it returns all zeros
    return _zeros(_real_{k}(*args))
'''


def _plants(*plants: tuple[str, str], everyone: bool = False) -> str:
    """The source that redefines each (kind, function) of ``plants``, in order, over the reference's."""
    return HELPERS + "".join(kind.format(k=k, fn=fn, everyone=everyone) for k, (kind, fn) in enumerate(plants))


def _planted_submission(tmp_path: Path, assignment: str, source: str) -> Path:
    """The reference answers with ``source`` run after them (appended to the last answer cell)."""
    name = NOTEBOOKS[assignment]
    answers = reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb"))
    last = list(answers)[-1]
    answers[last] += "\n\n" + source
    path = tmp_path / "submitted" / name / f"{name}.ipynb"
    write(answered(read(ROOT / "assignments" / name / f"{name}.ipynb"), answers), path)
    return path


def _own_task(assignment: str, fn: str) -> str | None:
    """The task a function is graded in: its own (``a03.affine_forward``), or the layer's whose
    forward and backward are one task (``a06.softmax_ce``); None for a setup cell's helper."""
    for task_id in (f"{assignment}.{fn}", f"{assignment}.{fn.removesuffix('_forward')}"):
        if task_id in TASKS:
            return task_id
    return None


def _judged_by() -> dict[str, dict[str, set[str]]]:
    """assignment -> function -> the tasks with a check that judges by it, its own task left out."""
    found: dict[str, dict[str, set[str]]] = {}
    for check in CHECKS.values():
        for fn in check.uses:
            if _own_task(check.task.assignment, fn) != check.task.id:
                found.setdefault(check.task.assignment, {}).setdefault(fn, set()).add(check.task.id)
    return found


JUDGED_BY = _judged_by()


def _plantings() -> list[tuple[str, tuple[str, ...]]]:
    """Per assignment, its functions judged by, in as few submissions as can hold them: no function
    planted beside one whose tasks judge by it (that task must lose its own points, not keep them)."""
    plantings = []
    for assignment, deps in sorted(JUDGED_BY.items()):
        groups: list[list[str]] = []
        for fn in sorted(deps):
            group = next((g for g in groups if all(_own_task(assignment, fn) not in deps[o]
                                                   and _own_task(assignment, o) not in deps[fn] for o in g)), None)
            if group is None:
                groups.append(group := [])
            group.append(fn)
        plantings += [(assignment, tuple(g)) for g in groups]
    return plantings


@pytest.fixture(scope="module")
def references():
    """One reference worker per assignment, for every grading of this module."""
    workers: dict[str, object] = {}

    def get(assignment: str):
        if assignment not in workers:
            workers[assignment] = reference_worker(solution_notebook(assignment), LIMITS)
        return workers[assignment]
    yield get
    for worker in workers.values():
        worker.close()


def _verdict(references, assignment: str, path: Path):
    name = NOTEBOOKS[assignment]
    verdict = grade_submission(ROOT / "solutions" / name / f"{name}.ipynb", path, "student", name,
                               secret=SECRET, limits=LIMITS, reference=references(assignment))
    # "review" would mean a check could not judge (a sealed student notebook among them)
    assert verdict.status == "graded", verdict.reason
    return {f"{assignment}.{t.grade_id.removeprefix('test_')}": t for t in verdict.tasks}


def test_the_registry_has_functions_judged_by():
    """The plantings below cover what they should: the known dependencies are declared."""
    assert {"sigmoid", "binary_cross_entropy", "squared_error"} <= set(JUDGED_BY["a01"])
    assert {"affine_forward", "sigmoid_forward", "sigmoid_ce_forward"} <= set(JUDGED_BY["a03"])
    assert JUDGED_BY["a03"]["sigmoid_ce_forward"] >= {f"a03.{g}" for g in GRAD_NAMES} | {"a03.sigmoid_ce_backward"}
    assert {"sin_logit_loss", "relu_forward"} <= set(JUDGED_BY["a04"]) and "loss" in JUDGED_BY["a02"]


@pytest.mark.parametrize("assignment, planted", _plantings(), ids=lambda v: v if isinstance(v, str) else "+".join(v))
def test_a_broken_function_costs_only_its_own_points(tmp_path, references, assignment, planted):
    """Each function another task's checks judge by, broken at grading (None for a value, a wrong
    `out` for a layer): its own task loses points, and every task judging by it keeps them all."""
    path = _planted_submission(tmp_path, assignment, _plants(*((BROKEN, fn) for fn in planted)))
    tasks = _verdict(references, assignment, path)
    for own in filter(None, (_own_task(assignment, fn) for fn in planted)):
        assert tasks[own].score < tasks[own].points, own
    dependants = set().union(*(JUDGED_BY[assignment][fn] for fn in planted))
    lost = {t: tasks[t].messages for t in dependants if tasks[t].score != tasks[t].points}
    assert not lost, lost


def _numeric_checks(assignment: str) -> list[Check]:
    """The checks holding a gradient to a numeric one (all named "numeric..." in the registry)."""
    return [c for c in CHECKS.values() if c.task.assignment == assignment and c.id.split(".")[-1].startswith("numeric")]


def _gradient_function(check: Check, defined: set[str]) -> str:
    """The student's function a numeric check judges: the task's, its backward, or the chain's."""
    name = check.task.name
    return "backprop_one_hidden" if name in GRAD_NAMES else name if name in defined else f"{name}_backward"


def test_every_numeric_check_says_what_it_differentiates():
    """Every numeric check declares the function it differentiates (``uses``): the judge's at grading,
    and the self-check waits on it."""
    assert [c.id for a in NOTEBOOKS for c in _numeric_checks(a) if not c.uses] == []


@pytest.mark.parametrize("assignment", sorted({c.task.assignment for c in CHECKS.values()
                                               if c.id.split(".")[-1].startswith("numeric")}))
def test_a_caching_forward_cannot_make_a_zero_backward_pass(tmp_path, references, assignment):
    """Every function a numeric check differentiates returns its earlier answer for inputs within
    3e-5 of an earlier call's (flat under the check's nudges), and every gradient is all zeros: at
    grading every numeric check fails, and each of those tasks scores 0."""
    name = NOTEBOOKS[assignment]
    defined = set(re.findall(r"^def (\w+)\(", "\n".join(reference_answers(
        read(ROOT / "solutions" / name / f"{name}.ipynb")).values()), flags=re.M))
    checks = _numeric_checks(assignment)
    cached = sorted({fn for c in checks for fn in c.uses})
    zeroed = sorted({_gradient_function(c, defined) for c in checks})
    path = _planted_submission(tmp_path, assignment, _plants(*[(CACHING, fn) for fn in cached],
                                                             *[(ZERO, fn) for fn in zeroed]))
    tasks = _verdict(references, assignment, path)
    passed = [c.id for c in checks if not any(m.startswith(f"{c.id}:") for m in tasks[c.task.id].messages)]
    assert passed == []
    assert {c.task.id: tasks[c.task.id].score for c in checks} == {c.task.id: 0 for c in checks}


@pytest.mark.parametrize("assignment, fn", sorted((a, fn) for a, deps in JUDGED_BY.items() for fn in deps
                                                  if _own_task(a, fn)))
def test_the_self_check_waits_for_a_failing_function(assignment, fn):
    """In the self-check (the student's own functions judge), a check judging by a failing function
    that fails says "not checked yet", naming it, instead of failing."""
    namespace = reference_namespace(assignment)
    exec(_plants((BROKEN, fn), everyone=True), namespace)
    caller, results = LocalCaller(namespace), {}
    failing = [c for c in CHECKS.values() if fn in c.uses and c.task.id in JUDGED_BY[assignment][fn]
               and attempt(c, caller) is not None]
    assert failing, f"no check judging by `{fn}` failed: the planted break proves nothing"
    assert [c.id for c in failing if fn not in blocked_by(c, caller, results)] == []


# ---------------------------------------------------------------- the structural guard
def test_only_the_judged_helpers_take_numeric_gradients():
    """Checks take numeric gradients through common.judged_gradient / judged_slope alone (which give
    the differentiated function the judge): no other module of the checks imports the centred
    differences, and in common.py only those two call them."""
    differences = {"numeric_gradient", "numeric_partial", "numeric_derivative_elementwise", "H"}
    folder = ROOT / "autograder" / "checks"
    for module in sorted(folder.glob("*.py")):
        tree = ast.parse(module.read_text())
        imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and (node.module or "").endswith("gradcheck") for a in node.names}
        if module.name != "common.py":
            assert not imported & differences, (module.name, imported & differences)
            continue
        callers = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                   for node in ast.walk(f) if isinstance(node, ast.Name) and node.id in differences}
        assert callers == {"judged_gradient", "judged_slope"}, callers


def _differentiates_the_student(call, z):
    """A check with the mistake the seal is for: the numeric side closes over the student's `call`."""
    judged_slope(call, lambda judge, v: call("sigmoid", v), z)


def test_a_check_that_differentiates_the_student_is_refused_at_grading():
    """At grading, a numeric gradient that asks the student's notebook for a value (not the judge's)
    is the grader's bug: refused (ReferenceFailure: left out of the score, the submission sent to
    review), never scored. The self-check, with no reference, runs it as it is."""
    item = Check("a01.sigmoid_grad.sealed", TASKS["a01.sigmoid_grad"], _differentiates_the_student,
                 {"z": np.linspace(-2.0, 2.0, 5)})
    student = LocalCaller(reference_namespace("a01"))
    assert attempt(item, student) is None
    student.reference = LocalCaller(reference_namespace("a01"))
    with pytest.raises(ReferenceFailure, match="numeric gradient"):
        attempt(item, student)
