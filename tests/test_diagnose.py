"""Does a wrong value get a hint exactly when it is a known mistake, and only then?"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import CheckFailure, LocalCaller
from autograder.compare import expect_array, expect_float
from autograder.checks.a05.rules import _rule, mistakes
from autograder.diagnose import (KINDS, NEW_TERM_WEIGHT, NO_GRADIENT_TERM, NO_LOOK_AHEAD, NOT_CARRIED,
                                 NOT_SQUARED, STALE_V, STEP_SIGN, T_BEFORE_ADDING, WEIGHTS_SWAPPED, WRONG_BETA)
from autograder.diagnose import (HALF, MEAN_FOR_SUM, NO_X0, NOT_SUMMED, ONE_PIECE, ONE_STEP_SHORT, SIGN,
                                 SUM_FOR_MEAN, TRANSPOSED, TWICE, value_hint)
from autograder.diagnose import (EPOCH_TOO_FEW, EPOCH_TOO_MANY, NO_BIAS, NO_BIAS_UPDATE, NO_CLEAN_EPOCH,
                                 STRICT_STEP)
from autograder.gradcheck import assert_gradient
from autograder.registry import CHECKS, attempt, load_all

EXPECTED = np.array([[0.5, -1.25, 2.0], [3.0, 0.75, -0.1], [1.5, 2.5, -3.5], [0.2, 0.4, 0.8]])  # N = 4 rows


@pytest.mark.parametrize("factor, kind", [(-1.0, SIGN), (2.0, TWICE), (0.5, HALF), (4.0, SUM_FOR_MEAN),
                                          (0.25, MEAN_FOR_SUM)])
def test_each_factor_gets_its_hint(factor, kind):
    with pytest.raises(CheckFailure, match=kind):
        expect_array(factor * EXPECTED, EXPECTED, fn="f", samples=4)


def test_the_transpose_gets_its_hint():
    with pytest.raises(CheckFailure, match=f"shape.*\nhint: it matches the expected value {TRANSPOSED}"):
        expect_array(EXPECTED.T.copy(), EXPECTED, fn="f")


@pytest.mark.parametrize("got", [EXPECTED + 0.01, EXPECTED * 3.0, EXPECTED ** 2, -EXPECTED + 1e-3,
                                 np.where(EXPECTED > 0, 2 * EXPECTED, EXPECTED)])
def test_no_hint_for_a_value_that_is_no_known_mistake(got):
    """Near misses and partial matches (only some entries doubled) get no hint."""
    with pytest.raises(CheckFailure) as failure:
        expect_array(got, EXPECTED, fn="f", samples=4)
    assert "hint:" not in str(failure.value)


def test_no_sample_hint_without_the_number_of_samples():
    """A factor that might be N is not called "a sum where the mean belongs" unless the check says N."""
    assert value_hint(4 * EXPECTED, EXPECTED, 1e-7, 1e-12) == ""
    assert value_hint(4 * EXPECTED, EXPECTED, 1e-7, 1e-12, samples=5) == ""
    assert SUM_FOR_MEAN in value_hint(4 * EXPECTED, EXPECTED, 1e-7, 1e-12, samples=4)


def test_a_right_value_and_a_zero_expected_get_no_hint():
    assert value_hint(EXPECTED, EXPECTED, 1e-7, 1e-12, samples=4) == ""
    assert value_hint(np.ones(3), np.zeros(3), 1e-7, 1e-12, samples=3) == ""


def test_scalars_and_gradients_get_hints_too():
    with pytest.raises(CheckFailure, match=SUM_FOR_MEAN):
        expect_float(5 * 0.4149, 0.4149, fn="loss", samples=5)
    with pytest.raises(CheckFailure, match=f"the numeric gradient: {SIGN}"):
        assert_gradient(-EXPECTED, EXPECTED, fn="d", wrt="w")


def test_a_checks_own_mistakes_come_first_and_only_when_they_differ_from_the_answer():
    """A check names its own mistakes (Adam without bias correction, ...): the one the value
    matches is said; a "mistake" that gives the right value (bias correction at a late step
    changes little) is never said."""
    wrong = EXPECTED * 1.5
    known = (("it matches the planted mistake", wrong),)
    with pytest.raises(CheckFailure, match="hint: it matches the planted mistake"):
        expect_array(wrong, EXPECTED, fn="f", mistakes=known)
    assert value_hint(EXPECTED, EXPECTED, 1e-7, 1e-12, mistakes=((("same"), EXPECTED),)) == ""
    assert value_hint(-EXPECTED, EXPECTED, 1e-7, 1e-12, mistakes=known) == \
        "\nhint: it is exactly −1 × the expected value: check the sign"


# An optimizer's step from a later state (every kept array and t non-zero, so no mistake is the rule).
W, DW, V, M = np.array([0.5, -1.2, 2.0]), np.array([0.3, -0.8, 0.05]), np.array([0.02, 0.5, 0.01]), \
    np.array([0.05, -0.01, 0.02])
SGD, NESTEROV = {"lr": 0.1}, {"lr": 0.05, "rho": 0.8, "velocity": np.array([0.2, -0.1, 0.4])}
ADAGRAD, RMSPROP = {"lr": 0.1, "eps": 1e-3, "v": V}, {"lr": 0.01, "decay": 0.9, "eps": 1e-3, "v": V}
ADAM = {"lr": 0.01, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3, "t": 3, "m": M, "v": V}


def _adam_w(b1_power, b2_power, b_for_m="beta1"):
    """Adam's new w with the bias corrections 1 - beta1**b1_power, 1 - beta2**b2_power, m's by ``b_for_m``."""
    s = ADAM
    m, v = s["beta1"] * M + (1 - s["beta1"]) * DW, s["beta2"] * V + (1 - s["beta2"]) * DW ** 2
    m_hat, v_hat = m / (1 - s[b_for_m] ** b1_power), v / (1 - s["beta2"] ** b2_power)
    return W - s["lr"] * m_hat / np.sqrt(v_hat + s["eps"])


@pytest.mark.parametrize("fn, state, key, kind, mistaken", [
    ("sgd_update", SGD, "w", STEP_SIGN, W + 0.1 * DW),
    ("adam_update", ADAM, "w", STEP_SIGN, 2 * W - _adam_w(4, 4)),
    ("nesterov_update", NESTEROV, "w", NO_LOOK_AHEAD, W + 0.8 * NESTEROV["velocity"] - 0.05 * DW),
    ("nesterov_update", NESTEROV, "w", NO_GRADIENT_TERM, W + 0.8 * (0.8 * NESTEROV["velocity"] - 0.05 * DW)),
    ("adagrad_update", ADAGRAD, "v", NOT_SQUARED, V + np.abs(DW)),
    ("adam_update", ADAM, "v", NOT_SQUARED, 0.9 * V + 0.1 * DW),
    ("adagrad_update", ADAGRAD, "v", NOT_CARRIED, DW ** 2),
    ("adagrad_update", ADAGRAD, "w", STALE_V, W - 0.1 * DW / np.sqrt(V + 1e-3)),
    ("rmsprop_update", RMSPROP, "v", NEW_TERM_WEIGHT, 0.9 * V + DW ** 2),
    ("rmsprop_update", RMSPROP, "v", WEIGHTS_SWAPPED, 0.1 * V + 0.9 * DW ** 2),
    ("adam_update", ADAM, "w", WRONG_BETA, _adam_w(4, 4, b_for_m="beta2")),
    ("adam_update", ADAM, "w", T_BEFORE_ADDING, _adam_w(3, 3)),
])
def test_an_optimizers_own_mistakes_get_their_hints(fn, state, key, kind, mistaken):
    """A planted optimizer mistake (recomputed here by hand) gets its hint and no other; the
    rule's own value gets none."""
    right, known = _rule(fn, W, DW, state)[key], mistakes(fn, W, DW, state)[key]
    assert not np.allclose(mistaken, right, rtol=1e-9, atol=1e-15)
    hint = value_hint(mistaken, right, 1e-9, 1e-15, mistakes=known)
    assert [k for k in KINDS if k in hint] == [kind], hint
    assert value_hint(right, right, 1e-9, 1e-15, mistakes=known) == ""


