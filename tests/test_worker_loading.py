"""Student code run through the sandboxed worker (WorkerCaller): what of a notebook gets loaded.

Answer cells load after the setup cells, in notebook order, into one module; a cell that fails to
load is named in the messages of what it should have defined; IPython magics do not stop loading;
cells that are neither setup nor answer never run; an answer cell that never finishes loading is
left out at the load-time limit; a file that is not a readable notebook is a clear StudentProblem.
Each test has a notebook and a worker of its own.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder.calls import StudentProblem, WorkerCaller
from autograder.execute import cell_filename
from autograder.sandbox import Limits
from worker_notebooks import HEALTHY, LIMITS, assert_serves, nbgrader_metadata
from worker_notebooks import worker  # noqa: F401 -- a fixture, found by its name

# ----------------------------------------------------------------------------- what gets loaded

@pytest.mark.parametrize("broken, says", [
    ("def sigmoid(z)\n    return 1 / (1 + np.exp(-z))\n", "SyntaxError"),
    ("def sigmoid(z):\n  return 1\n    return 2\n", "IndentationError"),
    ("x = undefined_name\n\ndef sigmoid(z):\n    return z\n", "NameError: name 'undefined_name' is not defined"),
], ids=["syntax-error", "indentation-error", "name-error"])
def test_missing_function_message_includes_load_error(worker, broken, says):
    """When an answer cell failed to run at load time, does 'not defined' quote that cell's error?"""
    caller = worker(HEALTHY, broken)
    with pytest.raises(StudentProblem) as info:
        caller("sigmoid", 1.0)
    message = info.value.message
    assert message.startswith("`sigmoid` is not defined in the notebook.")
    assert "cell 3 (ans_y) raised an error when it ran:" in message
    assert says in message
    assert [e["cell"] for e in caller.load_errors] == ["cell 3 (ans_y)"]
    assert_serves(caller)


def test_a_load_error_is_shown_once_and_named_after(worker):
    """Two functions missing because one cell failed: is its traceback in the first message only,
    the second naming the cell and its error? And does a NameError from a name that cell should
    have defined point to it too?"""
    caller = worker(HEALTHY, "import no_such_module_xyz\n\nS = 2.0\n\ndef sigmoid(z):\n    return z\n",
                    "def uses_s(x):\n    return S * x\n")
    with pytest.raises(StudentProblem) as first:
        caller("sigmoid", 1.0)
    with pytest.raises(StudentProblem) as second:
        caller("no_such_function")
    with pytest.raises(StudentProblem) as third:
        caller("uses_s", 1.0)
    assert "raised an error when it ran:" in first.value.message and "Traceback" in first.value.message
    for later in (second.value.message, third.value.message):
        assert "Traceback (most recent call last)" not in later.split("\n(A cell failed to load")[-1]
        assert "(A cell failed to load, so what it defines is missing: cell 3 (ans_y) (ModuleNotFoundError" in later
    assert third.value.message.startswith("`uses_s` raised NameError")


@pytest.mark.parametrize("magic", ["%matplotlib inline", "  %timeit 1 + 1", "!pip install nothing", "%%time"],
                         ids=["matplotlib", "indented-line-magic", "shell", "cell-magic"])
def test_ipython_magics_do_not_stop_loading(worker, magic):
    """Does an answer cell with an IPython magic line still load, keeping its line numbers?"""
    caller = worker(f"{magic}\nimport numpy as np\n\ndef double(x):\n    return 2.0 * x\n\n"
                    "def bad():\n    raise ValueError('line 8')\n")
    assert_serves(caller)
    assert caller.load_errors == []
    with pytest.raises(StudentProblem) as info:
        caller("bad")
    assert f'File "{cell_filename("cell 2 (ans_x)")}", line 8, in bad' in info.value.message


NOT_LOADED = {
    "plain-code": new_code_cell("raise RuntimeError('training')"),
    "plain-redefinition": new_code_cell("def double(x):\n    return 'not from an answer cell'"),
    "graded-test": new_code_cell("raise RuntimeError('test cell')",
                                 metadata=nbgrader_metadata("test_double", solution=False, locked=True, grade=True)),
    "graded-setup-id": new_code_cell(
        "raise RuntimeError('graded')",
        metadata=nbgrader_metadata("setup_check", solution=False, locked=True, grade=True)),
    "markdown": new_markdown_cell("def double(x): return 0"),
}


