"""Assignment 4: do the lesson's numbers reproduce, and does the notebook print them?

The lesson (seed 003) ran each experiment "for 30 iterations": an R vector of 30 entries with x0 as
the first, i.e. 29 updates, and no momentum at the first update. These tests pin that reading down
with 40-digit recurrences, run the notebook's lesson cells, and make sure the initialiser's
statistical check cannot flake. (The hidden tests' values come from the reference on each student's
inputs; tests/test_hidden_expected.py holds those to the same 40-digit recomputations.)
"""
from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

import recompute_a04 as rc
from autograder.channel import Polynomial
from conftest import solution_notebook

QUARTIC = (0.0, 4.0, 9.0, 4.0)
# (f' coefficients, x0, lr, rho, what the lesson printed)
LESSON = [
    (QUARTIC, 0.5, 0.05, 0.0, "0.000275395"),
    (QUARTIC, -3.0, 0.05, 0.0, "-1.640338"),
    (QUARTIC, 0.5, 0.1, 0.9, "-1.602265"),
    ((0.0, 2.0), 0.5, 1.02, 0.9, "-0.03117517"),
]


def r_print(x) -> str:
    """How R prints a number by default: 7 significant digits, trailing zeros dropped."""
    return f"{float(x):.7g}"


@pytest.mark.parametrize("coeffs, x0, lr, rho, printed", LESSON)
def test_lesson_numbers_are_29_updates(coeffs, x0, lr, rho, printed):
    """Does the lesson's printout match x0 plus 29 updates, and not 30 updates?"""
    assert r_print(rc.lesson_path(coeffs, x0, lr, rho, 29)[-1]) == printed
    assert r_print(rc.lesson_path(coeffs, x0, lr, rho, 30)[-1]) != printed


def test_velocity_form_is_the_lesson_recurrence():
    """Is v = rho v - lr g, w = w + v (velocity from 0) the lesson's x-recurrence, step for step?"""
    xs = rc.lesson_path(QUARTIC, 0.5, 0.1, 0.9, 29)
    w, v = rc.mp.mpf(0.5), rc.mp.mpf(0)
    for x in xs[1:]:
        v = rc.mp.mpf(0.9) * v - rc.mp.mpf(0.1) * (4 * w + 9 * w ** 2 + 4 * w ** 3)
        w += v
        assert abs(w - x) < rc.mp.mpf(10) ** -30


def _float_paths(coeffs, x0, lr, rho, n_steps) -> tuple[float, float]:
    """The last x of the lesson's recurrence and of the velocity form, each in float64."""
    grad = Polynomial(tuple(coeffs))
    before, x = x0, x0 - lr * grad(x0)
    for _ in range(n_steps - 1):
        before, x = x, x - lr * grad(x) + rho * (x - before)
    w, v = x0, 0.0
    for _ in range(n_steps):
        v = rho * v - lr * grad(w)
        w = w + v
    return x, w


def test_hidden_lesson_runs_are_tame_for_every_student():
    """On 200 students' hidden lesson runs, do two correct float64 forms of the recurrence agree
    with the 40-digit path to 1e-11, a hundredth of the checks' rtol (no draw sensitive to rounding)?"""
    from deepgrad.grading.verdict import graded_cells

    runs = [params for seed in range(200) for cell in graded_cells(solution_notebook("a04"), seed)
            for target, params, hidden in cell.calls if hidden and target.endswith(".lesson")]
    assert len(runs) == 4 * 200
    for p in runs:
        exact = float(rc.lesson_path(p["coeffs"], p["x0"], p["lr"], p["rho"], p["n_steps"])[-1])
        for got in _float_paths(p["coeffs"], np.float64(p["x0"]), p["lr"], p["rho"], p["n_steps"]):
            assert abs(got - exact) <= 1e-14 + 1e-11 * abs(exact), p


def test_the_lesson_cells_print_the_lesson_numbers(reference):
    """Do the notebook's lesson cells, run on the reference answers, print all four numbers?"""
    namespace = reference("a04")
    cells = json.loads(solution_notebook("a04").read_text())["cells"]
    lesson = [("".join(c["source"])) for c in cells if c["cell_type"] == "code"
              and not c["metadata"].get("nbgrader") and "momentum_descent(quartic_grad" in "".join(c["source"])]
    assert lesson
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for source in lesson:
            exec(source, namespace)
        update_cell = next("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                           and not c["metadata"].get("nbgrader") and "momentum_update(w, quartic_grad" in "".join(c["source"]))
        exec(update_cell, namespace)
    printed = out.getvalue()
    for *_, number in LESSON:
        assert number in printed
    assert printed.count("-1.602265") >= 3  # momentum_descent and 29 calls of momentum_update agree


def test_init_scale_check_cannot_flake(reference):
    """Does the reference pass the He-scale check by a wide margin on every one of 300 seeds?

    The check allows 6 standard errors; here the worst of 300 seeds must stay within 4.
    """
    init_mlp = reference("a04")["init_mlp"]
    worst = 0.0
    for seed in range(300):
        for W, _ in init_mlp(250, [500, 200], seed):
            n, target = W.size, np.sqrt(2.0 / W.shape[0])
            worst = max(worst, abs(W.std() / target - 1.0) / (1.0 / np.sqrt(2.0 * n)),
                        abs(W.mean()) / (target / np.sqrt(n)))
    assert worst < 4.0
