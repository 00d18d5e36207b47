"""Text a student's code controls, made safe to print on a terminal.

A check's message carries what student code chose to say (an exception's text, a traceback), and
a terminal obeys what it is sent: an escape sequence can clear the screen, move the cursor over
lines already printed or retitle the window, and a line of its own can pass for one of ours (the
self-check's score line). So every control character is shown as its escape (``\\x1b``), and every
line after a message's first -- the first is always the check's own words -- is indented: no line a
student wrote starts where the self-check's own lines start.
"""
from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates
# that reorder what a reader sees ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
INDENT = "  "


def escape_controls(text: str) -> str:
    """``text`` with each control character written as its Python escape (``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def for_terminal(message: str) -> str:
    """A check's message as the self-check prints it: controls escaped, later lines indented."""
    first, *rest = escape_controls(message).split("\n")
    return "\n".join([first, *(INDENT + line if line else line for line in rest)])
