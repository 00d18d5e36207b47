"""The grade computed where no student code runs: regrading a submission from the source notebook.

The checks each graded cell asks for (public and hidden) are read from the instructor's source
notebook, run against the submission's functions in a sandboxed worker, and judged here, in a
process that never executed student code. The scores then replace nbgrader's in-kernel ones.
"""
from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.calls import StudentProblem, WorkerCaller
from autograder.notebook import NotebookError, read_cells
from autograder.sandbox import Limits
from autograder.registry import attempt, planned


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
    status: str = "graded"          # graded | review (graded; its structure was tampered with) |
    #                                 broken: grading itself could not be done (not recorded)
    reason: str = ""
    tasks: list[TaskVerdict] = field(default_factory=list)
    seed: int = 0                   # of the hidden inputs; the same student always gets the same

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tasks)


@dataclass
class GradedCell:
    grade_id: str
    points: float
    public_source: str                            # the cell without its hidden block
    calls: list[tuple[str, dict, bool]]           # (check target, inputs, hidden?)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _segments(source: str) -> list[tuple[str, bool]]:
    """The cell's code in order, each piece marked hidden or not."""
    pieces, rest = [], source
    while HIDDEN_BEGIN in rest:
        before, _, after = rest.partition(HIDDEN_BEGIN)
        hidden, _, rest = after.partition(HIDDEN_END)
        pieces += [(before, False), (hidden, True)]
    return pieces + [(rest, False)]


def submission_seed(student: str, assignment: str) -> int:
    """The seed of a submission's hidden inputs: fixed by who and what, unknown in advance."""
    return int.from_bytes(hashlib.sha256(f"{assignment}/{student}".encode()).digest()[:8], "big")


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
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        calls: list[tuple[str, dict, bool]] = []
        namespace = {"np": np, "grading_rng": rng}
        public = []
        for code, hidden in _segments(_source(cell)):
            namespace["check"] = lambda target, /, _h=hidden, **params: calls.append((target, params, _h))
            exec(compile(code, f"<{meta['grade_id']}>", "exec"), namespace)  # noqa: S102
            if not hidden:
                public.append(code)
        found.append(GradedCell(meta["grade_id"], float(meta.get("points", 0)),
                                "".join(public).rstrip(), calls))
    return found


# What a failed hidden check may tell a student: the kind of problem, never inputs or values.
_KINDS = (("not implemented yet", "not implemented yet"),
          ("took longer", "took too long and was stopped"), ("not run again", "took too long and was stopped"),
          ("changed its input", "changed its input in place"),
          ("numerical warning", "emitted a numerical warning (overflow or division by zero)"),
          ("gradient check failed", "its gradient does not match the numeric gradient"),
          (" raised ", "raised an error"), ("dtype", "returned the wrong dtype"),
          ("shape", "returned the wrong shape"))


def hidden_summary(number: int, task: str, message: str) -> str:
    kind = next((said for words, said in _KINDS if words in message), "returned a wrong value")
    return f"hidden check {number} of `{task}`: {kind}"


# A submission's whole grading may take this long; what is left after it is reported, not run.
SUBMISSION_SECONDS = 300.0


