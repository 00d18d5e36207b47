"""Check shapes shared by every assignment."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..calls import CheckFailure, reference_of
from ..compare import as_float, expect_array, expect_float, expect_float_array, expect_tuple
from ..diagnose import AT_OUTPUT, GRADS_ORDER, MEAN_OVER_ALL, NO_DOUT
from ..gradcheck import assert_gradient, numeric_derivative_elementwise, numeric_gradient, numeric_partial
from ..messages import phrase, say
from ..registry import Task, register, sealed


# ---------------------------------------------------------------- numeric gradients, by the judge
# Every numeric gradient a check takes goes through these two, and nothing else in the checks calls
# autograder.gradcheck's differences (tests/test_reference_judges.py holds the modules to it). The
# function differentiated is given the judge, reference_of(call), as its first argument: the
# reference's function at grading, so a check judges only the function it names, and a flat or
# caching forward of the student's cannot make a zero gradient pass; the student's own in the
# self-check, where such a check declares ``uses`` and waits while that function fails. At grading
# the student's notebook is sealed meanwhile (registry.sealed): a closure over ``call`` slipped in
# by mistake is refused as the grader's bug, never scored.
def judged_gradient(call, f, point, *, index=None):
    """d f(judge, v) / d v at ``point`` by centred differences (one coordinate ``index`` only, if
    given: a float)."""
    judge = reference_of(call)
    with sealed(call):
        if index is not None:
            return numeric_partial(lambda v: f(judge, v), point, index)
        return numeric_gradient(lambda v: f(judge, v), point)


def judged_slope(call, f, z) -> np.ndarray:
    """f'(z) of an elementwise ``f(judge, v)``, from two calls on the whole array."""
    judge = reference_of(call)
    with sealed(call):
        return numeric_derivative_elementwise(lambda v: f(judge, v), z)


def _describe_inputs(inputs: dict, *, whole: tuple[str, ...] = ()) -> str:
    """A check's inputs as a ``where`` fragment, said in the current language: " for x=[1.0, 2.0],
    W of shape (3, 4)" (an input of more than 12 entries by its shape, unless ``whole`` names it)."""
    parts = [describe_input(name, value, whole=name in whole) for name, value in inputs.items()]
    return say(" for {inputs}", inputs=listed(parts))


def describe_input(name: str, value, *, whole: bool = False) -> str:
    """``x=[1.0, 2.0]``, or "W of shape (3, 4)" (said in the current language) for an input of more
    than 12 entries, unless ``whole``."""
    if whole or np.size(value) <= 12:
        return f"{name}={np.asarray(value).tolist()}"
    return say("{name} of shape {shape}", name=name, shape=np.shape(value))


def listed(parts: list[str]) -> str:
    """Fragments one after the other, separated as the current language separates the items of a
    list ("x=[1.0], W of shape (3, 4)")."""
    said = parts[0] if parts else ""
    for part in parts[1:]:
        said = say("{listed}, {one_more}", listed=said, one_more=part)
    return said


def _samples(inputs: dict, name: str | None) -> int | None:
    """How many samples (rows) the input ``name`` holds: N of a "sum where the mean belongs"."""
    value = inputs.get(name) if name else None
    return int(np.shape(value)[0]) if value is not None and np.ndim(value) >= 1 else None


def mean_over_all(expected, scores) -> tuple[tuple[str, float], ...]:
    """A loss summed over the last axis and averaged over the samples (rows of ``scores``), taken
    as the mean over every entry instead: ``expected`` divided by the width. Not said where the
    width is 1 or equals N (the mean's own 1/N would give the same number)."""
    n, width = np.shape(scores)[0], np.shape(scores)[-1]
    return () if width in (1, n) else (
        (say("it is {mean_over_all}: sum over the last axis, then take the mean over the samples",
             mean_over_all=phrase(MEAN_OVER_ALL)), expected / width),)


