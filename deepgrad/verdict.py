"""The grade computed where no student code runs: regrading a submission from the source notebook.

The checks each graded cell asks for (public and hidden) are read from the instructor's source
notebook, run against the submission's functions in a sandboxed worker, and judged here, in a
process that never executed student code. The scores then replace nbgrader's in-kernel ones.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.calls import ReferenceFailure, StudentProblem, WorkerCaller
from autograder.notebook import (NotebookError, cell_id, cell_source, cell_type, grade_id, nbgrader_meta,
                                 read_cells)
from autograder.sandbox import Limits
from autograder.registry import attempt, planned

from .course import CourseError


HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


@dataclass
class TaskVerdict:
    grade_id: str
    points: float
    score: float = 0.0
    status: str = "passed"          # passed | failed
    messages: list[str] = field(default_factory=list)          # full, for the instructor
    student_messages: list[str] = field(default_factory=list)  # nothing hidden in them
    public_source: str = ""                                    # the test cell without hidden tests


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


def submission_seed(student: str, assignment: str, secret: bytes) -> int:
    """The seed of a submission's hidden inputs: fixed by who and what, and by the course's
    secret (see :func:`course_secret`), so no one without it can work out
    anyone's hidden inputs in advance, while the instructor can reproduce every one."""
    digest = hmac.new(secret, f"{assignment}/{student}".encode(), hashlib.sha256).digest()
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


# What a failed hidden check may tell a student: the kind of problem, never inputs or values.
_KINDS = (("could not judge", "returned a value the check could not judge"),
          ("not implemented yet", "not implemented yet"),
          ("took longer", "took too long and was stopped"), ("not run again", "took too long and was stopped"),
          ("changed its input", "changed its input in place"),
          ("numerical warning", "emitted a numerical warning (overflow or division by zero)"),
          ("numeric gradient is not finite",
           "its loss is not finite near the inputs, so its gradient could not be checked"),
          ("gradient check failed", "its gradient does not match the numeric gradient"),
          (" raised ", "raised an error"), ("dtype", "returned the wrong dtype"),
          ("shape", "returned the wrong shape"))


def hidden_summary(number: int, task: str, message: str) -> str:
    kind = next((said for words, said in _KINDS if words in message), "returned a wrong value")
    return f"hidden check {number} of `{task}`: {kind}"


# A submission's whole grading may take this long; what is left after it is reported, not run.
SUBMISSION_SECONDS = 300.0


def grade_submission(source_notebook: Path, submission: Path, student: str, assignment: str, *,
                     secret: bytes, limits: Limits = Limits(), sandboxed: bool | None = None,
                     time_cap: float = SUBMISSION_SECONDS,
                     reference: WorkerCaller | None = None) -> SubmissionVerdict:
    """Grade one submission in a sandboxed worker (see :class:`autograder.sandbox.Worker` for
    ``sandboxed``).

    ``submission`` is read here and by the worker only: under ``deepgrad autograde`` it is the
    grader's private snapshot of the submitted notebook (:mod:`deepgrad.snapshot`).

    ``reference`` serves the source notebook's own solution (:func:`reference_worker`; one is made
    and closed here if none is given), in a worker of its own that never holds student code: the
    loss a gradient is checked against, and the forward a backward is, are the reference's."""
    verdict = SubmissionVerdict(student, assignment, seed=submission_seed(student, assignment, secret))
    if not submission.is_file():
        verdict.status, verdict.reason = "broken", f"no notebook at {submission} (wrong name?)"
        return verdict
    try:  # a notebook no reader can make sense of is refused before any worker starts
        read_cells(submission)
    except NotebookError as exc:
        verdict.status, verdict.reason = "broken", str(exc)
        return verdict
    caller = WorkerCaller(submission, limits, sandboxed=sandboxed)
    own_reference = reference is None
    caller.reference = reference_worker(source_notebook, limits, sandboxed) if own_reference else reference
    deadline = time.monotonic() + time_cap
    # The cap kills the sandbox when it runs out, whatever call is under way: a check that never
    # returns cannot hold the submission past it.
    timer = threading.Timer(time_cap, caller.worker.expire,
                            (f"the submission used up its {time_cap:g} s of grading time",))
    timer.daemon = True
    timer.start()
    try:  # closed whatever happens, also if starting it fails in a way no one foresaw
        try:
            caller.start()
        except StudentProblem:
            if not caller.worker.expired:
                raise
        for cell in graded_cells(source_notebook, verdict.seed):
            verdict.tasks.append(_grade_cell(cell, caller, deadline, time_cap, verdict))
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


