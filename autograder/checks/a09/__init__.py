"""Assignment 9 -- automatic differentiation from scratch: each operation's local backward pass, and
the backward pass of a whole graph in reverse topological order.

One module per topic, in the notebook's order (the order of the imports below is the registry's):

- ``broadcasting``: ``unbroadcast``, and the elementwise operations' backward passes built on it;
- ``operations``: ``matmul``, ``pow``, ``sum``/``mean`` over an axis, and the unary operations;
- ``graphs``: ``topological_order`` and ``backward_pass``.

Every graded function takes and returns plain data; the pullbacks ``backward_pass`` applies are
:class:`autograder.channel.LinearPullback` values, which cross the data-only channel as their matrix.
"""
from __future__ import annotations

# Importing a module registers its tasks: this order is the registry's, and follows the notebook.
# isort: off
from . import broadcasting, operations, graphs  # noqa: F401
# isort: on
