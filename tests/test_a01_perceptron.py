"""Do the perceptron's checks (assignment 1) tell its common mistakes apart, on their public inputs
and on the inputs hidden tests draw?

The common mistakes are the planted bugs of ``tests/bugs_a01.py``: the threshold z > 0, the bias
never updated, the update's sign flipped, every sample moving w and b, shuffled samples, an epoch
too many or too few, the mistake-free epoch left out of the list, lr left out.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from autograder.calls import LocalCaller
from autograder.registry import CHECKS, attempt, load_all, planned
from bugs_a01 import BUGS
from conftest import reference_namespace, solution_notebook
from deepgrad.grading.verdict import graded_cells

load_all()
SEEDS = range(40)
TRAIN_BUGS = [source for task, source, _ in BUGS if task == "a01.perceptron_train"]
PREDICT_BUGS = [source for task, source, _ in BUGS if task == "a01.perceptron_predict"]
TRAINING = ("a01.perceptron_train.converges", "a01.perceptron_train.max_epochs")


@functools.cache
def _reference() -> dict:
    return reference_namespace("a01")


def _defined(source: str, name: str):
    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102 -- a planted bug of this repository
    return namespace[name]


@functools.cache
def _hidden(seed: int) -> dict[str, dict]:
    """check id -> the inputs of its hidden call, for one student's seed."""
    return {item.id: params for cell in graded_cells(solution_notebook("a01"), seed)
            for target, params, hidden in cell.calls if hidden and "perceptron" in target
            for item in planned(target, params)}


def _result(train, params: dict) -> tuple:
    w, b, mistakes = train(params["X"].copy(), params["y"].copy(), params["lr"], params["max_epochs"])
    return tuple(np.asarray(w, dtype=float).tolist()), float(b), tuple(int(m) for m in mistakes)


def test_the_public_inputs_give_every_mistake_its_own_result():
    """Run on the public checks' inputs, does each planted mistake give results (both checks together)
    that no other mistake and not the reference give?"""
    results = [tuple(_result(train, CHECKS[c].params) for c in TRAINING)
               for train in [_reference()["perceptron_train"], *(_defined(s, "perceptron_train") for s in TRAIN_BUGS)]]
    assert len(set(results)) == len(results) == 1 + len(TRAIN_BUGS)


def test_the_public_predict_inputs_sit_on_the_line_and_off_it():
    """Does X @ w + b hit 0 exactly (step(0) = 1 is tested), and both signs, and does each planted bug
    give its own outputs?"""
    params = CHECKS["a01.perceptron_predict.values"].params
    z = params["X"] @ params["w"] + params["b"]
    assert np.any(z == 0) and np.any(z > 0) and np.any(z < 0)
    outputs = [tuple(np.asarray(_defined(s, "perceptron_predict")(params["X"], params["w"], params["b"]), float))
               for s in PREDICT_BUGS if "np.where" in s]
    assert len(set(outputs + [tuple(params["expected"])])) == len(outputs) + 1


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_inputs_reach_the_threshold_and_the_limits(seed):
    """For each student's seed: does predict's X @ w + b hit 0 exactly and both signs; does the separable
    data set train to a mistake-free epoch with b away from 0; does the other one run all max_epochs?"""
    inputs = _hidden(seed)
    p = inputs["a01.perceptron_predict.values"]
    z = p["X"] @ p["w"] + p["b"]
    assert np.any(z == 0) and np.any(z > 0) and np.any(z < 0)
    train = _reference()["perceptron_train"]
    w, b, mistakes = _result(train, inputs["a01.perceptron_train.converges"])
    assert mistakes[-1] == 0 and len(mistakes) < inputs["a01.perceptron_train.converges"]["max_epochs"] and b != 0
    limited = inputs["a01.perceptron_train.max_epochs"]
    assert len(_result(train, limited)[2]) == limited["max_epochs"] and 0 not in _result(train, limited)[2]


@pytest.mark.parametrize("check_id", ["a01.perceptron_predict.values", *TRAINING])
def test_every_perceptron_check_fails_on_a_planted_bug(check_id):
    """Can each check fail: is some planted bug of its task caught by it, on its public inputs?"""
    task = check_id.rsplit(".", 1)[0]
    name = task.split(".")[1]
    caught = [s for t, s, _ in BUGS if t == task
              if attempt(CHECKS[check_id], LocalCaller({**_reference(), name: _defined(s, name)})) is not None]
    assert caught
