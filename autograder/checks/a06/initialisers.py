"""Assignment 6's weight initialisers: zeros and ones, normal and uniform, truncated normal,
orthogonal, and the variance-scaling family (LeCun, He, Glorot).

They are judged statistically on large samples: every tolerance is ``Z_MARGIN`` standard errors of
the statistic's sampling distribution (``tests/test_a06_initialiser_statistics.py`` shows the
standard errors are right and the margin is never reached by a correct answer).
"""
from __future__ import annotations

import math

import numpy as np

from ...calls import CheckFailure
from ...compare import expect_array, expect_float_array
from ...messages import N_, say
from ...registry import check, register, task

# ================================================================ initialisers
# Every check draws through the notebook's helper `sample_init(name, shape, seed, *extra)`, which
# calls init_<name>(shape, np.random.default_rng(seed), *extra): a Generator cannot cross the
# grader's data-only channel, a seed can.
Z_MARGIN = 8.0          # standard errors; |z| > 8 has probability < 1.3e-15 for a normal statistic
INIT_STD = 0.05         # Keras's RandomNormal / TruncatedNormal default stddev
INIT_LIMIT = 0.05       # Keras's RandomUniform default limits (-0.05, 0.05)
INIT_SHAPE = (200, 250)  # 50,000 draws; fan_in and fan_out 25% apart


def _truncated_moments(a: float = 2.0) -> tuple[float, float]:
    """Variance and kurtosis E[Z^4] / E[Z^2]^2 of a standard normal cut to [-a, a]."""
    mass = math.erf(a / math.sqrt(2.0))
    edge = 2.0 * a * math.exp(-a * a / 2.0) / math.sqrt(2.0 * math.pi)   # 2 a phi(a)
    second = 1.0 - edge / mass
    fourth = 3.0 * second - a * a * edge / mass
    return second, fourth / second ** 2


TRUNC_VARIANCE, TRUNC_KURTOSIS = _truncated_moments(2.0)
KURTOSIS = {"normal": 3.0, "uniform": 1.8, "truncated": TRUNC_KURTOSIS}


def tolerances(kind: str, n: int) -> dict[str, float]:
    """Z_MARGIN standard errors, for n independent draws, of the sample mean (in units of the
    standard deviation), of the sample variance (relative to the true one: sqrt((kurtosis - 1) / n))
    and, for the normal, of the sample kurtosis (sqrt(24 / n))."""
    return {"mean": Z_MARGIN / math.sqrt(n),
            "variance": Z_MARGIN * math.sqrt((KURTOSIS[kind] - 1.0) / n),
            "kurtosis": Z_MARGIN * math.sqrt(24.0 / n)}


def _draw(call, name: str, shape, seed: int, *extra) -> tuple[np.ndarray, str]:
    shape = tuple(int(s) for s in shape)
    what = ", ".join([repr(shape), "rng", *(repr(e) for e in extra)])
    where = say(" for init_{name}({args}) with rng = np.random.default_rng({seed})", name=name, args=what, seed=seed)
    got = call("sample_init", name, shape, seed, *extra)
    return expect_float_array(got, shape, fn=f"init_{name}", where=where), where


