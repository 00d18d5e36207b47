"""The grade computed where no student code runs: regrading a submission from the source notebook.

The checks each graded cell asks for (public and hidden) are read from the instructor's source
notebook, run against the submission's functions in a sandboxed worker, and judged here, in a
process that never executed student code. The scores then replace nbgrader's in-kernel ones.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.calls import StudentProblem, WorkerCaller
from autograder.registry import attempt, planned


@dataclass
class TaskVerdict:
    grade_id: str
    points: float
    score: float = 0.0
    status: str = "passed"          # passed | failed
    messages: list[str] = field(default_factory=list)


@dataclass
class SubmissionVerdict:
    student: str
    assignment: str
    status: str = "graded"          # graded | broken: grading itself could not be done
    reason: str = ""
    tasks: list[TaskVerdict] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tasks)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def graded_cells(source_notebook: Path) -> list[tuple[str, float, list[tuple[str, dict]]]]:
    """(grade_id, points, the check(...) calls of the cell) for each graded cell of the source.

    The instructor's cells are trusted code: they run here with a recording ``check``.
    """
    cells = json.loads(Path(source_notebook).read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        calls: list[tuple[str, dict]] = []
        namespace = {"np": np, "check": lambda target, /, **params: calls.append((target, params))}
        exec(compile(_source(cell), f"<{meta['grade_id']}>", "exec"), namespace)  # noqa: S102
        found.append((meta["grade_id"], float(meta.get("points", 0)), calls))
    return found


def grade_submission(source_notebook: Path, submission: Path, student: str, assignment: str,
                     caller_factory=WorkerCaller) -> SubmissionVerdict:
    verdict = SubmissionVerdict(student, assignment)
    if not submission.is_file():
        verdict.status, verdict.reason = "broken", f"no notebook at {submission} (wrong name?)"
        return verdict
    caller = caller_factory(submission)
    try:
        caller.start()
    except StudentProblem as problem:  # the notebook itself cannot be read or loaded
        caller.close()
        verdict.status, verdict.reason = "broken", problem.message
        return verdict
    try:
        for grade_id, points, calls in graded_cells(source_notebook):
            task = TaskVerdict(grade_id, points)
            for target, params in calls:
                for item in planned(target, params):
                    message = attempt(item, caller, **params)
                    if message is not None:
                        task.messages.append(f"{item.id}: {message}")
            task.status = "failed" if task.messages else "passed"
            task.score = 0.0 if task.messages else points
            verdict.tasks.append(task)
    finally:
        caller.close()
    return verdict


def write_report(verdicts: list[SubmissionVerdict], path: Path) -> Path:
    """One row per task and submission, with a status and the reason: no silent zeros."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["assignment", "student", "status", "task", "score", "max_score", "reason"])
        for v in verdicts:
            if v.status != "graded":
                out.writerow([v.assignment, v.student, v.status, "", "", "", v.reason])
            for t in v.tasks:
                out.writerow([v.assignment, v.student, t.status, t.grade_id, t.score, t.points,
                              " | ".join(m.replace("\n", " ")[:500] for m in t.messages)])
    return path
