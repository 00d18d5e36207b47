"""An honest a01 submission and random structural mutations of it (cells dropped, duplicated,
re-typed, replaced by junk; metadata, nbgrader fields, sources and ids of the wrong JSON type; a
top level that is a list or has no cells; junk nbformat fields), shared by the robustness tests:
``tests/test_grading_robustness.py`` and ``tests/test_grading_robustness_end_to_end.py``.
"""
from __future__ import annotations

import copy
import random

from conftest import NOTEBOOKS, ROOT
from deepgrad.commands.submissions import answered, read, reference_answers

A01 = NOTEBOOKS["a01"]
SOURCE = ROOT / "solutions" / A01 / f"{A01}.ipynb"
NBGRADER_FIELDS = ("grade", "solution", "locked", "grade_id", "points", "schema_version", "task")


def honest_notebook(root=ROOT) -> dict:
    release = read(root / "assignments" / A01 / f"{A01}.ipynb")
    return answered(release, reference_answers(read(root / "solutions" / A01 / f"{A01}.ipynb")))


# ---------------------------------------------------------------- mutations
def junk(rng: random.Random, depth: int = 0):
    """A random JSON value of any type, containers nested at most three deep."""
    kinds = ["none", "bool", "int", "float", "str"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "list":
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        keys = [rng.choice(("grade", "nbgrader", "source", "id", "x", "")) for _ in range(rng.randint(0, 3))]
        return {k: junk(rng, depth + 1) for k in keys}
    return {"none": None, "bool": rng.random() < 0.5, "int": rng.randint(-10**6, 10**6),
            "float": rng.uniform(-1e9, 1e9), "str": rng.choice(("", "code", "ans_sigmoid", "test_sigmoid",
                                                                "setup", "é\n\0"))}[kind]


def odd_source(rng: random.Random):
    return rng.choice([
        lambda: rng.randint(-5, 5), lambda: None, lambda: [rng.randint(0, 9) for _ in range(3)],
        lambda: "x = 1\n" * 100_000, lambda: {"code": "def sigmoid(z): pass"},
        lambda: ["def f():\n", 5, "    pass\n"], lambda: junk(rng)])()


def _cells(nb):
    return nb.get("cells") if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None


def _a_cell(nb, rng):
    """A random cell that is an object, or None."""
    cells = [c for c in (_cells(nb) or []) if isinstance(c, dict)]
    return rng.choice(cells) if cells else None


def drop_cell(nb, rng):
    if _cells(nb):
        del nb["cells"][rng.randrange(len(nb["cells"]))]
    return nb


def duplicate_cell(nb, rng):
    if _cells(nb):
        i = rng.randrange(len(nb["cells"]))
        nb["cells"].insert(rng.randrange(len(nb["cells"]) + 1), copy.deepcopy(nb["cells"][i]))
    return nb


def retype_cell(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["cell_type"] = rng.choice(["markdown", "raw", "code", 5, None, [], {"code": 1}])
    return nb


def replace_metadata(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["metadata"] = rng.choice([junk(rng), [], 5, None, {"nbgrader": junk(rng)}])
    return nb


def break_nbgrader_field(nb, rng):
    cell = _a_cell(nb, rng)
    meta = cell.get("metadata") if cell is not None else None
    if isinstance(meta, dict):
        if not isinstance(meta.get("nbgrader"), dict):
            meta["nbgrader"] = {}
        meta["nbgrader"][rng.choice(NBGRADER_FIELDS)] = rng.choice(
            [junk(rng), [1, 2], {"a": 1}, "yes", None, 1e308, -3])
    return nb


def replace_source(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["source"] = odd_source(rng)
    return nb


def replace_id(nb, rng):
    if (cell := _a_cell(nb, rng)) is not None:
        cell["id"] = rng.choice([junk(rng), ["a"], {"id": 1}, 7, "cell-1"])
    return nb


def replace_cell(nb, rng):
    if _cells(nb):
        nb["cells"][rng.randrange(len(nb["cells"]))] = rng.choice([junk(rng), [], "cell", 3, None])
    return nb


def break_top_level(nb, rng):
    choice = rng.randrange(5)
    if choice == 0:
        return _cells(nb) or [nb]                   # the top level a list
    if isinstance(nb, dict):
        if choice == 1:
            nb.pop("cells", None)                   # no cells
        elif choice == 2:
            nb["cells"] = junk(rng)                 # cells not a list
        else:
            nb[rng.choice(("nbformat", "nbformat_minor", "metadata"))] = junk(rng)
    return nb


CELL_MUTATIONS = (drop_cell, duplicate_cell, retype_cell, replace_metadata, break_nbgrader_field,
                  replace_source, replace_id, replace_cell)


def mutate(nb: dict, rng: random.Random):
    """1 to 5 random mutations of a copy of ``nb``; now and then one of the whole notebook."""
    nb = copy.deepcopy(nb)
    for _ in range(rng.randint(1, 5)):
        nb = (break_top_level if rng.random() < 0.1 else rng.choice(CELL_MUTATIONS))(nb, rng)
    return nb
