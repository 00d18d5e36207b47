"""Assignment 6 -- beyond binary: one-hot labels, softmax and its cross-entropy, mean squared error,
seven more activations, weight initialisers and least squares.

Fixed numbers are recomputed at 40 digits in ``tests/recompute_a06.py``; hidden tests draw their
own inputs and take the expected values from the reference solution. The seven activations are
one table (``ACTIVATIONS``) from which every activation's checks are made: fixed values, fixed
derivatives, very large inputs (no warning, right limits) and the layer contract against a numeric
gradient, away from kinks. Initialisers are judged statistically on large samples: every tolerance
is ``Z_MARGIN`` standard errors of the statistic's sampling distribution
(``tests/test_a06_initialiser_statistics.py`` shows the standard errors are right and the
margin is never reached by a correct answer).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..calls import CheckFailure
from ..compare import as_float, expect_array, expect_float_array, expect_tuple
from ..diagnose import value_hint
from ..gradcheck import assert_gradient
from ..registry import check, register, task
from .common import _describe_inputs, backward_grads, fixed_value, forward_out, judged_gradient, layer_gradient
from .common import mean_over_all

# ================================================================ one-hot labels
one_hot = task("a06.one_hot", points=1)

fixed_value(one_hot, "values", "one_hot", ("labels", "k"), labels=np.array([2, 0, 1, 2]), k=4,
            expected=np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                               [0.0, 0.0, 1.0, 0.0]]), atol=0.0)


@check(one_hot, "rows", labels=np.random.default_rng(60).integers(0, 7, size=25), k=10)
def _one_hot_rows(call, labels, k):
    """One row per label, k columns (also when the largest class is absent), a single 1.0 in the
    label's column."""
    where = f" for {len(labels)} labels in 0..{int(labels.max())} and k={k}"
    got = expect_float_array(call("one_hot", labels, k), (len(labels), k), fn="one_hot", where=where)
    if not np.all((got == 0.0) | (got == 1.0)) or not np.all(got.sum(axis=1) == 1.0):
        raise CheckFailure(f"`one_hot` should return rows of zeros with a single 1.0{where}; "
                           f"row sums are {got.sum(axis=1).tolist()}")
    expect_array(got.argmax(axis=1).astype(float), labels.astype(float), fn="one_hot",
                 what="column of the 1.0 (should be the label)", where=where, atol=0.0)


# ================================================================ softmax
softmax = task("a06.softmax", points=2)

fixed_value(softmax, "values", "softmax", ("z",), rtol=1e-12, atol=1e-15,
            z=np.array([[2.0, 1.0, 0.1, -1.0], [0.0, 0.0, 0.0, 0.0], [-3.0, 0.5, 0.5, 4.0]]),
            expected=np.array([[0.6380663511479375, 0.23473149269060456, 0.09543470311362202, 0.03176745304783585],
                               [0.25, 0.25, 0.25, 0.25],
                               [0.000859206871620759, 0.02845302387973556, 0.02845302387973556, 0.9422347453689082]]))
fixed_value(softmax, "extremes", "softmax", ("z",), rtol=1e-12, atol=1e-15,
            note=" (logits of ±1000: shift each row by its own maximum before exp)",
            z=np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0]]),
            expected=np.array([[1.0, 0.0, 0.0], [0.3333333333333333, 0.3333333333333333, 0.3333333333333333],
                               [0.5, 0.5, 0.0]]))


