"""Assignment 7 -- regularisation: L2 weight decay, inverted dropout, batch and layer normalisation.

Fixed numbers are recomputed at 40 digits in ``tests/recompute_a07.py`` (hidden tests draw their own
inputs and take the expected values from the reference solution); the rest are properties
every correct answer has (dropped entries are zero, normalised columns have mean 0, a row's layer
norm ignores the other rows, evaluation mode leaves the running statistics alone) and numeric
gradients of the judge's forward functions (the reference's at grading, the student's own in the
self-check) against an upstream gradient ``dout``.
Dropout is checked with a fixed mask, so every check is deterministic.
"""
from __future__ import annotations

import numpy as np

from ..calls import CheckFailure
from ..compare import as_float, a_type, expect_array, expect_float, expect_float_array, expect_tuple, show
from ..diagnose import COMMON_EPS, EPS_WRITTEN_IN, EVAL_BATCH, UNBIASED_VAR, WEIGHTS_SWAPPED, WRONG_AXIS
from ..gradcheck import assert_gradient
from ..messages import phrase, say
from ..registry import check, task
from .common import _describe_inputs, forward_out, judged_gradient, layer_gradient

EPS = 1e-5        # the notebook's default eps of both normalisations
MOMENTUM = 0.9    # batch norm: running = MOMENTUM * running + (1 - MOMENTUM) * batch statistic

# ---------------------------------------------------------------- L2 weight decay
l2_penalty = task("a07.l2_penalty", points=2)
L2_WEIGHTS = [np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[3.0], [-1.0]])]


def _l2_result(call, weights, lam, where):
    got = call("l2_penalty", weights, lam)
    loss, grads = expect_tuple(got, ("loss", "grads"), fn="l2_penalty", where=where)
    loss = as_float(loss, fn="l2_penalty", where=say(" (the loss){where}", where=where))
    if type(grads) not in (list, tuple) or len(grads) != len(weights):
        length = say(" of length {length}", length=len(grads)) if type(grads) in (list, tuple) else ""
        raise CheckFailure(say("`l2_penalty` should return grads as a list with one array per weight array "
                               "({count}){where}; it returned {described}{length}", count=len(weights), where=where,
                               described=a_type(grads), length=length))
    return loss, [expect_float_array(g, np.shape(w), fn="l2_penalty",
                                     where=say(" (grads[{k}], shaped like weights[{k}]){where}", k=k, where=where))
                  for k, (w, g) in enumerate(zip(weights, grads))]


def _l2_expect(judge, weights, lam):
    """The reference's loss on the check's weights (hidden tests give no `expected`)."""
    return _l2_result(judge, weights, lam, "")[0]


@check(l2_penalty, "values", expect=_l2_expect, weights=L2_WEIGHTS, lam=0.1, expected=0.7625)
def _l2_values(call, weights, lam, expected):
    where = say(" for weights = {weights}, lam={lam}", weights=[w.tolist() for w in weights], lam=lam)
    loss, _ = _l2_result(call, weights, lam, where)
    expect_float(loss, expected, fn="l2_penalty",
                 where=say(" as the loss{where} (lam/2 times the sum of squares)", where=where))


@check(l2_penalty, "numeric", uses=("l2_penalty",), weights=[np.random.default_rng(70).normal(size=(3, 2)),
                                                             np.random.default_rng(71).normal(size=(2,))], lam=0.3)
def _l2_numeric(call, weights, lam):
    """Each returned gradient is the numeric gradient of the judge's loss: the reference's at grading,
    so a penalty flat near its inputs (or one that caches its answer) cannot pass zero gradients; in
    the self-check, the loss the student's own function returns."""
    where = say(" for {count} weight arrays, lam={lam}", count=len(weights), lam=lam)
    _, grads = _l2_result(call, weights, lam, where)
    for k, (w, g) in enumerate(zip(weights, grads)):
        def loss_at(judge, value, k=k):
            moved = [value if j == k else v for j, v in enumerate(weights)]
            return _l2_result(judge, moved, lam, where)[0]
        assert_gradient(g, judged_gradient(call, loss_at, w), fn="l2_penalty", wrt=f"weights[{k}]",
                        loss="l2_penalty")


