"""Do the reference notebooks run top to bottom, plots included, within nbgrader's cell timeout?"""
from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.registry import TASKS, checks_for
from conftest import NOTEBOOKS, solution_notebook

CELL_TIMEOUT = 30  # nbgrader's default per-cell limit (c.Execute.timeout)

# Numbers the lessons printed (as the issues quote them), which the reference notebooks' own
# printed output must reproduce to the digits given.
LESSON_NUMBERS = {
    "a04": ("0.000275", "-1.6403", "-1.6023", "-0.031175"),
    "a05": ("0.014591", "0.020995"),
    # the slides' framework demo before and after one step; a02's loss; a03's final losses
    "a09": ("0.425", "0.34425", "0.964963", "0.2888", "0.2862", "0.2756"),
}


# Claims an assignment's issue makes about its reference run: (pattern of a printed figure, floor).
OUTPUT_FLOORS = {
    "a06": ((r"test accuracy: ([\d.]+)%", 95.0),),  # the digits classifier
    "a08": ((r"test accuracy: ([\d.]+)% \(chance 9\.1%\)", 70.0),            # surnames, eleven languages
            (r"exact match on 2000 held-out sums: ([\d.]+)%", 90.0)),          # the encoder-decoder
}


def printed_text(nb) -> str:
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def printed_numbers(nb) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", printed_text(nb))]


def meets_floor(text: str, pattern: str, floor: float) -> bool:
    """Whether the figure ``pattern`` captures is printed, and is at least ``floor``."""
    found = re.search(pattern, text)
    return bool(found) and float(found.group(1)) >= floor


def shows(numbers: list[float], quoted: str) -> bool:
    """Whether some printed number rounds to ``quoted`` at its number of decimals."""
    half_ulp = 0.5 * 10.0 ** -len(quoted.split(".")[1])
    return any(abs(x - float(quoted)) <= half_ulp for x in numbers)


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_reference_notebook_runs_and_passes_its_tests(assignment):
    """Does every cell, test cells with hidden tests included, run without error within nbgrader's cell
    timeout? (How long a whole run takes, against the bound an assignment's issue may set, is
    bench/editions.py's to measure: a test's time depends on whatever else the machine runs.)"""
    path = solution_notebook(assignment)
    nb = nbformat.read(path, as_version=4)
    # its kernel killed once the last cell has run, as nbgrader_config.py has nbgrader do (a graceful
    # shutdown adds 0.3 s of CPU and nothing to the outputs)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", shutdown_kernel="immediate",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    test_outputs = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert test_outputs and all(any("passed" in o.get("text", "") for o in c.outputs) for c in test_outputs)
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in nb.cells if c.cell_type == "code" for o in c.outputs), "no plot was drawn"
    numbers = printed_numbers(nb)
    missing = [q for q in LESSON_NUMBERS.get(assignment, ()) if not shows(numbers, q)]
    assert not missing, f"the lesson's numbers {missing} do not appear in the notebook's output"
    for claim in OUTPUT_FLOORS.get(assignment, ()):
        assert meets_floor(printed_text(nb), *claim), claim


def test_accuracy_floor_fails_below_it_and_when_missing():
    """Would 94.99 % digits accuracy, or no accuracy printed at all, fail the a06 claim?"""
    (pattern, floor), = OUTPUT_FLOORS["a06"]
    assert meets_floor("test accuracy: 96.30%  (13 of 360 wrong)", pattern, floor)
    assert not meets_floor("test accuracy: 94.99%  (18 of 360 wrong)", pattern, floor)
    assert not meets_floor("training finished", pattern, floor)


def test_lesson_number_match_needs_the_quoted_digits():
    """Does the output check tell the lesson's -1.6023 from a nearby -1.6030, and accept -1.602265?"""
    assert shows([0.5, -1.602265], "-1.6023") and not shows([-1.6030, 1.6023], "-1.6023")


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_graded_cells_match_the_registry(assignment):
    """Does each task have one graded cell, worth the registry's points, that runs its checks?"""
    checks_for(assignment)
    cells = json.loads(solution_notebook(assignment).read_text())["cells"]
    graded = {c["metadata"]["nbgrader"]["grade_id"]: c for c in cells
              if c["metadata"].get("nbgrader", {}).get("grade")}
    tasks = {t.id: t for t in TASKS.values() if t.assignment == assignment}
    assert {f"test_{t.name}" for t in tasks.values()} == set(graded)
    for task in tasks.values():
        cell = graded[f"test_{task.name}"]
        assert cell["metadata"]["nbgrader"]["points"] == task.points
        source = "".join(cell["source"])
        assert source.startswith(f'check("{task.id}")') and "### BEGIN HIDDEN TESTS" in source


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_every_answer_cell_has_a_todo_hint_and_docstring(assignment):
    """Does every answer cell keep a docstring with shapes and a one-line `# TODO` hint?"""
    for cell in json.loads(solution_notebook(assignment).read_text())["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            source = "".join(cell["source"])
            assert '"""' in source and "# TODO:" in source and "### BEGIN SOLUTION" in source
            assert "shape" in source or "float" in source


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_only_experiment_and_figure_cells_are_left_out_of_grading(assignment):
    """A cell tagged skip-when-grading is not run when nbgrader grades: it must never be an answer,
    test or locked cell (nbgrader's own cells), and the notebook must have some (its slow part)."""
    from deepgrad.adapters.preprocessors import SKIP_WHEN_GRADING

    cells = json.loads(solution_notebook(assignment).read_text())["cells"]
    tagged = [c for c in cells if SKIP_WHEN_GRADING in c["metadata"].get("tags", [])]
    assert tagged and all(c["cell_type"] == "code" for c in tagged)
    assert not [c["id"] for c in tagged if c["metadata"].get("nbgrader")]
