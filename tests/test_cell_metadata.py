"""deepgrad.adapters.cell_metadata.CheckCellMetadata decides as nbgrader's own CheckCellMetadata does: the
same notebooks pass, the same fail, with the same error, on every kind of damaged metadata."""
from __future__ import annotations

import copy

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata

from deepgrad.adapters.cell_metadata import CellMetadataValidator, CheckCellMetadata
from conftest import NOTEBOOKS, ROOT


def _graded_cell(nb):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")


def _solution_cell(nb):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))


# name -> a change to one notebook's metadata, as a damaged or hand-edited submission may carry
DAMAGE = {
    "untouched": lambda nb: None,
    "points as text": lambda nb: _graded_cell(nb).metadata.nbgrader.update(points="two"),
    "grade as text": lambda nb: _graded_cell(nb).metadata.nbgrader.update(grade="yes"),
    "grade_id a number": lambda nb: _graded_cell(nb).metadata.nbgrader.update(grade_id=7),
    "no grade_id": lambda nb: _graded_cell(nb).metadata.nbgrader.pop("grade_id"),
    "empty grade_id": lambda nb: _graded_cell(nb).metadata.nbgrader.update(grade_id=""),
    "no points": lambda nb: _graded_cell(nb).metadata.nbgrader.pop("points"),
    "no solution key": lambda nb: _solution_cell(nb).metadata.nbgrader.pop("solution"),
    "schema too old": lambda nb: _graded_cell(nb).metadata.nbgrader.update(schema_version=1),
    "schema too new": lambda nb: _graded_cell(nb).metadata.nbgrader.update(schema_version=99),
    "schema_version as text": lambda nb: _graded_cell(nb).metadata.nbgrader.update(schema_version="3"),
    "metadata a list": lambda nb: _graded_cell(nb).metadata.update(nbgrader=[1, 2]),
    "duplicate grade_id": lambda nb: _solution_cell(nb).metadata.nbgrader.update(
        grade_id=_graded_cell(nb).metadata.nbgrader.grade_id),
    "extra key": lambda nb: _graded_cell(nb).metadata.nbgrader.update(surprise=True),
    "markdown grade without solution": lambda nb: nb.cells.append(nbformat.v4.new_markdown_cell(
        "x", metadata={"nbgrader": {"grade": True, "solution": False, "locked": False, "points": 1,
                                    "grade_id": "md", "schema_version": 3}})),
}


def _outcome(check, nb):
    try:
        check(copy.deepcopy(nb))
    except Exception as exc:  # noqa: BLE001 -- the outcome compared is the exception itself
        return type(exc).__name__, str(exc)
    return "passed", ""


@pytest.fixture(scope="module")
def source():
    return nbformat.read(ROOT / "solutions" / NOTEBOOKS["a03"] / f"{NOTEBOOKS['a03']}.ipynb", as_version=4)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_same_decision_as_nbgraders(source, damage):
    nb = copy.deepcopy(source)
    DAMAGE[damage](nb)
    pairs = (  # (ours, nbgrader's): the preprocessor as configured, and the validator under it
        (lambda n: CheckCellMetadata().preprocess(n, {}), lambda n: NbgraderCheckCellMetadata().preprocess(n, {})),
        (CellMetadataValidator().validate_nb, MetadataValidator().validate_nb))
    for ours, theirs in pairs:
        outcome = _outcome(ours, nb)
        assert outcome == _outcome(theirs, nb)
        assert (outcome[0] == "passed") == (damage == "untouched")


@pytest.mark.parametrize("damage", ["points as text", "grade_id a number", "grade as text"])
def test_the_schema_is_applied_to_every_cell(source, damage):
    """The damage only the JSON schema catches is caught per cell (not only on the first)."""
    from jsonschema import ValidationError

    nb = copy.deepcopy(source)
    validator = CellMetadataValidator()
    validator.validate_nb(nb)  # a first, valid notebook: the kept validator is made
    DAMAGE[damage](nb)
    with pytest.raises(ValidationError):
        validator.validate_nb(nb)


def test_the_course_config_uses_it():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    for steps in (config.Autograde.sanitize_preprocessors, config.Autograde.autograde_preprocessors):
        checks = [s for s in steps if isinstance(s, type) and issubclass(s, NbgraderCheckCellMetadata)]
        assert checks == [CheckCellMetadata]