# ---------------------------------------------------------------- dropout: the mask
dropout_mask = task("a07.dropout_mask", points=1)


def _mask(call, shape, p, rng) -> np.ndarray:
    where = say(" for shape={shape}, p={p}, rng={rng}", shape=tuple(shape), p=p, rng=rng)
    got = expect_float_array(call("dropout_mask", shape, p, rng), tuple(shape), fn="dropout_mask", where=where)
    if not np.all((got == 0.0) | (got == 1.0)):
        bad = got[(got != 0.0) & (got != 1.0)]
        raise CheckFailure(say("`dropout_mask` should hold only 0.0 (dropped) and 1.0 (kept){where}; it returned "
                               "e.g. {example!r}.\nreturned:\n{shown}", where=where, example=bad[0], shown=show(got)))
    return got


@check(dropout_mask, "binary", shape=(3, 4), p=0.5, rng=0)
def _mask_binary(call, shape, p, rng):
    _mask(call, shape, p, rng)


@check(dropout_mask, "rate", shape=(200, 100), p=0.3, rng=1)
def _mask_rate(call, shape, p, rng):
    """About 1 - p of the entries are kept: within 6 standard deviations, so a right answer never fails."""
    got = _mask(call, shape, p, rng)
    kept, n = float(got.mean()), got.size
    allowed = 6.0 * np.sqrt(p * (1.0 - p) / n)
    if abs(kept - (1.0 - p)) > allowed:
        raise CheckFailure(say("`dropout_mask` kept {kept:.2%} of {n} entries for p={p}, rng={rng}; expected about "
                               "{keep:.0%} (each entry is kept with probability 1 - p, and p is the probability of "
                               "dropping it)", kept=kept, n=n, p=p, rng=rng, keep=1.0 - p))


@check(dropout_mask, "seeded", shape=(10, 10), p=0.5, seeds=(3, 4))
def _mask_seeded(call, shape, p, seeds):
    """The same seed gives the same mask; another seed gives another mask."""
    first, again, other = (_mask(call, shape, p, s) for s in (seeds[0], seeds[0], seeds[1]))
    if not np.array_equal(first, again):
        raise CheckFailure(say("`dropout_mask` gave two different masks for the same seed rng={seed}; draw from "
                               "`rng` (the Generator made from it), not from np.random's global state", seed=seeds[0]))
    if np.array_equal(first, other):
        raise CheckFailure(say("`dropout_mask` gave the same mask for the seeds rng={first} and rng={second}; draw "
                               "the mask from `rng`", first=seeds[0], second=seeds[1]))


@check(dropout_mask, "keep_all", shape=(4, 5), p=0.0, rng=5)
def _mask_keep_all(call, shape, p, rng):
    got = _mask(call, shape, p, rng)
    if not np.all(got == 1.0):
        raise CheckFailure(say("`dropout_mask` dropped {dropped} entries with p=0.0; with p = 0 every entry is kept "
                               "(1.0)", dropped=int(np.sum(got == 0.0))))


# ---------------------------------------------------------------- dropout: forward
dropout_forward = task("a07.dropout_forward", points=2)
DROP_X = np.array([[1.0, -2.0, 3.0, 0.5], [4.0, 0.25, -1.0, 2.0]])
DROP_MASK = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])


@check(dropout_forward, "train", x=DROP_X, p=0.5, mask=DROP_MASK)
def _dropout_train(call, x, p, mask):
    """Training mode: dropped entries are 0, kept ones are divided by the keep probability 1 - p."""
    where = _describe_inputs({"x": x, "p": p, "train": True, "mask": mask})
    out, _ = forward_out(call, "dropout_forward", (x, p, True, mask), where)
    out = expect_float_array(out, x.shape, fn="dropout_forward", where=where)
    wanted = np.where(mask == 1.0, x / (1.0 - p), 0.0)
    expect_array(out, wanted, fn="dropout_forward", where=where,
                 subject=say("value for output in training mode (expected 0 where the mask is 0, and x / (1 - p) "
                             "where it is 1: inverted dropout)"))