def judge_sample(w: np.ndarray, kind: str, scale: float, fn: str, where: str, rule: str) -> None:
    """Does the sample look like ``kind`` of the given ``scale``? normal: N(0, scale^2);
    uniform: U(-scale, scale); truncated: N(0, scale^2) redrawn outside +-2 scale."""
    n = w.size
    variance = {"normal": scale ** 2, "uniform": scale ** 2 / 3.0, "truncated": scale ** 2 * TRUNC_VARIANCE}[kind]
    tol = tolerances(kind, n)
    if kind in ("uniform", "truncated"):
        bound = scale if kind == "uniform" else 2.0 * scale
        top = float(np.abs(w).max())
        if top > bound * (1 + 1e-12):
            raise CheckFailure(say("`{fn}` drew {top:.6g}{where}, outside [-{bound:.6g}, {bound:.6g}] ({rule})",
                                   fn=fn, top=top, where=where, bound=bound, rule=rule))
        # With n draws (n >= 30,000 in every check) the largest |w| is this close to the bound with probability > 1 - e^-50.
        if top < bound * (1.0 - (50.0 / n if kind == "uniform" else 0.02)):
            raise CheckFailure(say("`{fn}`: the largest |w| of {n} draws is {top:.6g}{where}; draws should reach "
                                   "nearly to the bound {bound:.6g} ({rule})", fn=fn, n=n, top=top, where=where,
                                   bound=bound, rule=rule))
    mean = float(w.mean())
    if abs(mean) > tol["mean"] * math.sqrt(variance):
        raise CheckFailure(say("`{fn}` draws have mean {mean:.4g}{where}; expected 0 (within {within:.2g}) ({rule})",
                               fn=fn, mean=mean, where=where, within=tol["mean"] * math.sqrt(variance), rule=rule))
    got = float(np.mean((w - mean) ** 2))
    if abs(got / variance - 1.0) > tol["variance"]:
        raise CheckFailure(say("`{fn}` draws have variance {got:.6g}{where}; expected {variance:.6g} (within "
                               "{within:.1%}, i.e. standard deviation {std:.6g}) ({rule})", fn=fn, got=got,
                               where=where, variance=variance, within=tol["variance"], std=math.sqrt(variance),
                               rule=rule))
    if kind == "normal":
        kurtosis = float(np.mean((w - mean) ** 4)) / got ** 2
        if abs(kurtosis - 3.0) > tol["kurtosis"]:
            raise CheckFailure(say("`{fn}` draws have kurtosis {kurtosis:.3f}{where}; a normal distribution has 3 "
                                   "(a uniform one 1.8): draw from a normal distribution ({rule})", fn=fn,
                                   kurtosis=kurtosis, where=where, rule=rule))


def _statistics(name: str, kind: str, scale, rule: str, extra: tuple = (), **values):
    """``rule``: the distribution in words, a template marked N_ (its placeholders filled from ``values``),
    said in the student's language when the check runs."""
    def run(call, shape, seed):
        w, where = _draw(call, name, shape, seed, *extra)
        value = scale(*w.shape) if callable(scale) else scale
        judge_sample(w, kind, value, f"init_{name}", where, say(rule, **values))
    return run


def _seeded(names: tuple[str, ...]):
    """The same seed gives the same weights, another seed other weights: draw from `rng` only."""
    def run(call, shape, seed):
        for name in names:
            first, where = _draw(call, name, shape, seed)
            again, _ = _draw(call, name, shape, seed)
            if not np.array_equal(first, again):
                raise CheckFailure(say("`init_{name}` gave different weights for the same seed{where}: draw every "
                                       "number from the `rng` it is given (not np.random.*)", name=name, where=where))
            other, _ = _draw(call, name, shape, seed + 1)
            if np.array_equal(first, other):
                raise CheckFailure(say("`init_{name}` gave the same weights for seeds {seed} and {other}{where}: draw "
                                       "them from the `rng` it is given", name=name, seed=seed, other=seed + 1,
                                       where=where))
    return run


def _constant(name: str, value: float):
    def run(call, shape, seed):
        w, where = _draw(call, name, shape, seed)
        expect_array(w, np.full(w.shape, value), fn=f"init_{name}", where=where, atol=0.0)
    return run


# ---------------------------------------------------------------- zeros, ones, normal, uniform
init_basic = task("a06.init_basic", points=1)
register(init_basic, "zeros", _constant("zeros", 0.0), shape=(3, 4), seed=0)
register(init_basic, "ones", _constant("ones", 1.0), shape=(4, 3), seed=0)
register(init_basic, "normal", _statistics("normal", "normal", INIT_STD, N_("N(0, {std}^2)"), std=INIT_STD),
         shape=INIT_SHAPE, seed=1)
register(init_basic, "uniform", _statistics("uniform", "uniform", INIT_LIMIT, N_("U(-{limit}, {limit})"),
                                            limit=INIT_LIMIT),
         shape=INIT_SHAPE, seed=2)
register(init_basic, "seeded", _seeded(("normal", "uniform")), shape=(5, 6), seed=3)

# ---------------------------------------------------------------- truncated normal
init_truncated = task("a06.init_truncated_normal", points=1)
register(init_truncated, "statistics",
         _statistics("truncated_normal", "truncated", INIT_STD,
                     N_("N(0, {std}^2) with every draw beyond 2 standard deviations drawn again"), std=INIT_STD),
         shape=INIT_SHAPE, seed=4)
register(init_truncated, "seeded", _seeded(("truncated_normal",)), shape=(5, 6), seed=5)


