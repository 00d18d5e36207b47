"""Assignment 4 -- local minima, momentum, ReLU and deep networks.

Fixed numbers are the lesson's (its R code runs 30 entries: x0 and 29 updates) and 40-digit values
recomputed in ``tests/recompute_a04.py``; hidden tests draw inputs for each student and take the
expected values from the reference solution. The rest are properties of the answer (the recurrence
step by step, the layer contract against a numeric gradient, the initialiser's scale).
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure
from ..channel import Polynomial
from ..compare import as_float, a_type, describe, expect_array, expect_float_array, expect_tuple
from ..gradcheck import assert_gradient
from ..diagnose import FIRST_STEP_MOMENTUM, MOMENTUM_TERM_SIGN, OLD_VELOCITY, PLAIN_GD, STEP_SIGN
from ..messages import phrase, say
from ..registry import check, register, task
from .common import fixed_value, forward_out, judged_gradient, layer_gradient

QUARTIC_GRAD = (0.0, 4.0, 9.0, 4.0)   # f'(x) = 4x + 9x^2 + 4x^3, of f(x) = 2x^2 + 3x^3 + x^4


# The hints of the checks' own mistakes, said when a check runs (in the language of the moment).
def _uphill() -> str:
    return say("it matches {step_sign}, so w climbs: the update should move w down the gradient, as the rule says",
               step_sign=phrase(STEP_SIGN))


def _first_momentum() -> str:
    return say("it matches {first_step_momentum}, as if the entry before x_0 were 0: the first step is "
               "x_1 = x_0 - lr * grad(x_0), with no momentum", first_step_momentum=phrase(FIRST_STEP_MOMENTUM))


def _momentum_sign() -> str:
    return say("it matches {momentum_term_sign}: add rho * (x_{{t-1}} - x_{{t-2}}), so each step keeps "
               "some of the step before", momentum_term_sign=phrase(MOMENTUM_TERM_SIGN))


def _no_velocity() -> str:
    return say("it matches {plain_gd}: keep velocity = rho * velocity - lr * dw in the returned state "
               "and step w + velocity", plain_gd=phrase(PLAIN_GD))


# ---------------------------------------------------------------- momentum_descent
momentum_descent = task("a04.momentum_descent", points=2)


def _descent_path(call, coeffs, x0, lr, rho, n_steps):
    grad = Polynomial(tuple(coeffs))
    where = say(" for grad = {grad!r}, x0={x0}, lr={lr}, rho={rho}, n_steps={n_steps}", grad=grad,
                x0=np.asarray(x0).tolist(), lr=lr, rho=rho, n_steps=n_steps)
    got = call("momentum_descent", grad, x0, lr, rho, n_steps)
    shape = (n_steps + 1,) + np.shape(x0)
    if type(got) is not np.ndarray or got.shape != shape:
        raise CheckFailure(say("`momentum_descent` should return an array of shape {shape} (x0, then one "
                               "entry per step){where}; it returned {described}", shape=shape, where=where,
                               described=describe(got)))
    expect_float_array(got, shape, fn="momentum_descent", where=where)
    expect_array(got[:1], np.reshape(x0, (1,) + np.shape(x0)), fn="momentum_descent",
                 what=say("first entry (it should be x0)"), where=where)
    return grad, got, where


def _descent_variant(coeffs, x0, lr, rho, n_steps, before_x0=None, momentum_sign=1.0) -> np.ndarray:
    """A mistaken path: the entry before x0 taken as ``before_x0`` (the right path takes x0 itself,
    so the first step has no momentum) and the momentum term times ``momentum_sign``."""
    grad, xs = Polynomial(tuple(coeffs)), [np.asarray(x0, dtype=float)]
    prev = xs[0] if before_x0 is None else np.full(np.shape(x0), before_x0)
    with np.errstate(all="ignore"):
        for _ in range(n_steps):
            x = xs[-1]
            xs.append(x - lr * grad(x) + momentum_sign * rho * (x - prev))
            prev = x
    return np.array(xs)


def _descent_expected(judge, coeffs, x0, lr, rho, n_steps):
    """The last entry of the reference's path (hidden tests draw the inputs)."""
    path = judge("momentum_descent", Polynomial(tuple(coeffs)), x0, lr, rho, n_steps)
    return expect_float_array(path, (n_steps + 1,) + np.shape(x0), fn="momentum_descent")[-1]