@pytest.mark.parametrize("cell", list(NOT_LOADED.values()), ids=list(NOT_LOADED))
def test_cells_that_are_neither_setup_nor_answer_do_not_run(worker, cell):
    """Is a cell that is neither setup nor answer (a training run, a test cell) left unexecuted?"""
    caller = worker(HEALTHY, cell)
    assert_serves(caller)
    assert caller.load_errors == []


def test_answer_cells_see_setup_cells_and_each_other(worker):
    """Do answer cells load in notebook order into one module, seeing setup imports and earlier answers?"""
    caller = worker("SCALE = 3.0\n", "def scaled(x):\n    return np.asarray(x) * SCALE\n", HEALTHY)
    got = caller("scaled", [1.0, 2.0])
    assert type(got) is np.ndarray and got.tolist() == [3.0, 6.0]
    assert caller.load_errors == []


def test_load_time_limit_leaves_out_an_endless_answer_cell(worker):
    """Is an answer cell that never finishes loading stopped at start_seconds and left out, with
    its reason in the load report, while the other cells' functions still work?"""
    caller = worker("while True:\n    pass\n", HEALTHY, limits=Limits(call_seconds=2, start_seconds=1.0))
    started = time.monotonic()
    assert caller("double", 1.0) == 2.0
    assert time.monotonic() - started < 3.0
    (error,) = caller.worker.load_report["load_errors"]
    assert "did not finish loading within 1 s and was left out" in error["traceback"]
    assert caller.worker.skipped and caller.worker.running


def test_load_time_skipping_is_bounded(worker):
    """With more endless answer cells than MAX_SKIPPED_CELLS, does loading give up with a
    StudentProblem instead of restarting once per cell?"""
    from autograder.sandbox import MAX_SKIPPED_CELLS

    loops = [(f"ans_loop{i}", "while True:\n    pass\n") for i in range(MAX_SKIPPED_CELLS + 1)]
    # start_seconds also covers the interpreter's own start: 1 s leaves room for a loaded machine
    # (with 0.3 s, a slow start could end before the first cell began, and nothing was skipped)
    caller = worker(*loops, HEALTHY, limits=Limits(call_seconds=2, start_seconds=1.0))
    with pytest.raises(StudentProblem, match="took longer than 1 s"):
        caller("double", 1.0)
    assert len(caller.worker.skipped) == MAX_SKIPPED_CELLS and not caller.worker.running


UNREADABLE = {
    "invalid-json": ('{"cells": [', "is not a readable notebook"),
    "not-utf8": (b"\xff\xfe{}", "is not a readable notebook"),
    "json-without-cells": ("[1, 2, 3]", "has no list of cells"),
}


@pytest.mark.parametrize("content, says", list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_unreadable_notebook_is_a_clear_student_problem(tmp_path, content, says):
    """Does a notebook file that is not a notebook give a StudentProblem naming the file?"""
    path = tmp_path / "a01_test.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    caller = WorkerCaller(path, LIMITS)
    try:
        with pytest.raises(StudentProblem) as info:
            caller("double", 1.0)
        assert str(path.resolve()) in info.value.message
        assert says in info.value.message
        assert not info.value.not_implemented
        assert not caller.worker.running
    finally:
        caller.close()


def test_an_unreadable_notebook_is_read_once_for_every_check(tmp_path, monkeypatch):
    """Every later check gets the same problem, without a new worker: the file is what it was (each
    start costs an interpreter and numpy in a new sandbox)."""
    path = tmp_path / "a01_test.ipynb"
    path.write_text(UNREADABLE["invalid-json"][0])
    caller = WorkerCaller(path, LIMITS)
    starts = []
    start = caller.worker.start
    monkeypatch.setattr(caller.worker, "start", lambda: starts.append(1) or start())
    try:
        said = set()
        for fn in ("double", "double", "other"):
            with pytest.raises(StudentProblem) as info:
                caller(fn, 1.0)
            said.add(info.value.message)
        assert len(said) == 1 and "is not a readable notebook" in said.pop()
        assert len(starts) == 1
    finally:
        caller.close()


def test_missing_notebook_is_a_clear_student_problem(tmp_path):
    """Does a notebook path with no file behind it give a StudentProblem saying it was not found?"""
    caller = WorkerCaller(tmp_path / "a01_gone.ipynb", LIMITS)
    try:
        with pytest.raises(StudentProblem, match="notebook not found: .*a01_gone.ipynb"):
            caller("double", 1.0)
    finally:
        caller.close()