@check(softmax, "properties", z=np.random.default_rng(61).normal(0.0, 3.0, size=(6, 5)), shift=700.0)
def _softmax_properties(call, z, shift):
    """Rows are probabilities whose log-ratios are the differences of the logits, and adding one
    number to a whole row (even a huge one) changes nothing."""
    where = f" for z of shape {z.shape}"
    p = expect_float_array(call("softmax", z), z.shape, fn="softmax", where=where)
    if np.any(p <= 0) or not np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12):
        raise CheckFailure(f"`softmax` should return positive rows that sum to 1{where}; the row sums "
                           f"are {p.sum(axis=1).tolist()}")
    expect_array(np.log(p) - np.log(p[:, :1]), z - z[:, :1], fn="softmax",
                 what="log(p_j / p_0) (it should equal z_j - z_0)", where=where, rtol=1e-9, atol=1e-9)
    rows = shift * np.arange(1, len(z) + 1)[:, None] * (-1.0) ** np.arange(len(z))[:, None]
    moved = expect_float_array(call("softmax", z + rows), z.shape, fn="softmax",
                               where=f" for z + c with a different large constant c in every row (±{shift:g} and more)")
    expect_array(moved, p, fn="softmax", what="value for z + c (softmax ignores a constant added to a row)",
                 where=" (compare each row's maximum, not the whole array's)", rtol=1e-9, atol=1e-15)


# ================================================================ output layers: loss + gradient
def _loss_and_cache(call, fn: str, scores, y, where: str = ""):
    loss, cache = expect_tuple(call(fn, scores, y), ("loss", "cache"), fn=fn, where=where)
    return as_float(loss, fn=fn, where=where), cache


def output_values(task_, name: str, forward_fn: str, args: tuple[str, str], **params):
    """``forward_fn(*args)`` returns ``(loss, cache)`` with the ``expected`` loss (the reference's
    loss on a hidden test's inputs)."""
    def run(call, expected, **inputs):
        where = _describe_inputs(inputs)
        point = inputs[args[0]]
        loss, _ = _loss_and_cache(call, forward_fn, point, inputs[args[1]], where)
        if not np.isclose(loss, expected, rtol=1e-12, atol=1e-15):
            raise CheckFailure(f"`{forward_fn}` returned the loss {loss!r}{where}; expected {expected!r}"
                               + value_hint(np.float64(loss), np.float64(expected), 1e-12, 1e-15,
                                            samples=np.shape(point)[0], mistakes=mean_over_all(expected, point)))

    def expect(judge, **inputs):
        return _loss_and_cache(judge, forward_fn, inputs[args[0]], inputs[args[1]])[0]
    return register(task_, name, run, expect=expect, **params)


def output_backward_values(task_, name: str, forward_fn: str, backward_fn: str, args: tuple[str, str], **params):
    """``backward_fn(cache)``, the cache coming from ``forward_fn(*args)``, equals ``expected`` (the
    reference's gradient on a hidden test's inputs)."""
    def run(call, expected, **inputs):
        where = _describe_inputs(inputs)
        _, cache = _loss_and_cache(call, forward_fn, inputs[args[0]], inputs[args[1]], where)
        got = call(backward_fn, cache)
        expect_array(got, expected, fn=backward_fn, what=f"gradient d loss / d {args[0]}", where=where,
                     rtol=1e-12, atol=1e-15, samples=np.shape(inputs[args[0]])[0],
                     mistakes=mean_over_all(expected, inputs[args[0]]))

    def expect(judge, **inputs):
        point = inputs[args[0]]
        _, cache = _loss_and_cache(judge, forward_fn, point, inputs[args[1]])
        return expect_float_array(judge(backward_fn, cache), np.shape(point), fn=backward_fn)
    return register(task_, name, run, expect=expect, **params)


def output_gradient(task_, name: str, forward_fn: str, backward_fn: str, args: tuple[str, str], **params):
    """``backward_fn(cache)``, the cache the student's ``forward_fn`` made, equals the centred-difference
    gradient of the judge's ``forward_fn`` loss (the reference's at grading) in its first argument."""
    def run(call, **inputs):
        point, target = inputs[args[0]], inputs[args[1]]
        _, cache = _loss_and_cache(call, forward_fn, point, target)
        analytic = expect_float_array(call(backward_fn, cache), np.shape(point), fn=backward_fn,
                                      where=f" (d loss / d {args[0]}, shaped like `{args[0]}`)")
        numeric = judged_gradient(call, lambda judge, v: _loss_and_cache(judge, forward_fn, v, target)[0], point)
        assert_gradient(analytic, numeric, fn=backward_fn, wrt=args[0], rtol=1e-6, atol=1e-9, loss=forward_fn,
                        mistakes=lambda: mean_over_all(numeric, point))
    return register(task_, name, run, uses=(forward_fn,), **params)