SQUARE = EXPECTED[:3]
TRAJECTORY = np.array([10.0, 8.9, 7.91, 7.019, 6.2171])


@pytest.mark.parametrize("got, expected, kind", [
    (SQUARE.T.copy(), SQUARE, TRANSPOSED),                              # same shape, yet transposed
    (np.stack([EXPECTED[0] - 1.0, np.ones(3)]), EXPECTED[0], NOT_SUMMED),  # per sample, not summed
    (TRAJECTORY[:-1], TRAJECTORY, ONE_STEP_SHORT),
    (TRAJECTORY[1:], TRAJECTORY, NO_X0),
])
def test_shape_mistakes_get_their_hint(got, expected, kind):
    assert kind in value_hint(got, expected, 1e-7, 1e-12)


@pytest.mark.parametrize("got, expected", [
    (SQUARE + SQUARE.T, SQUARE + SQUARE.T + 0.5),         # symmetric: its transpose is no mistake
    (np.stack([EXPECTED[0], np.ones(3)]), EXPECTED[0]),   # its rows do not sum to it
    (TRAJECTORY[:-1] + 0.1, TRAJECTORY),
    (TRAJECTORY[:-2], TRAJECTORY),                        # two short: no single known mistake
])
def test_other_shapes_get_no_hint(got, expected):
    assert value_hint(got, expected, 1e-7, 1e-12) == ""