@check(dropout_forward, "eval", x=DROP_X, p=0.5)
def _dropout_eval(call, x, p):
    """Evaluation mode: the layer is the identity, and the mask may be None."""
    where = _describe_inputs({"x": x, "p": p, "train": False, "mask": None})
    out, _ = forward_out(call, "dropout_forward", (x, p, False, None), where)
    expect_array(out, x, fn="dropout_forward", where=where, rtol=0.0, atol=0.0,
                 subject=say("value for output in evaluation mode (expected x unchanged)"))


# ---------------------------------------------------------------- dropout: backward
dropout_backward = task("a07.dropout_backward", points=1)
_rng = np.random.default_rng(72)

layer_gradient(dropout_backward, "numeric", "dropout_forward", "dropout_backward", ("x", "p", "train", "mask"),
               wrt=("x",), x=_rng.normal(size=(3, 4)), p=0.25, train=True,
               mask=np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 1.0, 0.0]]),
               dout=_rng.normal(size=(3, 4)))


# ---------------------------------------------------------------- batch norm: forward
batchnorm_forward = task("a07.batchnorm_forward", points=3)
BN_X = np.array([[1.0, 2.0, 0.0], [3.0, -2.0, 1.0], [5.0, 0.0, -1.0], [-1.0, 4.0, 2.0]])
BN_GAMMA, BN_BETA = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 1.0])
BN_FRESH = {"mean": np.zeros(3), "var": np.ones(3)}
BN_AFTER_ONE = {"mean": np.array([0.2, 0.1, 0.05]), "var": np.array([1.4, 1.4, 1.025])}


def _bn_args(x, gamma, beta, running, train, momentum, eps):
    return (x, gamma, beta, running, train, momentum, eps)


def _bn_where(x, gamma, beta, running, train, momentum, eps):
    inputs = {"x": x, "gamma": gamma, "beta": beta, "train": train, "momentum": momentum, "eps": eps}
    return say("{inputs}, running mean {mean} and var {var}", inputs=_describe_inputs(inputs),
               mean=np.asarray(running["mean"]).tolist(), var=np.asarray(running["var"]).tolist())


def _bn_run(call, *args):
    """(out, the cache's "running" dict) of batchnorm_forward(*args), both checked for type and shape."""
    where = _bn_where(*args)
    out, cache = forward_out(call, "batchnorm_forward", args, where)
    out = expect_float_array(out, np.shape(args[0]), fn="batchnorm_forward", where=where)
    if type(cache) is not dict or "running" not in cache:
        keys = say(" with keys {keys}", keys=sorted(cache)) if type(cache) is dict else ""
        raise CheckFailure(say("`batchnorm_forward` should return a cache dict with the key \"running\" (the running "
                               "statistics to keep){where}; its cache is {type_name}{keys}", where=where,
                               type_name=type(cache).__name__, keys=keys))
    running = cache["running"]
    if type(running) is not dict or not {"mean", "var"} <= set(running):
        raise CheckFailure(say("`batchnorm_forward`'s cache[\"running\"] should be a dict with keys \"mean\" and "
                               "\"var\", like the `running` it was given{where}; it is {shown}", where=where,
                               shown=show(running)))
    dim = np.shape(args[0])[1]
    for key in ("mean", "var"):
        expect_float_array(running[key], (dim,), fn="batchnorm_forward",
                           where=say(" (cache[\"running\"][\"{key}\"]){where}", key=key, where=where))
    return out, running


def _bn_expect(train: bool, running_stats: bool = False):
    """``expected`` of a batch norm check, from the reference on the check's inputs: its output in
    the given mode, or (``running_stats``) its new running mean and variance stacked."""
    def expect(judge, x, gamma, beta, running, momentum, eps):
        out, new = _bn_run(judge, *_bn_args(x, gamma, beta, running, train, momentum, eps))
        return np.stack([new["mean"], new["var"]]) if running_stats else out
    return expect