# ---------------------------------------------------------------- softmax + cross-entropy
softmax_ce = task("a06.softmax_ce", points=3)
CE_SCORES = np.array([[2.0, 1.0, 0.1, -0.5], [0.5, 2.5, -1.0, 0.3], [-0.3, 0.2, 1.5, 0.8]])
CE_Y = np.eye(4)[[0, 2, 3]]  # N = 3 samples, K = 4 classes: N != 2 and N != K (see a01's SE_OUT)
CE_EXTREME = dict(scores=1e3 * np.array([[1, -1, 0, 0], [-1, 1, 0, -1], [0, -1, 1, 0]]), y=np.eye(4)[[1, 2, 0]])

output_values(softmax_ce, "values", "softmax_ce_forward", ("scores", "y"), scores=CE_SCORES, y=CE_Y,
              expected=1.857836849666796)
output_backward_values(softmax_ce, "backward_values", "softmax_ce_forward", "softmax_ce_backward",
                       ("scores", "y"), scores=CE_SCORES, y=CE_Y, expected=np.array([
                           [-0.12493918264414323, 0.0766639236989366, 0.031169225372655904, 0.01710603357255073],
                           [0.035344742499975886, 0.2611642851345802, -0.3254468552789087, 0.02893782764435261],
                           [0.028483857574128, 0.04696194185405778, 0.17231729675002294, -0.2477630961782087]]))
_rng = np.random.default_rng(62)
output_gradient(softmax_ce, "numeric", "softmax_ce_forward", "softmax_ce_backward", ("scores", "y"),
                scores=_rng.normal(0.0, 2.0, size=(4, 3)), y=np.eye(3)[_rng.integers(0, 3, size=4)])
# Logits of ±1000: log(softmax) would take the log of an exact 0.0; the log-sum-exp form stays exact.
output_values(softmax_ce, "extremes", "softmax_ce_forward", ("scores", "y"), **CE_EXTREME, expected=4000.0 / 3)
output_backward_values(softmax_ce, "extremes_backward", "softmax_ce_forward", "softmax_ce_backward",
                       ("scores", "y"), **CE_EXTREME, expected=(np.eye(4)[:3] - CE_EXTREME["y"]) / 3)  # one-hot p - y

# ---------------------------------------------------------------- linear output + mean squared error
mse = task("a06.mse", points=1)
# N = 3 samples of K = 4 outputs: neither is 2, nor are they equal, so a mean over every entry (or
# over the wrong axis) gives another value than a factor 2 missing (with K = 2 it gave the same).
MSE_PRED = np.array([[0.5, -1.0, 2.0, 0.25], [2.0, 0.0, -0.5, 1.0], [1.5, 1.0, 0.0, -2.0]])
MSE_Y = np.array([[1.0, -1.0, 1.5, 0.0], [1.0, 0.5, 0.5, 1.0], [2.0, 2.0, -1.0, -1.0]])

output_values(mse, "values", "mse_forward", ("pred", "y"), pred=MSE_PRED, y=MSE_Y, expected=2.0208333333333335)
output_backward_values(mse, "backward_values", "mse_forward", "mse_backward", ("pred", "y"), pred=MSE_PRED, y=MSE_Y,
                       expected=np.array([[-0.3333333333333333, 0.0, 0.3333333333333333, 0.16666666666666666],
                                          [0.6666666666666666, -0.3333333333333333, -0.6666666666666666, 0.0],
                                          [-0.3333333333333333, -0.6666666666666666, 0.6666666666666666,
                                           -0.6666666666666666]]))
_rng = np.random.default_rng(63)
output_gradient(mse, "numeric", "mse_forward", "mse_backward", ("pred", "y"),
                pred=_rng.normal(size=(5, 1)), y=_rng.normal(size=(5, 1)))


