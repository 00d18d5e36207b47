"""Do the checks' inputs tell every catalogued mistake from the right answer?

A mistake of the diagnosis catalogue (autograder.diagnose) leaves a known trace on a returned value:
the sign flipped, a factor 2 or ½, the number of samples N or the width K (a sum where the mean
belongs, a mean over every entry), ½·N (the textbook ``0.5 * sum`` where the mean over N belongs),
the transpose. Here each trace is put on the REFERENCE function's value, as the check sees it, and
the check must fail it. Inputs where a trace is the identity (N = 2 makes ½·N = 1; a square,
symmetric output is its own transpose) are reported as indistinguishable: such a wrong answer would
pass, and worse, the correct function checked against it would be told to break itself.

Every check of the registry is run with its public inputs and with its hidden inputs of two seeds,
in-process, with the unmodified reference as the judge (as at grading: tests/test_alternatives.py).
A check judges the functions it calls on the student that it does not judge by (``Check.uses``);
a value slot it does not judge at all (a forward's cache, a state entry another check reads) is
found by a control trace, ×1.37 (no mistake's factor), passing, and is skipped.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from autograder.calls import LocalCaller
from autograder.registry import CHECKS, Check, attempt, load_all, planned
from conftest import NOTEBOOKS, reference_namespace, solution_notebook
from deepgrad.grading.verdict import graded_cells

load_all()
SEEDS = (11, 2024)
CONTROL = 1.37  # a factor no mistake of the catalogue makes: a slot it leaves passing is not judged


@functools.cache
def _reference(assignment: str) -> dict:
    return reference_namespace(assignment)


@functools.cache
def _hidden(assignment: str) -> dict[str, list[tuple[str, dict]]]:
    """check id -> [(label, inputs)] of the hidden calls of every seed."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for seed in SEEDS:
        for cell in graded_cells(solution_notebook(assignment), seed):
            for target, params, hidden in cell.calls:
                for item in planned(target, params) if hidden else ():
                    found.setdefault(item.id, []).append((f"seed {seed}", params))
    return found


class Tracing:
    """The reference's functions as a student's: calls of ``fn`` get ``trace`` on slot ``slot`` of
    their value; every call is recorded (which functions the check asks the student for)."""

    def __init__(self, assignment: str, fn: str | None = None, slot=None, trace=None):
        self.inner = LocalCaller(_reference(assignment))
        self.reference = LocalCaller(_reference(assignment))  # the judge, as at grading
        self.warned, self.broke = self.inner.warned, self.inner.broke  # (the notes attempt() reads)
        self.fn, self.slot, self.trace = fn, slot, trace
        self.outputs: dict[str, object] = {}

    def __call__(self, fn: str, *args):
        value = self.inner(fn, *args)
        self.outputs.setdefault(fn, value)
        return apply(value, self.slot, self.trace) if fn == self.fn else value


def slots(fn: str, value) -> list:
    """Where a value's numbers are: the whole of an array or float, else each array or float of a
    tuple (a forward's ``(out, cache)``: its out only) or of a dict (an optimizer's state)."""
    if _numeric(value):
        return [None]
    if isinstance(value, (tuple, list)):
        found = [i for i, v in enumerate(value) if _numeric(v)]
        found += [(i, k) for i, v in enumerate(value) if isinstance(v, dict) for k in v if _numeric(v[k])]
        return found[:1] if fn.endswith("forward") and len(value) == 2 else found
    return []


def _numeric(v) -> bool:
    return (isinstance(v, float) or (type(v) is np.ndarray and v.dtype == np.float64)) and np.size(v) > 0


def _get(value, slot):
    if slot is None:
        return value
    if isinstance(slot, tuple):
        return value[slot[0]][slot[1]]
    return value[slot]


def apply(value, slot, trace):
    if slot is None:
        return trace(value)
    out = list(value)
    if isinstance(slot, tuple):
        out[slot[0]] = {**out[slot[0]], slot[1]: trace(out[slot[0]][slot[1]])}
    else:
        out[slot] = trace(out[slot])
    return type(value)(out) if isinstance(value, tuple) else out


def _scale(c: float):
    return lambda v: float(v) * c if isinstance(v, float) else np.asarray(v) * c


# Tasks whose value is a mean over the samples, or a gradient of one: there N, the number of samples
# (the rows of the inputs), and K, the width of a row, leave traces of their own.
MEAN_TASKS = ("a01.binary_cross_entropy", "a01.binary_cross_entropy_grad", "a01.squared_error",
              "a01.squared_error_grad", "a02.loss", *(f"a02.d_w{i}{j}" for i in (1, 2, 3) for j in (0, 1, 2)),
              "a03.sigmoid_ce_forward", "a03.sigmoid_ce_backward", "a03.grad_o", "a03.grad_l2", "a03.grad_W2",
              "a03.grad_h1", "a03.grad_l1", "a03.grad_W1", "a04.d_b1", "a04.d_b2", "a06.softmax_ce", "a06.mse")

