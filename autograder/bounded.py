"""Text that student code chose, cut to a size every reader of it can take.

A check's message can carry what a student's code said (an exception's text, a traceback, a
warning, a type's name), and that can be a megabyte long. The message goes into the feedback
notebook, the grading report (whose fields Python's csv reads only up to 131,072 characters) and
the terminal, so it is cut where it is made, with a note saying how much was left out.
"""
from __future__ import annotations

from .messages import N_, say, speaking

# A message of a check or a reason of a submission: a long traceback fits (the longest honest ones
# are about 2,000 characters); a flood does not.
MESSAGE_CHARS = 4000
# What is kept of a cut text's end: a traceback's last lines name the error.
TAIL_CHARS = 1000


# The note left where a text was cut.
CUT = N_(" … (cut: {left_out} characters more) … ")


def cut_note(left_out: int, lang: str | None = None) -> str:
    """The note left where ``left_out`` characters were cut, in ``lang`` (by default the current
    language: a text is cut as the message holding it is made)."""
    if lang is None:
        return say(CUT, left_out=left_out)
    with speaking(lang):
        return say(CUT, left_out=left_out)


def bounded(text: str, limit: int = MESSAGE_CHARS) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and its end (a quarter of
    ``limit``, at most :data:`TAIL_CHARS`) around a note of how many characters were left out; the
    result has at most ``limit`` characters plus the note."""
    text = text if isinstance(text, str) else str(text)
    if len(text) <= limit:
        return text
    tail = min(TAIL_CHARS, limit // 4)
    head = limit - tail
    return text[:head] + cut_note(len(text) - head - tail) + (text[-tail:] if tail else "")


class Messages(list):
    """A list of messages each cut by :func:`bounded` as it is added, however it is added (a
    verdict's messages are appended in several places, and may be given whole)."""

    def __init__(self, messages=()):
        super().__init__(map(bounded, messages))

    def append(self, message) -> None:
        super().append(bounded(message))

    def extend(self, messages) -> None:
        super().extend(map(bounded, messages))

    def insert(self, index, message) -> None:
        super().insert(index, bounded(message))

    def __setitem__(self, index, value) -> None:
        super().__setitem__(index, list(map(bounded, value)) if isinstance(index, slice) else bounded(value))

    def __iadd__(self, messages):
        self.extend(messages)
        return self