# ================================================================ activations: one table
@dataclass(frozen=True)
class Activation:
    """One activation: its hyper-parameter (passed after x, if any), whether that is trained (PReLU),
    its public inputs and the fixed numbers at them (40-digit values, see recompute_a06.py)."""
    name: str
    values: list                       # out at ACT_X
    derivative: list                   # dx at ACT_X for dout = ACT_DOUT
    extremes: tuple                    # (out, dx for dout = 1) at EXTREME_X
    alpha: object = None               # at ACT_X; None: the function takes x only
    alpha_extreme: object = None       # at EXTREME_X
    trainable: bool = False            # alpha is a parameter with a gradient (dx, dalpha)
    kinks: tuple = ()                  # where the derivative jumps: numeric checks keep away
    extra: dict = field(default_factory=dict)

    @property
    def args(self) -> tuple[str, ...]:
        return ("x",) if self.alpha is None else ("x", "alpha")

    @property
    def wrt(self) -> tuple[str, ...]:
        return ("x", "alpha") if self.trainable else ("x",)


ACT_X = np.array([[-3.0, -1.0, -0.25], [0.5, 1.5, 3.0]])       # no kink: not 0, not ±2.5
ACT_DOUT = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -1.5]])
EXTREME_X = np.array([[-1000.0, -40.0, 40.0, 1000.0]])

ACTIVATIONS = [
    Activation("tanh",
               values=[[-0.9950547536867305, -0.7615941559557649, -0.24491866240370913],
                       [0.46211715726000974, 0.9051482536448664, 0.9950547536867305]],
               derivative=[[0.00986603716544019, -0.8399486832280522, 0.470007424403189],
                           [1.5728954659318548, 0.18070663892364852, -0.014799055748160287]],
               extremes=([[-1.0, -1.0, 1.0, 1.0]], [[0.0, 7.219406462283064e-35, 7.219406462283064e-35, 0.0]])),
    Activation("leaky_relu", alpha=0.1, alpha_extreme=0.1, kinks=(0.0,),
               values=[[-0.30000000000000004, -0.1, -0.025], [0.5, 1.5, 3.0]],
               derivative=[[0.1, -0.2, 0.05], [2.0, 1.0, -1.5]],
               extremes=([[-100.0, -4.0, 40.0, 1000.0]], [[0.1, 0.1, 1.0, 1.0]])),
    Activation("prelu", alpha=np.array([0.25, 0.5, 0.1]), alpha_extreme=np.full(4, 0.25), trainable=True,
               kinks=(0.0,),
               values=[[-0.75, -0.5, -0.025], [0.5, 1.5, 3.0]],
               derivative=[[0.25, -1.0, 0.05], [2.0, 1.0, -1.5]],
               extremes=([[-250.0, -10.0, 40.0, 1000.0]], [[0.25, 0.25, 1.0, 1.0]]),
               extra={"dalpha": [-3.0, 2.0, -0.125]}),
    Activation("elu", alpha=0.5, alpha_extreme=0.5, kinks=(0.0,),
               values=[[-0.475106465816068, -0.31606027941427883, -0.11059960846429756], [0.5, 1.5, 3.0]],
               derivative=[[0.024893534183931972, -0.36787944117144233, 0.19470019576785122], [2.0, 1.0, -1.5]],
               extremes=([[-0.5, -0.5, 40.0, 1000.0]], [[0.0, 2.1241771276457944e-18, 1.0, 1.0]])),
    Activation("selu", kinks=(0.0,),
               values=[[-1.670568728767112, -1.1113307378125628, -0.38889019747811904],
                       [0.5253504936777402, 1.5760514810332207, 3.1521029620664414]],
               derivative=[[0.08753061208026489, -1.2935372060696282, 0.684604571684629],
                           [2.101401974710961, 1.0507009873554805, -1.5760514810332207]],
               extremes=([[-1.7580993408473768, -1.7580993408473768, 42.02803949421922, 1050.7009873554805]],
                         [[0.0, 7.469028815914292e-18, 1.0507009873554805, 1.0507009873554805]])),
    Activation("softplus",
               values=[[0.04858735157374206, 0.3132616875182228, 0.5759394198788436],
                       [0.9740769841801067, 1.7014132779827524, 3.048587351573742]],
               derivative=[[0.04742587317756678, -0.5378828427399902, 0.21891174955710094],
                           [1.2449186624037092, 0.8175744761936437, -1.4288611902336499]],
               extremes=([[0.0, 4.248354255291589e-18, 40.0, 1000.0]], [[0.0, 4.248354255291589e-18, 1.0, 1.0]])),
    Activation("hard_sigmoid", kinks=(-2.5, 2.5),
               values=[[0.0, 0.3, 0.45], [0.6, 0.8, 1.0]],
               derivative=[[0.0, -0.4, 0.1], [0.4, 0.2, 0.0]],
               extremes=([[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 0.0, 0.0]])),
]