@check(momentum_descent, "lesson", expect=_descent_expected, coeffs=QUARTIC_GRAD, x0=0.5, lr=0.1, rho=0.9,
       n_steps=29, expected=-1.6022654355866721961)
def _descent_lesson(call, coeffs, x0, lr, rho, n_steps, expected):
    """The lesson's numbers: 30 entries, i.e. x0 and 29 updates."""
    _, got, where = _descent_path(call, coeffs, x0, lr, rho, n_steps)
    known = ((_first_momentum(), _descent_variant(coeffs, x0, lr, rho, n_steps, before_x0=0.0)[-1:]),
             (_momentum_sign(), _descent_variant(coeffs, x0, lr, rho, n_steps, momentum_sign=-1.0)[-1:]))
    expect_array(got[-1:], [expected], fn="momentum_descent", what=say("last entry"), where=where,
                 rtol=1e-9, atol=1e-12, mistakes=known)


@check(momentum_descent, "recurrence", coeffs=(-1.0, 2.0), x0=3.0, lr=0.15, rho=0.6, n_steps=12)
def _descent_recurrence(call, coeffs, x0, lr, rho, n_steps):
    """Each entry follows from the two before it; the first step has no momentum yet."""
    grad, got, where = _descent_path(call, coeffs, x0, lr, rho, n_steps)
    if n_steps == 0:
        return
    with np.errstate(all="ignore"):
        first = got[0] - lr * grad(got[0])
        later = got[1:-1] - lr * grad(got[1:-1]) + rho * (got[1:-1] - got[:-2])
        early = first + rho * got[0]   # the entry before x0 taken as 0
        braked = got[1:-1] - lr * grad(got[1:-1]) - rho * (got[1:-1] - got[:-2])
    expect_array(got[1:2], first[None], fn="momentum_descent",
                 what=say("first step (x_1 = x_0 - lr * grad(x_0): no momentum yet)"), where=where,
                 rtol=1e-10, atol=1e-12, mistakes=((_first_momentum(), early[None]),))
    expect_array(got[2:], later, fn="momentum_descent",
                 what=say("step x_t = x_{t-1} - lr * grad(x_{t-1}) + rho * (x_{t-1} - x_{t-2}) (entries from x_2 on)"),
                 where=where, rtol=1e-10, atol=1e-12, mistakes=((_momentum_sign(), braked),))


# ---------------------------------------------------------------- momentum_update
momentum_update = task("a04.momentum_update", points=2)


def _one_update(call, w, dw, state):
    """One call of the optimizer: (new w, new state, its velocity, where), each checked for form."""
    where = say(" for w of shape {shape} and state keys {keys}", shape=np.shape(w), keys=sorted(state))
    got = expect_tuple(call("momentum_update", w, dw, state), ("w", "state"), fn="momentum_update",
                       where=where)
    new_w = expect_float_array(got[0], np.shape(w), fn="momentum_update", where=say(" (the new w){where}", where=where))
    new_state = got[1]
    if type(new_state) is not dict:
        raise CheckFailure(say("`momentum_update` should return the state as a dict{where}; it returned {type_name}",
                               where=where, type_name=a_type(new_state)))
    for key in ("lr", "rho"):
        kept = new_state.get(key)
        if isinstance(kept, (bool, np.bool_)) or not isinstance(kept, (int, float, np.number)) \
                or kept != state[key]:
            raise CheckFailure(say("`momentum_update` should keep state[{key!r}] = {value!r} in the "
                                   "state it returns{where}; it holds {kept!r}", key=key, value=state[key],
                                   where=where, kept=kept))
    if "velocity" not in new_state:
        raise CheckFailure(say("`momentum_update` should return a state with the key 'velocity'{where}; "
                               "its keys are {keys}", where=where, keys=sorted(new_state)))
    velocity = expect_float_array(new_state["velocity"], np.shape(w), fn="momentum_update",
                                  where=say(" (state['velocity'], shaped like w){where}", where=where))
    return new_w, new_state, velocity, where


@check(momentum_update, "first_step", w=np.random.default_rng(41).normal(size=(3, 2)),
       dw=np.random.default_rng(42).normal(size=(3, 2)), state={"lr": 0.1, "rho": 0.9})