def _grade_cell(cell: GradedCell, caller, deadline: float, time_cap: float,
                verdict: SubmissionVerdict) -> TaskVerdict:
    """One graded cell's checks, public and hidden; past the deadline it is not run at all."""
    task = TaskVerdict(cell.grade_id, cell.points, public_source=cell.public_source)
    if time.monotonic() > deadline or caller.worker.expired:
        return _not_graded(task, time_cap, verdict)
    hidden_number = 0
    for target, params, hidden in cell.calls:
        for item in planned(target, params):
            hidden_number += hidden
            try:
                message = attempt(item, caller, **params)
            except ReferenceFailure as failure:
                # The grader's problem: the check is left out of the score and a person looks.
                task.messages.append(f"{item.id}{' (hidden)' if hidden else ''}: not judged: {failure}")
                if verdict.status == "graded":
                    verdict.status = "review"
                    verdict.reason = f"{item.id} could not be judged: {failure}"
                continue
            if message is None:
                continue
            task.messages.append(f"{item.id}{' (hidden)' if hidden else ''}: {message}")
            task.student_messages.append(
                hidden_summary(hidden_number, item.task.name, message) if hidden
                else f"{item.id}: {message}")
    if caller.worker.expired:  # the cap killed the sandbox part way through this task's checks
        return _not_graded(TaskVerdict(cell.grade_id, cell.points, public_source=cell.public_source),
                           time_cap, verdict)
    failed = bool(task.student_messages)
    task.status = "failed" if failed else "passed"
    task.score = 0.0 if failed else cell.points
    return task


def _not_graded(task: TaskVerdict, time_cap: float, verdict: SubmissionVerdict) -> TaskVerdict:
    task.status, task.score = "not graded", 0.0
    task.messages.append(f"not graded: the submission used up its {time_cap:g} s of grading time")
    verdict.status = "broken"
    verdict.reason = f"grading time cap of {time_cap:g} s reached; later tasks were not graded"
    return task


def submission_problem(source_notebook: Path, submission: Path) -> str:
    """Why the submission's structure breaks grading, or "": duplicate cell ids, or graded cells
    of the source that the submission deleted or turned into another kind of cell. Any JSON
    shape is read (see the accessors of :mod:`autograder.notebook`)."""
    try:
        cells = read_cells(submission)
    except NotebookError as exc:
        return str(exc)
    ids = [i for i in map(cell_id, cells) if i]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        return (f"duplicate cell ids {twice} (a copied cell?); graded from the answer cells, "
                "but nbgrader's own view of this notebook may be off: check it by hand")
    present = {grade_id(c): cell_type(c) for c in cells}
    wrong = []
    for cell in read_cells(source_notebook):
        meta = nbgrader_meta(cell)
        if meta.get("grade") or meta.get("solution"):
            kind = present.get(grade_id(cell))
            if kind != cell_type(cell):
                wrong.append(f"{grade_id(cell)} ({'deleted' if kind is None else 'turned into ' + kind})")
    if wrong:
        return ("graded or answer cells deleted or re-typed: " + ", ".join(wrong)
                + "; graded with the source's checks, but check this submission by hand")
    return ""


