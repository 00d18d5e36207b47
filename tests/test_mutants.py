"""Mutation testing of the checks (tools/mutants.py): is every one-change mutant of the reference
killed by some check, or listed as equivalent with a reason? And is the tool itself not vacuous?

The whole course takes a few seconds, but this suite runs assignment 1 only (well under a second);
``python tools/mutants.py`` runs every assignment.
"""
from __future__ import annotations

import ast
import functools
import importlib.util
import sys

import pytest

from conftest import NOTEBOOKS, ROOT


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


mutants = _load("mutants")  # loads tools/mutation_ops.py too, under the name the tool imports it by
ops = sys.modules["mutation_ops"]

CLIP = "p = np.clip(p, EPS, 1.0 - EPS)"
CLIP_CHECK = "a01.binary_cross_entropy_grad.clipped"  # the check added to close the blind spot


@functools.cache
def judge(assignment: str):
    return mutants.Judge(assignment)


@functools.cache
def a01_verdicts() -> tuple:
    return tuple(mutants.run(["a01"], progress=False))


def find(assignment: str, key: str):
    return next(m for m in judge(assignment).mutants() if m.key == key)


def test_every_a01_mutant_is_killed_or_listed_as_equivalent():
    verdicts = a01_verdicts()
    assert len(verdicts) > 50  # every function of the assignment has its mutants
    assert {v.mutant.function for v in verdicts} == {t.split(".")[1] for t in mutants.TASKS if t.startswith("a01.")}
    unexplained = [f"{v.outcome}: {v.mutant.key}" for v in verdicts
                   if v.outcome == mutants.SURVIVED or v.outcome.startswith("ERROR")]
    assert unexplained == []


@pytest.mark.parametrize("function", ["sigmoid", "binary_cross_entropy_grad", "squared_error"])
def test_the_unmutated_reference_survives(function):
    """The judge is not vacuous the other way: the reference itself fails no check."""
    cell = next(source for _, source in mutants.answer_cells("a01") if f"def {function}(" in source)
    node = next(n for n in ast.parse(cell).body if isinstance(n, ast.FunctionDef))
    same = ops.Mutant("a01", function, "none", "", 0, "", ast.unparse(node) + "\n")
    assert judge("a01").judge(same) == mutants.SURVIVED


# (key, what must kill it): a plain one a public check kills, and the clip-boundary mutants.
KILLED = [
    ("a01.squared_error_grad | const+1 | return 2.0 * (output - label) / output.shape[0] | 2.0 -> 3.0", "public"),
    (f"a01.binary_cross_entropy_grad | binop | {CLIP} | - -> +", CLIP_CHECK),        # clip at 1 + EPS
    (f"a01.binary_cross_entropy_grad | const+1 | {CLIP} | 1.0 -> 2.0", CLIP_CHECK),  # clip at 2 - EPS
]


@pytest.mark.parametrize("key, killer", KILLED, ids=["squared_error_grad 2->3", "clip 1+EPS", "clip 2-EPS"])
def test_a_known_wrong_mutant_is_killed(key, killer):
    outcome = next(v.outcome for v in a01_verdicts() if v.mutant.key == key)
    assert outcome != mutants.SURVIVED and killer in outcome, outcome


@pytest.mark.parametrize("key", [k for k, killer in KILLED if killer == CLIP_CHECK])
def test_the_clip_boundary_mutant_survived_every_check_before_the_clip_check(key):
    """The blind spot was real: without the `clipped` check (public and hidden) every other public
    and hidden check of the task passes the mutant."""
    assert judge("a01").judge(find("a01", key), without=frozenset({CLIP_CHECK})) == mutants.SURVIVED


@functools.cache
def every_mutant_key() -> frozenset:
    return frozenset(m.key for a in NOTEBOOKS for _, source in mutants.answer_cells(a)
                     for m in ops.cell_mutants(a, source))


@pytest.mark.parametrize("key", sorted(mutants.load_equivalent()))
def test_an_equivalent_mutant_is_still_made_and_still_survives(key):
    """No stale entry: each listed mutant is still generated (its line unchanged), and no check
    kills it (a killed one is not equivalent: its entry would hide nothing and mislead)."""
    assert key in every_mutant_key(), f"stale entry in tools/equivalent_mutants.txt: {key}"
    assignment = key.split(".")[0]
    assert judge(assignment).judge(find(assignment, key)) == mutants.SURVIVED


SNIPPET = '''def f(x, y):
    ### BEGIN SOLUTION
    z = np.sum(x * y, axis=0, keepdims=True) + 0.5
    if x.T[0] < 1:
        return -z / 2
    return max(z, y) - 1
    ### END SOLUTION
'''


@pytest.mark.parametrize("operator, detail", [
    ("binop", "* -> /"), ("binop", "+ -> -"), ("binop", "/ -> *"), ("binop", "- -> +"), ("compare", "< -> <="),
    ("const+1", "0.5 -> 1.5"), ("const-", "0.5 -> -0.5"), ("const0.5", "0.5 -> 2.0"), ("axis", "axis=0 -> axis=1"),
    ("keepdims", "keepdims dropped"), (".T", "x.T -> x"), ("reduce", "sum -> mean"), ("reduce", "max -> min"),
    ("neg-", "-z -> z"), ("neg+", "return -(...)"),
])
def test_each_operator_makes_its_mutant(operator, detail):
    made = {(m.operator, m.detail) for m in ops.cell_mutants("a00", SNIPPET)}
    assert (operator, detail) in made


def test_mutants_change_only_solution_lines_and_are_keyed_without_line_numbers():
    source = "def g(x):\n    y = x + 1\n    ### BEGIN SOLUTION\n    return y * 2\n    ### END SOLUTION\n"
    made = ops.cell_mutants("a00", source)
    assert made and all(m.line == "return y * 2" for m in made)
    assert all(str(m.lineno) not in m.key.split(" | ")[0] for m in made)
    assert len({m.key for m in made}) == len(made)
