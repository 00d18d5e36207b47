"""Student code run through the sandboxed worker (WorkerCaller) and in-process (LocalCaller): what a
call does to its inputs and what it returns beyond a plain value.

An input changed in place is noted where the notebook states a rule against it, and costs nothing
where none does; a numerical warning is noted, never a failure by itself; a returned object the
grader cannot trust arrives as Foreign; LocalCaller gives the same outcomes as the worker. These
stay inside one call, so the tests share one module-wide worker.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import CheckFailure, LocalCaller, StudentProblem, WorkerCaller
from autograder.channel import Foreign
from autograder.execute import cell_filename
from autograder.kept_inputs import KEPT, Kept
from worker_notebooks import HEALTHY, LIMITS, assert_serves, table_sources, write_notebook

# ----------------------------------------------------------------------------- the shared notebook
# Tables of (function name, source, ...). All their sources are answer cells of one notebook.

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


SHARED_CELLS = [
    ("ans_mutations", table_sources(MUTATIONS)),
    ("ans_warnings", table_sources(WARNINGS)),
    ("ans_foreign", table_sources(FOREIGN_RETURNS) + "\n\n" + FOREIGN_TUPLE_SOURCE),
    ("ans_parity", table_sources(PARITY)),
    ("ans_healthy", HEALTHY),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One worker for the whole module, on a notebook holding every table's functions."""
    caller = WorkerCaller(write_notebook(tmp_path_factory.mktemp("shared"), *SHARED_CELLS), LIMITS)
    try:
        # What test_worker_outcomes.py's test_shared_notebook_loads_cleanly asserts of its notebook:
        # a cell failing to load here would make every test below fail for a reason not its own.
        assert_serves(caller)
        assert caller.load_errors == []
        yield caller
    finally:
        caller.close()


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
