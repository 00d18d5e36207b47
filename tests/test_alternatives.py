"""No correct answer fails: every alternative formulation in ``tests/alternatives/`` passes its
task's public checks (self-check) and its hidden checks on several seeds (as at grading).

An alternative runs in a fresh namespace of the reference notebook with its source executed over it,
so its functions replace the reference's wherever the notebook looks them up by name (the setup
helpers included). At grading the expected values and the losses a gradient is checked against come
from the reference solution, as in ``deepgrad.grading.verdict``: the caller's ``reference`` is a caller on
the unmodified reference namespace.
"""
from __future__ import annotations

import functools

import pytest

from alternatives import ALTERNATIVES, Alternative
from autograder.calls import LocalCaller
from autograder.registry import TASKS, Check, attempt, checks_for, load_all, planned
from conftest import reference_namespace, solution_notebook
from deepgrad.grading.verdict import graded_cells

SEEDS = (11, 2024, 90210)   # hidden inputs are drawn per seed (per student at grading)
COVERED_TASKS = 87          # distinct tasks the catalogue has alternatives for: all of them


@functools.cache
def _reference(assignment: str) -> dict:
    """The reference namespace, the judge at grading: only ever called, never changed."""
    return reference_namespace(assignment)


@functools.cache
def _cells(assignment: str, seed: int) -> tuple:
    return tuple(graded_cells(solution_notebook(assignment), seed))


def hidden_calls(task_id: str) -> list[tuple[int, Check, dict]]:
    """(seed, check, inputs) of every hidden check call of the task, for each seed."""
    assignment = task_id.split(".")[0]
    return [(seed, check, params) for seed in SEEDS for cell in _cells(assignment, seed)
            for target, params, hidden in cell.calls if hidden
            for check in planned(target, params) if check.task.id == task_id]


def namespace_with(alt: Alternative) -> dict:
    """A fresh reference namespace (not a copy: the reference's own functions must find the
    alternative's under its names) with the alternative's source run over it."""
    namespace = reference_namespace(alt.assignment)
    exec(compile(alt.source, f"<alternative {alt.task_id}: {alt.label}>", "exec"), namespace)  # noqa: S102
    return namespace


def public_failures(alt: Alternative) -> list[str]:
    caller = LocalCaller(namespace_with(alt))
    results = ((check.id, attempt(check, caller)) for check in checks_for(alt.task_id))
    return [f"{check_id}: {message}" for check_id, message in results if message is not None]


def hidden_failures(alt: Alternative) -> list[str]:
    caller = LocalCaller(namespace_with(alt))
    caller.reference = LocalCaller(_reference(alt.assignment))
    failed = []
    for seed, check, params in hidden_calls(alt.task_id):
        message = attempt(check, caller, **params)
        if message is not None:
            failed.append(f"seed {seed}, {check.id}: {message}")
    return failed


IDS = [f"{alt.task_id}-{alt.label}" for alt in ALTERNATIVES]


def test_catalogue_is_well_formed():
    """Known tasks, unique labels, and each source replaces a function of the reference notebook
    (a misspelt name would leave the reference to pass in its place)."""
    assert len(set(IDS)) == len(IDS)
    load_all()
    for alt in ALTERNATIVES:
        assert alt.task_id in TASKS, alt.task_id
        before = _reference(alt.assignment)
        after = namespace_with(alt)
        replaced = {name for name, value in before.items() if callable(value) and
                    getattr(getattr(after[name], "__code__", None), "co_filename", "").startswith("<alternative")}
        assert replaced, f"{alt.task_id} ({alt.label}) replaces no function of the reference notebook"


def test_catalogue_covers_most_tasks():
    load_all()
    covered = {alt.task_id for alt in ALTERNATIVES}
    assert len(covered) >= COVERED_TASKS, f"no alternative for {sorted(set(TASKS) - covered)}"


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=IDS)
def test_alternative_passes_public_checks(alt):
    assert public_failures(alt) == []


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=IDS)
def test_alternative_passes_hidden_checks(alt):
    assert hidden_calls(alt.task_id), f"{alt.task_id} has no hidden check call"
    assert hidden_failures(alt) == []


# Wrong answers through the same machinery: each must fail a public and a hidden check.
WRONG = [
    Alternative("a01.sigmoid", "sign flipped", "def sigmoid(z):\n"
                "    return 0.5 * (1.0 + np.tanh(-np.asarray(z, dtype=float) / 2.0))\n"),
    Alternative("a05.adam_update", "no bias correction", "def adam_update(w, dw, state):\n"
                "    s = dict(state); b1, b2 = s['beta1'], s['beta2']\n"
                "    s['m'] = b1 * s.get('m', 0.0) + (1 - b1) * dw\n"
                "    s['v'] = b2 * s.get('v', 0.0) + (1 - b2) * dw * dw\n"
                "    s['t'] = s.get('t', 0) + 1\n"
                "    return w - s['lr'] * s['m'] / np.sqrt(s['v'] + s['eps']), s\n"),
    Alternative("a07.batchnorm_backward", "dgamma and dbeta swapped", "\n".join([
        "_reference_backward = batchnorm_backward",
        "def batchnorm_backward(dout, cache):",
        "    dx, dgamma, dbeta = _reference_backward(dout, cache)",
        "    return dx, dbeta, dgamma", ""])),
    Alternative("a08.rnn_forward", "padding taken for real steps", "\n".join([
        "_reference_forward = rnn_forward",
        "def rnn_forward(xs, h0, Wx, Wh, b, mask=None):",
        "    return _reference_forward(xs, h0, Wx, Wh, b, None)", ""])),
]


@pytest.mark.parametrize("alt", WRONG, ids=[f"{a.task_id}-{a.label}" for a in WRONG])
def test_a_wrong_answer_fails(alt):
    """The machinery is not vacuous: a wrong answer fails public and hidden checks alike."""
    assert public_failures(alt)
    assert hidden_failures(alt)
