"""Assignment 9's own facts: any valid topological order passes (and nothing else does), the
slides' framework demo number for number, and LinearPullback pulling back as the Tensor's own
pullbacks do."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import reference_namespace

from autograder.calls import LocalCaller
from autograder.channel import LinearPullback
from autograder.checks.a09.graphs import DIAMOND
from autograder.registry import CHECKS, attempt, load_all

load_all()


def _order_check(order) -> str | None:
    """The topological_order check of the diamond graph, on a function that returns ``order``."""
    namespace = {"topological_order": lambda root, parents: list(order)}
    return attempt(CHECKS["a09.topological_order.diamond"], LocalCaller(namespace))


def _valid(order, parents) -> bool:
    """Each node after all its operands: judged here, independently of the check."""
    seen = set()
    for node in order:
        if not set(parents[node]) <= seen:
            return False
        seen.add(node)
    return True


def test_every_valid_order_passes_and_every_other_permutation_fails():
    """The diamond's five nodes have 120 orders: does the check pass exactly those that put every
    node after its operands (more than one: the check judges properties, not one answer)?"""
    needed = ("loss", "s", "sq", "x", "y")
    verdicts = {order: _order_check(order) is None for order in itertools.permutations(needed)}
    valid = {order for order in verdicts if _valid(order, DIAMOND)}
    assert {order for order, passed in verdicts.items() if passed} == valid
    assert len(valid) == 3  # y anywhere before s, with x before sq: (x, sq, y), (x, y, sq), (y, x, sq)


@pytest.mark.parametrize("order, words", [
    (["x", "sq", "y", "s"], "'loss' is missing"),
    (["x", "sq", "x", "y", "s", "loss"], "'x' is in it twice"),
    (["x", "w", "sq", "y", "s", "loss"], "'w' is in it, but 'loss' does not depend on it"),
    (["x", "sq", "s", "y", "loss"], "'s' comes before its operand 'y'"),
    (["x", "sq", "y", "s", "z", "loss"], "'z' is not a node of the graph"),
], ids=["missing", "duplicate", "extra", "operand-after-user", "unknown"])
def test_each_broken_property_fails_by_name(order, words):
    message = _order_check(order)
    assert message is not None and words in message, message


def _slides_demo(namespace: dict):
    """The slides' demo through the notebook's Tensor: (loss before, out.grad, loss after one step)."""
    Tensor = namespace["Tensor"]

    def loss_func(out, lbl):  # the slides' loss: summed over the classes, averaged over the rows
        return ((out - lbl) ** 2).sum(axis=-1).mean(axis=-1)
    out = Tensor([[0.1, 0.1, 0.1], [0.1, 1.0, 0.1]], name="out")
    lbl = Tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], name="lbl")
    loss = loss_func(out, lbl)
    loss.backward()
    stepped = Tensor(out.value - 0.1 * out.grad, name="stepped")
    return float(loss.value), out.grad, float(loss_func(stepped, lbl).value), loss


def test_the_slides_demo_number_for_number():
    """L.backward() and one step of 0.1 take the slides' loss from 0.425 to 0.34425 (times 0.81 =
    (1 - 0.1)**2: the gradient is out - lbl)."""
    before, grad, after, _ = _slides_demo(reference_namespace("a09"))
    assert before == pytest.approx(0.425, abs=1e-15) and after == pytest.approx(0.34425, abs=1e-15)
    np.testing.assert_allclose(grad, [[-0.9, 0.1, 0.1], [0.1, 0.0, 0.1]], atol=1e-15)


def test_linear_pullbacks_pull_back_as_the_tensors_own_do():
    """Each pullback of the demo's graph, as a LinearPullback of its Jacobian (row k: the pullback of
    the k-th unit gradient), gives what the closure gives, and backward_pass with either gives the
    same gradients: the checks' pullbacks follow the notebook's convention."""
    namespace = reference_namespace("a09")
    *_, loss = _slides_demo(namespace)
    nodes = loss.graph()
    parents = {name: [p.name for p in node.parents] for name, node in nodes.items()}
    closures = {name: list(node.pullbacks) for name, node in nodes.items()}
    linear = {}
    for name, node in nodes.items():
        units = np.eye(node.value.size)
        linear[name] = [LinearPullback(np.array([np.ravel(pb(u.reshape(node.shape))) for u in units]).reshape(
            node.value.size, operand.value.size), node.shape, operand.shape)
            for pb, operand in zip(node.pullbacks, node.parents)]
        g = np.random.default_rng(9).normal(size=node.shape)
        for pb, made in zip(node.pullbacks, linear[name]):
            np.testing.assert_allclose(made(g), pb(g), rtol=1e-12, atol=1e-15)
    by_closures = namespace["backward_pass"](loss.name, parents, closures, np.array(1.0))
    by_matrices = namespace["backward_pass"](loss.name, parents, linear, np.array(1.0))
    assert by_closures.keys() == by_matrices.keys() == nodes.keys()
    for name in nodes:
        np.testing.assert_allclose(by_matrices[name], by_closures[name], rtol=1e-12, atol=1e-15)
