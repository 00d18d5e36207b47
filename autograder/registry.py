"""The registry of graded tasks and their checks, shared by every way of running them.

A *task* is one graded cell of a notebook (``a01.sigmoid``), worth some points. A *check* is one
property of the task's functions (``a01.sigmoid.values``), written once as ``run(call, **params)``
with its public inputs registered beside it. Hidden tests call the same check with other inputs.

A check that compares with a fixed ``expected`` value may also say how the reference solution makes
that value (``expect``): hidden tests then give inputs only, drawn for each student, and the
reference computes what the student's function must return on them (see :func:`attempt`).
"""
from __future__ import annotations

import re
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .messages import N_, phrase, say


@dataclass(frozen=True)
class Task:
    id: str            # "a01.sigmoid"
    points: float

    @property
    def assignment(self) -> str:
        return self.id.split(".")[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


@dataclass(frozen=True)
class Check:
    id: str            # "a01.sigmoid.values"
    task: Task
    run: Callable[..., None]
    params: dict = field(default_factory=dict)
    # expect(judge, **params) -> the ``expected`` value ``run`` takes, made by calling the judge
    # (the reference solution at grading) on the check's inputs.
    expect: Callable[..., object] | None = None
    # The functions whose values the check judges by (a gradient's loss, a backward's forward; the
    # judged function itself where its gradient is held to its own loss): the reference's at grading,
    # the student's own in the self-check, where the check waits while another of them fails (see
    # blocked_by). Also the student's functions the judged one is built from (rnn_forward from
    # rnn_step_forward), for that wait.
    uses: tuple[str, ...] = ()


TASKS: dict[str, Task] = {}
CHECKS: dict[str, Check] = {}


def task(task_id: str, points: float) -> Task:
    if task_id in TASKS:
        raise ValueError(f"task {task_id} is registered twice")
    TASKS[task_id] = Task(task_id, points)
    return TASKS[task_id]


def register(task_: Task, name: str, run: Callable[..., None], /, *, expect: Callable | None = None,
             uses: tuple[str, ...] = (), **public_params) -> Check:
    check_id = f"{task_.id}.{name}"
    if check_id in CHECKS:
        raise ValueError(f"check {check_id} is registered twice")
    if expect is not None and "expected" not in public_params:
        raise ValueError(f"check {check_id} says how to make `expected` but has no public one")
    CHECKS[check_id] = Check(check_id, task_, run, public_params, expect, tuple(uses))
    return CHECKS[check_id]


def check(task_: Task, name: str, /, *, expect: Callable | None = None, uses: tuple[str, ...] = (),
          **public_params):
    """Decorator form of :func:`register`."""
    def decorate(run):
        register(task_, name, run, expect=expect, uses=uses, **public_params)
        return run
    return decorate


def load_all() -> None:
    """Register every assignment's tasks and checks (importing the package does it, once)."""
    from . import checks  # noqa: F401


def checks_for(target: str) -> list[Check]:
    """The checks of a check id, a task id or an assignment (``a01``), in registration order."""
    load_all()
    if target in CHECKS:
        return [CHECKS[target]]
    found = [c for c in CHECKS.values() if c.task.id == target or c.task.assignment == target]
    if not found:
        raise KeyError(f"no check or task named {target!r}")
    return found


def planned(target: str, params: dict) -> list[Check]:
    """What ``check(target, **params)`` runs: a task's public checks, or one check with inputs."""
    selected = checks_for(target)
    if params and len(selected) != 1:
        raise TypeError("inputs can be given to one check only, e.g. check('a01.sigmoid.values', z=...)")
    return selected


# The self-check's word for a check waiting on another function: an outcome's name (the same in
# every language) and, said with phrase(), what a student reads.
NOT_CHECKED_YET = N_("not checked yet")

# A later notebook *carries* functions pasted from earlier assignments (its test cells run their
# public checks: see autograder.notebook.carried_tasks). The self-check runs those checks on that
# notebook, for no points, as "a04/carried/a03.affine_forward.values".
CARRIED = "/carried/"
NOT_PASTED_YET = N_("not pasted yet")  # a carried function still a stub (an outcome's name, as NOT_CHECKED_YET)


def carried_id(notebook: str, check_id: str) -> str:
    return f"{notebook}{CARRIED}{check_id}"


def split_carried(self_check_id: str) -> tuple[str | None, str]:
    """``"a04/carried/a03.affine_forward.values"`` -> ``("a04", "a03.affine_forward.values")``; an
    assignment's own check -> ``(None, its id)``."""
    notebook, carried, check_id = self_check_id.partition(CARRIED)
    return (notebook, check_id) if carried else (None, self_check_id)


def carried_message(message: str, task_: Task) -> str:
    """A carried check's failure, said as one in the current language: a stub is "not pasted yet".
    A stub's message is known by :func:`autograder.calls.not_implemented`, in any language; the
    functions it names are its code spans (```f``` and, where the stub is a function ``f`` calls,
    ```g```), never its words."""
    from .calls import not_implemented

    source = say("Assignment {number}", number=int(task_.assignment[1:]))
    if not_implemented(message):
        fn, *others = re.findall(r"`([A-Za-z_]\w*)`", message) or [""]
        via = say(" (it calls `{origin}`, which)", origin=others[0]) if others else ""
        return say("{not_pasted_yet}: {what} Paste your code from {source} in its place.",
                   not_pasted_yet=phrase(NOT_PASTED_YET), source=source,
                   what=say("`{fn}`{via} still raises NotImplementedError.", fn=fn, via=via))
    return say("pasted from {source} (checked by its public checks, for no points here): {message}",
               source=source, message=message)


def blocked_by(item: Check, call, cache: dict[str, bool]) -> list[str]:
    """The functions ``item`` judges by (``Check.uses``) that fail their own checks, with the
    student's own functions as judges (the self-check): until those are fixed, ``item`` cannot tell
    whether its own function is right. A function with a task of its own fails when that task's
    public checks do; one of ``item``'s own task (a backward's forward) when a check of that task
    that calls it and no other of the student's functions fails: that failure is certainly its own.
    ``cache`` keeps each result."""
    blocked = []
    for fn in item.uses:
        task_id = f"{item.task.assignment}.{fn}"
        if task_id == item.task.id:
            continue
        if task_id in TASKS:
            if task_id not in cache:
                cache[task_id] = all(attempt(c, call) is None for c in checks_for(task_id))
            passes = cache[task_id]
        else:
            key = f"{item.task.id}:{fn}"
            if key not in cache:
                cache[key] = not _fails_alone(fn, item.task.id, call)
            passes = cache[key]
        if not passes:
            blocked.append(fn)
    return blocked


class _Recording:
    """A caller that notes which of the student's functions a check asks for."""

    def __init__(self, call):
        self.call, self.called = call, set()
        self.reference = getattr(call, "reference", None)
        self.warned, self.broke = getattr(call, "warned", []), getattr(call, "broke", [])

    def __call__(self, fn: str, *args):
        self.called.add(fn)
        return self.call(fn, *args)


def _fails_alone(fn: str, task_id: str, call) -> bool:
    """Does a public check of ``task_id`` that calls ``fn`` and no other student function fail?"""
    for other in checks_for(task_id):
        if fn in other.uses:
            continue
        recording = _Recording(call)
        if attempt(other, recording) is not None and recording.called == {fn}:
            return True
    return False


class SealedStudent(Exception):
    """A check asked the student's notebook for a value while the notebook was sealed: a bug of the
    check (it must ask the judge), never of the student."""


class StudentCalls:
    """The student's functions as :func:`attempt` hands them to a check: the caller itself, which
    can be *sealed*. At grading a numeric gradient is taken of the reference's functions only
    (``autograder.checks.common.judged_gradient``), and the student's notebook is sealed while it
    is: a check that differentiates the student's loss or forward by mistake (a closure over
    ``call``) then fails loudly, as the grader's problem, instead of letting a flat or caching
    forward make a zero gradient pass. In the self-check the judge is the student's own notebook
    (there is no reference), so sealing changes nothing there."""

    def __init__(self, call):
        self.call = call
        self.seals = 0

    @property
    def reference(self):  # what autograder.calls.reference_of looks for
        return getattr(self.call, "reference", None)

    def __call__(self, fn: str, *args):
        if self.seals:
            raise SealedStudent(say("the check asked the student's `{fn}` for a value while taking a numeric "
                                    "gradient, which at grading comes from the reference solution alone", fn=fn))
        return self.call(fn, *args)


@contextmanager
def sealed(call):
    """While the block runs, ``call`` (a check's :class:`StudentCalls`) refuses every call, if there is
    a reference to judge by; a bare caller (a check run outside :func:`attempt`) is left as it is."""
    if not isinstance(call, StudentCalls) or call.reference is None:
        yield
        return
    call.seals += 1
    try:
        yield
    finally:
        call.seals -= 1


def exception_summary(exc: BaseException) -> str:
    """``TypeError at autograder/checks/a01.py:95: ...``: the type, where it was raised (the last
    frame, relative to the folder holding the package) and the message, on one line."""
    frames = traceback.extract_tb(exc.__traceback__)
    kind, place = type(exc).__name__, None
    if frames:
        path = Path(frames[-1].filename)
        shown = path.relative_to(_PACKAGES) if path.is_relative_to(_PACKAGES) else path.name
        place = f"{shown}:{frames[-1].lineno}"
    message = " ".join(str(exc).split())[:300]
    if place is None:
        return f"{kind}: {message}" if message else kind
    if message:
        return say("{kind} at {place}: {message}", kind=kind, place=place, message=message)
    return say("{kind} at {place}", kind=kind, place=place)


_PACKAGES = Path(__file__).resolve().parents[1]


def _expected(item: Check, call, params: dict):
    """``item.expect`` on the reference; anything going wrong there is the grader's problem."""
    from .calls import ReferenceFailure, reference_of

    judge = reference_of(call)
    try:
        return item.expect(judge, **params)
    except ReferenceFailure:
        raise
    except Exception as exc:  # noqa: BLE001 -- the reference's value, not the student's
        if judge is call:  # no separate reference (self-check): the caller's own function failed
            raise
        raise ReferenceFailure(say("the expected value could not be made from the reference solution's ({summary})",
                                   summary=exception_summary(exc))) from None


def _graded_elsewhere(item: Check, fn: str) -> bool:
    """``fn`` is a function ``item`` judges by (its ``uses``) that a task of its own grades: a stated
    rule it breaks costs that task's checks, not this one's too (a backward's check calls the forward
    for its cache)."""
    task_id = f"{item.task.assignment}.{fn}"
    return fn in item.uses and task_id in TASKS and task_id != item.task.id


def attempt(item: Check, call, **inputs) -> str | None:
    """Run one check (public inputs, or ``inputs`` instead); None if it passed, else the message.

    Given inputs but no ``expected``, a check that says how (``Check.expect``) takes its expected
    value from the reference solution (:func:`autograder.calls.reference_of`): hidden tests draw
    inputs per student and never carry a value one student could pass on to another. Should the
    reference fail to make it, :class:`autograder.calls.ReferenceFailure` is raised: a problem of
    the grader, which no student is marked down for.

    Any other exception raised while the check judges a value is this check's failure too, not
    the end of grading. A check meets whatever the student's function returned (None, a dict, a
    deeply nested list...) and should refuse it through the ``expect_*`` helpers with a
    CheckFailure; one it did not foresee must cost the student this check only, never abort the
    grading of the submission or of the class. The same exception may instead be a bug in the
    grader: so the message names its type and the line that raised it, for the instructor who
    reads the report (grader bugs on correct answers are caught by the reference runs in the
    tests). BaseExceptions (KeyboardInterrupt, SystemExit) still stop the run.

    The message is said in the current language (:func:`autograder.messages.speaking`).
    """
    from .calls import CheckFailure, ReferenceFailure, StudentProblem, with_broken_rules, with_warnings

    params = {**item.params, **inputs}
    student = StudentCalls(call)
    warned = getattr(call, "warned", None)
    warned = warned if isinstance(warned, list) else []
    broke = getattr(call, "broke", None)  # stated input rules broken: they fail the check, with its value's
    broke = broke if isinstance(broke, list) else []  # verdict (autograder.calls.with_broken_rules)
    before, broke_before, outcome = len(warned), len(broke), None
    try:
        if inputs and "expected" not in inputs and item.expect is not None:
            del params["expected"]
            params["expected"] = _expected(item, call, params)
        item.run(student, **params)
    except ReferenceFailure:
        raise
    except SealedStudent as exc:  # the check's bug: left out of the score, and a person looks
        raise ReferenceFailure(f"{item.id}: {exc}") from None
    except StudentProblem as problem:
        outcome = problem.message
    except CheckFailure as failure:
        outcome = with_warnings(str(failure), warned[before:])
    except Exception as exc:  # noqa: BLE001 -- see the docstring
        outcome = say("the check could not judge the value your function returned ({summary}). Return what the "
                      "task asks for (its type and shape); if it does, tell your instructor.",
                      summary=exception_summary(exc))
    finally:
        broken = [note for fn, note in broke[broke_before:] if not _graded_elsewhere(item, fn)]
        del warned[before:], broke[broke_before:]  # noted for this check only
    return with_broken_rules(outcome, broken)
