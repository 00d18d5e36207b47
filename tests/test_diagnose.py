"""Does a wrong value get a hint exactly when it is a known mistake, and only then?"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.calls import CheckFailure
from autograder.compare import expect_array, expect_float
from autograder.diagnose import HALF, MEAN_FOR_SUM, SIGN, SUM_FOR_MEAN, TRANSPOSED, TWICE, value_hint
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