def _inputs(spec: Activation, x, alpha) -> tuple:
    return (x,) if spec.alpha is None else (x, alpha)


def _where(spec: Activation, x, alpha) -> str:
    return _describe_inputs({"x": x} if spec.alpha is None else {"x": x, "alpha": alpha})


def _forward_values(spec: Activation):
    def run(call, expected, x, alpha=None):
        where = _where(spec, x, alpha)
        out, _ = forward_out(call, f"{spec.name}_forward", _inputs(spec, x, alpha), where)
        expect_array(out, expected, fn=f"{spec.name}_forward", what="out", where=where, rtol=1e-12, atol=1e-15)
    return run


def _forward_expect(spec: Activation):
    def expect(judge, x, alpha=None):
        return forward_out(judge, f"{spec.name}_forward", _inputs(spec, x, alpha))[0]
    return expect


def _grads(call, spec: Activation, x, alpha, dout, where):
    _, cache = forward_out(call, f"{spec.name}_forward", _inputs(spec, x, alpha), where)
    return backward_grads(call, f"{spec.name}_backward", dout, cache, spec.wrt, where)


def _backward_values(spec: Activation):
    def run(call, expected, x, dout, alpha=None):
        where = _where(spec, x, alpha) + f", dout={np.asarray(dout).tolist()}"
        dx = _grads(call, spec, x, alpha, dout, where)[0]
        expect_array(dx, expected, fn=f"{spec.name}_backward", what="dx", where=where, rtol=1e-12, atol=1e-15,
                     pieces=(x, spec.kinks) if spec.kinks else None)
    return run


def _backward_expect(spec: Activation, index: int = 0):
    """The reference's gradient ``index`` of the check's inputs (0: dx; 1: PReLU's dalpha)."""
    def expect(judge, x, dout, alpha=None):
        got = _grads(judge, spec, x, alpha, dout, "")[index]
        return expect_float_array(got, np.shape(x if index == 0 else alpha), fn=f"{spec.name}_backward")
    return expect


def _prelu_dalpha(call, expected, x, dout, alpha):
    spec = next(a for a in ACTIVATIONS if a.name == "prelu")
    where = _where(spec, x, alpha) + f", dout={np.asarray(dout).tolist()}"
    dalpha = _grads(call, spec, x, alpha, dout, where)[1]
    expect_array(dalpha, expected, fn="prelu_backward",
                 what="dalpha (one entry per column: summed over the rows of the batch)", where=where,
                 rtol=1e-12, atol=1e-15)


def _extremes(spec: Activation):
    """Very large |x|: no overflow warning, the right limits, and a finite derivative."""
    def run(call, expected, x, alpha=None):
        where = _where(spec, x, alpha) + " (very large |x|)"
        out, cache = forward_out(call, f"{spec.name}_forward", _inputs(spec, x, alpha), where)
        expect_array(out, expected[0], fn=f"{spec.name}_forward", what="out", where=where, rtol=1e-12, atol=1e-15)
        dx = backward_grads(call, f"{spec.name}_backward", np.ones_like(x), cache, spec.wrt, where)[0]
        expect_array(dx, expected[1], fn=f"{spec.name}_backward", what="dx (for dout = 1)", where=where,
                     rtol=1e-12, atol=1e-15)
    return run


