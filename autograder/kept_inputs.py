"""The inputs a student's function must leave as it got them: only where its notebook says so.

Every check calls the student's function on private copies of its inputs (see
:func:`autograder.execute.execute_call`), so changing one in place can never corrupt a check, and
correct code does it (a backward writing its mask into ``dout``, a loss shifting its scores by their
maximum). A check fails for it only where the notebook states the rule for that function, with
its reason: this table, keyed by function name, is the one place that lists those rules, and the
message quotes the rule it breaks (:func:`autograder.calls.interpret`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .messages import N_, phrase, say


@dataclass(frozen=True)
class Kept:
    signature: tuple[str, ...]  # the parameters, as the notebook's signature names them, in order
    kept: tuple[str, ...]       # those the notebook says the function leaves unchanged
    rule: str                   # the notebook's rule and its reason, as the failure quotes it (N_: said there)

    @property
    def positions(self) -> frozenset[int]:
        # by position: a student who renames a parameter is still held to the rule
        return frozenset(self.signature.index(name) for name in self.kept)


UPDATE_RULE = N_("an update returns a new `w` and a new `state` and leaves the ones it was given unchanged "
                 "(the caller keeps them, e.g. to compare or retry a step)")
FORWARD_RULE = N_("a layer's forward leaves its inputs unchanged (`x` may be your data, or the previous "
                  "layer's output that its cache holds; the other inputs are the network's)")
TRAIN_RULE = N_("`train` leaves `w0` unchanged and starts from a copy (the caller keeps `w0`, e.g. to "
                "train again from the same start)")

_UPDATES = ("momentum_update", "sgd_update", "nesterov_update", "adagrad_update", "rmsprop_update",
            "adam_update")
# Every layer's forward, a03 on; the output layers' forwards (sigmoid_ce_forward, softmax_ce_forward,
# mse_forward) are not here: the scores they take are the last affine layer's output, which no
# cache holds and nothing reads after the loss, so the a03 contract lets them reuse that array.
_FORWARDS = {
    "affine_forward": ("x", "W", "b"),
    "sigmoid_forward": ("x",),
    "relu_forward": ("x",),
    "tanh_forward": ("x",),
    "leaky_relu_forward": ("x", "alpha"),
    "prelu_forward": ("x", "alpha"),
    "elu_forward": ("x", "alpha"),
    "selu_forward": ("x",),
    "softplus_forward": ("x",),
    "hard_sigmoid_forward": ("x",),
    "dropout_forward": ("x", "p", "train", "mask"),
    "batchnorm_forward": ("x", "gamma", "beta", "running", "train", "momentum", "eps"),
    "layernorm_forward": ("x", "gamma", "beta", "eps"),
    "rnn_step_forward": ("x", "h_prev", "Wx", "Wh", "b"),
    "rnn_forward": ("xs", "h0", "Wx", "Wh", "b", "mask"),
}

KEPT: dict[str, Kept] = {
    "train": Kept(("X", "y", "w0", "lr", "n_iter"), ("w0",), TRAIN_RULE),
    **{fn: Kept(("w", "dw", "state"), ("w", "state"), UPDATE_RULE) for fn in _UPDATES},
    **{fn: Kept(signature, signature, FORWARD_RULE) for fn, signature in _FORWARDS.items()},
}


def broken_rule(fn: str, changed: list[tuple[int, str]]) -> str | None:
    """The note for a call of ``fn`` that changed the inputs ``changed`` ((position, name) pairs) in
    place, if its notebook forbids changing any of them; else None (nothing to say)."""
    kept = KEPT.get(fn)
    names = [name for at, name in changed if kept is not None and at in kept.positions]
    if not names:
        return None
    listed = ", ".join(f"`{name}`" for name in dict.fromkeys(names))
    return say("`{fn}` changed its input {listed} in place; the notebook's rule: {rule}.", fn=fn, listed=listed,
               rule=phrase(kept.rule))
