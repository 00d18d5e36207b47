"""Student code run through the sandboxed worker (WorkerCaller) and in-process (LocalCaller).

Fixture notebooks are built in temporary folders. Functions whose misbehaviour stays inside one call
share one module-wide worker (which must survive them all); whatever ends, hangs or floods a worker
gets a notebook and worker of its own. Each test checks the exact kind of outcome (value,
StudentProblem, CheckFailure) and, where the worker should live on, that the next call is served.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import autograder
from autograder.calls import CheckFailure, LocalCaller, StudentProblem, WorkerCaller
from autograder.sandbox import sandbox_missing
from autograder.channel import Foreign, Polynomial
from autograder.execute import cell_filename
from autograder.kept_inputs import KEPT, Kept
from autograder.sandbox import Limits

LIMITS = Limits(call_seconds=2, start_seconds=20)
PACKAGE_DIR = str(Path(autograder.__file__).resolve().parent)

HEALTHY = '''
def double(x):
    return 2.0 * x
'''


# ----------------------------------------------------------------------------- fixture notebooks

def _nbgrader(grade_id: str, *, solution: bool, locked: bool, grade: bool = False) -> dict:
    return {"nbgrader": {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked,
                         "task": False, "grade_id": grade_id}}


def setup_cell(source: str = "import numpy as np"):
    return new_code_cell(source, metadata=_nbgrader("setup", solution=False, locked=True))


def answer_cell(source: str, grade_id: str = "ans_x"):
    return new_code_cell(source, metadata=_nbgrader(grade_id, solution=True, locked=False))


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

MUTATIONS = {
    "array-augmented": ("mut_augmented", "def mut_augmented(x):\n    x += 1\n    return x.sum()\n",
                        (np.arange(3.0),), "`x`"),
    "array-item": ("mut_item", "def mut_item(x):\n    x[0] = 5.0\n    return 0.0\n", (np.zeros(2),), "`x`"),
    "second-parameter": ("mut_second", "def mut_second(x, y):\n    y *= 2\n    return x\n",
                         (np.ones(2), np.ones(2)), "`y`"),
    "array-in-list": ("mut_in_list", "def mut_in_list(ws):\n    ws[0][:] = 0\n    return 0.0\n",
                      ([np.ones(2)],), "`ws`"),
    "list-append": ("mut_append", "def mut_append(xs):\n    xs.append(1.0)\n    return 0.0\n", ([1.0],), "`xs`"),
    "dict-item": ("mut_dict", "def mut_dict(params):\n    params['w'] = 0.0\n    return 0.0\n",
                  ({"w": 1.0},), "`params`"),
    "array-in-tuple": ("mut_in_tuple", "def mut_in_tuple(params):\n    params[0][0] = 99.0\n    return 0.0\n",
                       ((np.zeros(2), np.zeros(1)),), "`params`"),
}

WARNINGS = {
    "exp-overflow": ("warn_exp", "def warn_exp(z):\n    return np.exp(z)\n", np.array([1.0, 1000.0]),
                     "overflow encountered in exp"),
    "divide-by-zero": ("warn_log", "def warn_log(p):\n    return np.log(p)\n", np.array([0.0, 1.0]),
                       "divide by zero encountered in log"),
    "invalid-value": ("warn_sqrt", "def warn_sqrt(p):\n    return np.sqrt(p)\n", np.array([-1.0]),
                      "invalid value encountered in sqrt"),
}

FOREIGN_RETURNS = {
    "masked-array": ("masked", "def masked():\n    return np.ma.masked_array([1.0, 2.0], mask=[False, True])\n",
                     "MaskedArray"),
    "own-ndarray-subclass": ("sneaky", "class Sneaky(np.ndarray):\n    pass\n\ndef sneaky():\n"
                             "    return np.arange(3.0).view(Sneaky)\n", "submission.Sneaky"),
    "always-equal": ("always_equal", "class Yes:\n    def __eq__(self, other):\n        return True\n\n"
                     "    def __ne__(self, other):\n        return False\n\ndef always_equal():\n    return Yes()\n",
                     "submission.Yes"),
    "float-subclass": ("equal_float", "class F(float):\n    def __eq__(self, other):\n        return True\n\n"
                       "def equal_float():\n    return F(0.5)\n", "submission.F"),
    "object-array": ("object_array", "def object_array():\n    return np.array([1.0, None], dtype=object)\n",
                     "numpy.ndarray"),
    "unreadable-repr": ("bad_repr", "class Bad:\n    def __repr__(self):\n        raise RuntimeError\n\n"
                        "def bad_repr():\n    return Bad()\n", "submission.Bad"),
}
FOREIGN_TUPLE_SOURCE = "def mixed():\n    return (np.ma.masked_array([1.0]), np.array([2.0]), 3)\n"

PARITY = {
    "value": ("par_value", "def par_value(z):\n    return 1.0 / (1.0 + np.exp(-z))\n",
              (np.linspace(-3.0, 3.0, 5),), "value"),
    "not-implemented": ("par_stub", "def par_g(z):\n    raise NotImplementedError()\n\n"
                        "def par_stub(z):\n    return par_g(z)\n", (1.0,), "StudentProblem"),
    "mutation": ("par_mutate", "def par_mutate(z):\n    z *= 2\n    return z\n", (np.arange(3.0),), "value"),
    "warning": ("par_warn", "def par_warn(z):\n    return np.exp(z)\n", (np.array([1000.0]),), "value"),
}


def _sources(table: dict, at: int = 1) -> str:
    rows = [row.values if hasattr(row, "values") else row for row in table.values()]
    return "\n\n".join(row[at] for row in rows)


SHARED_CELLS = [
    ("ans_x", TRACEBACK_SOURCE),  # cell 2, as the traceback test expects
    ("ans_stubs", STUBS_SOURCE),
    ("ans_returns", _sources(RETURNS)),
    ("ans_exits", EXITS_SOURCE),
    ("ans_memory", MEMORY_SOURCE),
    ("ans_mutations", _sources(MUTATIONS)),
    ("ans_warnings", _sources(WARNINGS)),
    ("ans_foreign", _sources(FOREIGN_RETURNS) + "\n\n" + FOREIGN_TUPLE_SOURCE),
    ("ans_parity", _sources(PARITY)),
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


# ----------------------------------------------------------------------------- CheckFailure outcomes

def _declared(args: tuple) -> Kept:
    """A made-up notebook rule that a function leaves every one of its inputs unchanged."""
    signature = tuple(f"p{i}" for i in range(len(args)))
    return Kept(signature, signature, "a made-up rule (with its reason)")


@pytest.mark.parametrize("fn, source, args, names", list(MUTATIONS.values()), ids=list(MUTATIONS))
def test_changing_an_input_a_rule_covers_is_noted_and_the_value_still_judged(shared, fn, source, args, names,
                                                                             monkeypatch):
    """Where the notebook states the rule (autograder.kept_inputs), does changing that input in place
    give the value all the same, with a note that names the parameter and quotes the rule? (Before:
    a CheckFailure at once, the value never judged.)"""
    monkeypatch.setitem(KEPT, fn, _declared(args))
    pid = assert_serves(shared)
    shared.broke.clear()
    shared(fn, *args)
    assert shared.broke == [(fn, f"`{fn}` changed its input {names} in place; the notebook's rule: "
                                 "a made-up rule (with its reason).")]
    shared.broke.clear()
    assert assert_serves(shared) == pid


@pytest.mark.parametrize("fn, source, args, names", list(MUTATIONS.values()), ids=list(MUTATIONS))
def test_changing_an_input_no_rule_covers_costs_nothing(shared, fn, source, args, names):
    """Every call gets copies, so an input changed in place where no notebook rule forbids it is no
    failure and no note. (Before: a CheckFailure, whatever the value.)"""
    assert fn not in KEPT
    shared.broke.clear()
    shared(fn, *args)
    assert shared.broke == []


def test_a_check_fails_on_a_broken_rule_and_on_the_value_in_one_message(monkeypatch):
    """Does a check whose calls broke a stated rule fail even on a right value, and, on a wrong value
    too, list both (the rule first), kept for that check only? (Before: the rule alone.)"""
    from autograder.registry import Check, Task, attempt

    namespace: dict = {}
    exec("def f(x):\n    x *= 2\n    return x\n", namespace)  # noqa: S102
    monkeypatch.setitem(KEPT, "f", _declared((1,)))
    caller = LocalCaller(namespace)
    rule = "`f` changed its input `x` in place; the notebook's rule: a made-up rule (with its reason)."

    def right(call):
        assert call("f", np.ones(2)).tolist() == [2.0, 2.0]

    def wrong(call):
        raise CheckFailure(f"`f` returned {call('f', np.ones(2)).tolist()}, expected [3.0, 3.0]")

    assert attempt(Check("t.f.right", Task("t.f", 1), right), caller) == rule
    assert attempt(Check("t.f.wrong", Task("t.f", 1), wrong), caller) == \
        f"{rule}\n`f` returned [2.0, 2.0], expected [3.0, 3.0]"
    assert caller.broke == []


@pytest.mark.parametrize("fn, source, arg, says", list(WARNINGS.values()), ids=list(WARNINGS))
def test_a_numerical_warning_alone_fails_nothing_and_is_noted(shared, fn, source, arg, says):
    """A numpy RuntimeWarning (overflow, divide by zero, invalid value): does the call still give its
    value (student code can switch warnings off with np.errstate, so only values are judged), with
    the warning and the input that caused it noted for a check that then fails? (Planted bug: the
    warning raised as a failure, whatever the value.)"""
    from autograder.calls import called_with

    pid = assert_serves(shared)
    shared.warned.clear()
    assert isinstance(shared(fn, arg), np.ndarray)
    assert shared.warned == [f"`{fn}` emitted a numerical warning when called with {called_with((arg,))}: "
                             f"RuntimeWarning: {says}"]
    shared.warned.clear()
    assert assert_serves(shared) == pid


def test_a_failed_check_names_the_warnings_its_calls_emitted():
    """Does a check that fails on the value say, before its hint, which call warned and with what
    input; does a check that passes say nothing; and is the note kept for that check only?"""
    from autograder.registry import Check, Task, attempt

    namespace: dict = {}
    exec("import numpy as np\ndef f(z):\n    return np.exp(z)\n", namespace)  # noqa: S102
    caller = LocalCaller(namespace)

    def wrong(call):
        got = call("f", np.array([1000.0]))
        raise CheckFailure(f"`f` returned {got.tolist()}\nhint: a made-up hint")

    def right(call):
        call("f", np.array([1000.0]))

    said = attempt(Check("t.f.wrong", Task("t.f", 1), wrong), caller)
    assert said == ("`f` returned [inf]\n(While this check ran, `f` emitted a numerical warning when called with "
                    "([1000.0]): RuntimeWarning: overflow encountered in exp.)\nhint: a made-up hint")
    assert attempt(Check("t.f.right", Task("t.f", 1), right), caller) is None
    assert caller.warned == []


# ----------------------------------------------------------------------------- untrusted return values

@pytest.mark.parametrize("fn, source, type_name", list(FOREIGN_RETURNS.values()), ids=list(FOREIGN_RETURNS))
def test_untrusted_return_value_arrives_as_foreign(shared, fn, source, type_name):
    """Does a returned ndarray subclass or always-equal object arrive as Foreign, not as the student's object?"""
    pid = assert_serves(shared)
    got = shared(fn)
    assert isinstance(got, Foreign)
    assert got.type_name.endswith(type_name)
    assert assert_serves(shared) == pid