def _extremes_expect(spec: Activation):
    """``expected`` of :func:`_extremes`: the reference's (out, dx for dout = 1), stacked."""
    def expect(judge, x, alpha=None):
        out, cache = forward_out(judge, f"{spec.name}_forward", _inputs(spec, x, alpha))
        dx = backward_grads(judge, f"{spec.name}_backward", np.ones_like(x), cache, spec.wrt)[0]
        return np.stack([out, expect_float_array(dx, np.shape(x), fn=f"{spec.name}_backward")])
    return expect


def away_from_kinks(x: np.ndarray, kinks: tuple, margin: float = 0.1) -> np.ndarray:
    """Move entries of x closer than ``margin`` to a kink out to ``margin`` from it (centred
    differences across a kink measure neither side's slope)."""
    x = np.array(x, dtype=float)
    for k in kinks:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] >= k, margin, -margin)
    return x


_rng = np.random.default_rng(64)
for _spec in ACTIVATIONS:
    _task = task(f"a06.{_spec.name}", points=1)
    _hyper = {} if _spec.alpha is None else {"alpha": _spec.alpha}
    _hyper_extreme = {} if _spec.alpha is None else {"alpha": _spec.alpha_extreme}
    register(_task, "values", _forward_values(_spec), expect=_forward_expect(_spec), x=ACT_X, **_hyper,
             expected=np.array(_spec.values))
    register(_task, "derivative", _backward_values(_spec), expect=_backward_expect(_spec), x=ACT_X,
             dout=ACT_DOUT, **_hyper, expected=np.array(_spec.derivative))
    if _spec.trainable:
        register(_task, "dalpha", _prelu_dalpha, expect=_backward_expect(_spec, 1), x=ACT_X, dout=ACT_DOUT,
                 **_hyper, expected=np.array(_spec.extra["dalpha"]))
    register(_task, "extremes", _extremes(_spec), expect=_extremes_expect(_spec), x=EXTREME_X,
             **_hyper_extreme, expected=np.array(_spec.extremes))
    _x = away_from_kinks(_rng.uniform(-4.0, 4.0, size=(3, 4)), _spec.kinks)
    _numeric_hyper = {} if _spec.alpha is None else {
        "alpha": _rng.uniform(0.05, 0.5, size=4) if _spec.trainable else 0.2}
    layer_gradient(_task, "numeric", f"{_spec.name}_forward", f"{_spec.name}_backward", _spec.args, _spec.wrt,
                   x=_x, **_numeric_hyper, dout=_rng.normal(size=(3, 4)))


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
    where = f" for init_{name}({what}) with rng = np.random.default_rng({seed})"
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
            raise CheckFailure(f"`{fn}` drew {top:.6g}{where}, outside [-{bound:.6g}, {bound:.6g}] ({rule})")
        # With n draws (n >= 30,000 in every check) the largest |w| is this close to the bound with probability > 1 - e^-50.
        if top < bound * (1.0 - (50.0 / n if kind == "uniform" else 0.02)):
            raise CheckFailure(f"`{fn}`: the largest |w| of {n} draws is {top:.6g}{where}; draws should "
                               f"reach nearly to the bound {bound:.6g} ({rule})")
    mean = float(w.mean())
    if abs(mean) > tol["mean"] * math.sqrt(variance):
        raise CheckFailure(f"`{fn}` draws have mean {mean:.4g}{where}; expected 0 (within "
                           f"{tol['mean'] * math.sqrt(variance):.2g}) ({rule})")
    got = float(np.mean((w - mean) ** 2))
    if abs(got / variance - 1.0) > tol["variance"]:
        raise CheckFailure(f"`{fn}` draws have variance {got:.6g}{where}; expected {variance:.6g} "
                           f"(within {tol['variance']:.1%}, i.e. standard deviation {math.sqrt(variance):.6g}) "
                           f"({rule})")
    if kind == "normal":
        kurtosis = float(np.mean((w - mean) ** 4)) / got ** 2
        if abs(kurtosis - 3.0) > tol["kurtosis"]:
            raise CheckFailure(f"`{fn}` draws have kurtosis {kurtosis:.3f}{where}; a normal distribution has "
                               f"3 (a uniform one 1.8): draw from a normal distribution ({rule})")


