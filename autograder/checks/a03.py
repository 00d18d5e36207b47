"""Assignment 3 -- backprop as matrices: the layer contract, and the lesson's chain of six gradients.

Every backward is judged against centred differences of the judge's forward functions: the
reference's at grading, the student's own in the self-check (see ``common.judged_gradient``).
A forward's hidden values come from the reference solution, on inputs drawn for each student.
The six named gradients of ``backprop_one_hidden`` are six tasks. Each one passes when it is the
local step from the student's own upstream gradient (checked numerically through the layer that
step differentiates), or when it is the true gradient of the loss; so one slip costs one task,
not every task downstream of it. ``parameter_count`` is judged on the Keras lecture's 2-4-1 network and
a wider one whose every usual slip (biases left out, ...) gives a count of its own.
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure, reference_of
from ..compare import as_float, describe, expect_array, expect_float_array, expect_tuple, show
from ..diagnose import (AT_Z, BIAS_ROW, MEAN_FOR_SUM, NEXT_STEP, NO_BIAS, ONE_STEP_SHORT, SIGMOID_SLOPE, SUM_FOR_MEAN,
                        hint, hint_of, value_hint)
from ..gradcheck import assert_gradient, known_mistakes
from ..messages import N_, phrase, say
from ..registry import check, register, task
from .common import _describe_inputs, forward_out, judged_gradient, judged_slope, layer_gradient

_rng = np.random.default_rng(30)

# ---------------------------------------------------------------- affine layer
affine_forward = task("a03.affine_forward", points=1)


def _affine_expected(judge, x, W, b):
    return forward_out(judge, "affine_forward", (x, W, b))[0]


@check(affine_forward, "values", expect=_affine_expected, x=np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]),
       W=np.array([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]), b=np.array([0.05, -0.1]),
       expected=np.array([[0.7, 0.4], [-1.55, 0.7]]))
def _affine_values(call, x, W, b, expected):
    where = _describe_inputs({"x": x, "W": W, "b": b})
    out, _ = forward_out(call, "affine_forward", (x, W, b), where)
    expect_array(out, expected, fn="affine_forward", what="out", where=where, rtol=1e-12, atol=1e-14,
                 mistakes=((say("it matches x @ W: {no_bias}, out = x @ W + b", no_bias=phrase(NO_BIAS)),
                            expected - b),))


affine_backward = task("a03.affine_backward", points=2)
layer_gradient(affine_backward, "numeric", "affine_forward", "affine_backward", ("x", "W", "b"),
               wrt=("x", "W", "b"), dout=_rng.normal(size=(3, 4)), x=_rng.normal(size=(3, 2)),
               W=_rng.normal(size=(2, 4)), b=_rng.normal(size=4))

# ---------------------------------------------------------------- sigmoid layer
sigmoid_forward = task("a03.sigmoid_forward", points=1)


def _sigmoid_values(call, x, expected, note="", atol=1e-15):
    """``note``: a constant marked with N_, said here in the student's language."""
    where = (say(" for x of shape {shape}", shape=np.shape(x)) if np.size(x) > 12
             else _describe_inputs({"x": x})) + phrase(note)
    out, _ = forward_out(call, "sigmoid_forward", (x,), where)
    expect_array(out, expected, fn="sigmoid_forward", what="out", where=where, rtol=1e-12, atol=atol)


def _sigmoid_expected(judge, x, **_):
    return forward_out(judge, "sigmoid_forward", (x,))[0]


register(sigmoid_forward, "values", _sigmoid_values, expect=_sigmoid_expected,
         x=np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, 5.0]]),
         expected=np.array([[0.11920292202211756, 0.37754066879814546, 0.5],
                            [0.6224593312018546, 0.8807970779778824, 0.9933071490757152]]))
register(sigmoid_forward, "extremes", _sigmoid_values, expect=_sigmoid_expected,
         note=N_(" (large |x| must not overflow)"), x=np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]),
         expected=np.array([0.0, 4.248354255291589e-18, 0.5, 1.0, 1.0]))

sigmoid_backward = task("a03.sigmoid_backward", points=1)
layer_gradient(sigmoid_backward, "numeric", "sigmoid_forward", "sigmoid_backward", ("x",), wrt=("x",),
               dout=_rng.normal(size=(3, 4)), x=_rng.uniform(-4.0, 4.0, size=(3, 4)))

# ---------------------------------------------------------------- sigmoid + cross-entropy output
sigmoid_ce_forward = task("a03.sigmoid_ce_forward", points=2)