# ---------------------------------------------------------------- orthogonal
init_orthogonal = task("a06.init_orthogonal", points=2)


@check(init_orthogonal, "orthonormal", shape=(60, 40), seed=6)
def _orthonormal(call, shape, seed):
    """Q^T Q = I for a tall or square shape (orthonormal columns), Q Q^T = I for a wide one."""
    q, where = _draw(call, "orthogonal", shape, seed)
    rows, cols = q.shape
    if rows >= cols:
        gram, subject = q.T @ q, say("value for Q^T Q (it should be the identity: orthonormal columns)")
    else:
        gram, subject = q @ q.T, say("value for Q Q^T (it should be the identity: orthonormal rows)")
    expect_array(gram, np.eye(min(rows, cols)), fn="init_orthogonal", subject=subject, where=where, rtol=0.0,
                 atol=1e-10)


@check(init_orthogonal, "orthonormal_wide", shape=(30, 50), seed=9)
def _orthonormal_wide(call, shape, seed):
    """Wider than tall: orthonormal rows, Q Q^T = I."""
    _orthonormal(call, shape, seed)


@check(init_orthogonal, "uniform_over_rotations", shape=(256, 256), seed=7)
def _haar(call, shape, seed):
    """For a uniformly random orthogonal matrix, the trace is about N(0, 1) (|trace| > 6 has
    probability < 1e-8); Q from a QR factorisation without the sign fix has a trace near -9."""
    q, where = _draw(call, "orthogonal", shape, seed)
    trace = float(np.trace(q))
    if abs(trace) > 6.0:
        raise CheckFailure(say("`init_orthogonal`: the trace of the {rows}x{cols} matrix is {trace:.3f}{where}; for a "
                               "uniformly random orthogonal matrix it is about N(0, 1). Multiply each column of Q by "
                               "the sign of the matching diagonal entry of R.", rows=shape[0], cols=shape[1],
                               trace=trace, where=where))


register(init_orthogonal, "seeded", _seeded(("orthogonal",)), shape=(6, 4), seed=8)


# ---------------------------------------------------------------- LeCun, He, Glorot: variance scaling
init_scaling = task("a06.init_variance_scaling", points=2)
SCALED = {  # name: (kind, scale from (fan_in, fan_out), the rule in words)
    "lecun_normal": ("normal", lambda i, o: math.sqrt(1.0 / i), N_("LeCun normal: std sqrt(1 / fan_in)")),
    "lecun_uniform": ("uniform", lambda i, o: math.sqrt(3.0 / i), N_("LeCun uniform: limit sqrt(3 / fan_in)")),
    "he_normal": ("normal", lambda i, o: math.sqrt(2.0 / i), N_("He normal: std sqrt(2 / fan_in)")),
    "he_uniform": ("uniform", lambda i, o: math.sqrt(6.0 / i), N_("He uniform: limit sqrt(6 / fan_in)")),
    "glorot_normal": ("normal", lambda i, o: math.sqrt(2.0 / (i + o)),
                      N_("Glorot normal: std sqrt(2 / (fan_in + fan_out))")),
    "glorot_uniform": ("uniform", lambda i, o: math.sqrt(6.0 / (i + o)),
                       N_("Glorot uniform: limit sqrt(6 / (fan_in + fan_out))")),
}
for _name, (_kind, _scale, _rule) in SCALED.items():
    register(init_scaling, _name, _statistics(_name, _kind, _scale, _rule), shape=INIT_SHAPE, seed=10)
register(init_scaling, "fan_out_uniform",
         _statistics("variance_scaling", "uniform", lambda i, o: math.sqrt(3.0 * 3.0 / o),
                     N_("scale 3, mode fan_out, uniform: limit sqrt(3 * 3 / fan_out)"), (3.0, "fan_out", "uniform")),
         shape=INIT_SHAPE, seed=11)
register(init_scaling, "fan_avg_normal",
         _statistics("variance_scaling", "normal", lambda i, o: math.sqrt(0.5 / ((i + o) / 2.0)),
                     N_("scale 0.5, mode fan_avg, normal: std sqrt(0.5 / ((fan_in + fan_out) / 2))"),
                     (0.5, "fan_avg", "normal")),
         shape=INIT_SHAPE, seed=12)
register(init_scaling, "seeded", _seeded(("he_normal", "glorot_uniform")), shape=(5, 6), seed=13)