def test_foreign_inside_a_returned_tuple(shared):
    """Is only the uncarried part of a returned tuple replaced by Foreign?"""
    first, second, third = shared("mixed")
    assert isinstance(first, Foreign) and first.detail == "an ndarray subclass"
    assert type(second) is np.ndarray and second.tolist() == [2.0]
    assert type(third) is int and third == 3


# ----------------------------------------------------------------------------- LocalCaller parity

def outcome(caller, fn, *args):
    try:
        return "value", caller(fn, *args)
    except StudentProblem as exc:
        return "StudentProblem", (exc.message, exc.not_implemented)
    except CheckFailure as exc:
        return "CheckFailure", str(exc)


@pytest.mark.parametrize("fn, source, args, kind", list(PARITY.values()), ids=list(PARITY))
def test_local_caller_behaves_like_worker_caller(shared, fn, source, args, kind):
    """Does LocalCaller (in-process) give the same value, StudentProblem or CheckFailure as the worker?"""
    namespace: dict = {}
    exec(compile("import numpy as np\n" + source, cell_filename("local"), "exec"), namespace)  # noqa: S102
    local_kind, local_detail = outcome(LocalCaller(namespace), fn, *args)
    remote_kind, remote_detail = outcome(shared, fn, *args)
    assert local_kind == remote_kind == kind
    if kind == "value":
        assert type(local_detail) is type(remote_detail) is np.ndarray
        assert np.array_equal(local_detail, remote_detail)
    else:
        assert local_detail == remote_detail


