"""Student code run through the sandboxed worker (WorkerCaller): what one call gives back.

A correct function's value comes back exactly; a stub, an exception, an exit request, a memory
bomb, a missing or non-function name each give a StudentProblem that says so. These misbehaviours
stay inside one call, so they share one module-wide worker, which must survive them all: each test
checks the exact kind of outcome and that the next call is served by the same worker.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder.calls import StudentProblem, WorkerCaller
from autograder.channel import Polynomial
from autograder.execute import cell_filename
from worker_notebooks import (HEALTHY, LIMITS, PACKAGE_DIR, assert_identical, assert_serves, table_sources,
                              write_notebook)

# ----------------------------------------------------------------------------- the shared notebook
# Tables of (function name, source, ...). All their sources are answer cells of one notebook.

TRACEBACK_SOURCE = '''
def lookup(v):
    return v['missing']

def crash(x):
    y = x + 1
    return lookup({'x': y})
'''

STUBS_SOURCE = '''
def stub(x):
    raise NotImplementedError()

def helper_stub(x):
    # YOUR CODE HERE
    raise NotImplementedError()

def uses_stub(x):
    return 1.0 + helper_stub(x)

not_a_function = 0.5
'''

RETURNS = {
    "sigmoid-array": ("sigmoid", "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n",
                      (np.linspace(-5.0, 5.0, 7),), 1.0 / (1.0 + np.exp(-np.linspace(-5.0, 5.0, 7)))),
    "3d-array": ("flip", "def flip(x):\n    return x[::-1] * 0.1\n", (np.arange(24.0).reshape(2, 3, 4),),
                 np.arange(24.0).reshape(2, 3, 4)[::-1] * 0.1),
    "0d-array": ("total", "def total(x):\n    return np.array(x.sum())\n", (np.arange(4.0),), np.array(6.0)),
    "float": ("mean", "def mean(x):\n    return float(np.mean(x))\n", (np.array([0.1, 0.2]),),
              float(np.mean([0.1, 0.2]))),
    "np-float64": ("third", "def third(x):\n    return np.float64(x) / 3\n", (1.0,), np.float64(1.0) / 3),
    "tuple": ("step", "def step(w, lr):\n    return (w - lr, [lr, None])\n", (np.ones(2), 0.5),
              (np.full(2, 0.5), [0.5, None])),
    "polynomial-argument": ("apply", "def apply(grad, x):\n    return grad(x)\n",
                            (Polynomial((1.0, 2.0, 3.0)), 2.0), 17.0),
}

EXITS = {
    "sys-exit": ("exit_plain", "sys.exit()", "SystemExit"),
    "sys-exit-2": ("exit_status", "sys.exit(2)", "SystemExit"),
    "builtin-exit": ("exit_builtin", "exit()", "SystemExit"),
    "keyboard-interrupt": ("interrupt", "raise KeyboardInterrupt", "KeyboardInterrupt"),
}
EXITS_SOURCE = "import sys\n" + "".join(f"\ndef {fn}():\n    {body}\n" for fn, body, _ in EXITS.values())

MEMORY_SOURCE = "def hog():\n    return np.ones(10**11)\n"


SHARED_CELLS = [
    ("ans_x", TRACEBACK_SOURCE),  # cell 2, as the traceback test expects
    ("ans_stubs", STUBS_SOURCE),
    ("ans_returns", table_sources(RETURNS)),
    ("ans_exits", EXITS_SOURCE),
    ("ans_memory", MEMORY_SOURCE),
    ("ans_healthy", HEALTHY),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One worker for the whole module, on a notebook holding every table's functions."""
    caller = WorkerCaller(write_notebook(tmp_path_factory.mktemp("shared"), *SHARED_CELLS), LIMITS)
    yield caller
    caller.close()


def test_shared_notebook_loads_cleanly(shared):
    """Do all the shared fixture cells load without errors, so later failures are the tests' own?"""
    assert_serves(shared)
    assert shared.load_errors == []


# ----------------------------------------------------------------------------- values come back

@pytest.mark.parametrize("fn, source, args, expected", list(RETURNS.values()), ids=list(RETURNS))
def test_correct_function_returns_its_value_exactly(shared, fn, source, args, expected):
    """Does a correct function's value come back bit for bit, with its exact type, call after call?"""
    pid = assert_serves(shared)
    assert_identical(shared(fn, *args), expected)
    assert_identical(shared(fn, *args), expected)
    assert assert_serves(shared) == pid


