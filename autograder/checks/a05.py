"""Assignment 5 -- mini-batches and adaptive learning rates.

Every optimizer has the interface ``update(w, dw, state) -> (w, state)``. It is checked on fixed
fixtures (40-digit values recomputed in ``tests/recompute_a05.py``; hidden tests draw their own
inputs and take the values from the reference solution), on the lesson's numbers, and on
trajectories: the check runs the student's update step after step, hands back the state it
returned, and holds each step to the optimizer's rule, applied to the state it was given.

``minibatches`` and ``get_optimizer`` take or return things that cannot cross the data-only
channel (a Generator, a function), so their checks go through two helpers of the notebook's
locked setup cell: ``epochs_of_batches`` and ``optimizer_name``.
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure, StudentProblem
from ..channel import Polynomial
from ..compare import a_type, describe, expect_array, expect_float_array
from ..diagnose import (COMMON_EPS, EPS_OUTSIDE_ROOT, EPS_WRITTEN_IN, NEW_TERM_WEIGHT, NO_BIAS_CORRECTION,
                        NO_GRADIENT_TERM, NO_LOOK_AHEAD, NOT_CARRIED, NOT_SQUARED, STALE_V, STEP_SIGN, T_BEFORE_ADDING, WEIGHTS_SWAPPED, WRONG_BETA)
from ..registry import check, register, task

# ---------------------------------------------------------------- the optimizers' rules
# name -> (hyper-parameters kept in the state, arrays the optimizer keeps, whether it counts steps)
KEYS = {
    "sgd_update": (("lr",), (), False),
    "nesterov_update": (("lr", "rho"), ("velocity",), False),
    "adagrad_update": (("lr", "eps"), ("v",), False),
    "rmsprop_update": (("lr", "decay", "eps"), ("v",), False),
    "adam_update": (("lr", "beta1", "beta2", "eps"), ("m", "v"), True),
}


def _kept(state: dict, key: str, like: np.ndarray) -> np.ndarray:
    """An array the optimizer keeps, or zeros before its first step."""
    return np.asarray(state[key], dtype=float) if key in state else np.zeros(np.shape(like))


def _rule(fn: str, w, dw, state: dict) -> dict:
    """What one step should give, from the state the step was given: {"w": ..., key: ...}."""
    lr = state["lr"]
    if fn == "sgd_update":
        return {"w": w - lr * dw}
    if fn == "nesterov_update":
        vel = state["rho"] * _kept(state, "velocity", w) - lr * dw
        return {"w": w + state["rho"] * vel - lr * dw, "velocity": vel}
    if fn == "adagrad_update":
        total = _kept(state, "v", w) + np.square(dw)
        return {"w": w - lr * dw / np.sqrt(total + state["eps"]), "v": total}
    if fn == "rmsprop_update":
        avg = state["decay"] * _kept(state, "v", w) + (1.0 - state["decay"]) * np.square(dw)
        return {"w": w - lr * dw / np.sqrt(avg + state["eps"]), "v": avg}
    # Adam, the step counter first: t = 1 at the first step.
    t = int(state.get("t", 0)) + 1
    b1, b2 = state["beta1"], state["beta2"]
    first = b1 * _kept(state, "m", w) + (1.0 - b1) * dw
    second = b2 * _kept(state, "v", w) + (1.0 - b2) * np.square(dw)
    m_hat, v_hat = first / (1.0 - b1 ** t), second / (1.0 - b2 ** t)
    return {"w": w - lr * m_hat / np.sqrt(v_hat + state["eps"]), "m": first, "v": second, "t": t}


RULE_TEXT = {
    "sgd_update": "w - lr * dw",
    "nesterov_update": "velocity = rho * velocity - lr * dw; w = w + rho * velocity - lr * dw",
    "adagrad_update": "v = v + dw**2; w = w - lr * dw / sqrt(v + eps)",
    "rmsprop_update": "v = decay * v + (1 - decay) * dw**2; w = w - lr * dw / sqrt(v + eps)",
    "adam_update": "t = t + 1; m = beta1 * m + (1 - beta1) * dw; v = beta2 * v + (1 - beta2) * dw**2; "
                   "w = w - lr * m_hat / sqrt(v_hat + eps) with m_hat = m / (1 - beta1**t), "
                   "v_hat = v / (1 - beta2**t)",
}


def _short(values) -> str:
    """Small arrays in full, rounded to 8 decimals; larger ones by their shape."""
    values = np.asarray(values, dtype=float)
    return str(np.round(values, 8).tolist()) if values.size <= 6 else f"an array of shape {values.shape}"


def _show_state(state: dict) -> str:
    parts = [f"{key!r}: {_short(value) if type(value) is np.ndarray else repr(value)}" for key, value in state.items()]
    return "{" + ", ".join(parts) + "}"


def _inputs(w, dw, state) -> str:
    return f" for w={_short(w)}, dw={_short(dw)}, state={_show_state(state)}"


def _step(call, fn: str, w, dw, state: dict, where: str) -> tuple[np.ndarray, dict]:
    """One call ``fn(w, dw, state)``: the new w and the new state, each checked for its form."""
    hyper, arrays, counts = KEYS[fn]
    got = call(fn, w, dw, state)
    if type(got) not in (tuple, list) or len(got) != 2:
        length = f" of length {len(got)}" if type(got) in (tuple, list) else ""
        raise CheckFailure(f"`{fn}` should return a tuple (w, state){where}; it returned "
                           f"{a_type(got)}{length}")
    new_w, new_state = got
    new_w = expect_float_array(new_w, np.shape(w), fn=fn, where=" (the new w)" + where)
    if type(new_state) is not dict:
        raise CheckFailure(f"`{fn}` should return the state as a dict{where}; it returned "
                           f"{a_type(new_state)}")
    for key in hyper:
        kept = new_state.get(key)
        if isinstance(kept, (bool, np.bool_)) or not isinstance(kept, (int, float, np.number)) \
                or kept != state[key]:
            raise CheckFailure(f"`{fn}` should keep state[{key!r}] = {state[key]!r} in the state it "
                               f"returns{where}; it holds {kept!r}")
    for key in arrays + (("t",) if counts else ()):
        if key not in new_state:
            raise CheckFailure(f"`{fn}` should return a state with the key {key!r}{where}; its keys "
                               f"are {sorted(new_state)}")
    for key in arrays:
        expect_float_array(new_state[key], np.shape(w), fn=fn, where=f" (state[{key!r}], shaped like w){where}")
    if counts:
        t = new_state["t"]
        # int() of inf or NaN raises, and np.isfinite of a huge int too: ask only what is safe to ask
        whole = isinstance(t, (int, np.integer)) or (
            isinstance(t, (float, np.floating)) and bool(np.isfinite(t)) and t == int(t))
        if isinstance(t, (bool, np.bool_)) or not whole:
            raise CheckFailure(f"`{fn}` should keep the step count state['t'] as a whole number{where}; "
                               f"it holds {t!r}")
    return new_w, new_state


def _average_mistakes(name: str, old, new, weight: str, rho: float, g: str) -> tuple:
    """A running average ``name = rho * name + (1 - rho) * g`` (``new``: g's value) and the values
    its known mistakes give: the new term's weight missing, the weights swapped, the old average
    dropped."""
    return ((f"it matches {name} = {weight} * {name} + {g}: {NEW_TERM_WEIGHT}; multiply {g} by "
             f"(1 - {weight})", rho * old + new),
            (f"it matches {name} = (1 - {weight}) * {name} + {weight} * {g}: {WEIGHTS_SWAPPED}; {weight} "
             f"weighs the old {name}, 1 - {weight} the new {g}", (1.0 - rho) * old + rho * new),
            (f"it matches {name} = (1 - {weight}) * {g}, the old {name} {NOT_CARRIED}; keep "
             f"{weight} * {name} in the average", (1.0 - rho) * new))


def mistakes(fn: str, w, dw, state: dict) -> dict[str, tuple[tuple[str, np.ndarray], ...]]:
    """What known mistakes of the rule give, by what they change ("w": the new w, or an array the
    optimizer keeps), each with the hint that names it."""
    with np.errstate(all="ignore"):
        return _mistakes(fn, np.asarray(w, dtype=float), np.asarray(dw, dtype=float), state)


def _mistakes(fn: str, w, dw, state: dict) -> dict[str, tuple[tuple[str, np.ndarray], ...]]:
    right, lr = _rule(fn, w, dw, state), state["lr"]
    uphill = ((f"it matches {STEP_SIGN}, so w climbs: the update should move w down the gradient, "
               "as the rule says", 2.0 * w - right["w"]),)
    if fn == "sgd_update":
        return {"w": uphill}
    if fn == "nesterov_update":
        vel, rho = right["velocity"], state["rho"]
        return {"w": uphill + (
            (f"it matches plain momentum's step w + velocity, {NO_LOOK_AHEAD}: step by "
             "rho * velocity - lr * dw, with the new velocity", w + vel),
            (f"it matches Nesterov's step with {NO_GRADIENT_TERM}: step by rho * velocity - lr * dw, "
             "with the new velocity", w + rho * vel))}
    eps, old_v, square = state["eps"], _kept(state, "v", w), np.square(dw)
    outside = f"it matches {EPS_OUTSIDE_ROOT}: the rule divides by sqrt(v + eps)"

    def written_in(divided_by_root_of):  # the step with a common eps written into the code
        return tuple((f"it matches the step with eps = {hard:g} {EPS_WRITTEN_IN} (the state gives {eps:g})",
                      divided_by_root_of(hard)) for hard in COMMON_EPS if hard != eps)
    not_squared = f"{NOT_SQUARED}: use dw**2"
    if fn in ("adagrad_update", "rmsprop_update"):
        stale = (f"it matches a step divided by sqrt(v + eps) with {STALE_V}: update v first, then "
                 "step with the new v", w - lr * dw / np.sqrt(old_v + eps))
        new_w = uphill + ((outside, w - lr * dw / (np.sqrt(right["v"]) + eps)), stale) + written_in(
            lambda hard: w - lr * dw / np.sqrt(right["v"] + hard))
        if fn == "adagrad_update":
            return {"w": new_w,
                    "v": ((f"it matches v summing |dw|, {not_squared}", old_v + np.abs(dw)),
                          (f"it matches v summing dw, {not_squared}", old_v + dw),
                          (f"it matches v = dw**2, v {NOT_CARRIED}; add dw**2 to the v the state "
                           "holds", square))}
        decay = state["decay"]
        return {"w": new_w,
                "v": _average_mistakes("v", old_v, square, "decay", decay, "dw**2") + (
                    (f"it matches v averaging |dw|, {not_squared}", decay * old_v + (1.0 - decay) * np.abs(dw)),
                    (f"it matches v averaging dw, {not_squared}", decay * old_v + (1.0 - decay) * dw))}
    t, b1, b2 = right["t"], state["beta1"], state["beta2"]
    m, v = right["m"], right["v"]

    def step(m_fix, v_fix):
        return w - lr * (m / m_fix) / np.sqrt(v / v_fix + eps)
    m_hat, v_hat = m / (1.0 - b1 ** t), v / (1.0 - b2 ** t)
    wrong_beta = f"{WRONG_BETA}: m is corrected by 1 - beta1**t, v by 1 - beta2**t"
    new_w = uphill + (
        (f"it matches Adam {NO_BIAS_CORRECTION}: divide m by 1 - beta1**t and v by 1 - beta2**t",
         w - lr * m / np.sqrt(v + eps)),
        (outside.replace("sqrt(v + eps)", "sqrt(v_hat + eps)"), w - lr * m_hat / (np.sqrt(v_hat) + eps)),
        (f"it matches m_hat = m / (1 - beta2**t), {wrong_beta}", step(1.0 - b2 ** t, 1.0 - b2 ** t)),
        (f"it matches v_hat = v / (1 - beta1**t), {wrong_beta}", step(1.0 - b1 ** t, 1.0 - b1 ** t)),
        (f"it matches the betas swapped, {wrong_beta}", step(1.0 - b2 ** t, 1.0 - b1 ** t))) + written_in(
        lambda hard: w - lr * m_hat / np.sqrt(v_hat + hard))
    if t >= 2:
        new_w += ((f"it matches a bias correction with {T_BEFORE_ADDING}: add 1 to t first, then "
                   "correct with the new t", step(1.0 - b1 ** (t - 1), 1.0 - b2 ** (t - 1))),)
    old_m = _kept(state, "m", w)
    return {"w": new_w,
            "m": _average_mistakes("m", old_m, dw, "beta1", b1, "dw"),
            "v": _average_mistakes("v", old_v, square, "beta2", b2, "dw**2") + (
                (f"it matches v averaging dw, {not_squared}", b2 * old_v + (1.0 - b2) * dw),
                (f"it matches v averaging |dw|, {not_squared}", b2 * old_v + (1.0 - b2) * np.abs(dw)))}


def _judge(fn: str, new_w, new_state: dict, expected: dict, where: str, rtol: float = 1e-9,
           known: dict | None = None) -> None:
    """The new w and state against what the rule gives; the step count first (Adam)."""
    if "t" in expected and int(new_state["t"]) != expected["t"]:
        before = expected["t"] - 1
        raise CheckFailure(f"`{fn}` returned state['t'] = {new_state['t']!r}{where}; expected "
                           f"{expected['t']} (the state held t = {before}{' (no t yet)' if before == 0 else ''}, "
                           "and each step adds 1, so the first step has t = 1)")
    for key in [k for k in expected if k not in ("w", "t")]:
        expect_array(new_state[key], expected[key], fn=fn, what=f"state[{key!r}]", where=where,
                     rtol=rtol, atol=1e-15, mistakes=(known or {}).get(key, ()))
    expect_array(new_w, expected["w"], fn=fn, what=f"new w (expected {RULE_TEXT[fn]})", where=where,
                 rtol=rtol, atol=1e-15, mistakes=(known or {}).get("w", ()))


def fixed_step(task_, name: str, fn: str, **params):
    """One step from given inputs; ``expected`` stacks the new w and then the arrays the optimizer
    keeps, in the order of KEYS (a 40-digit recomputation of each is in tests/recompute_a05.py).
    Hidden tests give inputs only: the reference's step makes ``expected`` the same way."""
    def run(call, w, dw, state, expected):
        where = _inputs(w, dw, state)
        new_w, new_state = _step(call, fn, w, dw, state, where)
        arrays, counts = KEYS[fn][1], KEYS[fn][2]
        expected = np.asarray(expected, dtype=float).reshape((1 + len(arrays),) + np.shape(w))
        want = {"w": expected[0], **{key: expected[1 + i] for i, key in enumerate(arrays)}}
        if counts:
            want["t"] = int(state.get("t", 0)) + 1
        _judge(fn, new_w, new_state, want, where, known=mistakes(fn, w, dw, state))

    def expect(judge, w, dw, state):
        new_w, new_state = _step(judge, fn, w, dw, state, _inputs(w, dw, state))
        arrays = KEYS[fn][1]
        if not arrays:
            return new_w
        return np.stack([new_w] + [np.asarray(new_state[key], dtype=float) for key in arrays])
    return register(task_, name, run, expect=expect, **params)


def _walk(call, fn: str, coeffs, w0, state, n_steps: int, hold_to_rule: bool) -> tuple[np.ndarray, str]:
    """``n_steps`` steps of ``fn`` on the gradient of a polynomial (applied entrywise), each step
    given the state the step before returned; each step held to the rule if ``hold_to_rule``.
    Returns the last w and a description of the run for messages."""
    grad = Polynomial(tuple(coeffs))
    w, state = np.array(w0, dtype=float), dict(state)
    start = f" (a run of {n_steps} steps from w0 = {_short(w)}" \
            f" on the gradient {grad!r}, each step given the state returned by the step before; " \
            f"first state {_show_state(state)})"
    for step in range(1, n_steps + 1):
        dw = np.asarray(grad(w), dtype=float)
        where = f" at step {step}{_inputs(w, dw, state)}{start}"
        new_w, new_state = _step(call, fn, w, dw, state, where)
        if hold_to_rule:
            _judge(fn, new_w, new_state, _rule(fn, w, dw, state), where, rtol=1e-8,
                   known=mistakes(fn, w, dw, state))
        w, state = new_w, new_state
    return w, start


def trajectory(task_, name: str, fn: str, **params):
    """``n_steps`` steps on the gradient of a polynomial (applied entrywise), each step given the
    state the step before returned, each held to the rule; with ``expected``, the last w too (a
    hidden test gives inputs only: the reference's own run of the same steps makes it)."""
    def run(call, coeffs, w0, state, n_steps, expected=None):
        w, start = _walk(call, fn, coeffs, w0, state, n_steps, hold_to_rule=True)
        if expected is not None:
            expect_array(w, np.full(np.shape(w), expected), fn=fn, what=f"w after {n_steps} steps",
                         where=start, rtol=1e-9, atol=1e-15)

    def expect(judge, coeffs, w0, state, n_steps):
        w, _ = _walk(judge, fn, coeffs, w0, state, n_steps, hold_to_rule=False)
        return float(w.ravel()[0]) if w.size == 1 else w
    return register(task_, name, run, expect=expect if "expected" in params else None, **params)


_rng = np.random.default_rng(50)
W3 = np.array([0.5, -1.2, 2.0])
DW3 = np.array([0.3, -0.8, 0.05])
DW3_SMALL = np.array([0.03, -0.02, 0.1])
SQUARE = (0.0, 2.0)          # the gradient of x**2, the lesson's example

# ---------------------------------------------------------------- minibatches
minibatches = task("a05.minibatches", points=2)


def _epochs(call, n, batch_size, seed, drop_last, epochs):
    where = f" for n={n}, batch_size={batch_size}, drop_last={drop_last} (rng seeded with {seed})"
    got = call("epochs_of_batches", n, batch_size, seed, drop_last, epochs)
    if type(got) not in (list, tuple) or len(got) != epochs:  # the setup helper, redefined?
        length = f" of length {len(got)}" if type(got) in (list, tuple) else ""
        raise CheckFailure(f"`epochs_of_batches` (the setup helper) should return one list of batches per "
                           f"epoch, {epochs} in all{where}; it returned {describe(got)}{length}. Keep the "
                           "helper as given.")
    result = []
    for e, batches in enumerate(got):
        if type(batches) not in (list, tuple):
            raise CheckFailure(f"`minibatches` should return a list of index arrays{where}; it returned "
                               f"{a_type(batches)}")
        for k, batch in enumerate(batches):
            if type(batch) is not np.ndarray or batch.ndim != 1 or not np.issubdtype(batch.dtype, np.integer):
                what = f"an array of dtype {batch.dtype} and shape {batch.shape}" if type(batch) is np.ndarray \
                    else f"{a_type(batch)}"
                raise CheckFailure(f"`minibatches`: batch {k} of epoch {e + 1} should be a 1-D integer array "
                                   f"of sample indices{where}; it is {what}")
        result.append([np.asarray(b) for b in batches])
    return result, where


def _sizes_ok(batches, n, batch_size, drop_last, where, epoch):
    full, rest = divmod(n, batch_size)
    want = [batch_size] * full + ([rest] if rest and not drop_last else [])
    sizes = [len(b) for b in batches]
    if sizes != want:
        last = ("drop_last=True drops the last, smaller batch" if drop_last else
                "the last batch keeps the remaining samples (it is smaller when batch_size does not divide n)")
        raise CheckFailure(f"`minibatches` returned batches of sizes {sizes} in epoch {epoch}{where}; "
                           f"expected {want}: {last}")


def _epoch_orders(got, n, batch_size, drop_last, where):
    """(epoch, the epoch's indices in batch order) for each epoch, once its batch sizes are right."""
    for e, batches in enumerate(got, start=1):
        _sizes_ok(batches, n, batch_size, drop_last, where, e)
        yield e, (np.concatenate(batches) if batches else np.zeros(0, dtype=int))


@check(minibatches, "partition", n=10, batch_size=4, seed=0, drop_last=False, epochs=3)
def _batches_partition(call, n, batch_size, seed, drop_last, epochs):
    """Each epoch visits every sample exactly once, in a shuffled order that changes every epoch."""
    got, where = _epochs(call, n, batch_size, seed, drop_last, epochs)
    orders = []
    for e, order in _epoch_orders(got, n, batch_size, drop_last, where):
        if not np.array_equal(np.sort(order), np.arange(n)):
            missing = sorted(set(range(n)) - set(order.tolist()))
            repeated = sorted({int(i) for i in order if np.count_nonzero(order == i) > 1})
            raise CheckFailure(f"`minibatches` should use every sample index 0..{n - 1} exactly once per "
                               f"epoch{where}; epoch {e} misses {missing} and repeats {repeated}")
        orders.append(order)
    if np.array_equal(orders[0], np.arange(n)):
        raise CheckFailure(f"`minibatches` returned the samples in their original order 0..{n - 1}{where}: "
                           "shuffle them with `rng.permutation(n)` first")
    if epochs > 1 and all(np.array_equal(orders[0], o) for o in orders[1:]):
        raise CheckFailure(f"`minibatches` returned the same order in all {epochs} epochs{where}: draw a "
                           "fresh permutation from `rng` at every call")


@check(minibatches, "drop_last", n=10, batch_size=4, seed=1, drop_last=True, epochs=2)
def _batches_drop_last(call, n, batch_size, seed, drop_last, epochs):
    """With drop_last, only full batches: distinct indices, n - n % batch_size of them."""
    got, where = _epochs(call, n, batch_size, seed, drop_last, epochs)
    for e, order in _epoch_orders(got, n, batch_size, drop_last, where):
        if len(np.unique(order)) != len(order) or (len(order) and (order.min() < 0 or order.max() >= n)):
            raise CheckFailure(f"`minibatches` should return distinct indices between 0 and {n - 1}{where}; "
                               f"epoch {e} holds {sorted(order.tolist())}")


@check(minibatches, "seeded", n=12, batch_size=5, seeds=(3, 4), epochs=2)
def _batches_seeded(call, n, batch_size, seeds, epochs):
    """The order comes from the Generator it is given: same seed, same batches; another, others."""
    first, where = _epochs(call, n, batch_size, seeds[0], False, epochs)
    again, _ = _epochs(call, n, batch_size, seeds[0], False, epochs)
    other, _ = _epochs(call, n, batch_size, seeds[1], False, epochs)
    same = all(len(a) == len(b) and all(np.array_equal(x, z) for x, z in zip(a, b)) for a, b in zip(first, again))
    if not same:
        raise CheckFailure(f"`minibatches` returned different batches for the same seed{where}: draw the "
                           "order from the `rng` argument (e.g. `rng.permutation(n)`), not from "
                           "`np.random` or a new Generator")
    if np.array_equal(np.concatenate(first[0]), np.concatenate(other[0])):
        raise CheckFailure(f"`minibatches` returned the same order for seeds {seeds[0]} and {seeds[1]}"
                           f"{where}: draw the order from the `rng` argument")


# ---------------------------------------------------------------- sgd_update
sgd_update = task("a05.sgd_update", points=1)
fixed_step(sgd_update, "values", "sgd_update", w=W3, dw=DW3, state={"lr": 0.1},
           expected=np.array([0.47, -1.12, 1.995]))
trajectory(sgd_update, "trajectory", "sgd_update", coeffs=(-1.0, 2.0), w0=_rng.normal(size=(2, 3)),
           state={"lr": 0.2}, n_steps=6)

# ---------------------------------------------------------------- nesterov_update
nesterov_update = task("a05.nesterov_update", points=2)
fixed_step(nesterov_update, "first_step", "nesterov_update", w=W3, dw=DW3, state={"lr": 0.1, "rho": 0.9},
           expected=np.array([[0.443, -1.048, 1.9905], [-0.03, 0.08, -0.005]]))
fixed_step(nesterov_update, "later_step", "nesterov_update", w=W3, dw=DW3,
           state={"lr": 0.05, "rho": 0.8, "velocity": np.array([0.2, -0.1, 0.4])},
           expected=np.array([[0.601, -1.192, 2.2515], [0.145, -0.04, 0.3175]]))
trajectory(nesterov_update, "trajectory", "nesterov_update", coeffs=(0.5, 1.0, 0.3), w0=_rng.normal(size=4),
           state={"lr": 0.1, "rho": 0.9}, n_steps=8)

# ---------------------------------------------------------------- adagrad_update
adagrad_update = task("a05.adagrad_update", points=2)
fixed_step(adagrad_update, "first_step", "adagrad_update", w=W3, dw=DW3, state={"lr": 0.1, "eps": 1e-8},
           expected=np.array([[0.4000000055555551, -1.10000000078125, 1.9000001999994],
                              [0.09, 0.64, 0.0025]]))
fixed_step(adagrad_update, "later_step", "adagrad_update", w=W3, dw=DW3_SMALL,
           state={"lr": 0.1, "eps": 1e-3, "v": np.array([0.002, 0.0005, 0.01])},
           expected=np.array([[0.45196155385847386, -1.1541168532258876, 1.9309934440657646],
                              [0.0029, 0.0009, 0.02]]))
trajectory(adagrad_update, "trajectory", "adagrad_update", coeffs=(0.5, 1.0, 0.3), w0=_rng.normal(size=4),
           state={"lr": 0.3, "eps": 1e-8}, n_steps=8)
trajectory(adagrad_update, "lesson", "adagrad_update", coeffs=SQUARE, w0=np.array([0.5]),
           state={"lr": 0.1, "eps": 1e-8}, n_steps=29, expected=0.014590567050338356)

# ---------------------------------------------------------------- rmsprop_update
rmsprop_update = task("a05.rmsprop_update", points=2)
fixed_step(rmsprop_update, "first_step", "rmsprop_update", w=W3, dw=DW3,
           state={"lr": 0.01, "decay": 0.9, "eps": 1e-8},
           expected=np.array([[0.4683772409665108, -1.1683772258688452, 1.9683778558348752],
                              [0.009, 0.064, 0.00025]]))
fixed_step(rmsprop_update, "later_step", "rmsprop_update", w=W3, dw=DW3_SMALL,
           state={"lr": 0.01, "decay": 0.99, "eps": 1e-3, "v": np.array([0.002, 0.0005, 0.01])},
           expected=np.array([[0.49451270514573303, -1.1948343000179837, 1.990465374107544],
                              [0.001989, 0.000499, 0.01]]))
trajectory(rmsprop_update, "trajectory", "rmsprop_update", coeffs=(0.5, 1.0, 0.3), w0=_rng.normal(size=4),
           state={"lr": 0.05, "decay": 0.9, "eps": 1e-8}, n_steps=8)

# ---------------------------------------------------------------- adam_update
adam_update = task("a05.adam_update", points=3)
ADAM = {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
fixed_step(adam_update, "first_step", "adam_update", w=W3, dw=DW3, state=dict(ADAM),
           expected=np.array([[0.4000000055555551, -1.10000000078125, 1.9000001999994],
                              [0.03, -0.08, 0.005], [9e-05, 0.00064, 2.5e-06]]))
fixed_step(adam_update, "later_step", "adam_update", w=W3, dw=DW3_SMALL,
           state={"lr": 0.01, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3, "t": 3,
                  "m": np.array([0.05, -0.01, 0.02]), "v": np.array([0.002, 0.0005, 0.01])},
           expected=np.array([[0.49033291122763145, -1.1958724342676055, 1.9964841520634702],
                              [0.046, -0.012, 0.036], [0.00189, 0.00049, 0.01]]))
trajectory(adam_update, "trajectory", "adam_update", coeffs=(0.5, 1.0, 0.3), w0=_rng.normal(size=4),
           state={"lr": 0.05, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8}, n_steps=8)
trajectory(adam_update, "lesson", "adam_update", coeffs=SQUARE, w0=np.array([0.5]), state=dict(ADAM),
           n_steps=30, expected=0.020995205683540075)

# ---------------------------------------------------------------- get_optimizer
get_optimizer = task("a05.get_optimizer", points=1)
NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def _last_line(message: str) -> str:
    """'it raised KeyError: 'adamw'' from a StudentProblem's message (its traceback's last line)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return f"it raised {lines[-1]}" if len(lines) > 1 else message


@check(get_optimizer, "names", names=NAMES)
def _optimizer_names(call, names):
    """Each name finds its own update function (the setup helper reports the function's name)."""
    for name in names:
        try:
            got = call("optimizer_name", name)
        except StudentProblem as problem:
            if problem.not_implemented:
                raise
            raise CheckFailure(f"`get_optimizer({name!r})` should return `{name}_update`, but "
                               f"{_last_line(problem.message)}") from None
        if type(got) is not str or got != f"{name}_update":  # an array's != is no yes-or-no
            raise CheckFailure(f"`get_optimizer({name!r})` returned the function {got!r}; expected "
                               f"`{name}_update`")


@check(get_optimizer, "unknown", name="adamw")
def _optimizer_unknown(call, name):
    """An unknown name raises ValueError, and the message lists every valid name."""
    try:
        got = call("get_optimizer", name)
    except StudentProblem as problem:
        if problem.not_implemented:
            raise
        text = problem.message
        if "raised ValueError" not in text.split("\n", 1)[0]:
            raise CheckFailure(f"`get_optimizer({name!r})` should raise a ValueError for an unknown name, "
                               f"but {_last_line(text)}") from None
        said = text.rsplit("ValueError", 1)[-1]
        listed = said.replace(name, " ") if name else said        # 'adamw' must not count as 'adam'
        missing = [n for n in NAMES if n not in listed]
        if missing:
            raise CheckFailure(f"`get_optimizer({name!r})` raised a ValueError whose message does not list "
                               f"the valid names {missing}: {said.lstrip(': ').strip()!r}") from None
        return
    raise CheckFailure(f"`get_optimizer({name!r})` should raise a ValueError naming the valid optimizers; "
                       f"it returned {got!r}")
