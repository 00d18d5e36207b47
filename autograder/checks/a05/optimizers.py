"""Assignment 5's optimizers: the tasks of ``sgd_update``, ``nesterov_update``, ``adagrad_update``,
``rmsprop_update`` and ``adam_update`` (fixed steps, trajectories, the lesson's runs), and of
``get_optimizer``, which finds an update function by its name.

A function cannot cross the data-only channel: ``get_optimizer``'s checks call the notebook's
setup helper ``optimizer_name``, which reports the name of the function it returned.
"""
from __future__ import annotations

import re

import numpy as np

from ...calls import CheckFailure, StudentProblem
from ...messages import say
from ...registry import check, task
from .steps import fixed_step, trajectory

_rng = np.random.default_rng(50)
W3 = np.array([0.5, -1.2, 2.0])
DW3 = np.array([0.3, -0.8, 0.05])
DW3_SMALL = np.array([0.03, -0.02, 0.1])
SQUARE = (0.0, 2.0)          # the gradient of x**2, the lesson's example

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
    return say("it raised {line}", line=lines[-1]) if len(lines) > 1 else message


def _raised(message: str, error: str) -> bool:
    """Whether a StudentProblem's message says the function raised ``error``: its first line names
    the type raised (``error`` as it is, in every language), no other kind of problem's does."""
    return re.search(rf"(?<![\w.]){re.escape(error)}(?!\w)", message.split("\n", 1)[0]) is not None


@check(get_optimizer, "names", names=NAMES)
def _optimizer_names(call, names):
    """Each name finds its own update function (the setup helper reports the function's name)."""
    for name in names:
        try:
            got = call("optimizer_name", name)
        except StudentProblem as problem:
            if problem.not_implemented:
                raise
            raise CheckFailure(say("`get_optimizer({name!r})` should return `{name}_update`, but {raised}",
                                   name=name, raised=_last_line(problem.message))) from None
        if type(got) is not str or got != f"{name}_update":  # an array's != is no yes-or-no
            raise CheckFailure(say("`get_optimizer({name!r})` returned the function {got!r}; expected "
                                   "`{name}_update`", name=name, got=got))


@check(get_optimizer, "unknown", name="adamw")
def _optimizer_unknown(call, name):
    """An unknown name raises ValueError, and the message lists every valid name."""
    try:
        got = call("get_optimizer", name)
    except StudentProblem as problem:
        if problem.not_implemented:
            raise
        text = problem.message
        if not _raised(text, "ValueError"):
            raise CheckFailure(say("`get_optimizer({name!r})` should raise a ValueError for an unknown name, "
                                   "but {raised}", name=name, raised=_last_line(text))) from None
        said = text.rsplit("ValueError", 1)[-1]
        listed = said.replace(name, " ") if name else said        # 'adamw' must not count as 'adam'
        missing = [n for n in NAMES if n not in listed]
        if missing:
            raise CheckFailure(say("`get_optimizer({name!r})` raised a ValueError whose message does not list "
                                   "the valid names {missing}: {said!r}", name=name, missing=missing,
                                   said=said.lstrip(': ').strip())) from None
        return
    raise CheckFailure(say("`get_optimizer({name!r})` should raise a ValueError naming the valid optimizers; "
                           "it returned {got!r}", name=name, got=got))
