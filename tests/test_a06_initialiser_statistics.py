"""Can the statistical checks of assignment 6's initialisers flake, and do they catch wrong scales?

The checks allow ``Z_MARGIN`` (8) standard errors. Here: the standard errors they use are the
real ones (simulated sampling distributions have standard deviation 1 in those units), the
reference answers stay far inside the margin on many seeds, the truncated normal's moments are
right (40-digit integration), and realistic wrong scales land far outside the margin.
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from autograder.calls import CheckFailure, LocalCaller
from autograder.checks.a06.initialisers import (INIT_LIMIT, INIT_SHAPE, INIT_STD, KURTOSIS, SCALED,
                                                TRUNC_KURTOSIS, TRUNC_VARIANCE, Z_MARGIN, judge_sample,
                                                tolerances)
from autograder.registry import attempt, checks_for


def draw(kind: str, scale: float, size, rng) -> np.ndarray:
    """Independent draws, written here without any solution code."""
    if kind == "normal":
        return rng.normal(0.0, scale, size=size)
    if kind == "uniform":
        return rng.uniform(-scale, scale, size=size)
    w = rng.normal(0.0, scale, size=size)
    while np.any(bad := np.abs(w) > 2 * scale):
        w[bad] = rng.normal(0.0, scale, size=np.count_nonzero(bad))
    return w


def z_scores(w: np.ndarray, kind: str, scale: float) -> dict[str, np.ndarray]:
    """Each statistic's deviation in units of its standard error (rows of w are samples)."""
    n = w.shape[1]
    variance = {"normal": scale ** 2, "uniform": scale ** 2 / 3, "truncated": scale ** 2 * TRUNC_VARIANCE}[kind]
    unit = {k: v / Z_MARGIN for k, v in tolerances(kind, n).items()}
    mean = w.mean(axis=1)
    var = w.var(axis=1)
    kurt = ((w - mean[:, None]) ** 4).mean(axis=1) / var ** 2
    return {"mean": mean / math.sqrt(variance) / unit["mean"], "variance": (var / variance - 1) / unit["variance"],
            "kurtosis": (kurt - KURTOSIS[kind]) / unit["kurtosis"]}


@pytest.mark.parametrize("kind", ["normal", "uniform", "truncated"])
def test_standard_errors_match_the_sampling_distribution(kind):
    """Do 2,000 simulated samples give z-scores of standard deviation about 1 (so 8 means 8 SE)?"""
    rng = np.random.default_rng(600)
    z = z_scores(draw(kind, 0.05, (2000, 2000), rng), kind, 0.05)
    statistics = ("mean", "variance", "kurtosis") if kind == "normal" else ("mean", "variance")
    for statistic in statistics:
        assert abs(z[statistic].mean()) < 0.15, (statistic, z[statistic].mean())
        assert 0.9 < z[statistic].std() < 1.1, (statistic, z[statistic].std())
        assert np.abs(z[statistic]).max() < 5.0                   # no tail near the margin of 8


def test_truncated_normal_moments_at_40_digits():
    """Are the truncated normal's variance and kurtosis (cut at 2 sd) those of the exact integrals?"""
    mp.mp.dps = 40
    mass = mp.quad(mp.npdf, [-2, 2])
    second = mp.quad(lambda t: t ** 2 * mp.npdf(t), [-2, 2]) / mass
    fourth = mp.quad(lambda t: t ** 4 * mp.npdf(t), [-2, 2]) / mass
    assert math.isclose(TRUNC_VARIANCE, float(second), rel_tol=1e-13)
    assert math.isclose(TRUNC_KURTOSIS, float(fourth / second ** 2), rel_tol=1e-13)
    assert math.isclose(math.sqrt(TRUNC_VARIANCE), 0.8796256610342398, rel_tol=1e-12)  # Keras's constant


CASES = [("normal", "normal", INIT_STD), ("uniform", "uniform", INIT_LIMIT), ("truncated", "truncated", INIT_STD)] + [
    (name, kind, scale(*INIT_SHAPE)) for name, (kind, scale, _) in SCALED.items()]