def grade_submission(source_notebook: Path, submission: Path, student: str, assignment: str, *,
                     limits: Limits = Limits(), hide: tuple[Path, ...] = (),
                     time_cap: float = SUBMISSION_SECONDS) -> SubmissionVerdict:
    """Grade one submission in a sandboxed worker that cannot see the paths in ``hide``."""
    verdict = SubmissionVerdict(student, assignment, seed=submission_seed(student, assignment))
    if not submission.is_file():
        verdict.status, verdict.reason = "broken", f"no notebook at {submission} (wrong name?)"
        return verdict
    caller = WorkerCaller(submission, limits, hide)
    deadline = time.monotonic() + time_cap
    try:
        caller.start()
    except StudentProblem as problem:  # the notebook itself cannot be read or loaded
        caller.close()
        verdict.status, verdict.reason = "broken", problem.message
        return verdict
    try:
        for cell in graded_cells(source_notebook, verdict.seed):
            task = TaskVerdict(cell.grade_id, cell.points, public_source=cell.public_source)
            verdict.tasks.append(task)
            if time.monotonic() > deadline:
                task.status, task.score = "not graded", 0.0
                task.messages.append(f"not graded: the submission used up its {time_cap:g} s of grading time")
                verdict.status = "broken"
                verdict.reason = f"grading time cap of {time_cap:g} s reached; later tasks were not graded"
                continue
            hidden_number = 0
            for target, params, hidden in cell.calls:
                for item in planned(target, params):
                    hidden_number += hidden
                    message = attempt(item, caller, **params)
                    if message is None:
                        continue
                    task.messages.append(f"{item.id}{' (hidden)' if hidden else ''}: {message}")
                    task.student_messages.append(
                        hidden_summary(hidden_number, item.task.name, message) if hidden
                        else f"{item.id}: {message}")
            task.status = "failed" if task.messages else "passed"
            task.score = 0.0 if task.messages else cell.points
    finally:
        caller.close()
    problem = submission_problem(source_notebook, submission)
    if problem and verdict.status == "graded":
        # The answers were graded against the source's checks, so the scores stand; the
        # instructor is told what the student's notebook did to its structure.
        verdict.status, verdict.reason = "review", problem
    return verdict


def submission_problem(source_notebook: Path, submission: Path) -> str:
    """Why the submission's structure breaks grading, or "": duplicate cell ids, or graded cells
    of the source that the submission deleted or turned into another kind of cell."""
    try:
        cells = read_cells(submission)
    except NotebookError as exc:
        return str(exc)
    ids = [c.get("id") for c in cells if isinstance(c, dict) and c.get("id")]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        return (f"duplicate cell ids {twice} (a copied cell?); graded from the answer cells, "
                "but nbgrader's own view of this notebook may be off: check it by hand")
    present = {((c.get("metadata") or {}).get("nbgrader") or {}).get("grade_id"): c.get("cell_type")
               for c in cells if isinstance(c, dict)}
    wrong = []
    for cell in read_cells(source_notebook):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") or meta.get("solution"):
            kind = present.get(meta.get("grade_id"))
            if kind != cell.get("cell_type"):
                wrong.append(f"{meta.get('grade_id')} ({'deleted' if kind is None else 'turned into ' + str(kind)})")
    if wrong:
        return ("graded or answer cells deleted or re-typed: " + ", ".join(wrong)
                + "; graded with the source's checks, but check this submission by hand")
    return ""


def rewrite_for_feedback(autograded: Path, verdict: SubmissionVerdict) -> None:
    """Make the autograded notebook show the verdict: test cells lose their hidden blocks, and
    their outputs become the verdict's student messages (nbgrader's feedback renders this file)."""
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    tasks = {t.grade_id: t for t in verdict.tasks}
    for cell in nb["cells"]:
        grade_id = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
        if cell.get("cell_type") != "code" or grade_id not in tasks:
            continue
        task = tasks[grade_id]
        cell["source"] = task.public_source + "\n# hidden checks ran at grading"
        if task.student_messages:
            cell["outputs"] = [{"output_type": "error", "ename": "CheckFailure",
                                "evalue": f"{len(task.student_messages)} check(s) failed",
                                "traceback": task.student_messages}]
        else:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                "text": f"✓ {grade_id}: every check passed, hidden ones included\n"}]
    autograded.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_report(verdicts: list[SubmissionVerdict], path: Path) -> Path:
    """One row per task and submission, with a status and the reason: no silent zeros."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["assignment", "student", "status", "task", "score", "max_score", "hidden_seed",
                      "reason"])
        for v in verdicts:
            if v.status != "graded":
                out.writerow([v.assignment, v.student, v.status, "", "", "", v.seed, v.reason])
            for t in v.tasks:
                out.writerow([v.assignment, v.student, t.status, t.grade_id, t.score, t.points, v.seed,
                              " | ".join(m.replace("\n", " ")[:500] for m in t.messages)])
    return path