def _update_first_step(call, w, dw, state):
    """No velocity yet: it starts at zeros, so the first step is plain gradient descent."""
    new_w, _, velocity, where = _one_update(call, w, dw, state)
    expect_array(new_w, w - state["lr"] * dw, fn="momentum_update",
                 what=say("w after the first step (velocity starts at 0: expected w - lr * dw)"), where=where,
                 mistakes=((_uphill(), w + state["lr"] * dw),))
    expect_array(velocity, new_w - w, fn="momentum_update",
                 what=say("state['velocity'] (the step just taken: new w - old w)"), where=where, atol=1e-12)


@check(momentum_update, "with_velocity", w=np.array([0.5, -1.0, 2.0, 0.0]),
       dw=np.array([1.0, 0.25, -2.0, 0.5]),
       state={"lr": 0.05, "rho": 0.8, "velocity": np.array([0.1, -0.3, 0.0, 0.2])})
def _update_with_velocity(call, w, dw, state):
    """v = rho * v - lr * dw, then w = w + v."""
    new_w, _, velocity, where = _one_update(call, w, dw, state)
    step = state["rho"] * state["velocity"] - state["lr"] * dw
    # a velocity left as it was, and a plain gradient step: the velocity plays no part
    plain = np.allclose(new_w, w - state["lr"] * dw, rtol=1e-7, atol=1e-12)
    expect_array(velocity, step, fn="momentum_update",
                 what=say("state['velocity'] (expected rho * velocity - lr * dw)"), where=where, atol=1e-12,
                 mistakes=((_no_velocity(), state["velocity"]),) if plain else ())
    expect_array(new_w, w + step, fn="momentum_update",
                 what=say("w (expected w + rho * velocity - lr * dw)"), where=where,
                 mistakes=((say("it matches a step with {old_velocity}: update the velocity first, then "
                                "step with the new one", old_velocity=phrase(OLD_VELOCITY)), w + state["velocity"]),
                           (_uphill(), w - step)))


def _update_path(call, coeffs, x0, lr, rho, n_steps) -> np.ndarray:
    """w, of shape (1,), after ``n_steps`` calls of momentum_update, each given the state the one
    before returned: the student's (``call``), or the reference's (``judge``) for a hidden value."""
    grad = Polynomial(tuple(coeffs))
    w, state = np.array([float(x0)]), {"lr": lr, "rho": rho}
    for _ in range(n_steps):
        with np.errstate(all="ignore"):
            dw = np.asarray(grad(w), dtype=float)
        w, state, _, _ = _one_update(call, w, dw, state)
    return w


def _update_expected(judge, coeffs, x0, lr, rho, n_steps):
    return _update_path(judge, coeffs, x0, lr, rho, n_steps)[0]


@check(momentum_update, "lesson", expect=_update_expected, coeffs=QUARTIC_GRAD, x0=0.5, lr=0.1, rho=0.9,
       n_steps=29, expected=-1.6022654355866721961)
def _update_lesson(call, coeffs, x0, lr, rho, n_steps, expected):
    """Fed its own state back step after step, it runs the lesson's momentum path."""
    grad = Polynomial(tuple(coeffs))
    w = _update_path(call, coeffs, x0, lr, rho, n_steps)
    plain = _descent_variant(coeffs, x0, lr, 0.0, n_steps)[-1:]   # no momentum: rho taken as 0
    expect_array(w, [expected], fn="momentum_update",
                 what=say("w after {n_steps} steps, each given the state returned by the step before", n_steps=n_steps),
                 where=say(" (grad = {grad!r}, w0 = [{x0}], lr={lr}, rho={rho})", grad=grad, x0=x0, lr=lr, rho=rho),
                 rtol=1e-9, mistakes=((_no_velocity(), plain),))


# ---------------------------------------------------------------- the sin-logit model's partials
SIN_X = np.array([[0.5, -1.0], [1.5, 2.0], [-2.0, 0.5], [2.5, -1.5], [-0.5, -2.5]])
SIN_Y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
SIN_PARTIALS = {"b1": -0.03771333632258311, "b2": 0.1467440270024735}
_rng = np.random.default_rng(43)
SIN_X_CHECK = _rng.uniform(-3.0, 3.0, size=(12, 2))
SIN_Y_CHECK = (_rng.random(12) < 0.5).astype(float)


