"""The grade computed where no student code runs: regrading a submission from the source notebook.

The checks each graded cell asks for (public and hidden) are read from the instructor's source
notebook, run against the submission's functions in a sandboxed worker, and judged here, in a
process that never executed student code. The scores then replace nbgrader's in-kernel ones.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.bounded import Messages, bounded
from autograder.calls import ReferenceFailure, StudentProblem, WorkerCaller
from autograder.messages import (
    SOURCE_LANGUAGE,
    language_of,
    overridden,
    say,
    speaking,
)
from autograder.notebook import (
    NotebookError,
    cell_id,
    cell_source,
    cell_type,
    grade_id,
    nbgrader_meta,
    parse_notebook,
    read_cells,
)
from autograder.registry import attempt, planned
from autograder.sandbox import Limits

from ..base.errors import CourseError

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# A check the reference could not judge says so in the report (an instructor's problem, in English):
# "a01.sigmoid.values: not judged: ...". Every other message is said in the submission's language.
NOT_JUDGED = "not judged"


@dataclass
class TaskVerdict:
    grade_id: str
    points: float
    score: float = 0.0
    status: str = "passed"          # passed | failed
    messages: list[str] = field(default_factory=list)          # full, for the instructor
    student_messages: list[str] = field(default_factory=list)  # nothing hidden in them
    public_source: str = ""                                    # the test cell without hidden tests

    def __setattr__(self, name, value):
        # Each message is cut as it is made (autograder.bounded): it may quote student output, and it
        # goes into the feedback notebook and the report whole.
        if name in ("messages", "student_messages"):
            value = Messages(value)
        super().__setattr__(name, value)


@dataclass
class SubmissionVerdict:
    student: str
    assignment: str
    status: str = "graded"          # graded | review (graded, but its structure was tampered with
    #                                 or a check could not be judged: a person should look) |
    #                                 broken: grading could not be done, or not to the end
    reason: str = ""
    tasks: list[TaskVerdict] = field(default_factory=list)
    seed: int = 0                   # of the hidden inputs; the same student always gets the same
    sandbox: str = "bubblewrap"     # where its code ran: "bubblewrap", or NO_SANDBOX when told so
    snapshot: bytes | None = field(default=None, repr=False)  # the notebook graded, as read once
    # what its messages are said in: its notebook's edition (metadata.deepgrad.language), or DEEPGRAD_LANG
    language: str = SOURCE_LANGUAGE

    def __setattr__(self, name, value):
        if name == "reason":  # however it is set (it may quote the student's traceback): cut
            value = bounded(value)
        super().__setattr__(name, value)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tasks)


@dataclass
class GradedCell:
    grade_id: str
    points: float
    public_source: str                            # the cell without its hidden block
    calls: list[tuple[str, dict, bool]]           # (check target, inputs, hidden?)


def _segments(source: str) -> list[tuple[str, bool]]:
    """The cell's code in order, each piece marked hidden or not."""
    pieces, rest = [], source
    while HIDDEN_BEGIN in rest:
        before, _, after = rest.partition(HIDDEN_BEGIN)
        hidden, _, rest = after.partition(HIDDEN_END)
        pieces += [(before, False), (hidden, True)]
    return pieces + [(rest, False)]


# In the course root, git-ignored and hidden from student code like every private file there.
SECRET_FILE = ".deepgrad-secret"


