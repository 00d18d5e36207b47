"""The graph: ``topological_order(root, parents)`` and ``backward_pass(root, parents, pullbacks, root_grad)``.

A graph is ``parents``: each node's name -> the names of its operands, in operand order (an input
maps to []; a name may appear twice, as in x * x; nodes the root does not depend on may be there).

Any order in which every node the root depends on comes once, after all its operands, is a right
topological order: the checks judge the properties, never one order. ``backward_pass`` gets
pullbacks that are :class:`autograder.channel.LinearPullback` values, made here from each check's
Jacobians (``jacobians[name][i]``: the Jacobian of ``name`` with respect to its i-th operand, of
shape (size of name, size of that operand)); its gradients are held to fixed values (recomputed
in ``tests/recompute_a09.py`` as sums over the graph's paths; hidden tests take them from the
reference solution).
"""
from __future__ import annotations

import itertools

import numpy as np

from ...calls import CheckFailure
from ...channel import LinearPullback
from ...compare import a_type, describe, expect_array, show
from ...diagnose import OVERWRITTEN, PULLED_TOO_SOON, REVERSED_ORDER, ROOT_GRAD_IGNORED, hint
from ...messages import phrase, say
from ...registry import check, task
from .broadcasting import array_of


# ---------------------------------------------------------------- the graph, on the trusted side
def depended_on(root: str, parents: dict) -> set[str]:
    """The nodes ``root`` depends on, itself included."""
    found, waiting = {root}, [root]
    while waiting:
        for operand in parents[waiting.pop()]:
            if operand not in found:
                found.add(operand)
                waiting.append(operand)
    return found


def users_first(root: str, parents: dict) -> list[str]:
    """The nodes ``root`` depends on by their longest distance from it, the root first: every node
    comes after every node that uses it (to judge gradients where they are first wrong)."""
    depth = {root: 0}
    for _ in range(len(parents) + 1):
        moved = False
        for node in list(depth):
            for operand in parents[node]:
                if depth.get(operand, -1) < depth[node] + 1:
                    depth[operand], moved = depth[node] + 1, True
        if not moved:
            break
    return sorted(depth, key=lambda node: (depth[node], node))


def _graph_where(root, parents) -> str:
    return say(" for root={root!r}, parents={parents!r}", root=root, parents=parents)


# ---------------------------------------------------------------- topological_order
topological_order = task("a09.topological_order", points=2)


def _order_problem(order: list[str], root: str, parents: dict) -> str | None:
    """What makes ``order`` no topological order of the nodes ``root`` depends on, or None."""
    needed, place = depended_on(root, parents), {}
    for k, node in enumerate(order):
        if node not in parents:
            return say("{node!r} is not a node of the graph (a key of `parents`)", node=node)
        if node not in needed:
            return say("{node!r} is in it, but {root!r} does not depend on it: only the nodes the root depends on "
                       "belong in the order", node=node, root=root)
        if node in place:
            return say("{node!r} is in it twice (at {first} and {second}): each node comes once", node=node,
                       first=place[node], second=k)
        place[node] = k
    missing = sorted(needed - set(place))
    if missing:
        return say("{node!r} is missing, and {root!r} depends on it: every node the root depends on belongs in the "
                   "order, the root too", node=missing[0], root=root)
    for node in order:
        for operand in parents[node]:
            if place[operand] > place[node]:
                return say("{node!r} comes before its operand {operand!r}: every node must come after all its "
                           "operands (the root last)", node=node, operand=operand)
    return None


def _topological(call, root, parents):
    """Any valid order passes: each node the root depends on once, after all its operands."""
    where = _graph_where(root, parents)
    got = call("topological_order", root, parents)
    if type(got) not in (list, tuple) or not all(type(node) is str for node in got):
        raise CheckFailure(say("`topological_order` should return a list of node names (strings){where}, but "
                               "returned {described}: {shown}", where=where, described=describe(got), shown=show(got)))
    problem = _order_problem(list(got), root, parents)
    if problem:
        backwards = hint(say("it is {reversed_order}: operands come first, the root last",
                             reversed_order=phrase(REVERSED_ORDER))) if _order_problem(
            list(reversed(got)), root, parents) is None else ""
        raise CheckFailure(say("`topological_order` returned {got!r}{where}, which is no topological order: {problem}",
                               got=list(got), where=where, problem=problem) + backwards)


# x is used by the root directly and through s <- sq (twice: x * x), so a breadth-first order fails;
# w and other are nodes the root does not depend on; the dict lists the root neither first nor last.
DIAMOND = {"s": ["sq", "y"], "other": ["x", "w"], "x": [], "loss": ["s", "x"], "w": [], "sq": ["x", "x"], "y": []}
# a network: (x @ W + b), its squared error, and an L2 term on W (W used by two nodes)
NETWORK = {"W": [], "loss": ["data", "penalty"], "x": [], "h": ["xW", "b"], "penalty": ["W", "W"], "b": [],
           "xW": ["x", "W"], "e": ["h", "y"], "data": ["e", "e"], "y": [], "unused": ["h"]}
