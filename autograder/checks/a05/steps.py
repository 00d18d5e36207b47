"""How assignment 5's checks call an optimizer and judge it: one step (its form, then its values
against the rule), the check made of one fixed step (``fixed_step``) and the check made of a run
of steps on a polynomial's gradient, each given the state the step before returned (``trajectory``).
"""
from __future__ import annotations

import numpy as np

from ...calls import CheckFailure
from ...channel import Polynomial
from ...compare import a_type, expect_array, expect_float_array
from ...messages import phrase, say
from ...registry import register
from .rules import KEYS, RULE_TEXT, _rule, mistakes


def _short(values) -> str:
    """Small arrays in full, rounded to 8 decimals; larger ones by their shape."""
    values = np.asarray(values, dtype=float)
    if values.size <= 6:
        return str(np.round(values, 8).tolist())
    return say("an array of shape {shape}", shape=values.shape)


def _show_state(state: dict) -> str:
    parts = [f"{key!r}: {_short(value) if type(value) is np.ndarray else repr(value)}" for key, value in state.items()]
    return "{" + ", ".join(parts) + "}"


def _inputs(w, dw, state) -> str:
    return say(" for w={w}, dw={dw}, state={state}", w=_short(w), dw=_short(dw), state=_show_state(state))


def _step(call, fn: str, w, dw, state: dict, where: str) -> tuple[np.ndarray, dict]:
    """One call ``fn(w, dw, state)``: the new w and the new state, each checked for its form."""
    hyper, arrays, counts = KEYS[fn]
    got = call(fn, w, dw, state)
    if type(got) not in (tuple, list) or len(got) != 2:
        length = say(" of length {length}", length=len(got)) if type(got) in (tuple, list) else ""
        raise CheckFailure(say("`{fn}` should return a tuple (w, state){where}; it returned {type_name}{length}",
                               fn=fn, where=where, type_name=a_type(got), length=length))
    new_w, new_state = got
    new_w = expect_float_array(new_w, np.shape(w), fn=fn, where=say(" (the new w){where}", where=where))
    if type(new_state) is not dict:
        raise CheckFailure(say("`{fn}` should return the state as a dict{where}; it returned {type_name}", fn=fn,
                               where=where, type_name=a_type(new_state)))
    for key in hyper:
        kept = new_state.get(key)
        if isinstance(kept, (bool, np.bool_)) or not isinstance(kept, (int, float, np.number)) \
                or kept != state[key]:
            raise CheckFailure(say("`{fn}` should keep state[{key!r}] = {value!r} in the state it "
                                   "returns{where}; it holds {kept!r}", fn=fn, key=key, value=state[key], where=where,
                                   kept=kept))
    for key in arrays + (("t",) if counts else ()):
        if key not in new_state:
            raise CheckFailure(say("`{fn}` should return a state with the key {key!r}{where}; its keys "
                                   "are {keys}", fn=fn, key=key, where=where, keys=sorted(new_state)))
    for key in arrays:
        expect_float_array(new_state[key], np.shape(w), fn=fn,
                           where=say(" (state[{key!r}], shaped like w){where}", key=key, where=where))
    if counts:
        t = new_state["t"]
        # int() of inf or NaN raises, and np.isfinite of a huge int too: ask only what is safe to ask
        whole = isinstance(t, (int, np.integer)) or (
            isinstance(t, (float, np.floating)) and bool(np.isfinite(t)) and t == int(t))
        if isinstance(t, (bool, np.bool_)) or not whole:
            raise CheckFailure(say("`{fn}` should keep the step count state['t'] as a whole number{where}; "
                                   "it holds {t!r}", fn=fn, where=where, t=t))
    return new_w, new_state


def _judge(fn: str, new_w, new_state: dict, expected: dict, where: str, rtol: float = 1e-9,
           known: dict | None = None) -> None:
    """The new w and state against what the rule gives; the step count first (Adam)."""
    if "t" in expected and int(new_state["t"]) != expected["t"]:
        before = expected["t"] - 1
        raise CheckFailure(say("`{fn}` returned state['t'] = {got!r}{where}; expected {expected} (the state held "
                               "t = {before}{none_yet}, and each step adds 1, so the first step has t = 1)", fn=fn,
                               got=new_state["t"], where=where, expected=expected["t"], before=before,
                               none_yet=say(" (no t yet)") if before == 0 else ""))
    for key in [k for k in expected if k not in ("w", "t")]:
        expect_array(new_state[key], expected[key], fn=fn, what=f"state[{key!r}]", where=where,
                     rtol=rtol, atol=1e-15, mistakes=(known or {}).get(key, ()))
    expect_array(new_w, expected["w"], fn=fn, what=say("new w (expected {rule})", rule=phrase(RULE_TEXT[fn])),
                 where=where, rtol=rtol, atol=1e-15, mistakes=(known or {}).get("w", ()))


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
    start = say(" (a run of {n_steps} steps from w0 = {w0} on the gradient {grad!r}, each step given the state "
                "returned by the step before; first state {state})", n_steps=n_steps, w0=_short(w), grad=grad,
                state=_show_state(state))
    for step in range(1, n_steps + 1):
        dw = np.asarray(grad(w), dtype=float)
        where = say(" at step {step}{inputs}{start}", step=step, inputs=_inputs(w, dw, state), start=start)
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
            expect_array(w, np.full(np.shape(w), expected), fn=fn, what=say("w after {n_steps} steps", n_steps=n_steps),
                         where=start, rtol=1e-9, atol=1e-15)

    def expect(judge, coeffs, w0, state, n_steps):
        w, _ = _walk(judge, fn, coeffs, w0, state, n_steps, hold_to_rule=False)
        return float(w.ravel()[0]) if w.size == 1 else w
    return register(task_, name, run, expect=expect if "expected" in params else None, **params)
