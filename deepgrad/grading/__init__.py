"""Layer 2: the verdict. A submission and the reference solution's results in; scores, statuses,
messages and the grading report out. Knows nothing of nbgrader's converters, gradebook or job
processes; imports only :mod:`deepgrad.base` (and the sandboxed workers of :mod:`autograder`)."""
