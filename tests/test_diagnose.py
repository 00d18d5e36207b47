"""Does a wrong value get a hint exactly when it is a known mistake, and only then?"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import CheckFailure
from autograder.compare import expect_array, expect_float
from autograder.checks.a05.rules import _rule, mistakes
from autograder.diagnose import (KINDS, NEW_TERM_WEIGHT, NO_GRADIENT_TERM, NO_LOOK_AHEAD, NOT_CARRIED,
                                 NOT_SQUARED, STALE_V, STEP_SIGN, T_BEFORE_ADDING, WEIGHTS_SWAPPED, WRONG_BETA)
from autograder.diagnose import (HALF, MEAN_FOR_SUM, NO_X0, NOT_SUMMED, ONE_PIECE, ONE_STEP_SHORT, SIGN,
                                 SUM_FOR_MEAN, TRANSPOSED, TWICE, value_hint)
from autograder.gradcheck import assert_gradient

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