def fixed_value(task: Task, name: str, fn: str, args: tuple[str, ...], *, scalar: bool = False,
                note: str | Callable[[], str] = "", rtol: float = 1e-7, atol: float = 1e-12, samples: str | None = None,
                mistakes=None, **params):
    """Register a check: ``fn(*args)`` on the given inputs equals a fixed ``expected`` value.

    ``params`` holds the public inputs (named as in ``args``) and ``expected``; a hidden test calls
    the same check with other inputs only, and the reference's ``fn`` makes the expected value.
    ``samples`` names the input whose rows are the samples a mean is taken over, if any;
    ``mistakes(expected, **inputs)`` gives the check's own known mistakes (see expect_array), their
    hints said in the current language. ``note`` is a fragment joined after the inputs, made where
    the check is registered (at import, in no student's language yet), so said when the check runs:
    a constant marked for the catalogue, ``note=N_(" (the mean over samples)")``, is translated then
    (:func:`autograder.messages.phrase`); a note with values is a function of no arguments that
    says it, ``note=lambda: say(" (clip p into [{lo:g}, 1 - {hi:g}])", lo=EPS, hi=EPS)``.
    """
    def run(call, expected, **inputs):
        got = call(fn, *(inputs[a] for a in args))
        where = _describe_inputs({a: inputs[a] for a in args}) + (note() if callable(note) else phrase(note))
        n = _samples(inputs, samples)
        known = mistakes(expected, **inputs) if mistakes else ()
        if scalar:
            expect_float(got, expected, fn=fn, where=where, rtol=rtol, atol=atol, samples=n, mistakes=known)
        else:
            expect_array(got, expected, fn=fn, where=where, rtol=rtol, atol=atol, samples=n, mistakes=known)

    def expect(judge, **inputs):  # the reference's value, refused like a student's if malformed
        value = judge(fn, *(inputs[a] for a in args))
        return as_float(value, fn=fn) if scalar else expect_float_array(value, np.shape(value), fn=fn)
    return register(task, name, run, expect=expect, **params)


def loss_gradient(task: Task, name: str, grad_fn: str, loss_fn: str, args: tuple[str, ...], wrt: str,
                  *, rtol: float = 1e-6, samples: str | None = None, **params):
    """Register a check: ``grad_fn(*args)`` equals the numeric gradient of ``loss_fn(*args)``
    with respect to the argument ``wrt``: the student's gradient, the reference's loss at grading
    (the student's own in the self-check, see :func:`reference_of`)."""
    def run(call, **inputs):
        point = inputs[wrt]
        analytic = expect_float_array(call(grad_fn, *(inputs[a] for a in args)), np.shape(point), fn=grad_fn)

        def loss_at(judge, value):
            moved = {**inputs, wrt: value}
            return as_float(judge(loss_fn, *(moved[a] for a in args)), fn=loss_fn)

        assert_gradient(analytic, judged_gradient(call, loss_at, point), fn=grad_fn, wrt=wrt, rtol=rtol,
                        loss=loss_fn, samples=_samples(inputs, samples))
    return register(task, name, run, uses=(loss_fn,), **params)


def forward_out(call, forward_fn: str, args: tuple, where: str = "") -> tuple[np.ndarray, object]:
    """``forward_fn(*args)`` under the layer contract: a tuple ``(out, cache)``, out a float64 array.
    ``where`` (the inputs, as :func:`_describe_inputs` says them) is already said in the current language."""
    out, cache = expect_tuple(call(forward_fn, *args), ("out", "cache"), fn=forward_fn, where=where)
    return expect_float_array(out, np.shape(out), fn=forward_fn, where=where), cache


def backward_grads(call, backward_fn: str, dout, cache, wrt: tuple[str, ...], where: str = "") -> tuple:
    """``backward_fn(dout, cache)``: ``(dx, d<param>, ...)`` in the order of ``wrt``; a lone ``dx``
    may come back bare or as a 1-tuple. ``where`` is already said in the current language."""
    got = call(backward_fn, dout, cache)
    if len(wrt) == 1 and type(got) is np.ndarray:
        return (got,)
    return expect_tuple(got, tuple(f"d{n}" for n in wrt), fn=backward_fn, where=where)


def _out_like_dout(call, forward_fn: str, args: tuple, dout, where: str = "") -> tuple[np.ndarray, object]:
    """:func:`forward_out`, its out shaped like ``dout`` (the check multiplies the two), at the
    inputs of the check and at every point the numeric gradient moves them to."""
    out, cache = forward_out(call, forward_fn, args, where)
    if out.shape != np.shape(dout):
        raise CheckFailure(say("`{fn}` returned out of shape {got_shape}{where}; expected shape {shape}",
                               fn=forward_fn, got_shape=out.shape, where=where, shape=np.shape(dout)))
    return out, cache


