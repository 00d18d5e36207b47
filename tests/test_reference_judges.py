"""At grading, does each check judge the one function it names, against the reference solution?

The loss a gradient is checked against and the forward a backward is checked against come from
the reference solution, run in a worker of its own (``deepgrad.verdict.reference_worker``). The
self-check has no reference and uses the student's own functions: each test grades the same
submission both ways, so the self-check run is the planted contrast that shows what changed.
"""
from __future__ import annotations

from pathlib import Path


from autograder.calls import WorkerCaller
from autograder.registry import attempt, checks_for, load_all
from autograder.sandbox import Limits
from conftest import NOTEBOOKS, ROOT
from deepgrad.submissions import answered, read, reference_answers, write
from deepgrad.verdict import grade_submission

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