def _statistics(name: str, kind: str, scale, rule: str, extra: tuple = ()):
    def run(call, shape, seed):
        w, where = _draw(call, name, shape, seed, *extra)
        value = scale(*w.shape) if callable(scale) else scale
        judge_sample(w, kind, value, f"init_{name}", where, rule)
    return run


def _seeded(names: tuple[str, ...]):
    """The same seed gives the same weights, another seed other weights: draw from `rng` only."""
    def run(call, shape, seed):
        for name in names:
            first, where = _draw(call, name, shape, seed)
            again, _ = _draw(call, name, shape, seed)
            if not np.array_equal(first, again):
                raise CheckFailure(f"`init_{name}` gave different weights for the same seed{where}: draw "
                                   "every number from the `rng` it is given (not np.random.*)")
            other, _ = _draw(call, name, shape, seed + 1)
            if np.array_equal(first, other):
                raise CheckFailure(f"`init_{name}` gave the same weights for seeds {seed} and {seed + 1}"
                                   f"{where}: draw them from the `rng` it is given")
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
register(init_basic, "normal", _statistics("normal", "normal", INIT_STD, f"N(0, {INIT_STD}^2)"),
         shape=INIT_SHAPE, seed=1)
register(init_basic, "uniform", _statistics("uniform", "uniform", INIT_LIMIT, f"U(-{INIT_LIMIT}, {INIT_LIMIT})"),
         shape=INIT_SHAPE, seed=2)
register(init_basic, "seeded", _seeded(("normal", "uniform")), shape=(5, 6), seed=3)

# ---------------------------------------------------------------- truncated normal
init_truncated = task("a06.init_truncated_normal", points=1)
register(init_truncated, "statistics",
         _statistics("truncated_normal", "truncated", INIT_STD,
                     f"N(0, {INIT_STD}^2) with every draw beyond 2 standard deviations drawn again"),
         shape=INIT_SHAPE, seed=4)
register(init_truncated, "seeded", _seeded(("truncated_normal",)), shape=(5, 6), seed=5)


# ---------------------------------------------------------------- orthogonal
init_orthogonal = task("a06.init_orthogonal", points=2)


@check(init_orthogonal, "orthonormal", shape=(60, 40), seed=6)
def _orthonormal(call, shape, seed):
    """Q^T Q = I for a tall or square shape (orthonormal columns), Q Q^T = I for a wide one."""
    q, where = _draw(call, "orthogonal", shape, seed)
    rows, cols = q.shape
    gram, which = (q.T @ q, "Q^T Q") if rows >= cols else (q @ q.T, "Q Q^T")
    expect_array(gram, np.eye(min(rows, cols)), fn="init_orthogonal",
                 what=f"{which} (it should be the identity: orthonormal {'columns' if rows >= cols else 'rows'})",
                 where=where, rtol=0.0, atol=1e-10)


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
        raise CheckFailure(f"`init_orthogonal`: the trace of the {shape[0]}x{shape[1]} matrix is {trace:.3f}{where}; "
                           "for a uniformly random orthogonal matrix it is about N(0, 1). Multiply each column "
                           "of Q by the sign of the matching diagonal entry of R.")


register(init_orthogonal, "seeded", _seeded(("orthogonal",)), shape=(6, 4), seed=8)