# Property checks, which by design hold for a traced value too: (check, trace) -> why. The task's
# value checks catch those traces (a fixed sample, out's values).
BLIND = {
    **{(c, "sign"): "a random sample negated is a sample of the same symmetric distribution"
       for c in ("a06.init_basic.normal", "a06.init_basic.uniform", "a06.init_truncated_normal.statistics",
                 "a06.init_orthogonal.orthonormal", "a06.init_orthogonal.orthonormal_wide",
                 *(f"a06.init_variance_scaling.{k}" for k in (
                     "lecun_normal", "lecun_uniform", "he_normal", "he_uniform", "glorot_normal",
                     "glorot_uniform", "fan_out_uniform", "fan_avg_normal")))},
    ("a06.init_orthogonal.orthonormal", "transposed"): "a square orthogonal matrix's transpose is orthogonal",
    ("a07.dropout_mask.seeded", "transposed"): "it compares masks with each other, not with a value",
    ("a07.batchnorm_forward.normalises", "sign"): "mean 0 and variance 1 hold for -out as well",
    ("a07.layernorm_forward.per_sample", "sign"): "mean 0 and variance 1 hold for -out as well",
}


def traces(task_id: str, inputs: dict, value) -> list[tuple[str, object]]:
    """The catalogue's traces that make sense on ``value``: (name, trace), or (name, None) where
    the trace is the identity on these inputs (the inputs cannot tell that mistake)."""
    factors = [("sign", -1.0), ("x2", 2.0), ("x1/2", 0.5)]
    arrays = [v for k, v in inputs.items() if k != "expected" and type(v) is np.ndarray and v.dtype.kind == "f"]
    # A size of 1 (one sample, one column, a 1 x 1 output) is an edge case a hidden check calls on
    # purpose, for the shapes: there a sum is its mean and a transpose is the value itself, so
    # those traces are no mistake; the check's other calls tell them apart.
    if task_id in MEAN_TASKS:
        for n in sorted({v.shape[0] for v in arrays if v.ndim >= 1} - {1}):
            factors += [(f"xN, a sum where the mean belongs (N={n})", n), (f"x1/N (N={n})", 1 / n),
                        (f"xN/2, 0.5 * sum where the mean belongs (N={n})", n / 2), (f"x2/N (N={n})", 2 / n)]
        for n, k in sorted({v.shape for v in arrays if v.ndim == 2 and 1 not in v.shape}):
            factors += [(f"x1/K, the mean over every entry (K={k})", 1 / k),
                        (f"xN/K, the mean over the wrong axis (N={n}, K={k})", n / k)]
    found = [(name, None if c == 1 else _scale(c)) for name, c in factors]
    if type(value) is np.ndarray and value.ndim == 2 and value.shape != (1, 1):
        identity = value.shape[0] == value.shape[1] and np.allclose(value, value.T, rtol=1e-6, atol=1e-12)
        found.append((f"transposed {value.shape}", None if identity else
                      lambda a: np.ascontiguousarray(np.asarray(a).T)))
    return found


def runs() -> list[tuple[Check, str, dict]]:
    found = []
    for item in CHECKS.values():
        found.append((item, "public", {}))
        found += [(item, label, params) for label, params in _hidden(item.task.assignment).get(item.id, [])]
    return found


RUNS = runs() if set(NOTEBOOKS) else []


def undiscriminated(item: Check, inputs: dict) -> list[str]:
    """The traces the check lets pass on these inputs (empty: every mistake is told apart)."""
    assignment = item.task.assignment
    recorder = Tracing(assignment)
    assert attempt(item, recorder, **inputs) is None, "the reference fails its own check"
    params = {**item.params, **inputs}
    passed = []
    for fn, value in recorder.outputs.items():
        if fn in item.uses:
            continue
        for slot in slots(fn, value):
            def passes(trace, fn=fn, slot=slot):
                return attempt(item, Tracing(assignment, fn, slot, trace), **inputs) is None
            if passes(_scale(CONTROL)):
                continue  # this check does not judge that slot
            for name, trace in traces(item.task.id, params, _get(value, slot)):
                if (item.id, name.split(" (")[0]) in BLIND:
                    continue
                if trace is None or passes(trace):
                    where = fn if slot is None else f"{fn}[{slot}]"
                    passed.append(f"{where}: {name}" + (" is the identity here" if trace is None else " passes"))
    return passed


@pytest.mark.parametrize("item, label, inputs", RUNS, ids=[f"{c.id}-{label}" for c, label, _ in RUNS])
def test_every_mistake_fails_the_check(item, label, inputs):
    assert undiscriminated(item, inputs) == []


def test_blind_spots_name_registered_checks():
    """No stale exemption: each names a check of the registry."""
    assert {check_id for check_id, _ in BLIND} <= set(CHECKS)