def _partial_numeric(name: str):
    def run(call, X, y, b1, b2):
        analytic = as_float(call(f"d_{name}", X, y, b1, b2), fn=f"d_{name}")
        # the setup cell's loss, the reference's at grading: what the student's notebook holds
        # under that name judges nothing there
        numeric = judged_gradient(call, lambda judge, b: as_float(judge("sin_logit_loss", X, y, *b),
                                                                  fn="sin_logit_loss"),
                                  np.array([b1, b2]), index=("b1", "b2").index(name))
        assert_gradient(analytic, numeric, fn=f"d_{name}", wrt=name, rtol=1e-6, atol=1e-9,
                        loss="sin_logit_loss")
    return run


for _name in ("b1", "b2"):
    _task = task(f"a04.d_{_name}", points=1)
    fixed_value(_task, "values", f"d_{_name}", ("X", "y", "b1", "b2"), scalar=True, samples="X",
                note=lambda name=_name: say(" (d loss / d {name}, the mean over samples)", name=name),
                X=SIN_X, y=SIN_Y, b1=0.7, b2=-0.4,
                expected=SIN_PARTIALS[_name])
    register(_task, "numeric", _partial_numeric(_name), uses=("sin_logit_loss",), X=SIN_X_CHECK, y=SIN_Y_CHECK,
             b1=1.3, b2=0.6)


# ---------------------------------------------------------------- ReLU
relu_forward = task("a04.relu_forward", points=1)
RELU_X = np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, 5.0]])


def _relu_expected(judge, x):
    return forward_out(judge, "relu_forward", (x,))[0]


@check(relu_forward, "values", expect=_relu_expected, x=RELU_X,
       expected=np.array([[0.0, 0.0, 0.0], [0.5, 2.0, 5.0]]))
def _relu_values(call, x, expected):
    where = say(" for x={x}", x=x.tolist())
    out, _ = forward_out(call, "relu_forward", (x,), where)
    expect_array(out, expected, fn="relu_forward", what="out", where=where, atol=0.0)


@check(relu_forward, "definition", x=np.random.default_rng(44).normal(size=(3, 4, 5)))
def _relu_definition(call, x):
    """out keeps every positive entry and zeroes the rest, whatever the shape."""
    where = say(" for x of shape {shape}", shape=x.shape)
    out, _ = forward_out(call, "relu_forward", (x,), where)
    expect_float_array(out, x.shape, fn="relu_forward", where=where)
    positive = x > 0
    expect_array(out[positive], x[positive], fn="relu_forward", what=say("out where x > 0 (should be x)"),
                 where=where, atol=0.0)
    expect_array(out[~positive], np.zeros(np.count_nonzero(~positive)), fn="relu_forward",
                 what=say("out where x <= 0 (should be 0)"), where=where, atol=0.0)


relu_backward = task("a04.relu_backward", points=2)


def _relu_dx(call, x, dout, where: str = ""):
    """relu_backward(dout, cache), the cache from relu_forward(x); a lone dx may come as a 1-tuple."""
    _, cache = forward_out(call, "relu_forward", (x,), where)
    got = call("relu_backward", dout, cache)
    if type(got) in (tuple, list) and len(got) == 1:
        got = got[0]
    return got


def _relu_dx_expected(judge, x, dout):
    return expect_float_array(_relu_dx(judge, x, dout), np.shape(x), fn="relu_backward")


# relu_backward reads the cache the student's relu_forward made: the self-check waits while it fails.
@check(relu_backward, "values", expect=_relu_dx_expected, uses=("relu_forward",), x=RELU_X,
       dout=np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), expected=np.array([[0.0, 0.0, 0.0], [4.0, 5.0, 6.0]]))
def _relu_backward_values(call, x, dout, expected):
    """dout passes where x > 0 and is stopped elsewhere, at x = 0 too (the lesson's convention)."""
    where = say(" for x={x}, dout={dout}", x=x.tolist(), dout=dout.tolist())
    got = _relu_dx(call, x, dout, where)
    expect_array(got, expected, fn="relu_backward", what=say("dx (dout where x > 0, else 0)"), where=where,
                 atol=0.0, pieces=(x, (0.0,)))


# Inputs at least 0.1 away from the kink at 0: centred differences across it would be wrong.
_rng = np.random.default_rng(45)
layer_gradient(relu_backward, "numeric", "relu_forward", "relu_backward", ("x",), ("x",),
               x=_rng.choice([-1.0, 1.0], size=(4, 5)) * _rng.uniform(0.1, 2.0, size=(4, 5)),
               dout=_rng.normal(size=(4, 5)))