# ---------------------------------------------------------------- LeCun, He, Glorot: variance scaling
init_scaling = task("a06.init_variance_scaling", points=2)
SCALED = {  # name: (kind, scale from (fan_in, fan_out), the rule in words)
    "lecun_normal": ("normal", lambda i, o: math.sqrt(1.0 / i), "LeCun normal: std sqrt(1 / fan_in)"),
    "lecun_uniform": ("uniform", lambda i, o: math.sqrt(3.0 / i), "LeCun uniform: limit sqrt(3 / fan_in)"),
    "he_normal": ("normal", lambda i, o: math.sqrt(2.0 / i), "He normal: std sqrt(2 / fan_in)"),
    "he_uniform": ("uniform", lambda i, o: math.sqrt(6.0 / i), "He uniform: limit sqrt(6 / fan_in)"),
    "glorot_normal": ("normal", lambda i, o: math.sqrt(2.0 / (i + o)),
                      "Glorot normal: std sqrt(2 / (fan_in + fan_out))"),
    "glorot_uniform": ("uniform", lambda i, o: math.sqrt(6.0 / (i + o)),
                       "Glorot uniform: limit sqrt(6 / (fan_in + fan_out))"),
}
for _name, (_kind, _scale, _rule) in SCALED.items():
    register(init_scaling, _name, _statistics(_name, _kind, _scale, _rule), shape=INIT_SHAPE, seed=10)
register(init_scaling, "fan_out_uniform",
         _statistics("variance_scaling", "uniform", lambda i, o: math.sqrt(3.0 * 3.0 / o),
                     "scale 3, mode fan_out, uniform: limit sqrt(3 * 3 / fan_out)", (3.0, "fan_out", "uniform")),
         shape=INIT_SHAPE, seed=11)
register(init_scaling, "fan_avg_normal",
         _statistics("variance_scaling", "normal", lambda i, o: math.sqrt(0.5 / ((i + o) / 2.0)),
                     "scale 0.5, mode fan_avg, normal: std sqrt(0.5 / ((fan_in + fan_out) / 2))",
                     (0.5, "fan_avg", "normal")),
         shape=INIT_SHAPE, seed=12)
register(init_scaling, "seeded", _seeded(("he_normal", "glorot_uniform")), shape=(5, 6), seed=13)


# ================================================================ least squares
least_squares = task("a06.least_squares", points=1)


def _fit(call, X, y):
    where = f" for X of shape {X.shape}, y of shape {y.shape}"
    w, b = expect_tuple(call("least_squares", X, y), ("w", "b"), fn="least_squares", where=where)
    w = expect_float_array(w, (X.shape[1],), fn="least_squares", where=" (the weights w)" + where)
    return w, as_float(b, fn="least_squares", where=" (the intercept b)" + where), where


_rng = np.random.default_rng(65)


@check(least_squares, "exact", X=_rng.normal(size=(12, 3)), w_true=np.array([1.5, -2.0, 0.25]), b_true=0.75)
def _least_squares_exact(call, X, w_true, b_true):
    """Noise-free data y = X w + b: the fit recovers w and b."""
    w, b, where = _fit(call, X, X @ w_true + b_true)
    expect_array(w, w_true, fn="least_squares", what="w (data without noise: the true weights)", where=where,
                 rtol=1e-8, atol=1e-10)
    if not np.isclose(b, b_true, rtol=1e-8, atol=1e-10):
        raise CheckFailure(f"`least_squares` returned b = {b!r}{where}; the data have no noise, so expected the "
                           f"true intercept {b_true!r} (did you add a column of ones?)")


@check(least_squares, "normal_equations", X=_rng.normal(size=(40, 4)), y=_rng.normal(size=40))
def _least_squares_normal_equations(call, X, y):
    """At the minimum of the squared error the residual is orthogonal to every column and sums to 0."""
    w, b, where = _fit(call, X, y)
    residual = y - X @ w - b
    scale = np.abs(X).sum(axis=0) * np.abs(y).max()
    expect_array(X.T @ residual / scale, np.zeros(X.shape[1]), fn="least_squares",
                 what="X^T (y - X w - b), scaled (the gradient of the squared error in w: 0 at the minimum)",
                 where=where, atol=1e-9)
    if abs(residual.sum()) > 1e-9 * len(y) * np.abs(y).max():
        raise CheckFailure(f"`least_squares`: the residuals y - X w - b sum to {residual.sum():.3g}{where}; "
                           "at the least-squares intercept they sum to 0")
