"""Assignment 5's optimizers as rules: what one step of each gives from the state it is given
(``_rule``, its words in ``RULE_TEXT``), and what the known mistakes of each rule give instead
(``mistakes``), so that a wrong step is told which mistake it matches.
"""
from __future__ import annotations

import numpy as np

from ...diagnose import (COMMON_EPS, EPS_OUTSIDE_ROOT, EPS_WRITTEN_IN, NEW_TERM_WEIGHT, NO_BIAS_CORRECTION,
                         NO_GRADIENT_TERM, NO_LOOK_AHEAD, NOT_CARRIED, NOT_SQUARED, STALE_V, STEP_SIGN,
                         T_BEFORE_ADDING, WEIGHTS_SWAPPED, WRONG_BETA)
from ...messages import N_, phrase, say

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


# Formulas, said as they are; Adam's has words too (the checks say it with phrase()).
RULE_TEXT = {
    "sgd_update": "w - lr * dw",
    "nesterov_update": "velocity = rho * velocity - lr * dw; w = w + rho * velocity - lr * dw",
    "adagrad_update": "v = v + dw**2; w = w - lr * dw / sqrt(v + eps)",
    "rmsprop_update": "v = decay * v + (1 - decay) * dw**2; w = w - lr * dw / sqrt(v + eps)",
    "adam_update": N_("t = t + 1; m = beta1 * m + (1 - beta1) * dw; v = beta2 * v + (1 - beta2) * dw**2; "
                      "w = w - lr * m_hat / sqrt(v_hat + eps) with m_hat = m / (1 - beta1**t), "
                      "v_hat = v / (1 - beta2**t)"),
}


def _average_mistakes(name: str, old, new, weight: str, rho: float, g: str) -> tuple:
    """A running average ``name = rho * name + (1 - rho) * g`` (``new``: g's value) and the values
    its known mistakes give: the new term's weight missing, the weights swapped, the old average
    dropped."""
    return ((say("it matches {name} = {weight} * {name} + {g}: {new_term_weight}; multiply {g} by "
                 "(1 - {weight})", name=name, weight=weight, g=g, new_term_weight=phrase(NEW_TERM_WEIGHT)),
             rho * old + new),
            (say("it matches {name} = (1 - {weight}) * {name} + {weight} * {g}: {weights_swapped}; {weight} "
                 "weighs the old {name}, 1 - {weight} the new {g}", name=name, weight=weight, g=g,
                 weights_swapped=phrase(WEIGHTS_SWAPPED)), (1.0 - rho) * old + rho * new),
            (say("it matches {name} = (1 - {weight}) * {g}, the old {name} {not_carried}; keep "
                 "{weight} * {name} in the average", name=name, weight=weight, g=g, not_carried=phrase(NOT_CARRIED)),
             (1.0 - rho) * new))


def mistakes(fn: str, w, dw, state: dict) -> dict[str, tuple[tuple[str, np.ndarray], ...]]:
    """What known mistakes of the rule give, by what they change ("w": the new w, or an array the
    optimizer keeps), each with the hint that names it."""
    with np.errstate(all="ignore"):
        return _mistakes(fn, np.asarray(w, dtype=float), np.asarray(dw, dtype=float), state)