def test_with_two_samples_a_factor_2_names_both_mistakes():
    """With N = 2 a doubled value may be the 2 too many or the sum where the mean belongs."""
    doubled = value_hint(2 * EXPECTED[:2], EXPECTED[:2], 1e-7, 1e-12, samples=2)
    assert TWICE in doubled and SUM_FOR_MEAN in doubled
    halved = value_hint(EXPECTED[:2] / 2, EXPECTED[:2], 1e-7, 1e-12, samples=2)
    assert HALF in halved and MEAN_FOR_SUM in halved
    assert SUM_FOR_MEAN not in value_hint(2 * EXPECTED, EXPECTED, 1e-7, 1e-12, samples=4)


X_PIECES = np.array([[-3.0, -1.0, 0.0], [0.5, 1.5, 3.0]])
SLOPES = np.where(X_PIECES > 0, 1.0, 0.1)  # a leaky ReLU's slope, 0.1 at the kink too


@pytest.mark.parametrize("got, said", [
    (np.where(X_PIECES > 0, 1.0, 0.0), "x < 0 or x = 0"),      # the negative piece's slope lost
    (np.where(X_PIECES >= 0, 1.0, 0.1), "x = 0"),              # the kink given the other side's slope
    (np.where(X_PIECES > 2, 0.0, SLOPES), None),                # part of a piece: no piece to name
    (SLOPES + 1.0, None),                                       # everywhere wrong
])
def test_a_derivative_wrong_on_whole_pieces_names_them(got, said):
    hint = value_hint(got, SLOPES, 1e-7, 1e-12, pieces=(X_PIECES, (0.0,)))
    if said is None:
        assert hint == ""
    else:
        assert ONE_PIECE in hint and all(part in hint for part in said.split(" or "))


# The perceptron (a01): what the notebook's rule gives with each mistake, worked out by hand from the
# rule (AND: lr 0.5, 20 epochs; XOR: lr 0.5, 4 epochs), a near miss beside each named one.
load_all()
RIGHT = {"converges": ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1, 0]), "max_epochs": ([-0.5, -0.5], -0.5, [1, 4, 4, 4])}