def test_local_caller_hands_the_student_fresh_copies():
    """Does LocalCaller pass decoded copies, so the grader's own array is never changed or shared?"""
    seen = []
    namespace = {"f": lambda x: seen.append(x) or float(x.sum())}
    mine = np.arange(3.0)
    assert LocalCaller(namespace)("f", mine) == 3.0
    assert type(seen[0]) is np.ndarray and not np.shares_memory(seen[0], mine)


# ----------------------------------------------------------------------------- calls that end or flood a worker

LOOPS = {
    "busy-loop": "def spin():\n    while True:\n        pass\n",
    "ignores-keyboard-interrupt": ("def spin():\n    while True:\n        try:\n            pass\n"
                                   "        except KeyboardInterrupt:\n            pass\n"),
}


@pytest.mark.parametrize("source", list(LOOPS.values()), ids=list(LOOPS))
def test_endless_loop_is_stopped_at_the_limit(worker, source):
    """Is an endless loop stopped at the call limit, its process group gone, and a fresh worker serving next?"""
    caller = worker(source, HEALTHY)
    old = assert_serves(caller)
    started = time.monotonic()
    with pytest.raises(StudentProblem) as info:
        caller("spin")
    elapsed = time.monotonic() - started
    assert info.value.message.startswith("`spin`: this call took longer than 2 s")
    assert not info.value.not_implemented
    assert LIMITS.call_seconds <= elapsed < LIMITS.call_seconds + 2
    assert wait_until_gone(os.killpg, old)
    assert assert_serves(caller) != old