LONE = {"z": ["x", "y"], "y": [], "x": []}

check(topological_order, "diamond", root="loss", parents=DIAMOND)(_topological)
check(topological_order, "network", root="loss", parents=NETWORK)(_topological)
check(topological_order, "lone_input", root="x", parents=LONE)(_topological)


# ---------------------------------------------------------------- backward_pass
backward_pass = task("a09.backward_pass", points=3)
# backward_pass calls the student's topological_order: the self-check judges that first.
BUILT_ON = ("topological_order",)


def _pullbacks(parents, shapes, jacobians) -> dict[str, list[LinearPullback]]:
    return {node: [LinearPullback(j, tuple(shapes[node]), tuple(shapes[operand]))
                   for j, operand in zip(jacobians[node], operands)] for node, operands in parents.items()}


def _gradients(call, root, parents, shapes, jacobians, root_grad, where="") -> dict[str, np.ndarray]:
    """backward_pass's gradients: one for each node the root depends on, shaped like it, and no other."""
    got = call("backward_pass", root, parents, _pullbacks(parents, shapes, jacobians), root_grad)
    if type(got) is not dict:
        raise CheckFailure(say("`backward_pass` should return a dict (node name -> its gradient){where}, but returned "
                               "{described}", where=where, described=a_type(got)))
    needed = depended_on(root, parents)
    missing, extra = sorted(needed - set(got)), sorted(set(got) - needed)
    if missing:
        raise CheckFailure(say("`backward_pass` returned no gradient for {node!r}{where}, and {root!r} depends on it: "
                               "return one for every node the root depends on, the root included", node=missing[0],
                               root=root, where=where))
    if extra:
        raise CheckFailure(say("`backward_pass` returned a gradient for {node!r}{where}, but {root!r} does not depend "
                               "on it: a node with no path to the root gets no entry", node=extra[0], root=root,
                               where=where))
    return {node: array_of(got[node], tuple(shapes[node]), fn="backward_pass",
                           where=say(" as the gradient of {node!r} (shaped like it, {shape}){where}", node=node,
                                     shape=tuple(shapes[node]), where=where))
            for node in sorted(needed)}


def _flat(gradients: dict) -> np.ndarray:
    """The gradients one after the other, by node name: the form of the checks' `expected`."""
    return np.concatenate([np.ravel(gradients[node]) for node in sorted(gradients)])


def _split(flat, shapes, nodes) -> dict[str, np.ndarray]:
    out, at = {}, 0
    for node in sorted(nodes):
        size = int(np.prod(shapes[node], dtype=int))
        out[node] = np.asarray(flat[at:at + size], dtype=np.float64).reshape(tuple(shapes[node]))
        at += size
    return out


def _backward_expect(judge, root, parents, shapes, jacobians, root_grad):
    return _flat(_gradients(judge, root, parents, shapes, jacobians, root_grad))


def _shares_into(node, parents, jacobians, grads) -> list[tuple[str, np.ndarray]]:
    """(user, share) of every use of ``node`` in the graph below the root, from the users' gradients."""
    return [(user, jacobians[user][i].T @ np.ravel(grads[user])) for user in grads
            for i, operand in enumerate(parents[user]) if operand == node]


def _pass_mistakes(node, root, parents, shapes, jacobians, grads) -> tuple:
    """The values the gradient of ``node`` takes, where it is the first one wrong (every node using it
    right), under each known mistake: ``root_grad`` replaced by ones; one share kept where the shares
    should add up; a user of ``node`` pulled back while its own gradient still lacked some of its
    shares (every such sub-sum tried, where there are at most 2 ** 12 combinations)."""
    shape = tuple(shapes[node])
    if node == root:
        return ((say("it is 1 everywhere: {root_grad_ignored} (the root's gradient is `root_grad` as given)",
                     root_grad_ignored=phrase(ROOT_GRAD_IGNORED)), np.ones(shape)),)
    shares = _shares_into(node, parents, jacobians, grads)
    found = [(say("it matches the share from {user!r} alone: gradients {overwritten} (a node used several times gets "
                  "the sum of its shares)", user=user, overwritten=phrase(OVERWRITTEN)), share.reshape(shape))
             for user, share in shares] if len(shares) > 1 else []
    users = sorted({user for user, _ in shares})
    into = {user: [] if user == root else [share for _, share in _shares_into(user, parents, jacobians, grads)]
            for user in users}
    if sum(len(shares_in) for shares_in in into.values()) > 12:  # 2 ** 12 combinations at most
        return tuple(found)
    options = {user: [sum(chosen, np.zeros(np.size(grads[user]))) for k in range(len(into[user]))
                      for chosen in itertools.combinations(into[user], k)] + [np.ravel(grads[user])]
               for user in users}  # the gradients a user may have had when pulled back: too soon, then its own
    for choice in itertools.product(*(range(len(options[user])) for user in users)):
        early = [user for user, k in zip(users, choice) if k < len(options[user]) - 1]
        if early:
            value = sum((jacobians[user][i].T @ options[user][k] for user, k in zip(users, choice)
                         for i, operand in enumerate(parents[user]) if operand == node),
                        np.zeros(int(np.prod(shape, dtype=int))))
            found.append((say("it matches what it gets if {user!r} is {pulled_too_soon}: a node's pullbacks run "
                              "only once every node using it is done (reverse topological order)", user=early[0],
                              pulled_too_soon=phrase(PULLED_TOO_SOON)), value.reshape(shape)))
    return tuple(found)