# ---------------------------------------------------------------- init_mlp
init_mlp = task("a04.init_mlp", points=1)


def _init_params(call, n_inputs, hidden_sizes, seed):
    sizes = [n_inputs] + list(hidden_sizes) + [1]
    where = say(" for n_inputs={n_inputs}, hidden_sizes={hidden_sizes}, seed={seed}", n_inputs=n_inputs,
                hidden_sizes=list(hidden_sizes), seed=seed)
    got = call("init_mlp", n_inputs, hidden_sizes, seed)
    if type(got) not in (list, tuple) or len(got) != len(sizes) - 1:
        length = say(" of length {length}", length=len(got)) if type(got) in (list, tuple) else ""
        raise CheckFailure(say("`init_mlp` should return a list of {layers} (W, b) pairs, one per "
                               "affine layer (the output layer included){where}; it returned {type_name}{length}",
                               layers=len(sizes) - 1, where=where, type_name=a_type(got), length=length))
    params = []
    for k, (pair, fan_in, fan_out) in enumerate(zip(got, sizes[:-1], sizes[1:])):
        W, b = expect_tuple(pair, ("W", "b"), fn="init_mlp", where=say(" (entry {k}){where}", k=k, where=where))
        W = expect_float_array(W, (fan_in, fan_out), fn="init_mlp",
                               where=say(" (W of layer {k}){where}", k=k, where=where))
        b = expect_float_array(b, (fan_out,), fn="init_mlp", where=say(" (b of layer {k}){where}", k=k, where=where))
        params.append((W, b))
    return params, where


@check(init_mlp, "structure", n_inputs=2, hidden_sizes=[20, 10, 5], seed=0)
def _init_structure(call, n_inputs, hidden_sizes, seed):
    """One (W, b) per layer, shapes chained, zero biases; the seed decides the weights."""
    params, where = _init_params(call, n_inputs, hidden_sizes, seed)
    for k, (W, b) in enumerate(params):
        expect_array(b, np.zeros_like(b), fn="init_mlp", what=say("b of layer {k} (biases start at 0)", k=k),
                     where=where, atol=0.0)
    again, _ = _init_params(call, n_inputs, hidden_sizes, seed)
    if not all(np.array_equal(W, W2) for (W, _), (W2, _) in zip(params, again)):
        raise CheckFailure(say("`init_mlp` returned different weights for the same seed{where}: draw them "
                               "from `np.random.default_rng(seed)`", where=where))
    other, _ = _init_params(call, n_inputs, hidden_sizes, seed + 1)
    if any(np.array_equal(W, W2) for (W, _), (W2, _) in zip(params, other)):
        raise CheckFailure(say("`init_mlp` returned the same weights for seeds {seed} and {other}"
                               "{where}: draw them from `np.random.default_rng(seed)`", seed=seed, other=seed + 1,
                               where=where))


@check(init_mlp, "scale", n_inputs=400, hidden_sizes=[300], seed=1)
def _init_scale(call, n_inputs, hidden_sizes, seed):
    """He's scale: each W's entries have mean 0 and standard deviation sqrt(2 / fan_in).

    The tolerances are 6 standard errors of the sample mean and standard deviation (2 % at least),
    so a right answer fails with probability under 1e-8; a fan_out or a 1/fan_in scale fails.
    """
    params, where = _init_params(call, n_inputs, hidden_sizes, seed)
    for k, (W, _) in enumerate(params):
        n, target = W.size, np.sqrt(2.0 / W.shape[0])
        std, mean = float(W.std()), float(W.mean())
        tol = max(0.02, 6.0 / np.sqrt(2.0 * n))
        if abs(std / target - 1.0) > tol:
            raise CheckFailure(say("`init_mlp`: the weights of layer {k} (W of shape {shape}) have standard "
                                   "deviation {std:.4g}{where}; expected sqrt(2 / fan_in) = sqrt(2 / "
                                   "{fan_in}) = {target:.4g} (within {tol:.0%})", k=k, shape=W.shape, std=std,
                                   where=where, fan_in=W.shape[0], target=target, tol=tol))
        if abs(mean) > 6.0 * target / np.sqrt(n):
            raise CheckFailure(say("`init_mlp`: the weights of layer {k} (W of shape {shape}) have mean "
                                   "{mean:.4g}{where}; expected about 0 (a normal distribution centred at 0)",
                                   k=k, shape=W.shape, mean=mean, where=where))