DEATHS = {
    "os-exit": ("import os\ndef die():\n    os._exit(3)\n", "exited with status 3"),
    "sigkill-self": ("import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                     "killed by SIGKILL"),
    "abort": ("import os\ndef die():\n    os.abort()\n", "killed by SIGABRT"),
}


@pytest.mark.parametrize("source, says", list(DEATHS.values()), ids=list(DEATHS))
def test_process_death_is_reported_and_worker_replaced(worker, source, says):
    """Does a function that ends the worker process give a StudentProblem with the exit status, then a fresh worker?"""
    caller = worker(source, HEALTHY)
    old = assert_serves(caller)
    with pytest.raises(StudentProblem) as info:
        caller("die")
    assert info.value.message.startswith("`die`: the process running your code")
    assert says in info.value.message
    assert not caller.worker.running
    assert assert_serves(caller) != old


PRINTS = {
    "one-50MB-print": ("def noisy():\n    print('x' * 50_000_000)\n    return 1.0\n", OSError),
    "many-prints": ("def noisy():\n    for i in range(500_000):\n        print('spam' * 5, i)\n"
                    "    return 1.0\n", OSError),
    "50MB-to-stderr": ("import sys\ndef noisy():\n    sys.stderr.write('e' * 50_000_000)\n    return 1.0\n",
                       OSError),
    "fake-reply-printed": ("def noisy():\n    print('{\"status\": \"ok\", \"result\": {\"kind\": \"float\", "
                           "\"value\": \"42.0\"}}', flush=True)\n    return 1.0\n", 1.0),
}


@pytest.mark.parametrize("source, outcome", list(PRINTS.values()), ids=list(PRINTS))
def test_printing_never_reaches_the_channel(worker, source, outcome):
    """Does printed output, however large or channel-like, leave the reply intact (value or clear OSError)?"""
    caller = worker(source, HEALTHY)
    pid = assert_serves(caller)
    if outcome is OSError:
        with pytest.raises(StudentProblem) as info:
            caller("noisy")
        assert info.value.message.startswith("`noisy` raised OSError:")
        assert "File too large" in info.value.message
    else:
        got = caller("noisy")
        assert type(got) is float and got == outcome
    assert assert_serves(caller) == pid


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
                                 metadata=_nbgrader("test_double", solution=False, locked=True, grade=True)),
    "graded-setup-id": new_code_cell("raise RuntimeError('graded')",
                                     metadata=_nbgrader("setup_check", solution=False, locked=True, grade=True)),
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
    caller = worker("while True:\n    pass\n", HEALTHY, limits=Limits(call_seconds=2, start_seconds=0.5))
    started = time.monotonic()
    assert caller("double", 1.0) == 2.0
    assert time.monotonic() - started < 3.0
    (error,) = caller.worker.load_report["load_errors"]
    assert "did not finish loading within 0.5 s and was left out" in error["traceback"]
    assert caller.worker.skipped and caller.worker.running