# ----------------------------------------------------------------------------- StudentProblem outcomes

@pytest.mark.parametrize("fn, origin", [("stub", None), ("uses_stub", "helper_stub")], ids=["own-stub", "calls-stub"])
def test_not_implemented_is_reported_as_such(shared, fn, origin):
    """Does a NotImplementedError give a not_implemented StudentProblem that names the stub it came from?"""
    pid = assert_serves(shared)
    with pytest.raises(StudentProblem) as info:
        shared(fn, 1.0)
    assert info.value.not_implemented is True
    assert info.value.message.startswith(f"not implemented yet: `{fn}`")
    if origin is None:
        assert "(it calls" not in info.value.message
    else:
        assert f"(it calls `{origin}`, which) still raises NotImplementedError" in info.value.message
    assert assert_serves(shared) == pid


def test_exception_shows_only_the_students_traceback(shared):
    """Does an exception's message quote the notebook cell and lines, and no frame of the autograder?"""
    pid = assert_serves(shared)
    with pytest.raises(StudentProblem) as info:
        shared("crash", 1.0)
    message = info.value.message
    assert not info.value.not_implemented
    assert message.startswith("`crash` raised KeyError:")
    assert f'File "{cell_filename("cell 2 (ans_x)")}", line 7, in crash' in message
    assert "in crash\n    return lookup({'x': y})" in message
    assert "in lookup\n    return v['missing']" in message
    assert message.endswith("KeyError: 'missing'")
    assert "autograder/execute.py" not in message and "worker.py" not in message
    assert PACKAGE_DIR not in message
    assert assert_serves(shared) == pid


@pytest.mark.parametrize("fn, body, exc", list(EXITS.values()), ids=list(EXITS))
def test_exit_requests_are_ordinary_exceptions(shared, fn, body, exc):
    """Is sys.exit() (or a KeyboardInterrupt) inside a function reported as its exception, the worker surviving?"""
    pid = assert_serves(shared)
    with pytest.raises(StudentProblem) as info:
        shared(fn)
    assert info.value.message.startswith(f"`{fn}` raised {exc}:")
    assert body in info.value.message
    assert assert_serves(shared) == pid


def test_memory_bomb_is_a_student_problem(shared):
    """Does allocating far more memory than allowed give a MemoryError StudentProblem, the worker surviving?"""
    pid = assert_serves(shared)
    with pytest.raises(StudentProblem) as info:
        shared("hog")
    assert info.value.message.startswith("`hog` raised")
    assert "MemoryError" in info.value.message and "np.ones(10**11)" in info.value.message
    assert assert_serves(shared) == pid


def test_worker_runs_under_its_resource_limits(shared):
    """Does the worker process carry the address-space, file-size, CPU and core-dump limits it was given?"""
    pid = assert_serves(shared)
    rows = {line[:26].strip(): line[26:].split()[:2]
            for line in Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]}
    assert rows["Max address space"] == [str(LIMITS.memory_bytes)] * 2
    assert rows["Max file size"] == [str(LIMITS.output_bytes)] * 2
    assert rows["Max cpu time"] == [str(LIMITS.cpu_seconds), str(LIMITS.cpu_seconds + 5)]
    assert rows["Max core file size"] == ["0", "0"]


def test_missing_function_is_not_defined(shared):
    """Does calling a function the notebook lacks give a StudentProblem saying it is not defined?"""
    pid = assert_serves(shared)
    with pytest.raises(StudentProblem) as info:
        shared("softmax", 1.0)
    assert info.value.message.startswith("`softmax` is not defined in the notebook.")
    assert "raised an error when it ran" not in info.value.message
    assert not info.value.not_implemented
    assert assert_serves(shared) == pid


def test_non_function_name_is_reported(shared):
    """Does a name bound to a non-function give a StudentProblem saying what it is?"""
    pid = assert_serves(shared)
    with pytest.raises(StudentProblem, match="`not_a_function` should be a function but is a float"):
        shared("not_a_function", 1.0)
    assert assert_serves(shared) == pid
