"""The verdict shown in a notebook: the autograded notebook's test cells (and so the feedback page)
show the verdict's messages, in the submission's language, marked as the verdict's."""
from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from autograder.messages import N_, phrase, say, speaking
from autograder.notebook import cell_type, grade_id

from .verdict import SubmissionVerdict

HIDDEN_RAN = N_("hidden checks ran at grading")  # a test cell's last line in the feedback, where its hidden block was


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
    with speaking(verdict.language):
        _show_tasks(nb, {t.grade_id: t for t in verdict.tasks}, secret)


def _show_tasks(nb: dict, tasks: dict, secret: bytes) -> None:
    for cell in nb["cells"]:
        if cell_type(cell) != "code" or grade_id(cell) not in tasks:
            continue
        task = tasks[grade_id(cell)]
        cell["source"] = task.public_source + "\n# " + phrase(HIDDEN_RAN)
        if task.student_messages:
            cell["outputs"] = [{"output_type": "error", "ename": "CheckFailure",
                                "evalue": say("{count} check(s) failed", count=len(task.student_messages)),
                                "traceback": task.student_messages}]
        else:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                "text": say("✓ {task}: every check passed, hidden ones included",
                                            task=task.grade_id) + "\n"}]
        cell.setdefault("metadata", {})[VERDICT_MARK] = verdict_mark(secret, task.grade_id, cell["outputs"])


def rewrite_for_feedback(autograded: Path, verdict: SubmissionVerdict, secret: bytes) -> None:
    """:func:`show_verdict` on an autograded notebook file."""
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    show_verdict(nb, verdict, secret)
    autograded.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