def course_secret(course: Path) -> bytes:
    """The course's secret for hidden-input seeds: 32 random bytes, kept as hex in
    ``SECRET_FILE`` (mode 0600), made on first use and read on every run after, so a grade
    can be reproduced as long as the file is kept. Losing it changes every student's hidden inputs."""
    path = Path(course) / SECRET_FILE
    if not path.exists():
        fresh = path.with_name(f"{SECRET_FILE}.{secrets.token_hex(8)}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(fresh, path)  # all or nothing: a concurrent run that made one first wins
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise CourseError(f"{path} does not hold a deepgrad secret (64 hex digits). Restore it from a "
                          "backup to keep every student's hidden inputs, or delete it to make a new one "
                          "(every submission then meets new hidden inputs).")
    return bytes.fromhex(text)


def submission_seed(student: str, assignment: str, secret: bytes, content: bytes = b"") -> int:
    """The seed of a submission's hidden inputs: fixed by who, what and which version (``content``:
    the notebook's bytes as graded), and by the course's secret (see :func:`course_secret`). No one
    without the secret can work out anyone's hidden inputs in advance; grading the same notebook
    again draws the same inputs (the grade is reproduced), and a changed notebook meets new ones, so
    a table of answers learnt from one feedback is worth nothing on the next submission."""
    version = hashlib.sha256(content).hexdigest()
    digest = hmac.new(secret, f"{assignment}/{student}/{version}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def graded_cells(source_notebook: Path, seed: int | None = None) -> list[GradedCell]:
    """Each graded cell of the source with the check(...) calls it makes, public and hidden.

    The instructor's cells are trusted code: they run here with a recording ``check``, and with
    ``grading_rng`` seeded by ``seed`` (None: the notebook's own seed).
    """
    from autograder.api import grading_rng

    def rng():
        return grading_rng() if seed is None else np.random.default_rng(seed)

    cells = json.loads(Path(source_notebook).read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        meta = nbgrader_meta(cell)
        if cell_type(cell) != "code" or not meta.get("grade"):
            continue
        calls: list[tuple[str, dict, bool]] = []
        namespace = {"np": np, "grading_rng": rng}
        public = []
        for code, hidden in _segments(cell_source(cell)):
            namespace["check"] = lambda target, /, _h=hidden, **params: calls.append((target, params, _h))
            exec(compile(code, f"<{meta['grade_id']}>", "exec"), namespace)  # noqa: S102
            if not hidden:
                public.append(code)
        found.append(GradedCell(meta["grade_id"], float(meta.get("points", 0)),
                                "".join(public).rstrip(), calls))
    return found


# What a failed hidden check may tell a student: that it failed, nothing more. Its inputs and
# expected values are secret, and so is the *kind* of failure: student code chooses it (loop, raise,
# return garbage) after seeing the hidden input, so a kind per check would carry bits of that input
# out in the feedback. The public checks, run before any hidden one, say what is wrong and why.
def hidden_summary(number: int, task: str) -> str:
    return say("hidden check {number} of `{task}`: failed (it uses inputs other than the public checks'; its inputs "
               "and the kind of failure are not shown)", number=number, task=task)


# A submission's whole grading may take this long; what is left after it is reported, not run.
SUBMISSION_SECONDS = 300.0


def grade_submission(source_notebook: Path, submission: Path, student: str, assignment: str, *,
                     secret: bytes, limits: Limits = Limits(), sandboxed: bool | None = None,
                     time_cap: float = SUBMISSION_SECONDS,
                     reference: WorkerCaller | None = None) -> SubmissionVerdict:
    """Grade one submission in a sandboxed worker (see :class:`autograder.sandbox.Worker` for
    ``sandboxed``).

    ``submission`` is read here and by the worker only: under ``deepgrad autograde`` it is the
    grader's private snapshot of the submitted notebook (:mod:`deepgrad.base.snapshot`).

    ``reference`` serves the source notebook's own solution (:func:`reference_worker`; one is made
    and closed here if none is given), in a worker of its own that never holds student code: the
    loss a gradient is checked against, and the forward a backward is, are the reference's."""
    verdict = SubmissionVerdict(student, assignment, seed=submission_seed(student, assignment, secret))
    if not submission.is_file():
        verdict.status, verdict.reason = "broken", f"no notebook at {submission} (wrong name?)"
        return verdict
    data = submission.read_bytes()
    verdict.seed = submission_seed(student, assignment, secret, data)
    try:  # a notebook no reader can make sense of is refused before any worker starts
        verdict.language = _override() or language_of(parse_notebook(data, str(submission)).get("metadata"))
    except NotebookError as exc:
        verdict.status, verdict.reason = "broken", str(exc)
        return verdict
    with speaking(verdict.language):
        return _graded(source_notebook, submission, verdict, limits, sandboxed, time_cap, reference)


def _override() -> str | None:
    """DEEPGRAD_LANG's language, or a CourseError saying which the course has."""
    try:
        return overridden()
    except ValueError as exc:
        raise CourseError(str(exc)) from None


def _graded(source_notebook: Path, submission: Path, verdict: SubmissionVerdict, limits: Limits,
            sandboxed: bool | None, time_cap: float, reference: WorkerCaller | None) -> SubmissionVerdict:
    """:func:`grade_submission` of a notebook that reads, in its language."""
    caller = WorkerCaller(submission, limits, sandboxed=sandboxed)
    own_reference = reference is None
    caller.reference = reference_worker(source_notebook, limits, sandboxed) if own_reference else reference
    deadline = time.monotonic() + time_cap
    # The cap kills the sandbox when it runs out, whatever call is under way: a check that never
    # returns cannot hold the submission past it.
    timer = threading.Timer(time_cap, caller.worker.expire,
                            (say("the submission used up its {seconds:g} s of grading time", seconds=time_cap),))
    timer.daemon = True
    timer.start()
    try:  # closed whatever happens, also if starting it fails in a way no one foresaw
        try:
            caller.start()
        except StudentProblem:
            if not caller.worker.expired:
                raise
        verdict.tasks = _grade_cells(graded_cells(source_notebook, verdict.seed), caller, deadline, time_cap,
                                     verdict)
    except StudentProblem as problem:  # from start(): the notebook cannot be read or loaded
        verdict.status, verdict.reason = "broken", problem.message
        return verdict
    finally:
        timer.cancel()
        caller.close()
        if own_reference:
            caller.reference.close()
    problem = submission_problem(source_notebook, submission)
    if problem and verdict.status == "graded":
        # The answers were graded against the source's checks, so the scores stand; the
        # instructor is told what the student's notebook did to its structure.
        verdict.status, verdict.reason = "review", problem
    return verdict


def reference_worker(source_notebook: Path, limits: Limits = Limits(),
                     sandboxed: bool | None = None) -> WorkerCaller:
    """The reference solution (the source notebook's solution cells) in a sandboxed worker of its
    own, started on first use; one can serve every submission of a run."""
    return WorkerCaller(source_notebook, limits, sandboxed=sandboxed)


def _grade_cells(cells: list[GradedCell], caller, deadline: float, time_cap: float,
                 verdict: SubmissionVerdict) -> list[TaskVerdict]:
    """Every graded cell's checks: all public checks first, then all hidden ones.

    The order keeps hidden inputs secret: student code sees no hidden input before every message
    a student may read in full (the public checks', which carry its tracebacks) has been written,
    so a function that records its inputs has no hidden one to tell. Once it has met hidden inputs,
    all that leaves is pass or fail (:func:`hidden_summary`). Should the time cap run out, no task
    is graded (said alike for all, so where it ran out tells nothing either)."""
    tasks = [TaskVerdict(cell.grade_id, cell.points, public_source=cell.public_source) for cell in cells]
    numbers = [0] * len(cells)  # hidden checks met so far, per task
    cut = False
    for hidden_phase in (False, True):
        for index, cell in enumerate(cells):
            cut = cut or time.monotonic() > deadline or caller.worker.expired
            if not cut:
                numbers[index] = _run_checks(cell, tasks[index], caller, verdict, hidden_phase, numbers[index])
    if cut or caller.worker.expired:  # (the cap may have killed the sandbox during the last checks)
        return [_not_graded(TaskVerdict(t.grade_id, t.points, public_source=t.public_source), time_cap, verdict)
                for t in tasks]
    for task in tasks:
        failed = bool(task.student_messages)
        task.status = "failed" if failed else "passed"
        task.score = 0.0 if failed else task.points
    return tasks


def _run_checks(cell: GradedCell, task: TaskVerdict, caller, verdict: SubmissionVerdict, hidden_phase: bool,
                hidden_number: int) -> int:
    """The cell's public checks, or its hidden ones, into ``task``; the hidden checks numbered so far."""
    for target, params, hidden in cell.calls:
        if hidden != hidden_phase:
            continue
        for item in planned(target, params):
            hidden_number += hidden
            try:
                message = attempt(item, caller, **params)
            except ReferenceFailure as failure:
                # The grader's problem: the check is left out of the score and a person looks.
                # (the instructor's to read, in the instructor's English; deepgrad.commands.class_report reads it)
                task.messages.append(f"{_label(item.id, hidden)}: {NOT_JUDGED}: {failure}")
                if verdict.status == "graded":
                    verdict.status = "review"
                    verdict.reason = f"{item.id} could not be judged: {failure}"
                continue
            if message is None:
                continue
            task.messages.append(f"{_label(item.id, hidden)}: {message}")
            task.student_messages.append(hidden_summary(hidden_number, item.task.name) if hidden
                                         else f"{item.id}: {message}")
    return hidden_number


def _label(check_id: str, hidden: bool) -> str:
    """A message's check, as the report reads it: "a01.sigmoid.values" or "a01.sigmoid.values (hidden)"
    (the same in every language: deepgrad.commands.class_report parses it)."""
    return f"{check_id} (hidden)" if hidden else check_id


def _not_graded(task: TaskVerdict, time_cap: float, verdict: SubmissionVerdict) -> TaskVerdict:
    task.status, task.score = "not graded", 0.0
    task.messages.append(say("not graded: the submission used up its {seconds:g} s of grading time", seconds=time_cap))
    verdict.status = "broken"
    verdict.reason = f"grading time cap of {time_cap:g} s reached; later tasks were not graded"  # the instructor's
    return task


# How many duplicate cell ids a reason names; the rest are counted.
SHOWN_IDS = 10


def submission_problem(source_notebook: Path, submission: Path) -> str:
    """Why the submission's structure breaks grading, or "": duplicate cell ids, or graded cells
    of the source that the submission deleted or turned into another kind of cell. Any JSON
    shape is read (see the accessors of :mod:`autograder.notebook`)."""
    try:
        cells = read_cells(submission)
    except NotebookError as exc:
        return str(exc)
    counts = Counter(i for i in map(cell_id, cells) if i)  # one pass: a notebook may have 100,000 cells
    twice = sorted(i for i, n in counts.items() if n > 1)
    if twice:
        named = ", ".join(repr(bounded(i, 80)) for i in twice[:SHOWN_IDS])
        more = say(" and {count} more", count=len(twice) - SHOWN_IDS) if len(twice) > SHOWN_IDS else ""
        return say("duplicate cell ids [{named}{more}] (a copied cell?); graded from the answer cells, but nbgrader's "
                   "own view of this notebook may be off: check it by hand", named=named, more=more)
    present = {grade_id(c): cell_type(c) for c in cells}
    wrong = []
    for cell in read_cells(source_notebook):
        meta = nbgrader_meta(cell)
        if meta.get("grade") or meta.get("solution"):
            kind = present.get(grade_id(cell))
            if kind != cell_type(cell):
                wrong.append(say("{cell} (deleted)", cell=grade_id(cell)) if kind is None
                             else say("{cell} (turned into {kind})", cell=grade_id(cell), kind=kind))
    if wrong:
        return say("graded or answer cells deleted or re-typed: {cells}; graded with the source's checks, but check "
                   "this submission by hand", cells=", ".join(wrong))
    return ""
