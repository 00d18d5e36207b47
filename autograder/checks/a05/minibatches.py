"""Assignment 5's ``minibatches``: each epoch a fresh shuffle, cut into batches of the asked size
(the last one smaller, or dropped), drawn from the Generator it is given.

A Generator cannot cross the data-only channel: the checks call the notebook's setup helper
``epochs_of_batches(n, batch_size, seed, drop_last, epochs)``, which seeds one and calls
``minibatches`` once per epoch.
"""
from __future__ import annotations

import numpy as np

from ...calls import CheckFailure
from ...compare import a_type, describe
from ...messages import say
from ...registry import check, task

# ---------------------------------------------------------------- minibatches
minibatches = task("a05.minibatches", points=2)


def _epochs(call, n, batch_size, seed, drop_last, epochs):
    where = say(" for n={n}, batch_size={batch_size}, drop_last={drop_last} (rng seeded with {seed})", n=n,
                batch_size=batch_size, drop_last=drop_last, seed=seed)
    got = call("epochs_of_batches", n, batch_size, seed, drop_last, epochs)
    if type(got) not in (list, tuple) or len(got) != epochs:  # the setup helper, redefined?
        length = say(" of length {length}", length=len(got)) if type(got) in (list, tuple) else ""
        raise CheckFailure(say("`epochs_of_batches` (the setup helper) should return one list of batches per "
                               "epoch, {epochs} in all{where}; it returned {described}{length}. Keep the "
                               "helper as given.", epochs=epochs, where=where, described=describe(got),
                               length=length))
    result = []
    for e, batches in enumerate(got):
        if type(batches) not in (list, tuple):
            raise CheckFailure(say("`minibatches` should return a list of index arrays{where}; it returned "
                                   "{type_name}", where=where, type_name=a_type(batches)))
        for k, batch in enumerate(batches):
            if type(batch) is not np.ndarray or batch.ndim != 1 or not np.issubdtype(batch.dtype, np.integer):
                what = say("an array of dtype {dtype} and shape {shape}", dtype=batch.dtype, shape=batch.shape) \
                    if type(batch) is np.ndarray else a_type(batch)
                raise CheckFailure(say("`minibatches`: batch {k} of epoch {epoch} should be a 1-D integer array "
                                       "of sample indices{where}; it is {what}", k=k, epoch=e + 1, where=where,
                                       what=what))
        result.append([np.asarray(b) for b in batches])
    return result, where


def _sizes_ok(batches, n, batch_size, drop_last, where, epoch):
    full, rest = divmod(n, batch_size)
    want = [batch_size] * full + ([rest] if rest and not drop_last else [])
    sizes = [len(b) for b in batches]
    if sizes != want:
        last = (say("drop_last=True drops the last, smaller batch") if drop_last else
                say("the last batch keeps the remaining samples (it is smaller when batch_size does not divide n)"))
        raise CheckFailure(say("`minibatches` returned batches of sizes {sizes} in epoch {epoch}{where}; "
                               "expected {want}: {last}", sizes=sizes, epoch=epoch, where=where, want=want, last=last))


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
            raise CheckFailure(say("`minibatches` should use every sample index 0..{last} exactly once per "
                                   "epoch{where}; epoch {e} misses {missing} and repeats {repeated}", last=n - 1,
                                   where=where, e=e, missing=missing, repeated=repeated))
        orders.append(order)
    if np.array_equal(orders[0], np.arange(n)):
        raise CheckFailure(say("`minibatches` returned the samples in their original order 0..{last}{where}: "
                               "shuffle them with `rng.permutation(n)` first", last=n - 1, where=where))
    if epochs > 1 and all(np.array_equal(orders[0], o) for o in orders[1:]):
        raise CheckFailure(say("`minibatches` returned the same order in all {epochs} epochs{where}: draw a "
                               "fresh permutation from `rng` at every call", epochs=epochs, where=where))


@check(minibatches, "drop_last", n=10, batch_size=4, seed=1, drop_last=True, epochs=2)
def _batches_drop_last(call, n, batch_size, seed, drop_last, epochs):
    """With drop_last, only full batches: distinct indices, n - n % batch_size of them."""
    got, where = _epochs(call, n, batch_size, seed, drop_last, epochs)
    for e, order in _epoch_orders(got, n, batch_size, drop_last, where):
        if len(np.unique(order)) != len(order) or (len(order) and (order.min() < 0 or order.max() >= n)):
            raise CheckFailure(say("`minibatches` should return distinct indices between 0 and {last}{where}; "
                                   "epoch {e} holds {held}", last=n - 1, where=where, e=e, held=sorted(order.tolist())))


@check(minibatches, "seeded", n=12, batch_size=5, seeds=(3, 4), epochs=2)
def _batches_seeded(call, n, batch_size, seeds, epochs):
    """The order comes from the Generator it is given: same seed, same batches; another, others."""
    first, where = _epochs(call, n, batch_size, seeds[0], False, epochs)
    again, _ = _epochs(call, n, batch_size, seeds[0], False, epochs)
    other, _ = _epochs(call, n, batch_size, seeds[1], False, epochs)
    same = all(len(a) == len(b) and all(np.array_equal(x, z) for x, z in zip(a, b)) for a, b in zip(first, again))
    if not same:
        raise CheckFailure(say("`minibatches` returned different batches for the same seed{where}: draw the "
                               "order from the `rng` argument (e.g. `rng.permutation(n)`), not from "
                               "`np.random` or a new Generator", where=where))
    if np.array_equal(np.concatenate(first[0]), np.concatenate(other[0])):
        raise CheckFailure(say("`minibatches` returned the same order for seeds {first} and {second}"
                               "{where}: draw the order from the `rng` argument", first=seeds[0], second=seeds[1],
                               where=where))
