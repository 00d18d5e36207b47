"""Assignment 5 -- mini-batches and adaptive learning rates.

One module per topic; ``minibatches`` and ``optimizers`` register the tasks, in the notebook's
order (the order of the imports below is the registry's):

- ``rules``: the five optimizers' update rules and the values their known mistakes give;
- ``steps``: how one step, and a run of steps, of an optimizer is called and judged;
- ``minibatches``: the shuffled mini-batches of each epoch;
- ``optimizers``: the update functions (SGD, Nesterov, AdaGrad, RMSProp, Adam) and ``get_optimizer``.

Every optimizer has the interface ``update(w, dw, state) -> (w, state)``. It is checked on fixed
fixtures (40-digit values recomputed in ``tests/recompute_a05.py``; hidden tests draw their own
inputs and take the values from the reference solution), on the lesson's numbers, and on
trajectories: the check runs the student's update step after step, hands back the state it
returned, and holds each step to the optimizer's rule, applied to the state it was given.

``minibatches`` and ``get_optimizer`` take or return things that cannot cross the data-only
channel (a Generator, a function), so their checks go through two helpers of the notebook's
locked setup cell: ``epochs_of_batches`` and ``optimizer_name``.
"""
from __future__ import annotations

# Importing a module registers its tasks: this order is the registry's, so the self-check's and the
# grading report's, and it follows the notebook.
from . import minibatches, optimizers  # noqa: F401
