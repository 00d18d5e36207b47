"""What the tests that run student code in a sandboxed worker share (``tests/test_worker_*.py``,
and ``write_notebook`` the sandbox's tests too): fixture notebooks built in temporary folders, the
``worker`` fixture that starts a WorkerCaller on one, and the assertions that a worker still serves
and that a value came back exactly.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import autograder
from autograder.calls import WorkerCaller
from autograder.sandbox import Limits

LIMITS = Limits(call_seconds=2, start_seconds=20)
PACKAGE_DIR = str(Path(autograder.__file__).resolve().parent)

HEALTHY = '''
def double(x):
    return 2.0 * x
'''


# ----------------------------------------------------------------------------- fixture notebooks

def nbgrader_metadata(grade_id: str, *, solution: bool, locked: bool, grade: bool = False) -> dict:
    return {"nbgrader": {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked,
                         "task": False, "grade_id": grade_id}}


def setup_cell(source: str = "import numpy as np"):
    return new_code_cell(source, metadata=nbgrader_metadata("setup", solution=False, locked=True))


def answer_cell(source: str, grade_id: str = "ans_x"):
    return new_code_cell(source, metadata=nbgrader_metadata(grade_id, solution=True, locked=False))


def write_notebook(folder: Path, *cells, name: str = "a01_test.ipynb") -> Path:
    """Cell 1 is the setup cell. A str becomes an answer cell (ans_x, ans_y, ... in order), a
    ``(grade_id, source)`` pair an answer cell with that id; notebook cells are used as they are."""
    auto_ids = iter(["ans_x", "ans_y", "ans_z", "ans_w"])
    built = [setup_cell()]
    for cell in cells:
        if isinstance(cell, str):
            cell = answer_cell(cell, next(auto_ids))
        elif isinstance(cell, tuple):
            cell = answer_cell(cell[1], cell[0])
        built.append(cell)
    path = folder / name
    nbformat.write(new_notebook(cells=built), path)
    return path


@pytest.fixture
def worker(tmp_path):
    """Start a WorkerCaller on a fresh fixture notebook; every one is closed after the test."""
    callers = []

    def start(*cells, limits: Limits = LIMITS) -> WorkerCaller:
        caller = WorkerCaller(write_notebook(tmp_path, *cells), limits)
        callers.append(caller)
        return caller

    yield start
    for caller in callers:
        caller.close()


def pid_of(caller: WorkerCaller) -> int:
    return caller.worker._proc.pid


def assert_serves(caller: WorkerCaller) -> int:
    """The caller answers a healthy call with the right value; returns the serving worker's pid."""
    got = caller("double", np.array([1.5, -2.0]))
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, [3.0, -4.0])
    return pid_of(caller)


def wait_until_gone(kill, ident: int, seconds: float = 5.0) -> bool:
    """Poll ``kill(ident, 0)`` until nothing answers; orphans are reaped by init a moment later."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            kill(ident, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def assert_identical(got, want) -> None:
    """Exact type and value, recursively; arrays also by dtype and shape."""
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_identical(g, w)
    else:
        assert got == want


def table_sources(table: dict, at: int = 1) -> str:
    """The sources of a table of (function name, source, ...) rows, as one answer cell."""
    rows = [row.values if hasattr(row, "values") else row for row in table.values()]
    return "\n\n".join(row[at] for row in rows)
