"""Assignment 6's seven activations (tanh, leaky ReLU, PReLU, ELU, SELU, softplus, hard sigmoid).

They are one table (``ACTIVATIONS``) from which every activation's checks are made: fixed values,
fixed derivatives (recomputed at 40 digits in ``tests/recompute_a06.py``), very large inputs (no
warning, right limits) and the layer contract against a numeric gradient, away from kinks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...compare import expect_array, expect_float_array
from ...messages import say
from ...registry import register, task
from ..common import _describe_inputs, backward_grads, forward_out, layer_gradient


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


def _where(spec: Activation, x, alpha, **more) -> str:
    """The inputs said (" for x=[...], alpha=0.1"), and ``more`` of them after, in full (``dout``)."""
    inputs = {"x": x} if spec.alpha is None else {"x": x, "alpha": alpha}
    return _describe_inputs({**inputs, **more}, whole=tuple(more))


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
        where = _where(spec, x, alpha, dout=dout)
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
    where = _where(spec, x, alpha, dout=dout)
    dalpha = _grads(call, spec, x, alpha, dout, where)[1]
    expect_array(dalpha, expected, fn="prelu_backward",
                 subject=say("value for dalpha (one entry per column: summed over the rows of the batch)"),
                 where=where, rtol=1e-12, atol=1e-15)


def _extremes(spec: Activation):
    """Very large |x|: no overflow warning, the right limits, and a finite derivative."""
    def run(call, expected, x, alpha=None):
        where = _where(spec, x, alpha) + say(" (very large |x|)")
        out, cache = forward_out(call, f"{spec.name}_forward", _inputs(spec, x, alpha), where)
        expect_array(out, expected[0], fn=f"{spec.name}_forward", what="out", where=where, rtol=1e-12, atol=1e-15)
        dx = backward_grads(call, f"{spec.name}_backward", np.ones_like(x), cache, spec.wrt, where)[0]
        expect_array(dx, expected[1], fn=f"{spec.name}_backward", subject=say("value for dx (for dout = 1)"),
                     where=where, rtol=1e-12, atol=1e-15)
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