def layer_gradient(task: Task, name: str, forward_fn: str, backward_fn: str, args: tuple[str, ...],
                   wrt: tuple[str, ...], *, rtol: float = 1e-6, atol: float = 1e-8, uses: tuple[str, ...] = (),
                   **params):
    """Register a check of the layer contract against an upstream gradient ``dout``:

    ``forward_fn(*args) -> (out, cache)`` and ``backward_fn(dout, cache) -> (d<wrt[0]>, ...)``; each
    returned gradient must equal the centred-difference gradient of ``sum(out * dout)`` with respect
    to that argument. The student's backward reads the cache of the student's own forward; ``out``
    is the judge's forward (the reference's at grading). ``params`` holds ``dout`` and the
    inputs named in ``args``. Inputs must keep away from kinks (ReLU at 0): say so in the notebook.
    ``uses`` names other functions the two call (a layer built from another's steps), judged first.
    """
    def run(call, dout, **inputs):
        where = _describe_inputs({a: inputs[a] for a in args})
        # The student's forward makes the cache their backward reads (its form is theirs); the
        # numeric gradient comes from the reference's forward at grading (see judged_gradient).
        _, cache = _out_like_dout(call, forward_fn, tuple(inputs[a] for a in args), dout, where)
        grads = backward_grads(call, backward_fn, dout, cache, wrt, where)
        for arg, grad in zip(wrt, grads):
            point = inputs[arg]
            grad = expect_float_array(grad, np.shape(point), fn=backward_fn,
                                      where=say(" (the gradient d{arg}, shaped like `{arg}`)", arg=arg))

            def upstream_loss(judge, value, arg=arg):
                moved = {**inputs, arg: value}
                moved_out, _ = _out_like_dout(judge, forward_fn, tuple(moved[a] for a in args), dout)
                return float(np.sum(moved_out * dout))

            def known(arg=arg):
                return _layer_mistakes(call, forward_fn, args, wrt, arg, inputs, dout)

            assert_gradient(grad, judged_gradient(call, upstream_loss, point), fn=backward_fn, wrt=arg,
                            rtol=rtol, atol=atol, loss=forward_fn, samples=_samples({"dout": dout}, "dout"),
                            mistakes=known)
    return register(task, name, run, uses=(forward_fn, *uses), **params)


def _layer_mistakes(call, forward_fn: str, args: tuple[str, ...], wrt: tuple[str, ...], arg: str,
                    inputs: dict, dout) -> tuple[tuple[str, np.ndarray], ...]:
    """The gradient d``arg`` that the layer contract's common mistakes give, by the judge's forward:
    ``dout`` left out (the gradient of sum(out)), the local derivative taken at the output (an
    elementwise layer differentiated at f(x) where x belongs), and another argument's gradient
    returned in its place (the tuple in the wrong order)."""
    def out_at(judge, **moved):
        values = {**inputs, **moved}
        return forward_out(judge, forward_fn, tuple(values[a] for a in args))[0]

    def gradient_of(other, upstream):
        return judged_gradient(call, lambda judge, v: float(np.sum(out_at(judge, **{other: v}) * upstream)),
                               inputs[other])

    found = [(say("it matches the gradient of sum(out): {no_dout} (multiply the local derivative by `dout`)",
                  no_dout=phrase(NO_DOUT)), gradient_of(arg, np.ones_like(dout)))]
    out = out_at(reference_of(call))
    if args == (arg,) and out.shape == np.shape(inputs[arg]) == np.shape(dout):  # elementwise
        slope = judged_slope(call, lambda judge, v: out_at(judge, **{arg: v}), out)
        if not np.allclose(slope, slope.flat[0]):  # a constant slope cannot tell output from input
            found.append((say("it matches the derivative taken {at_output} instead of its input: if your cache "
                              "holds the output, use it as it is, without applying the function again",
                              at_output=phrase(AT_OUTPUT)), slope * dout))
    found += [(say("it matches the gradient with respect to `{other}`: the gradients are returned {grads_order} "
                   "(return them as {names})", other=other, grads_order=phrase(GRADS_ORDER),
                   names=", ".join("d" + w for w in wrt)), gradient_of(other, dout))
              for other in wrt if other != arg and np.shape(inputs[other]) == np.shape(inputs[arg])]
    return tuple(found)
