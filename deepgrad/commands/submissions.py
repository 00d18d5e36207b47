"""Making submissions from the release: the reference answers, the stubs, a realistic bug."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from ..base.errors import CourseError

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")

# One realistic mistake per assignment: (answer cell, text in the reference, what the student wrote).
BUGS = {
    "a01": ("ans_binary_cross_entropy", "return float(np.mean(", "return float(np.sum("),   # no mean
    "a02": ("ans_d_w21", "(o - y)", "(y - o)"),                                            # sign error
    "a03": ("ans_sigmoid_ce_backward", "return (o - y) / len(o)", "return o - y"),          # no 1/N
    "a04": ("ans_relu_backward", "cache > 0", "cache >= 0"),                                # slope 1 at the kink
    "a05": ("ans_adam_update", "power / (1.0 - beta2 ** step)", "power"),                 # v not bias-corrected
    "a06": ("ans_softmax_ce_backward", "return (probs - y) / probs.shape[0]", "return probs - y"),  # no 1/N
    "a07": ("ans_dropout_forward", "keep = mask / (1.0 - p)", "keep = mask"),               # not inverted
    "a08": ("ans_rnn_backward", "dh = dh + dhs[:, t]", "dh = dhs[:, t]"),                # carried gradient dropped
    "a09": ("ans_backward_pass", "grads[operand] = grads[operand] + share if operand in grads else share",
            "grads[operand] = share"),                                                   # overwritten, not added up
}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _grade_id(cell: dict) -> str | None:
    return ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")


def _is_answer(cell: dict) -> bool:
    return ((cell.get("metadata") or {}).get("nbgrader") or {}).get("solution") is True


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write(nb: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def reference_answers(source_nb: dict) -> dict[str, str]:
    """Each answer cell's reference code, solution markers removed, by grade_id."""
    return {_grade_id(c): "\n".join(line for line in _source(c).splitlines()
                                    if line.strip() not in MARKERS)
            for c in source_nb["cells"] if _is_answer(c)}


def answered(release_nb: dict, answers: dict[str, str]) -> dict:
    """The release notebook with its answer cells filled in from ``answers``."""
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        if _is_answer(cell) and _grade_id(cell) in answers:
            cell["source"] = answers[_grade_id(cell)]
    return nb


def with_bug(answers: dict[str, str], assignment: str) -> dict[str, str]:
    grade_id, right, wrong = BUGS[assignment]
    if right not in answers.get(grade_id, ""):
        raise CourseError(f"cannot plant the demo bug: {right!r} not found in {assignment}'s {grade_id}")
    return {**answers, grade_id: answers[grade_id].replace(right, wrong, 1)}


STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


def solution_blocks(source_nb: dict) -> dict[str, list[str]]:
    """Each answer cell's solution blocks (the lines between the markers, as indented), by grade_id."""
    blocks: dict[str, list[str]] = {}
    for cell in source_nb["cells"]:
        if not _is_answer(cell):
            continue
        found, inside = blocks.setdefault(_grade_id(cell), []), None
        for line in _source(cell).splitlines():
            if line.strip() == MARKERS[0]:
                inside = []
            elif line.strip() == MARKERS[1] and inside is not None:
                found.append("\n".join(inside))
                inside = None
            elif inside is not None:
                inside.append(line)
    return blocks


def filled_in_place(release_nb: dict, source_nb: dict, bug: str | None = None) -> dict:
    """The release with each stub (``# YOUR CODE HERE`` / ``raise NotImplementedError()``)
    replaced by the reference's block, the rest of the cell (docstring, comments: the edition's
    words) kept, as a student of that edition would hand it in; with ``bug`` (an assignment),
    that assignment's demo bug planted."""
    blocks = solution_blocks(source_nb)
    if bug is not None:
        grade_id, right, wrong = BUGS[bug]
        joined = "\n\0\n".join(blocks.get(grade_id, []))
        if right not in joined:
            raise CourseError(f"cannot plant the demo bug: {right!r} not found in {bug}'s {grade_id}")
        blocks[grade_id] = joined.replace(right, wrong, 1).split("\n\0\n")
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        if not _is_answer(cell) or _grade_id(cell) not in blocks:
            continue
        lines, out, queue = _source(cell).splitlines(), [], list(blocks[_grade_id(cell)])
        index = 0
        while index < len(lines):
            if lines[index].strip() == STUB[0] and index + 1 < len(lines) and lines[index + 1].strip() == STUB[1] and queue:
                out.append(queue.pop(0))
                index += 2
            else:
                out.append(lines[index])
                index += 1
        cell["source"] = "\n".join(out)
    return nb
