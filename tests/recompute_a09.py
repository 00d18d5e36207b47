"""Assignment 9's fixed numbers, recomputed at 40 digits from the definitions (never from the
notebook's code): a broadcast gradient summed entry by entry into the operand entry each copy came
from (shapes aligned on the right; an axis of 1 takes every index); relu's derivative as 1 where
a > 0 and 0 elsewhere (0 at the kink, as the notebook says); a graph's gradients by the chain rule,
each node's the sum, over every use of it by a node the root depends on, of that user's gradient
pulled back through the Jacobian of the use, recursively from the root (the sum over every path)."""
from __future__ import annotations

import itertools

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def _f(v):
    return mp.mpf(float(v))


def summed_back(p):
    """Each entry of the operand (``shape``) collects every entry of ``grad`` it was copied to."""
    grad, shape = np.asarray(p["grad"], dtype=float), tuple(p["shape"])
    offset = grad.ndim - len(shape)
    out = {index: [] for index in itertools.product(*(range(n) for n in shape))}
    for index in itertools.product(*(range(n) for n in grad.shape)):
        source = tuple(0 if shape[k] == 1 else index[offset + k] for k in range(len(shape)))
        out[source].append(_f(grad[index]))
    return np.array([float(mp.fsum(out[index])) for index in sorted(out)]).reshape(shape)


def relu_gradient(p):
    grad, a = np.asarray(p["grad"], dtype=float), np.asarray(p["a"], dtype=float)
    return np.array([float(_f(g) if v > 0 else mp.mpf(0)) for g, v in zip(grad.ravel(), a.ravel())]).reshape(a.shape)


def chain_rule(p):
    """Every gradient of the nodes the root depends on, by node name, one after the other."""
    root, parents, shapes, jacobians = p["root"], p["parents"], p["shapes"], p["jacobians"]
    known: dict[str, list] = {root: [_f(v) for v in np.ravel(p["root_grad"])]}

    needed, waiting = {root}, [root]  # the nodes the root depends on
    while waiting:
        for operand in parents[waiting.pop()]:
            if operand not in needed:
                needed.add(operand)
                waiting.append(operand)

    def gradient(node) -> list:
        if node not in known:
            size = int(np.prod(shapes[node], dtype=int))
            total = [mp.mpf(0)] * size
            for user, operands in parents.items():
                if user not in needed:
                    continue
                for i, operand in enumerate(operands):
                    if operand == node:
                        upstream, jac = gradient(user), np.asarray(jacobians[user][i], dtype=float)
                        total = [total[c] + mp.fsum(_f(jac[r, c]) * upstream[r] for r in range(len(upstream)))
                                 for c in range(size)]
            known[node] = total
        return known[node]

    nodes = sorted(needed)
    return np.array([float(v) for node in nodes for v in gradient(node)])


RECOMPUTE = {
    **{f"a09.unbroadcast.{name}": summed_back for name in ("leading", "kept_axis", "both", "unchanged", "to_scalar")},
    "a09.unary_backward.relu": relu_gradient,
    **{f"a09.backward_pass.{name}": chain_rule for name in ("twice", "diamond", "network")},
}