@check(batchnorm_forward, "train_values", expect=_bn_expect(True), x=BN_X, gamma=BN_GAMMA, beta=BN_BETA,
       running=BN_FRESH, momentum=MOMENTUM, eps=EPS,
       expected=np.array([[-0.44721314828703324, -0.10557370342593349, 0.7763940966718456],
                          [0.44721314828703324, -3.6832788897221995, 1.2236059033281546],
                          [1.3416394448610998, -1.8944262965740666, 0.3291822900155365],
                          [-1.3416394448610998, 1.6832788897221995, 1.6708177099844634]]))
def _bn_train_values(call, x, gamma, beta, running, momentum, eps, expected):
    args = _bn_args(x, gamma, beta, running, True, momentum, eps)
    out, _ = _bn_run(call, *args)
    expect_array(out, expected, fn="batchnorm_forward", subject=say("value for output in training mode (normalised "
                 "with the batch's own mean and variance)"), where=_bn_where(*args), rtol=1e-9, atol=1e-12,
                 mistakes=_normalised_mistakes(x, gamma, beta, eps, batch_axis=0))


def _normalise(x, gamma, beta, eps, axis: int, ddof: int = 0):
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, ddof=ddof, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _normalised_mistakes(x, gamma, beta, eps, batch_axis: int) -> tuple:
    """Batch norm normalises each column over the batch (axis 0), layer norm each row over its
    features (axis 1), both with the variance dividing by the count and the eps they are given: the
    other axis, N - 1, and a common eps written in."""
    x = np.asarray(x, dtype=float)
    other = 1 - batch_axis
    axis = (say("it matches the output normalised {wrong_axis} (axis {axis}): batch norm normalises each feature "
                "(column) over the batch", wrong_axis=phrase(WRONG_AXIS), axis=other) if batch_axis == 0 else
            say("it matches the output normalised {wrong_axis} (axis {axis}): layer norm normalises each sample (row) "
                "over its features", wrong_axis=phrase(WRONG_AXIS), axis=other))
    return ((say("it matches the output normalised with {unbiased_var} (ddof=1): use the variance dividing by the "
                 "count, as np.var does by default", unbiased_var=phrase(UNBIASED_VAR)),
             _normalise(x, gamma, beta, eps, batch_axis, ddof=1)),
            (axis, _normalise(x, gamma, beta, eps, other))) + tuple(
        (say("it matches the output with eps = {hard:g} {eps_written_in} (this check gives {eps:g})", hard=hard,
             eps_written_in=phrase(EPS_WRITTEN_IN), eps=eps),
         _normalise(x, gamma, beta, hard, batch_axis)) for hard in COMMON_EPS if hard != eps)


@check(batchnorm_forward, "running_update", expect=_bn_expect(True, running_stats=True), x=BN_X, gamma=BN_GAMMA,
       beta=BN_BETA, running=BN_AFTER_ONE, momentum=MOMENTUM, eps=EPS,
       expected=np.array([[0.38, 0.19, 0.095], [1.76, 1.76, 1.0475]]))
def _bn_running_update(call, x, gamma, beta, running, momentum, eps, expected):
    """expected[0] is the new running mean, expected[1] the new running variance (biased, as normalised)."""
    args = _bn_args(x, gamma, beta, running, True, momentum, eps)
    _, new = _bn_run(call, *args)
    where = _bn_where(*args)
    swapped = say("it matches (1 - momentum) * running + momentum * batch: {weights_swapped}; momentum weighs the "
                  "running value", weights_swapped=phrase(WEIGHTS_SWAPPED))
    batch_mean, batch_var = np.asarray(x, dtype=float).mean(axis=0), np.asarray(x, dtype=float).var(axis=0)
    expect_array(new["mean"], expected[0], fn="batchnorm_forward", where=where, rtol=1e-9, atol=1e-12,
                 subject=say("value for cache[\"running\"][\"mean\"] (expected momentum * running mean + (1 - "
                             "momentum) * batch mean)"),
                 mistakes=((swapped, (1 - momentum) * running["mean"] + momentum * batch_mean),))
    unbiased = np.asarray(x, dtype=float).var(axis=0, ddof=1)
    expect_array(new["var"], expected[1], fn="batchnorm_forward", where=where, rtol=1e-9, atol=1e-12,
                 subject=say("value for cache[\"running\"][\"var\"] (expected momentum * running var + (1 - momentum) "
                             "* batch variance, the variance dividing by N that the batch was normalised with)"),
                 mistakes=((swapped, (1 - momentum) * running["var"] + momentum * batch_var),
                           (say("it matches a running variance with {unbiased_var} (ddof=1): keep the one the batch "
                                "was normalised with", unbiased_var=phrase(UNBIASED_VAR)),
                            momentum * running["var"] + (1 - momentum) * unbiased)))


