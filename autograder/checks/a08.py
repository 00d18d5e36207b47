"""Assignment 8 -- recurrent networks: characters as vectors, the tanh cell, backprop through time
over a padded batch, gradient clipping by global norm.

The padded-batch layout: ``xs`` of shape (N, T, D), T the longest sequence, and ``mask`` of shape
(N, T), 1.0 at a real step and 0.0 at padding (which comes after a sequence's last character). At a
padded step the state is carried over unchanged, ``h_t = h_{t-1}``: so ``hs[:, -1]`` is each
sequence's state after its own last character, and padding gets no gradient.

Fixed numbers are recomputed at 40 digits in ``tests/recompute_a08.py`` (hidden tests draw their own
inputs and take the expected values from the reference solution); the rest are properties every
correct answer has (padding changes nothing, clipping keeps the direction) and numeric gradients of
the judge's forward functions (the reference's at grading, the student's own in the self-check)
against an upstream gradient ``dout``.
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure
from ..compare import as_float, a_type, expect_array, expect_float, expect_float_array, expect_tuple
from ..diagnose import (BEFORE_TANH, CLIP_ALWAYS, CLIP_PER_ARRAY, MASK_IGNORED, NO_BIAS, NOT_CARRIED,
                        PADDING_FIRST, PADDING_ZEROED, STATE_WH_T)
from ..messages import phrase, say
from ..registry import check, task
from .common import _describe_inputs, forward_out, layer_gradient

# ---------------------------------------------------------------- characters as vectors
encode_batch = task("a08.encode_batch", points=2)
WORDS, ALPHABET = ["cab", "a", "bc"], "abc"


def _encoded(call, words, alphabet):
    """(xs, mask) of encode_batch, checked for type and shape."""
    where = say(" for words={words!r}, alphabet={alphabet!r}", words=words, alphabet=alphabet)
    got = expect_tuple(call("encode_batch", words, alphabet), ("xs", "mask"), fn="encode_batch", where=where)
    steps = max(len(w) for w in words)
    xs = expect_float_array(got[0], (len(words), steps, len(alphabet)), fn="encode_batch",
                            where=say(" (xs: one row per word, one step per character up to the longest, one column "
                                      "per letter of the alphabet){where}", where=where))
    mask = expect_float_array(got[1], (len(words), steps), fn="encode_batch",
                              where=say(" (mask: one row per word, one column per step){where}", where=where))
    return xs, mask, where


def _encode_expect(part: int):
    def expect(judge, words, alphabet):
        return _encoded(judge, words, alphabet)[part]
    return expect


def _right_aligned(words, alphabet) -> tuple[np.ndarray, np.ndarray]:
    """The padding put before each word instead of after it."""
    steps = max(len(w) for w in words)
    xs, mask = np.zeros((len(words), steps, len(alphabet))), np.zeros((len(words), steps))
    for i, word in enumerate(words):
        for t, ch in enumerate(word, start=steps - len(word)):
            xs[i, t, alphabet.index(ch)] = mask[i, t] = 1.0
    return xs, mask


def _padding_first() -> str:
    return say("it matches {padding_first}: a word starts at step 0, and padding follows it",
               padding_first=phrase(PADDING_FIRST))


@check(encode_batch, "one_hot", expect=_encode_expect(0), words=WORDS, alphabet=ALPHABET,
       expected=np.array([[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                          [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                          [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]]))
def _encode_one_hot(call, words, alphabet, expected):
    xs, _, where = _encoded(call, words, alphabet)
    expect_array(xs, expected, fn="encode_batch", where=where, rtol=0.0, atol=0.0,
                 subject=say("value for xs (xs[n, t] is the one-hot vector of word n's character t, all zeros at "
                             "padding)"),
                 mistakes=((_padding_first(), _right_aligned(words, alphabet)[0]),))


@check(encode_batch, "mask", expect=_encode_expect(1), words=WORDS, alphabet=ALPHABET,
       expected=np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))
def _encode_mask(call, words, alphabet, expected):
    _, mask, where = _encoded(call, words, alphabet)
    expect_array(mask, expected, fn="encode_batch", where=where, rtol=0.0, atol=0.0,
                 subject=say("value for mask (1.0 at each of a word's characters, 0.0 at the padding after it)"),
                 mistakes=((_padding_first(), _right_aligned(words, alphabet)[1]),))


# ---------------------------------------------------------------- the cell: forward
rnn_step_forward = task("a08.rnn_step_forward", points=2)
STEP = dict(x=np.array([[1.0, 0.0, 0.5], [-1.0, 2.0, 0.0]]),
            h_prev=np.array([[0.5, -0.5, 0.0, 1.0], [0.0, 0.25, -1.0, 0.5]]),
            Wx=np.array([[0.2, -0.1, 0.0, 0.4], [0.3, 0.1, -0.2, 0.0], [-0.5, 0.2, 0.1, 0.1]]),
            Wh=np.array([[0.1, 0.0, -0.3, 0.2], [0.0, 0.5, 0.1, -0.1], [0.2, -0.2, 0.0, 0.3], [-0.4, 0.1, 0.2, 0.0]]),
            b=np.array([0.1, -0.2, 0.0, 0.05]))
STEP_ARGS = ("x", "h_prev", "Wx", "Wh", "b")


def _step_expect(judge, **inputs):
    return forward_out(judge, "rnn_step_forward", tuple(inputs[a] for a in STEP_ARGS))[0]


def _step_mistakes(x, h_prev, Wx, Wh, b) -> tuple:
    return ((say("it matches tanh(x @ Wx + h_prev @ Wh): {no_bias}", no_bias=phrase(NO_BIAS)),
             np.tanh(x @ Wx + h_prev @ Wh)),
            (say("it matches {state_wh_t}: rows are samples, so the state's part is h_prev @ Wh, with Wh of shape "
                 "(H, H) taking the old state's H units to the new state's", state_wh_t=phrase(STATE_WH_T)),
             np.tanh(x @ Wx + h_prev @ Wh.T + b)),
            (say("it matches {before_tanh}: h = tanh(x @ Wx + h_prev @ Wh + b)", before_tanh=phrase(BEFORE_TANH)),
             x @ Wx + h_prev @ Wh + b))


@check(rnn_step_forward, "values", expect=_step_expect, **STEP,
       expected=np.array([[-0.2913126124515909, -0.3363755443363322, 0.04995837495787999, 0.5716699660851172],
                          [0.09966799462495576, 0.4422303560457262, -0.2682711820216014, -0.5882592563981054]]))
def _step_values(call, x, h_prev, Wx, Wh, b, expected):
    where = _describe_inputs({"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "b": b})
    h, _ = forward_out(call, "rnn_step_forward", (x, h_prev, Wx, Wh, b), where)
    expect_array(h, expected, fn="rnn_step_forward", subject=say("value for h (tanh(x @ Wx + h_prev @ Wh + b))"),
                 where=where,
                 rtol=1e-9, atol=1e-12, mistakes=_step_mistakes(x, h_prev, Wx, Wh, b))


# ---------------------------------------------------------------- the cell: backward
rnn_step_backward = task("a08.rnn_step_backward", points=3)
_rng = np.random.default_rng(80)

layer_gradient(rnn_step_backward, "numeric", "rnn_step_forward", "rnn_step_backward", STEP_ARGS, wrt=STEP_ARGS,
               x=_rng.normal(size=(3, 2)), h_prev=np.tanh(_rng.normal(size=(3, 3))),
               Wx=_rng.normal(0.0, 0.5, size=(2, 3)), Wh=_rng.normal(0.0, 0.5, size=(3, 3)),
               b=_rng.normal(0.0, 0.2, size=3), dout=_rng.normal(size=(3, 3)))


# ---------------------------------------------------------------- backprop through time: forward
rnn_forward = task("a08.rnn_forward", points=3)
SEQ_ARGS = ("xs", "h0", "Wx", "Wh", "b", "mask")
SEQ = dict(xs=np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                        [[0.5, -1.0], [2.0, 0.0], [3.0, -3.0]]]),   # the last step of row 1 is padding
           h0=np.array([[0.0, 0.0], [0.5, -0.5]]),
           Wx=np.array([[0.5, -0.25], [0.1, 0.3]]), Wh=np.array([[0.8, 0.2], [-0.4, 0.6]]),
           b=np.array([0.0, 0.1]), mask=np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]]))


def _seq_where(xs, h0, Wx, Wh, b, mask) -> str:
    """The inputs of rnn_forward, the mask in full (None, if it is)."""
    return _describe_inputs({"xs": xs, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "mask": mask}, whole=("mask",))


def _hs(call, xs, h0, Wx, Wh, b, mask):
    where = _seq_where(xs, h0, Wx, Wh, b, mask)
    hs, _ = forward_out(call, "rnn_forward", (xs, h0, Wx, Wh, b, mask), where)
    return expect_float_array(hs, (np.shape(xs)[0], np.shape(xs)[1], np.shape(Wh)[0]), fn="rnn_forward",
                              where=say(" (hs: one state per sequence and step){where}", where=where)), where


def _seq_expect(judge, **inputs):
    return _hs(judge, *(inputs[a] for a in SEQ_ARGS))[0]


def _seq_mistakes(xs, h0, Wx, Wh, b, mask) -> tuple:
    """The states that padding wrongly handled, or a state not carried, gives."""
    xs, h0 = np.asarray(xs, dtype=float), np.asarray(h0, dtype=float)
    n, steps, _ = xs.shape
    keep = np.ones((n, steps)) if mask is None else np.asarray(mask, dtype=float)
    unmasked, zeroed, restarted = (np.zeros((n, steps, h0.shape[1])) for _ in range(3))
    h_all, h_zero = h0, h0
    for t in range(steps):
        h_all = np.tanh(xs[:, t] @ Wx + h_all @ Wh + b)
        unmasked[:, t] = h_all
        new = np.tanh(xs[:, t] @ Wx + h_zero @ Wh + b)
        h_zero = keep[:, t:t + 1] * new + (1 - keep[:, t:t + 1]) * h_zero
        zeroed[:, t] = keep[:, t:t + 1] * new
        restarted[:, t] = np.tanh(xs[:, t] @ Wx + h0 @ Wh + b)
    return ((say("it matches the states with the {mask_ignored}: at a padded step (mask 0) the state must stay "
                 "as it was", mask_ignored=phrase(MASK_IGNORED)), unmasked),
            (say("it matches {padding_zeroed}: at a padded step the state is carried over unchanged "
                 "(h_t = h_{{t-1}}), so that hs[:, -1] is each sequence's state after its last character",
                 padding_zeroed=phrase(PADDING_ZEROED)), zeroed),
            (say("it matches every step started from h0: the state is {not_carried} (each step starts from "
                 "the state the step before made)", not_carried=phrase(NOT_CARRIED)), restarted))


# rnn_forward is built from the student's rnn_step_forward, and rnn_backward from rnn_step_backward:
# the self-check judges those first ("not checked yet" while they fail their own checks).
STEPS_FORWARD, STEPS_BACKWARD = ("rnn_step_forward",), ("rnn_step_forward", "rnn_step_backward")


@check(rnn_forward, "values", expect=_seq_expect, uses=STEPS_FORWARD, **SEQ,
       expected=np.array([[[0.46211715726000974, -0.14888503362331798],
                           [0.48480584865287646, 0.3825918355962256],
                           [0.6830492050348912, 0.4434492752336583]],
                          [[0.6351489523872873, -0.48154979836430795],
                           [0.935501399207669, -0.5093858594431199],
                           [0.935501399207669, -0.5093858594431199]]]))
def _seq_values(call, xs, h0, Wx, Wh, b, mask, expected):
    hs, where = _hs(call, xs, h0, Wx, Wh, b, mask)
    expect_array(hs, expected, fn="rnn_forward", where=where, rtol=1e-9, atol=1e-12,
                 subject=say("value for hs (hs[:, t] the state after step t; carried over unchanged at padding)"),
                 mistakes=_seq_mistakes(xs, h0, Wx, Wh, b, mask))


@check(rnn_forward, "no_mask", expect=_seq_expect, uses=STEPS_FORWARD, **{**SEQ, "mask": None},
       expected=np.array([[[0.46211715726000974, -0.14888503362331798],
                           [0.48480584865287646, 0.3825918355962256],
                           [0.6830492050348912, 0.4434492752336583]],
                          [[0.6351489523872873, -0.48154979836430795],
                           [0.935501399207669, -0.5093858594431199],
                           [0.9733398007011038, -0.9313572312437208]]]))
def _seq_no_mask(call, xs, h0, Wx, Wh, b, mask, expected):
    """Without a mask (None), every step is a real one."""
    hs, where = _hs(call, xs, h0, Wx, Wh, b, mask)
    expect_array(hs, expected, fn="rnn_forward", where=where, rtol=1e-9, atol=1e-12,
                 subject=say("value for hs with mask=None (every step real)"),
                 mistakes=_seq_mistakes(xs, h0, Wx, Wh, b, mask))


_rng = np.random.default_rng(81)


@check(rnn_forward, "padding", uses=STEPS_FORWARD, xs=_rng.normal(size=(3, 5, 2)),
       h0=np.tanh(_rng.normal(size=(3, 4))),
       Wx=_rng.normal(0.0, 0.6, size=(2, 4)), Wh=_rng.normal(0.0, 0.6, size=(4, 4)), b=_rng.normal(0.0, 0.2, size=4),
       lengths=(5, 2, 0))
def _seq_padding(call, xs, h0, Wx, Wh, b, lengths):
    """Whatever the inputs at padded steps hold, the states are the same; a padded step repeats the
    state before it (h0 for a sequence with no step at all); a row alone gives what it gives in the batch."""
    n, steps, _ = np.shape(xs)
    mask = (np.arange(steps) < np.array(lengths)[:, None]).astype(float)
    hs, where = _hs(call, xs, h0, Wx, Wh, b, mask)
    where += say(" (lengths {lengths})", lengths=list(lengths))
    noisy = np.where(mask[:, :, None] > 0, xs, 100.0 * np.cos(np.asarray(xs) * 7.0))
    hs_noisy, _ = _hs(call, noisy, h0, Wx, Wh, b, mask)
    expect_array(hs_noisy, hs, fn="rnn_forward", where=where, rtol=1e-12, atol=1e-12,
                 subject=say("value for hs after changing xs at padded steps only (the inputs at padding must change "
                             "nothing)"))
    before = np.concatenate([np.asarray(h0)[:, None, :], hs[:, :-1]], axis=1)
    carried = np.where(mask[:, :, None] > 0, hs, before)
    expect_array(hs, carried, fn="rnn_forward", where=where, rtol=0.0, atol=0.0,
                 subject=say("value for hs at padded steps (each the state of the step before it, h0 before step 0)"))
    alone, _ = _hs(call, xs[1:2], h0[1:2], Wx, Wh, b, mask[1:2])
    expect_array(alone, hs[1:2], fn="rnn_forward", where=where, rtol=1e-12, atol=1e-12,
                 subject=say("value for hs of sequence 1 given alone (a sequence's states must not depend on the "
                             "others in the batch)"))


# ---------------------------------------------------------------- backprop through time: backward
rnn_backward = task("a08.rnn_backward", points=3)
GRADS = ("xs", "h0", "Wx", "Wh", "b")
_rng = np.random.default_rng(82)


def _seq_inputs(rng, n, steps, dim, hidden, lengths):
    return dict(xs=rng.normal(size=(n, steps, dim)), h0=np.tanh(rng.normal(size=(n, hidden))),
                Wx=rng.normal(0.0, 0.6, size=(dim, hidden)), Wh=rng.normal(0.0, 0.6, size=(hidden, hidden)),
                b=rng.normal(0.0, 0.2, size=hidden),
                mask=(np.arange(steps) < np.array(lengths)[:, None]).astype(float),
                dout=rng.normal(size=(n, steps, hidden)))


layer_gradient(rnn_backward, "numeric", "rnn_forward", "rnn_backward", SEQ_ARGS, wrt=GRADS, rtol=1e-5,
               uses=STEPS_BACKWARD,
               **_seq_inputs(_rng, 3, 4, 2, 3, lengths=(4, 2, 1)))
layer_gradient(rnn_backward, "numeric_unpadded", "rnn_forward", "rnn_backward", SEQ_ARGS, wrt=GRADS, rtol=1e-5,
               uses=STEPS_BACKWARD,
               **_seq_inputs(_rng, 2, 5, 1, 2, lengths=(5, 5)))


@check(rnn_backward, "padding", uses=("rnn_forward", *STEPS_BACKWARD),
       **_seq_inputs(_rng, 3, 5, 2, 3, lengths=(5, 3, 1)))
def _bptt_padding(call, xs, h0, Wx, Wh, b, mask, dout):
    """Inputs at padded steps get exactly zero gradient."""
    where = _seq_where(xs, h0, Wx, Wh, b, mask)
    _, cache = forward_out(call, "rnn_forward", (xs, h0, Wx, Wh, b, mask), where)
    got = expect_tuple(call("rnn_backward", dout, cache), tuple(f"d{g}" for g in GRADS), fn="rnn_backward",
                       where=where)
    dxs = expect_float_array(got[0], np.shape(xs), fn="rnn_backward",
                             where=say(" (dxs, shaped like xs){where}", where=where))
    padded = np.broadcast_to(mask[:, :, None] == 0, np.shape(xs))
    expect_array(np.where(padded, dxs, 0.0), np.zeros(np.shape(xs)), fn="rnn_backward", where=where,
                 rtol=0.0, atol=0.0, subject=say("value for dxs at padded steps (padding gets no gradient: expected "
                                                 "0 wherever the mask is 0)"))


# ---------------------------------------------------------------- gradient clipping by global norm
clip_gradients = task("a08.clip_gradients", points=2)


def _clipped(call, grads, max_norm):
    """(the returned gradients, the returned norm), checked for type and shape."""
    where = say(" for {count} gradient arrays of shapes {shapes}, max_norm={max_norm}", count=len(grads),
                shapes=[np.shape(g) for g in grads], max_norm=max_norm)
    new, norm = expect_tuple(call("clip_gradients", grads, max_norm), ("grads", "norm"), fn="clip_gradients",
                             where=where)
    if type(new) not in (list, tuple) or len(new) != len(grads):
        length = say(" of length {length}", length=len(new)) if type(new) in (list, tuple) else ""
        raise CheckFailure(say("`clip_gradients` should return grads as a list with one array per gradient ({count})"
                               "{where}; it returned {described}{length}", count=len(grads), where=where,
                               described=a_type(new), length=length))
    new = [expect_float_array(g, np.shape(old), fn="clip_gradients",
                              where=say(" (grads[{k}], shaped like the gradient it clips){where}", k=k, where=where))
           for k, (old, g) in enumerate(zip(grads, new))]
    return new, as_float(norm, fn="clip_gradients", where=say(" (the norm){where}", where=where)), where


def _flat(grads, norm) -> np.ndarray:
    return np.concatenate([np.ravel(g) for g in grads] + [[norm]])


def _clip_expect(judge, grads, max_norm):
    return _flat(*_clipped(judge, grads, max_norm)[:2])


def _clip_mistakes(grads, max_norm) -> tuple:
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    per_array = [g * min(1.0, max_norm / n) if (n := np.sqrt(np.sum(np.square(g)))) > 0 else g for g in grads]
    return ((say("it matches {clip_per_array} to max_norm: the norm is the global one, over every entry of every "
                 "array together, and one scale applies to all", clip_per_array=phrase(CLIP_PER_ARRAY)),
             _flat(per_array, norm)),
            (say("it matches the gradients {clip_always}: below the threshold they are left as they are",
                 clip_always=phrase(CLIP_ALWAYS)),
             _flat([g * max_norm / norm for g in grads], norm)))


def _clip_values(call, grads, max_norm, expected):
    new, norm, where = _clipped(call, grads, max_norm)
    expect_float(norm, expected[-1], fn="clip_gradients", rtol=1e-9,
                 where=say(" as the norm{where} (the norm of every entry of every array together, before clipping)",
                           where=where))
    expect_array(_flat(new, norm), expected, fn="clip_gradients", where=where, rtol=1e-6, atol=1e-12,
                 subject=say("value for gradients (every array's entries in order, then the norm)"),
                 mistakes=_clip_mistakes(grads, max_norm))


CLIP_GRADS = [np.array([[3.0, 0.0], [0.0, -4.0]]), np.array([12.0])]     # global norm 13
check(clip_gradients, "below", expect=_clip_expect, grads=CLIP_GRADS, max_norm=20.0,
      expected=np.array([3.0, 0.0, 0.0, -4.0, 12.0, 13.0]))(_clip_values)
check(clip_gradients, "above", expect=_clip_expect, grads=CLIP_GRADS, max_norm=6.5,
      expected=np.array([1.5, 0.0, 0.0, -2.0, 6.0, 13.0]))(_clip_values)

_rng = np.random.default_rng(83)


@check(clip_gradients, "direction", grads=[_rng.normal(size=(3, 4)), _rng.normal(size=4), _rng.normal(size=(2, 2))],
       max_norms=(0.5, 1.0))
def _clip_direction(call, grads, max_norms):
    """Above the threshold: one positive factor for every array, and a global norm of exactly max_norm."""
    for max_norm in max_norms:
        new, norm, where = _clipped(call, grads, max_norm)
        scale = max_norm / norm
        expect_array(_flat(new, max_norm), _flat([scale * np.asarray(g) for g in grads], max_norm), fn="clip_gradients",
                     where=where, rtol=1e-6, atol=1e-12,
                     subject=say("value for gradients, above the threshold (each one times max_norm / norm: the same "
                                 "direction, a global norm of max_norm)"))
        expect_float(float(np.sqrt(sum(np.sum(np.square(g)) for g in new))), max_norm, fn="clip_gradients",
                     where=say(" as the global norm of the gradients it returned{where}", where=where), rtol=1e-6)


@check(clip_gradients, "zero", grads=[np.zeros((2, 3)), np.zeros(3)], max_norm=1.0)
def _clip_zero(call, grads, max_norm):
    """All-zero gradients come back as zeros, with norm 0 (no division by zero)."""
    new, norm, where = _clipped(call, grads, max_norm)
    expect_float(norm, 0.0, fn="clip_gradients", where=say(" as the norm{where}", where=where), atol=0.0)
    expect_array(_flat(new, norm), np.zeros(sum(np.size(g) for g in grads) + 1), fn="clip_gradients", where=where,
                 rtol=0.0, atol=0.0,
                 subject=say("value for gradients, all zero (expected zeros back: divide only when clipping)"))