def test_load_time_skipping_is_bounded(worker):
    """With more endless answer cells than MAX_SKIPPED_CELLS, does loading give up with a
    StudentProblem instead of restarting once per cell?"""
    from autograder.sandbox import MAX_SKIPPED_CELLS

    loops = [(f"ans_loop{i}", "while True:\n    pass\n") for i in range(MAX_SKIPPED_CELLS + 1)]
    caller = worker(*loops, HEALTHY, limits=Limits(call_seconds=2, start_seconds=0.3))
    with pytest.raises(StudentProblem, match="took longer than 0.3 s"):
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


def test_missing_notebook_is_a_clear_student_problem(tmp_path):
    """Does a notebook path with no file behind it give a StudentProblem saying it was not found?"""
    caller = WorkerCaller(tmp_path / "a01_gone.ipynb", LIMITS)
    try:
        with pytest.raises(StudentProblem, match="notebook not found: .*a01_gone.ipynb"):
            caller("double", 1.0)
    finally:
        caller.close()


# ----------------------------------------------------------------------------- process lifetime

def test_close_ends_the_worker_process_group(worker):
    """After close(), is the worker's whole process group gone?"""
    caller = worker(HEALTHY)
    pgid = assert_serves(caller)
    assert os.getpgid(pgid) == pgid  # the worker leads its own process group
    caller.close()
    assert not caller.worker.running
    assert wait_until_gone(os.killpg, pgid)


def _processes_running(command_line: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().replace(b"\0", b" ").strip() \
                    == command_line.encode():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(bool(sandbox_missing()), reason="needs the sandbox (bubblewrap)")
@pytest.mark.parametrize("new_session", [False, True], ids=["same-session", "own-session"])
def test_close_kills_processes_started_by_student(worker, new_session):
    """Is a process the student's code started killed with the worker, even one in its own session?"""
    marker = f"sleep 31.{os.getpid()}{int(new_session)}"
    caller = worker(f"import subprocess\nKEEP = []\n\ndef spawn():\n"
                    f"    KEEP.append(subprocess.Popen({marker.split()!r}, start_new_session={new_session}))\n"
                    f"    return 0.0\n", HEALTHY)
    assert caller("spawn") == 0.0
    deadline = time.monotonic() + 5
    while not _processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(marker)  # it runs now, outside the worker's reach as a PID
    caller.close()
    deadline = time.monotonic() + 5
    while _processes_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(marker) == []


@pytest.mark.skipif(bool(sandbox_missing()), reason="needs the sandbox (bubblewrap)")
def test_student_code_has_no_network(worker):
    """Does student code see no network interface but its own loopback, and can it not reach a
    server listening on the host's loopback?"""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        caller = worker("import socket\n\ndef interfaces():\n"
                        "    return [name for _, name in socket.if_nameindex()]\n\n"
                        "def connect(port):\n    try:\n"
                        "        socket.create_connection(('127.0.0.1', int(port)), timeout=1).close()\n"
                        "    except OSError as exc:\n        return exc.errno\n    return 0\n", HEALTHY)
        assert caller("interfaces") == ["lo"]
        import errno
        assert caller("connect", port) == errno.ECONNREFUSED  # the sandbox's own loopback, not the host's
    assert assert_serves(caller)


def test_forged_channel_lines_cannot_answer_later_calls(worker):
    """If student code writes fake replies onto the channel, does every call still get its own answer?"""
    caller = worker(setup_cell("import os\nimport numpy as np"), answer_cell(
        "def forge():\n    os.write(4, b'{\"status\":\"ok\",\"result\":{\"kind\":\"float\",\"value\":\"42.0\"}}\\n')\n"
        "    return 0.0\n\ndef ok(x):\n    return x\n"))
    assert caller("forge") == 0.0
    assert caller("ok", 1.0) == 1.0
    assert caller("ok", 5.0) == 5.0


@pytest.mark.parametrize("reply", [{}, {"kind": "list", "items": 5}, {"kind": "dict", "items": [1]}])
def test_malformed_reply_is_a_student_problem(reply):
    """Does a malformed value in a reply become a StudentProblem rather than crash the grader?"""
    from autograder.calls import interpret

    with pytest.raises(StudentProblem, match="unreadable"):
        interpret({"status": "ok", "result": reply, "mutated": [], "warnings": []}, "f")


def test_notebook_in_a_missing_folder_is_a_clear_problem(tmp_path):
    """Is a notebook path under a missing folder reported as 'notebook not found'?"""
    caller = WorkerCaller(tmp_path / "nowhere" / "a01_x.ipynb", LIMITS)
    with pytest.raises(StudentProblem, match="notebook not found"):
        caller("f")
    caller.close()