@pytest.mark.parametrize("name, kind, scale", CASES, ids=[c[0] for c in CASES])
def test_correct_draws_stay_far_inside_the_margin(name, kind, scale):
    """Do 100 correct samples of the checks' size stay within 5 of the 8 standard errors allowed,
    and pass the check itself?"""
    rng = np.random.default_rng(601)
    w = draw(kind, scale, (100, INIT_SHAPE[0] * INIT_SHAPE[1]), rng)
    for statistic, z in z_scores(w, kind, scale).items():
        if statistic != "kurtosis" or kind == "normal":
            assert np.abs(z).max() < 5.0, (statistic, np.abs(z).max())
    for row in w[:20]:
        judge_sample(row.reshape(INIT_SHAPE), kind, scale, f"init_{name}", "", "")


WRONG_SCALES = [  # (name, kind, the scale the check expects, a realistic wrong one)
    ("he_normal with fan_out", "normal", math.sqrt(2 / INIT_SHAPE[0]), math.sqrt(2 / INIT_SHAPE[1])),
    ("lecun_uniform with limit sqrt(1/n)", "uniform", math.sqrt(3 / INIT_SHAPE[0]), math.sqrt(1 / INIT_SHAPE[0])),
    ("glorot_normal with fan_in + fan_out", "normal", math.sqrt(2 / sum(INIT_SHAPE)), math.sqrt(1 / sum(INIT_SHAPE))),
    ("he_uniform with fan_avg", "uniform", math.sqrt(6 / INIT_SHAPE[0]), math.sqrt(6 / (sum(INIT_SHAPE) / 2))),
    ("normal with the uniform's variance", "normal", INIT_STD, INIT_STD / math.sqrt(3)),
]


@pytest.mark.parametrize("label, kind, right, wrong", WRONG_SCALES, ids=[w[0] for w in WRONG_SCALES])
def test_wrong_scales_always_fail(label, kind, right, wrong):
    """Is a wrong scale off by many times the margin, so that no seed lets it pass?"""
    rng = np.random.default_rng(602)
    w = draw(kind, wrong, (20, INIT_SHAPE[0] * INIT_SHAPE[1]), rng)
    z = z_scores(w, kind, right)
    assert np.abs(z["variance"]).min() > 3 * Z_MARGIN
    for row in w[:5]:
        with pytest.raises(CheckFailure):
            judge_sample(row.reshape(INIT_SHAPE), kind, right, "init_x", "", "")


def test_uniform_draws_for_a_normal_initialiser_fail_on_kurtosis():
    """Does a uniform draw with the right variance fail the normal forms' kurtosis check?"""
    rng = np.random.default_rng(603)
    w = rng.uniform(-1, 1, size=INIT_SHAPE) * INIT_STD * math.sqrt(3)
    with pytest.raises(CheckFailure, match="kurtosis"):
        judge_sample(w, "normal", INIT_STD, "init_normal", "", "")


def _qr_without_sign_fix(n, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q


def _haar(n, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def test_orthogonal_trace_check_separates_uniform_from_unfixed_qr():
    """Is the trace of a uniformly random 256x256 orthogonal matrix far inside +-6 on 100 seeds,
    and the trace of QR's unfixed Q outside it on (nearly) every seed?"""
    uniform = np.array([np.trace(_haar(256, s)) for s in range(100)])
    unfixed = np.array([np.trace(_qr_without_sign_fix(256, s)) for s in range(100)])
    assert np.abs(uniform).max() < 4.5 and 0.8 < uniform.std() < 1.2
    assert np.mean(np.abs(unfixed) > 6.0) >= 0.99


def test_reference_initialisers_pass_on_many_seeds(reference):
    """Does the reference pass every initialiser check for 15 seeds in a row?"""
    namespace = reference("a06")
    caller = LocalCaller(namespace)
    checks = [c for c in checks_for("a06") if c.task.name.startswith("init_") and "seed" in c.params]
    for seed in range(1000, 1015):
        failures = [(c.id, m) for c in checks if (m := attempt(c, caller, seed=seed))]
        assert not failures