def _training(returned) -> LocalCaller:
    """A caller whose `perceptron_train` returns ``(w, b, mistakes)``, whatever it is given."""
    w, b, mistakes = returned
    return LocalCaller({"perceptron_train": lambda X, y, lr, max_epochs: (np.array(w), b, list(mistakes))})


@pytest.mark.parametrize("check_id, returned, kind", [
    ("converges", ([1.0, 0.5], -1.0, [1, 3, 3, 2, 1, 0]), STRICT_STEP),       # y_hat = 1 only for z > 0
    ("converges", ([1.0, 0.5], -1.0, [2, 3, 3, 2, 1, 0]), None),              # ... one count off
    ("converges", ([10.0, 10.0], 30.0, [3] * 20), SIGN),                      # w - lr (y - y_hat) x
    ("converges", ([10.0, 10.0], 29.5, [3] * 20), None),
    ("converges", ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1]), NO_CLEAN_EPOCH),       # the final 0 left out
    ("converges", ([1.0, 0.5], -1.0, [2, 3, 3, 2, 1]), None),
    ("converges", ([0.0, 0.0], 0.0, [4] * 20), None),  # b never updated, but back at the start: many mistakes end there
    ("max_epochs", ([-0.5, -0.5], 0.0, [2, 4, 4, 4]), NO_BIAS_UPDATE),
    ("max_epochs", ([-0.5, -0.5], 0.5, [2, 4, 4, 4]), None),
    ("max_epochs", ([-0.5, -0.5], -0.5, [1, 4, 4, 4, 4]), EPOCH_TOO_MANY),
    ("max_epochs", ([-0.5, -0.5], -0.5, [1, 4, 4, 4, 3]), None),
    ("max_epochs", ([-0.5, -0.5], -0.5, [1, 4, 4]), EPOCH_TOO_FEW),
    ("max_epochs", ([-0.5, 0.5], -0.5, [1, 4, 4]), None),
])
def test_the_perceptron_rules_own_mistakes_get_their_hints(check_id, returned, kind):
    """A value of the perceptron rule with one of the notebook's common mistakes gets that hint and
    no other; a value one number away from it gets none."""
    item = CHECKS[f"a01.perceptron_train.{check_id}"]
    assert attempt(item, _training(RIGHT[check_id])) is None
    message = attempt(item, _training(returned))
    hint = message.partition("\nhint: ")[2]
    assert [k for k in KINDS if k in hint] == ([kind] if kind else []), message


@pytest.mark.parametrize("X, returned, kind", [
    (None, [0.0, 0.0, 1.0, 0.0, 1.0, 0.0], STRICT_STEP),    # 0.0 at z = 0 (rows 0 and 3)
    (None, [0.0, 0.0, 1.0, 0.0, 0.0, 0.0], NO_BIAS),        # step(X @ w)
    (None, [0.0, 0.0, 1.0, 0.0, 1.0, 1.0], None),
    # one sample on the line whose X @ w < 0: z > 0 and a missing bias give the same 0.0, so neither is named
    ([[1.0, 0.5]], [0.0], None),
])
def test_the_perceptrons_step_at_zero_gets_its_hint_only_when_it_is_the_one_mistake(X, returned, kind):
    """`perceptron_predict` with 0.0 at z = 0, or with the bias left out, hears of that mistake; a value
    both mistakes give hears of neither."""
    item = CHECKS["a01.perceptron_predict.values"]
    inputs = {} if X is None else {"X": np.array(X), "w": np.array([-1.5, 2.0]), "b": 0.5, "expected": np.array([1.0])}
    caller = LocalCaller({"perceptron_predict": lambda X, w, b: np.array(returned)})
    hint = attempt(item, caller, **inputs).partition("\nhint: ")[2]
    assert [k for k in KINDS if k in hint] == ([kind] if kind else [])
