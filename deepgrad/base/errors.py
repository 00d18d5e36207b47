"""The one error every deepgrad command reports to its user as it is, without a traceback."""
from __future__ import annotations


class CourseError(Exception):
    """Something the course needs is missing or failed; the message says what to do."""