def _backward_values(call, root, parents, shapes, jacobians, root_grad, expected):
    """Every gradient is the chain rule's: the sum over every path from the root of the pullbacks along it."""
    where = say(" for root={root!r}, parents={parents!r}, root_grad={root_grad}", root=root, parents=parents,
                root_grad=np.asarray(root_grad).tolist())
    got = _gradients(call, root, parents, shapes, jacobians, root_grad, where)
    right = _split(expected, shapes, got)
    for node in users_first(root, parents):  # the first wrong one is named, its users all right
        if not np.allclose(got[node], right[node], rtol=RTOL, atol=ATOL):
            subject = (say("gradient for the root {node!r} (`root_grad` itself)", node=node) if node == root else
                       say("gradient for {node!r} (every node that uses it has the right one)", node=node))
            expect_array(got[node], right[node], fn="backward_pass", where=where, rtol=RTOL, atol=ATOL,
                         subject=subject, mistakes=_pass_mistakes(node, root, parents, shapes, jacobians, right))


RTOL, ATOL = 1e-9, 1e-12


def _jacobians(parents, shapes, start: int) -> dict[str, list[np.ndarray]]:
    """Fixed Jacobians for a graph: quarters from -2.75 to 2.75, in a sequence that repeats every 23
    entries (exact in float64, the same on every machine)."""
    found, k = {}, start
    for node in sorted(parents):
        found[node] = []
        for operand in parents[node]:
            rows, cols = int(np.prod(shapes[node], dtype=int)), int(np.prod(shapes[operand], dtype=int))
            found[node].append((((np.arange(rows * cols) * 37 + k * 101) % 23 - 11) / 4.0).reshape(rows, cols))
            k += 1
    return found


# x is used twice by q (as in x * x, each use with its own Jacobian) and once by the root; root_grad is not 1.
TWICE = dict(root="loss", parents={"loss": ["q", "x"], "q": ["x", "x"], "x": []},
             shapes={"loss": (), "q": (), "x": (3,)}, root_grad=np.array(2.5))
# h is used by the root and, further down, by b: pulled back before b is done, it gives x too little;
# w and side are nodes the root does not depend on.
DIAMOND_PASS = dict(root="out", parents={"out": ["c", "h"], "c": ["b", "u"], "b": ["h"], "h": ["x"], "x": [], "u": [],
                                         "w": [], "side": ["w", "h"]},
                    shapes={"out": (2,), "c": (3,), "b": (2, 2), "h": (3,), "x": (2,), "u": (3,), "w": (2,),
                            "side": ()}, root_grad=np.array([0.5, -1.5]))
NETWORK_PASS = dict(root="loss", parents=NETWORK,
                    shapes={"x": (2, 3), "W": (3, 2), "xW": (2, 2), "b": (2,), "h": (2, 2), "y": (2, 2), "e": (2, 2),
                            "data": (), "penalty": (), "loss": (), "unused": (2, 2)}, root_grad=np.array(1.0))

for _name, _graph, _start, _expected in (
        ("twice", TWICE, 0, [2.5, -6.875, -1.25, -15.46875, 24.21875]),
        ("diamond", DIAMOND_PASS, 10, [-9.25, 7.84375, -13.15625, -6.125, 1.5, -4.875, 0.25, -15.625, 33.171875,
                                       7.578125, 0.5, -1.5, 0.46875, 8.9375, -3.4375, 3.87890625, 48.2421875]),
        ("network", NETWORK_PASS, 20, [67.96484375, 139.1640625, -159.3212890625, 150.390625, -262.353515625,
                                       44.4833984375, 54.140625, 8.83203125, -1.75, -0.875, -3.0625, 4.8125, 2.625,
                                       13.5625, -11.921875, 2.84375, -7.546875, 1.0, 0.5, 137.5390625,
                                       -158.6962890625, 150.390625, -262.978515625, 46.1083984375, 116.6826171875,
                                       -43.61328125, -20.37109375, 21.109375, -40.55078125, 11.375, 13.5625,
                                       -11.921875, 2.84375])):
    check(backward_pass, _name, expect=_backward_expect, uses=BUILT_ON, **_graph,
          jacobians=_jacobians(_graph["parents"], _graph["shapes"], _start), expected=np.array(_expected))(
        _backward_values)