def _ce_loss(call, scores, y, where: str = "") -> tuple[float, object]:
    """``sigmoid_ce_forward(scores, y) -> (loss, cache)``, the loss one float."""
    loss, cache = expect_tuple(call("sigmoid_ce_forward", scores, y), ("loss", "cache"),
                               fn="sigmoid_ce_forward", where=where)
    return as_float(loss, fn="sigmoid_ce_forward", where=say(" (its loss){where}", where=where)), cache


def _ce_values(call, scores, y, expected, note=""):
    """``note``: a constant marked with N_, said here in the student's language."""
    where = _describe_inputs({"scores": scores, "y": y}) + phrase(note)
    loss, _ = _ce_loss(call, scores, y, where)
    if not np.isclose(loss, expected, rtol=1e-10, atol=1e-14):
        raise CheckFailure(say("`sigmoid_ce_forward` returned the loss {loss!r}{where}; expected {expected!r} "
                               "(difference {difference:.3g}).", loss=loss, where=where, expected=expected,
                               difference=loss - expected)
                           + value_hint(np.float64(loss), np.float64(expected), 1e-10, 1e-14, samples=len(scores)))


def _ce_expected(judge, scores, y, **_):
    return _ce_loss(judge, scores, y)[0]


register(sigmoid_ce_forward, "values", _ce_values, expect=_ce_expected, note=N_(" (the mean over samples)"),
         scores=np.array([[-2.0], [0.5], [3.0], [-0.25]]), y=np.array([[0.0], [1.0], [1.0], [0.0]]),
         expected=0.3063829416689162)
register(sigmoid_ce_forward, "extremes", _ce_values, expect=_ce_expected,
         note=N_(" (large logits: work with the logits, never take the log of a rounded probability)"),
         scores=np.array([[800.0], [-800.0], [35.0], [-35.0]]), y=np.array([[0.0], [1.0], [1.0], [0.0]]),
         expected=400.0)

sigmoid_ce_backward = task("a03.sigmoid_ce_backward", points=1)


@check(sigmoid_ce_backward, "numeric", uses=("sigmoid_ce_forward",), scores=_rng.normal(0.0, 2.0, size=(5, 1)),
       y=np.array([[1.0], [0.0], [0.0], [1.0], [1.0]]))
def _ce_backward_numeric(call, scores, y):
    """The student's backward, on their own forward's cache, against the judge's loss."""
    where = say(" for scores of shape {shape}", shape=scores.shape)
    _, cache = _ce_loss(call, scores, y, where)
    dscores = expect_float_array(call("sigmoid_ce_backward", cache), scores.shape, fn="sigmoid_ce_backward",
                                 where=say(" (dscores, shaped like `scores`){where}", where=where))
    numeric = judged_gradient(call, lambda judge, s: _ce_loss(judge, s, y)[0], scores)
    assert_gradient(dscores, numeric, fn="sigmoid_ce_backward", wrt="scores", rtol=1e-6, atol=1e-9,
                    loss="sigmoid_ce_forward", samples=len(scores))


# ---------------------------------------------------------------- the lesson's chain
# One hidden layer of any width, in the lesson's notation: W1 of shape (D + 1, H) and W2 of shape
# (H + 1, 1), row 0 holding the biases (X^E, the inputs with a column of ones, times W1).
GRAD_NAMES = ("grad_o", "grad_l2", "grad_W2", "grad_h1", "grad_l1", "grad_W1")
# name: (the quantity it is the gradient of, its upstream gradient, the lesson's formula of the step, said
# with phrase(): the one with words is marked for the catalogue)
STEPS = {
    "grad_o": ("o", None, "grad.o = dloss/do"),
    "grad_l2": ("l2", "grad_o", "grad.l2 = grad.o * o (1 - o)"),
    "grad_W2": ("W2", "grad_l2", "grad.W2 = (h1^E)^T grad.l2"),
    "grad_h1": ("h1", "grad_l2", N_("grad.h1 = grad.l2 W2^T, without W2's bias row")),
    "grad_l1": ("l1", "grad_h1", "grad.l1 = grad.h1 * h1 (1 - h1)"),
    "grad_W1": ("W1", "grad_l1", "grad.W1 = (X^E)^T grad.l1"),
}


def _shapes(X, W1) -> dict[str, tuple]:
    n, d, h = X.shape[0], X.shape[1], W1.shape[1]
    return {"grad_o": (n, 1), "grad_l2": (n, 1), "grad_W2": (h + 1, 1), "grad_h1": (n, h),
            "grad_l1": (n, h), "grad_W1": (d + 1, h)}