@check(batchnorm_forward, "eval_values", expect=_bn_expect(False), x=BN_X, gamma=BN_GAMMA, beta=BN_BETA,
       running=BN_AFTER_ONE, momentum=MOMENTUM, eps=EPS,
       expected=np.array([[0.6761209890693072, 2.211574698079209, 0.9753068805377078],
                          [2.366423461742575, -4.549635192613863, 1.4691692697835528],
                          [4.056725934415843, -1.1690302472673268, 0.48144449129186273],
                          [-1.0141814836039607, 5.5921796434257445, 1.9630316590293977]]))
def _bn_eval_values(call, x, gamma, beta, running, momentum, eps, expected):
    """Evaluation mode normalises with the running statistics and keeps them as they are."""
    args = _bn_args(x, gamma, beta, running, False, momentum, eps)
    out, kept = _bn_run(call, *args)
    where = _bn_where(*args)
    expect_array(out, expected, fn="batchnorm_forward", subject=say("value for output in evaluation mode (normalised "
                 "with the running mean and variance, not the batch's)"), where=where, rtol=1e-9, atol=1e-12,
                 mistakes=((say("it matches the output normalised with {eval_batch}: evaluation uses the running mean "
                                "and variance", eval_batch=phrase(EVAL_BATCH)),
                            _normalise(np.asarray(x, dtype=float), gamma, beta, eps, 0)),))
    for key in ("mean", "var"):
        expect_array(kept[key], running[key], fn="batchnorm_forward", where=where, rtol=0.0, atol=0.0,
                     subject=say("value for cache[\"running\"][\"{key}\"] in evaluation mode (expected unchanged: "
                                 "evaluation learns nothing from the batch)", key=key))


_rng = np.random.default_rng(73)


