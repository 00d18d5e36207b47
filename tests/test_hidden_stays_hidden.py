"""Does nothing of a hidden check leave grading but its pass or fail, and is no hidden input reused?

Student code chooses what its failures say. So a function that records every input it is given can
write them into a later check's message (its traceback), and one that sees a hidden input can pick
*how* to fail (loop, raise, return garbage) to spell out bits of it. These tests play both attacks
at grading, and check that a changed notebook meets new hidden inputs.
"""
from __future__ import annotations

import re

import numpy as np
from conftest import NOTEBOOKS, ROOT
from deepgrad.commands.submissions import answered, read, reference_answers, write
from deepgrad.grading.verdict import grade_submission, graded_cells, submission_seed

A01 = NOTEBOOKS["a01"]
SOURCE = ROOT / "solutions" / A01 / f"{A01}.ipynb"
SECRET = bytes(range(32))

# sigmoid is right and writes down the first entry of every input it meets; sigmoid_grad, checked
# after it, fails with everything written down so far as its message.
RECORDER = {
    "ans_sigmoid": '''SEEN = []


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    SEEN.append(repr(float(z.ravel()[0])) if z.size else "empty")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
''',
    "ans_sigmoid_grad": '''def sigmoid_grad(z):
    raise ValueError("seen: " + " ".join(SEEN))
''',
}


def _submission(tmp_path, answers, name="student"):
    path = tmp_path / name / f"{A01}.ipynb"
    release = read(ROOT / "assignments" / A01 / f"{A01}.ipynb")
    write(answered(release, {**reference_answers(read(SOURCE)), **answers}), path)
    return path


def _first_entries(seed: int, grade_id: str, hidden: bool) -> set[str]:
    """repr of the first entry of every array input the cell's hidden (or public) calls give."""
    cell = next(c for c in graded_cells(SOURCE, seed) if c.grade_id == grade_id)
    return {repr(float(np.asarray(v).ravel()[0])) for _, params, h in cell.calls if h == hidden
            for v in params.values() if isinstance(v, np.ndarray) and v.size}


def test_a_function_recording_its_inputs_never_shows_a_hidden_one(tmp_path):
    """Every public check runs before any hidden one: does the message the recorder writes hold
    the public inputs it met (the attack works) but none of the hidden ones? (Planted bug: with the
    checks run cell by cell, public and hidden together, sigmoid's hidden inputs are in it.)"""
    path = _submission(tmp_path, RECORDER)
    verdict = grade_submission(SOURCE, path, "mallory", A01, secret=SECRET)
    shown = " ".join(m for t in verdict.tasks for m in t.student_messages)
    assert "seen: " in shown
    hidden = _first_entries(verdict.seed, "test_sigmoid", hidden=True)
    assert hidden and not [v for v in hidden if v in shown]
    assert re.search(r"seen: -?\d", shown)  # it did write down the (public) inputs it met
    sigmoid = next(t for t in verdict.tasks if t.grade_id == "test_sigmoid")
    assert sigmoid.score == sigmoid.points  # the recorder's sigmoid is right: it keeps its points


def test_the_verdict_shows_each_hidden_failure_alike(tmp_path):
    """A sigmoid that fails its hidden checks in four different ways, chosen by its input: do the
    student's messages of the hidden failures read the same but for their number?"""
    chooser = {"ans_sigmoid": '''def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    right = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    kind = int(abs(z.ravel()[0]) * 1000) % 3
    if kind == 0:
        raise ValueError("bit 0")
    if kind == 1:
        return right[..., :1]             # the wrong shape
    return right + 1.0                    # a wrong value
'''}
    verdict = grade_submission(SOURCE, _submission(tmp_path, chooser), "eve", A01, secret=SECRET)
    sigmoid = next(t for t in verdict.tasks if t.grade_id == "test_sigmoid")
    hidden = [m for m in sigmoid.student_messages if m.startswith("hidden check")]
    assert len(hidden) >= 2 and sigmoid.score == 0
    assert {m.split(":", 1)[1] for m in hidden} == {" failed (it uses inputs other than the public checks'; "
                                                   "its inputs and the kind of failure are not shown)"}, hidden
    # the instructor's messages show the attack is real: the failures differ in kind
    kinds = {("raised" in m, "shape" in m) for m in sigmoid.messages if "(hidden)" in m}
    assert len(kinds) >= 2, sigmoid.messages


def test_hidden_inputs_are_drawn_per_version_of_a_submission(tmp_path):
    """Does grading the same notebook again draw the same hidden inputs, and a changed notebook new
    ones, so that a table of answers learnt from one feedback is worth nothing on the next?"""
    path = _submission(tmp_path, {})
    first = path.read_bytes()
    again = submission_seed("kim", A01, SECRET, first)
    assert again == submission_seed("kim", A01, SECRET, first)
    changed = submission_seed("kim", A01, SECRET, first.replace(b'"cells"', b'"cells" ', 1))
    assert changed != again != submission_seed("lee", A01, SECRET, first)
    assert _first_entries(again, "test_sigmoid", True) != _first_entries(changed, "test_sigmoid", True)
    verdict = grade_submission(SOURCE, path, "kim", A01, secret=SECRET)
    assert verdict.seed == again and verdict.score == sum(t.points for t in verdict.tasks)