def _layer_out(call, fn: str, *args) -> np.ndarray:
    return forward_out(call, fn, args)[0]


def _affine(call, x, W):
    """The lesson's x^E W, by the student's affine_forward: row 0 of W is the bias."""
    return _layer_out(call, "affine_forward", x, W[1:], W[0])


class _Net:
    """The one-hidden-layer network's quantities, and the loss as a function of each of them, all
    computed by the judge's layer functions (LAYERS): the reference's at grading, so that only
    ``backprop_one_hidden`` is judged; the student's own in the self-check, which waits while one
    of them fails."""

    def __init__(self, call, X, y, W1, W2):
        self.call, self.X, self.y, self.W1, self.W2 = call, X, y, W1, W2
        judge = reference_of(call)
        self.l1 = _affine(judge, X, W1)
        self.h1 = _layer_out(judge, "sigmoid_forward", self.l1)
        self.l2 = _affine(judge, self.h1, W2)
        self.o = _layer_out(judge, "sigmoid_forward", self.l2)

    def value(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def loss_from(self, judge, name: str, v: np.ndarray) -> float:
        """The loss with quantity ``name`` set to ``v`` and everything downstream recomputed."""
        if name == "o":
            with np.errstate(divide="ignore", invalid="ignore"):  # an o outside (0, 1): a NaN loss, refused
                return _ce_loss(judge, np.log(v) - np.log1p(-v), self.y)[0]  # the logit of o
        if name == "W1":
            v = _affine(judge, self.X, v)
        if name in ("W1", "l1"):
            v = _layer_out(judge, "sigmoid_forward", v)
        if name in ("W1", "l1", "h1"):
            return _ce_loss(judge, _affine(judge, v, self.W2), self.y)[0]
        if name == "W2":
            return _ce_loss(judge, _affine(judge, self.h1, v), self.y)[0]
        return _ce_loss(judge, v, self.y)[0]  # l2

    def step_from(self, judge, name: str, v: np.ndarray, upstream: np.ndarray) -> float:
        """sum(upstream * the next quantity), as a function of quantity ``name`` set to ``v``."""
        if name in ("l2", "l1"):
            nxt = _layer_out(judge, "sigmoid_forward", v)
        elif name == "W2":
            nxt = _affine(judge, self.h1, v)
        elif name == "h1":
            nxt = _affine(judge, v, self.W2)
        else:  # W1
            nxt = _affine(judge, self.X, v)
        return float(np.sum(nxt * upstream))

    def numeric_step(self, name: str, upstream: np.ndarray) -> np.ndarray:
        point = self.value(name)
        if name in ("l2", "l1"):  # an elementwise layer: two calls are enough
            slope = judged_slope(self.call, lambda judge, v: _layer_out(judge, "sigmoid_forward", v), point)
            return slope * upstream
        return judged_gradient(self.call, lambda judge, v: self.step_from(judge, name, v, upstream), point)

    def numeric_loss(self, name: str) -> np.ndarray:
        """The true gradient of the mean loss with respect to quantity ``name``."""
        return judged_gradient(self.call, lambda judge, v: self.loss_from(judge, name, v), self.value(name))


def _chain_mistakes(name: str, net: _Net, true: np.ndarray) -> tuple[tuple[str, np.ndarray], ...]:
    """What the lesson's usual slips give for ``name``, from its true gradient ``true`` (the loss's,
    by centred differences): the mean's 1/N lost or taken twice, a sigmoid step's (1 − h) lost or
    taken at the logit, grad.o already multiplied by the sigmoid's derivative, and the bias row
    (row 0 of W1 and W2) left out, put last, or kept in grad.h1."""
    n = net.X.shape[0]
    found = [(say("it is exactly N = {n} times the gradient: {sum_for_mean}? Every gradient here is a derivative "
                  "of the *mean* loss, so each one carries the 1/N (the lesson brings the 1/n in only at grad.W)",
                  n=n, sum_for_mean=phrase(SUM_FOR_MEAN)), n * true),
             (say("it is exactly 1/N of the gradient, N = {n}: {mean_for_sum}? The 1/N is already inside "
                  "grad.l2; do not divide by N again", n=n, mean_for_sum=phrase(MEAN_FOR_SUM)), true / n)]
    with np.errstate(all="ignore"):
        if name in ("grad_l2", "grad_l1"):
            h, logit = (net.o, net.l2) if name == "grad_l2" else (net.h1, net.l1)
            upstream = true / (h * (1.0 - h))
            found += [(say("{sigmoid_slope} h (1 − h) with h = σ(l): the (1 − h) is missing",
                           sigmoid_slope=phrase(SIGMOID_SLOPE)), upstream * h),
                      (say("it matches the sigmoid's derivative {at_z} σ(z): use h (1 − h) with h the sigmoid's "
                           "output, not the logit", at_z=phrase(AT_Z)), upstream * logit * (1.0 - logit))]
        if name == "grad_o":
            found.append((say("it matches grad.l2, {next_step}: grad.o is dloss/do, before the sigmoid's "
                              "derivative o (1 − o)", next_step=phrase(NEXT_STEP)), true * net.o * (1.0 - net.o)))
    if name in ("grad_W2", "grad_W1"):
        found += [(say("it matches the gradient without its bias row: {bias_row}, so grad.W has one row more "
                       "(the column of ones in x^E)", bias_row=phrase(BIAS_ROW)), true[1:]),
                  (say("it matches the gradient with the bias row last: {bias_row}", bias_row=phrase(BIAS_ROW)),
                   np.roll(true, -1, axis=0))]
    if name == "grad_h1":
        grad_l2 = net.numeric_loss("l2")
        found += [(say("it matches grad.l2 W2^T with W2's bias row kept: {bias_row}, and it has no h1 behind it: "
                       "drop it (W2[1:])", bias_row=phrase(BIAS_ROW)), grad_l2 @ net.W2.T),
                  (say("it matches grad.l2 W2^T without W2's last row: {bias_row}, so drop row 0 (W2[1:])",
                       bias_row=phrase(BIAS_ROW)), grad_l2 @ net.W2[:-1].T)]
    return tuple(found)


def _shape_slip(name: str, grad: np.ndarray, call, X, y, W1, W2) -> str:
    """The hint for a gradient of the wrong shape, if it is a known slip (the bias row)."""
    def mistakes():
        net = _Net(call, X, y, W1, W2)
        return _chain_mistakes(name, net, net.numeric_loss(STEPS[name][0]))
    found = known_mistakes(mistakes)
    return value_hint(grad, np.zeros(0), 1e-6, 1e-8, mistakes=found) if found else ""


def _chain_check(name: str):
    quantity, upstream_name, formula = STEPS[name]

    def run(call, X, y, W1, W2):
        where = say(" for X of shape {shape} and H = {hidden} hidden units", shape=X.shape, hidden=W1.shape[1])
        got = call("backprop_one_hidden", X, y, W1, W2)
        if type(got) is not dict or name not in got:
            keys = say(" with keys {keys}", keys=sorted(got)) if type(got) is dict else ""
            raise CheckFailure(say("`backprop_one_hidden` should return a dict with the keys {names}{where}; it "
                                   "returned {described}{keys}", names=", ".join(GRAD_NAMES), where=where,
                                   described=describe(got), keys=keys))
        shapes = _shapes(X, W1)
        grad = got[name]
        if type(grad) is np.ndarray and grad.dtype == np.float64 and grad.shape != shapes[name]:
            slip = _shape_slip(name, grad, call, X, y, W1, W2)
            if slip:  # a shape the lesson's usual slip leaves
                raise CheckFailure(say("`backprop_one_hidden` returned an array of shape {got_shape} as `{name}` "
                                       "(shaped like `{quantity}`){where}; expected shape {shape}.",
                                       got_shape=grad.shape, name=name, quantity=quantity, where=where,
                                       shape=shapes[name]) + slip)
        grad = expect_float_array(grad, shapes[name], fn="backprop_one_hidden",
                                  where=say(" as `{name}` (shaped like `{quantity}`){where}", name=name,
                                            quantity=quantity, where=where))
        net = _Net(call, X, y, W1, W2)
        upstream = got.get(upstream_name) if upstream_name else None
        usable = (type(upstream) is np.ndarray and upstream.dtype == np.float64
                  and upstream.shape == shapes[upstream_name] and np.all(np.isfinite(upstream)))
        first, numeric = None, net.numeric_loss(quantity)
        step = net.numeric_step(quantity, upstream) if usable else None
        # A step from an upstream of (near) zeros is (near) zero whatever the layer: it would let an
        # all-zero answer pass every task after grad_o. A step counts when it is of the size of the
        # true gradient (a slip upstream by a factor, such as N, still is).
        if step is not None and np.linalg.norm(step) >= 0.1 * np.linalg.norm(numeric):
            try:  # the local step from the student's own upstream gradient
                assert_gradient(grad, step, fn="backprop_one_hidden", wrt=quantity)
                return
            except CheckFailure as failure:
                first = failure
        try:
            assert_gradient(grad, numeric, fn="backprop_one_hidden", wrt=quantity)
            return
        except CheckFailure as failure:
            detail = str(first or failure)
        also = (say("neither the step from your own `{upstream}` ({formula}) nor the gradient of the loss with "
                    "respect to `{quantity}`", upstream=upstream_name, formula=phrase(formula), quantity=quantity)
                if first else say("not the gradient of the mean loss with respect to `{quantity}` ({formula})",
                                  quantity=quantity, formula=phrase(formula)))
        named = "" if hint_of(detail) is not None else value_hint(
            grad, numeric, 1e-6, 1e-8, mistakes=known_mistakes(lambda: _chain_mistakes(name, net, numeric)))
        raise CheckFailure(say("`backprop_one_hidden` returned a wrong `{name}`{where}: it is {also}.\n{detail}",
                               name=name, where=where, also=also, detail=detail) + named)
    return run


CHAIN_X = _rng.normal(size=(5, 2))
CHAIN_Y = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
CHAIN_W1 = _rng.normal(size=(3, 3))
CHAIN_W2 = _rng.normal(size=(4, 1))
# The layers the chain's numeric gradients go through, the judge's (see _Net).
LAYERS = ("affine_forward", "sigmoid_forward", "sigmoid_ce_forward")

for _name in GRAD_NAMES:
    register(task(f"a03.{_name}", points=1), "numeric", _chain_check(_name), uses=LAYERS,
             X=CHAIN_X, y=CHAIN_Y, W1=CHAIN_W1, W2=CHAIN_W2)


# ---------------------------------------------------------------- counting parameters
parameter_count = task("a03.parameter_count", points=1)


def _count_mistakes(sizes) -> tuple[tuple[str | None, int], ...]:
    """What the usual slips give for the layer widths ``sizes``: (the hint, None where no words of
    autograder.diagnose name it; the count that slip gives). Said only when one slip gives it."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return ((say("it is the number of weights alone: {no_bias} (one per unit after the inputs)",
                 no_bias=phrase(NO_BIAS)), sum(a * b for a, b in pairs)),
            (None, sum(a * b + a for a, b in pairs)),                  # a bias per input, not per unit
            (say("it leaves out the last layer's weights and biases: the sum over the layers stops {one_step_short}",
                 one_step_short=phrase(ONE_STEP_SHORT)), sum(a * b + b for a, b in pairs[:-1])),
            (None, sum(a * b + b for a, b in pairs[1:])),             # the first layer left out
            (None, (sizes[0] + 1) * sizes[1]),                         # the first (hidden) layer only
            (None, sum(sizes)))                                        # the units, not the parameters


def _count_hint(got: int, expected: int, sizes) -> str:
    found = [(said, value) for said, value in _count_mistakes(sizes) if value == got]
    return hint(found[0][0]) if got != expected and len(found) == 1 and found[0][0] else ""


def _as_count(got, where: str = "") -> int:
    if isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
        return int(got)
    raise CheckFailure(say("`parameter_count` should return an int{where}, but returned {described}: {shown}. "
                           "Count with whole numbers (e.g. `int(...)` around a numpy result).", where=where,
                           described=describe(got), shown=show(got)))


def _count_values(call, sizes, expected):
    where = say(" for sizes={sizes}", sizes=list(sizes))
    got = _as_count(call("parameter_count", sizes), where)
    if got != expected:
        raise CheckFailure(say("`parameter_count` returned {got}{where}; expected {expected} (difference "
                               "{difference:+d}).", got=got, where=where, expected=expected, difference=got - expected)
                           + _count_hint(got, expected, sizes))


def _count_expected(judge, sizes):
    return _as_count(judge("parameter_count", sizes))


# the Keras lecture's first model ("Total params: 17"), then its MNIST model ("Total params: 335,114"):
# on the wider one every slip of _count_mistakes gives a count of its own
register(parameter_count, "chapter", _count_values, expect=_count_expected, sizes=[2, 4, 1], expected=17)
register(parameter_count, "wider", _count_values, expect=_count_expected, sizes=[784, 256, 256, 256, 10],
         expected=335114)