@check(batchnorm_forward, "normalises", x=_rng.normal(3.0, 2.0, size=(6, 4)), momentum=MOMENTUM, eps=EPS)
def _bn_normalises(call, x, momentum, eps):
    """With gamma = 1 and beta = 0, every column has mean 0 and variance var / (var + eps) in training."""
    dim = x.shape[1]
    running = {"mean": np.zeros(dim), "var": np.ones(dim)}
    args = _bn_args(x, np.ones(dim), np.zeros(dim), running, True, momentum, eps)
    out, _ = _bn_run(call, *args)
    where = say(" for x of shape {shape}, gamma = 1, beta = 0, train=True", shape=x.shape)
    expect_array(out.mean(axis=0), np.zeros(dim), fn="batchnorm_forward", subject=say("value for column means of the "
                 "output (each feature should have mean 0 over the batch)"), where=where, rtol=0.0, atol=1e-10)
    var = x.var(axis=0)
    expect_array(out.var(axis=0), var / (var + eps), fn="batchnorm_forward", subject=say("value for column variances "
                 "of the output (each feature should have variance var / (var + eps), var dividing by N)"),
                 where=where, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- batch norm: backward (training mode)
batchnorm_backward = task("a07.batchnorm_backward", points=3)
_rng = np.random.default_rng(74)

layer_gradient(batchnorm_backward, "numeric", "batchnorm_forward", "batchnorm_backward",
               ("x", "gamma", "beta", "running", "train", "momentum", "eps"), wrt=("x", "gamma", "beta"),
               rtol=1e-5, x=_rng.normal(1.0, 2.0, size=(5, 3)), gamma=_rng.uniform(0.5, 2.0, size=3),
               beta=_rng.normal(size=3), running={"mean": np.zeros(3), "var": np.ones(3)}, train=True,
               momentum=MOMENTUM, eps=EPS, dout=_rng.normal(size=(5, 3)))


# ---------------------------------------------------------------- layer norm: forward
layernorm_forward = task("a07.layernorm_forward", points=2)
LN_X = np.array([[1.0, 2.0, 3.0, 6.0], [0.0, -4.0, 4.0, 0.0]])
LN_GAMMA, LN_BETA = np.array([1.0, 0.5, 2.0, 1.0]), np.array([0.0, 0.0, 1.0, -1.0])


def _ln_expect(judge, x, gamma, beta, eps):
    """The reference's output on the check's inputs (hidden tests give no `expected`)."""
    return forward_out(judge, "layernorm_forward", (x, gamma, beta, eps))[0]


@check(layernorm_forward, "values", expect=_ln_expect, x=LN_X, gamma=LN_GAMMA, beta=LN_BETA, eps=EPS,
       expected=np.array([[-1.0690434404458735, -0.2672608601114684, 1.0, 0.6035651606688102],
                          [0.0, -0.7071063392452236, 3.8284253569808944, -1.0]]))
def _ln_values(call, x, gamma, beta, eps, expected):
    where = _describe_inputs({"x": x, "gamma": gamma, "beta": beta, "eps": eps})
    out, _ = forward_out(call, "layernorm_forward", (x, gamma, beta, eps), where)
    expect_array(out, expected, fn="layernorm_forward", subject=say("value for output (each row normalised over its "
                 "own features)"), where=where, rtol=1e-9, atol=1e-12,
                 mistakes=_normalised_mistakes(x, gamma, beta, eps, batch_axis=1))


_rng = np.random.default_rng(75)


@check(layernorm_forward, "per_sample", x=_rng.normal(1.0, 3.0, size=(4, 5)), eps=EPS)
def _ln_per_sample(call, x, eps):
    """Each row is normalised on its own: mean 0, variance var / (var + eps), whatever the other rows."""
    dim = x.shape[1]
    gamma, beta = np.ones(dim), np.zeros(dim)
    where = say(" for x of shape {shape}, gamma = 1, beta = 0", shape=x.shape)
    out, _ = forward_out(call, "layernorm_forward", (x, gamma, beta, eps), where)
    out = expect_float_array(out, x.shape, fn="layernorm_forward", where=where)
    expect_array(out.mean(axis=1), np.zeros(x.shape[0]), fn="layernorm_forward", subject=say("value for row means of "
                 "the output (each sample should have mean 0 over its features)"), where=where, rtol=0.0, atol=1e-10)
    var = x.var(axis=1)
    expect_array(out.var(axis=1), var / (var + eps), fn="layernorm_forward", subject=say("value for row variances of "
                 "the output (each sample should have variance var / (var + eps), var dividing by D)"),
                 where=where, rtol=1e-9, atol=1e-12)
    alone, _ = forward_out(call, "layernorm_forward", (x[:1], gamma, beta, eps), say(" for the first row alone"))
    expect_array(alone, out[:1], fn="layernorm_forward", subject=say("value for output for the first row given alone "
                 "(a sample's layer norm must not depend on the rest of the batch)"), where=where, rtol=1e-9,
                 atol=1e-12)


# ---------------------------------------------------------------- layer norm: backward
layernorm_backward = task("a07.layernorm_backward", points=2)
_rng = np.random.default_rng(76)

layer_gradient(layernorm_backward, "numeric", "layernorm_forward", "layernorm_backward",
               ("x", "gamma", "beta", "eps"), wrt=("x", "gamma", "beta"), rtol=1e-5,
               x=_rng.normal(0.5, 2.0, size=(3, 5)), gamma=_rng.uniform(0.5, 2.0, size=5),
               beta=_rng.normal(size=5), eps=EPS, dout=_rng.normal(size=(3, 5)))
