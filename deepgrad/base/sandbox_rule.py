"""The one rule about grading without a sandbox: refused, unless the instructor says so, and then
every report row says it."""
from __future__ import annotations

from autograder.sandbox import sandbox_missing

from .errors import CourseError

# The status note every report row gets when the instructor graded with --no-sandbox.
NO_SANDBOX = "graded without sandbox"


def require_sandbox(sandboxed: bool) -> None:
    """Refuse to grade where student code could not be sandboxed, unless told to go without."""
    missing = sandbox_missing()
    if sandboxed and missing:
        raise CourseError(f"cannot grade safely here: {missing}. Student code would run with your "
                          "rights and could read the solutions or change grades. Fix that, or run "
                          "again with --no-sandbox to grade anyway (every report row then says "
                          f"\"{NO_SANDBOX}\").")