# Test cells whose outputs the verdict wrote carry this mark in their metadata: an HMAC, under the
# course secret, of the cell's id and outputs. Feedback shows a test cell's outputs only with a
# valid mark, so outputs from anywhere else (an autograded notebook made without deepgrad, a
# student's forged metadata) never reach a student.
VERDICT_MARK = "deepgrad_verdict"


def verdict_mark(secret: bytes, grade: str, outputs) -> str:
    text = json.dumps([grade, outputs], sort_keys=True, ensure_ascii=True, default=str)
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def has_verdict_mark(cell: dict, secret: bytes) -> bool:
    metadata = cell.get("metadata")
    mark = metadata.get(VERDICT_MARK) if isinstance(metadata, dict) else None
    return type(mark) is str and hmac.compare_digest(
        mark, verdict_mark(secret, str(grade_id(cell)), cell.get("outputs")))


def show_verdict(nb: dict, verdict: SubmissionVerdict, secret: bytes) -> None:
    """Make a notebook (the autograded one, in memory) show the verdict: test cells lose their
    hidden blocks, and their outputs become the verdict's student messages, marked as the verdict's
    (nbgrader's feedback renders this notebook)."""
    tasks = {t.grade_id: t for t in verdict.tasks}
    for cell in nb["cells"]:
        if cell_type(cell) != "code" or grade_id(cell) not in tasks:
            continue
        task = tasks[grade_id(cell)]
        cell["source"] = task.public_source + "\n# hidden checks ran at grading"
        if task.student_messages:
            cell["outputs"] = [{"output_type": "error", "ename": "CheckFailure",
                                "evalue": f"{len(task.student_messages)} check(s) failed",
                                "traceback": task.student_messages}]
        else:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                "text": f"✓ {task.grade_id}: every check passed, hidden ones included\n"}]
        cell.setdefault("metadata", {})[VERDICT_MARK] = verdict_mark(secret, task.grade_id, cell["outputs"])


def rewrite_for_feedback(autograded: Path, verdict: SubmissionVerdict, secret: bytes) -> None:
    """:func:`show_verdict` on an autograded notebook file."""
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    show_verdict(nb, verdict, secret)
    autograded.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


REPORT_COLUMNS = ["assignment", "student", "status", "task", "score", "max_score", "hidden_seed", "reason",
                  "sandbox"]


def report_rows(verdict: SubmissionVerdict) -> list[list]:
    """The submission's own row (no task: its status graded, review or broken, its total score
    and reason), then one row per task. Messages are kept whole, each on one line."""
    v = verdict
    rows = [[v.assignment, v.student, v.status, "", v.score, sum(t.points for t in v.tasks), v.seed, v.reason,
             v.sandbox]]
    for t in v.tasks:
        rows.append([v.assignment, v.student, t.status, t.grade_id, t.score, t.points, v.seed,
                     " | ".join(" ".join(m.split()) for m in t.messages), v.sandbox])
    return rows


def write_report(verdicts: list[SubmissionVerdict], path: Path) -> Path:
    """A row per submission and one per task, each with a status and the reason: no silent zeros.

    Rows of other submissions that the file already holds are kept: grading some students
    (again) replaces only their rows. The file is replaced whole, never left half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    graded = {(v.assignment, v.student) for v in verdicts}
    kept = [row for row in _existing_rows(path) if (row[0], row[1]) not in graded]
    rows = kept + [row for v in verdicts for row in report_rows(v)]
    rows.sort(key=lambda row: (str(row[0]), str(row[1])))  # each submission's rows keep their order
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(REPORT_COLUMNS)
        out.writerows(rows)
    os.replace(partial, path)
    return path


def _existing_rows(path: Path) -> list[list[str]]:
    """The rows of an earlier report (written by this module; never by student code), if its
    columns are this version's; an older or foreign file is kept beside as ``<name>.old``."""
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if rows and rows[0] == REPORT_COLUMNS:
        return [row for row in rows[1:] if len(row) == len(REPORT_COLUMNS)]
    os.replace(path, path.with_name(path.name + ".old"))
    return []