def _mistakes(fn: str, w, dw, state: dict) -> dict[str, tuple[tuple[str, np.ndarray], ...]]:
    right, lr = _rule(fn, w, dw, state), state["lr"]
    uphill = ((say("it matches {step_sign}, so w climbs: the update should move w down the gradient, "
                   "as the rule says", step_sign=phrase(STEP_SIGN)), 2.0 * w - right["w"]),)
    if fn == "sgd_update":
        return {"w": uphill}
    if fn == "nesterov_update":
        vel, rho = right["velocity"], state["rho"]
        return {"w": uphill + (
            (say("it matches plain momentum's step w + velocity, {no_look_ahead}: step by "
                 "rho * velocity - lr * dw, with the new velocity", no_look_ahead=phrase(NO_LOOK_AHEAD)), w + vel),
            (say("it matches Nesterov's step with {no_gradient_term}: step by rho * velocity - lr * dw, "
                 "with the new velocity", no_gradient_term=phrase(NO_GRADIENT_TERM)), w + rho * vel))}
    eps, old_v, square = state["eps"], _kept(state, "v", w), np.square(dw)
    def outside(root: str) -> str:  # eps added outside the root the rule divides by
        return say("it matches {eps_outside_root}: the rule divides by {root}",
                   eps_outside_root=phrase(EPS_OUTSIDE_ROOT), root=root)

    def written_in(divided_by_root_of):  # the step with a common eps written into the code
        return tuple((say("it matches the step with eps = {hard:g} {eps_written_in} (the state gives {eps:g})",
                          hard=hard, eps_written_in=phrase(EPS_WRITTEN_IN), eps=eps),
                      divided_by_root_of(hard)) for hard in COMMON_EPS if hard != eps)
    not_squared = say("{not_squared}: use dw**2", not_squared=phrase(NOT_SQUARED))
    if fn in ("adagrad_update", "rmsprop_update"):
        stale = (say("it matches a step divided by sqrt(v + eps) with {stale_v}: update v first, then "
                     "step with the new v", stale_v=phrase(STALE_V)), w - lr * dw / np.sqrt(old_v + eps))
        new_w = uphill + ((outside("sqrt(v + eps)"), w - lr * dw / (np.sqrt(right["v"]) + eps)), stale) + written_in(
            lambda hard: w - lr * dw / np.sqrt(right["v"] + hard))
        if fn == "adagrad_update":
            return {"w": new_w,
                    "v": ((say("it matches v summing |dw|, {not_squared}", not_squared=not_squared),
                           old_v + np.abs(dw)),
                          (say("it matches v summing dw, {not_squared}", not_squared=not_squared), old_v + dw),
                          (say("it matches v = dw**2, v {not_carried}; add dw**2 to the v the state holds",
                               not_carried=phrase(NOT_CARRIED)), square))}
        decay = state["decay"]
        return {"w": new_w,
                "v": _average_mistakes("v", old_v, square, "decay", decay, "dw**2") + (
                    (say("it matches v averaging |dw|, {not_squared}", not_squared=not_squared),
                     decay * old_v + (1.0 - decay) * np.abs(dw)),
                    (say("it matches v averaging dw, {not_squared}", not_squared=not_squared),
                     decay * old_v + (1.0 - decay) * dw))}
    t, b1, b2 = right["t"], state["beta1"], state["beta2"]
    m, v = right["m"], right["v"]

    def step(m_fix, v_fix):
        return w - lr * (m / m_fix) / np.sqrt(v / v_fix + eps)
    m_hat, v_hat = m / (1.0 - b1 ** t), v / (1.0 - b2 ** t)
    wrong_beta = say("{wrong_beta}: m is corrected by 1 - beta1**t, v by 1 - beta2**t", wrong_beta=phrase(WRONG_BETA))
    new_w = uphill + (
        (say("it matches Adam {no_bias_correction}: divide m by 1 - beta1**t and v by 1 - beta2**t",
             no_bias_correction=phrase(NO_BIAS_CORRECTION)), w - lr * m / np.sqrt(v + eps)),
        (outside("sqrt(v_hat + eps)"), w - lr * m_hat / (np.sqrt(v_hat) + eps)),
        (say("it matches m_hat = m / (1 - beta2**t), {wrong_beta}", wrong_beta=wrong_beta),
         step(1.0 - b2 ** t, 1.0 - b2 ** t)),
        (say("it matches v_hat = v / (1 - beta1**t), {wrong_beta}", wrong_beta=wrong_beta),
         step(1.0 - b1 ** t, 1.0 - b1 ** t)),
        (say("it matches the betas swapped, {wrong_beta}", wrong_beta=wrong_beta),
         step(1.0 - b2 ** t, 1.0 - b1 ** t))) + written_in(
        lambda hard: w - lr * m_hat / np.sqrt(v_hat + hard))
    if t >= 2:
        new_w += ((say("it matches a bias correction with {t_before_adding}: add 1 to t first, then "
                       "correct with the new t", t_before_adding=phrase(T_BEFORE_ADDING)),
                   step(1.0 - b1 ** (t - 1), 1.0 - b2 ** (t - 1))),)
    old_m = _kept(state, "m", w)
    return {"w": new_w,
            "m": _average_mistakes("m", old_m, dw, "beta1", b1, "dw"),
            "v": _average_mistakes("v", old_v, square, "beta2", b2, "dw**2") + (
                (say("it matches v averaging dw, {not_squared}", not_squared=not_squared),
                 b2 * old_v + (1.0 - b2) * dw),
                (say("it matches v averaging |dw|, {not_squared}", not_squared=not_squared),
                 b2 * old_v + (1.0 - b2) * np.abs(dw)))}
