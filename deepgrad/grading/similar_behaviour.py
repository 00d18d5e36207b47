"""The behaviour signal of ``deepgrad similar``: the failures a submission's grading found, read from
the grading report (``grading_report_ASSIGNMENT.csv``); nothing is run again.

Each failed check's message (``a01.sigmoid.values: ...``, ``a01.sigmoid.values (hidden): ...``) is
made a :class:`Failure`, keyed on what stays the same in every language the messages are said in:

- a public check's inputs are the same for the whole class, so two submissions returning the same
  wrong values give the same numbers: the key is the check and the numbers its message holds (as a
  multiset: a translation may put them in another order);
- a hidden check's inputs are drawn for each submission, so its numbers differ between any two: the
  key is the check and the mistake its hint names (one of :data:`autograder.diagnose.KINDS`,
  recognised in any language the autograder speaks), if any;
- either way, the names of exceptions raised (``ValueError``: code, not words) and whether NaN or
  infinity came back.

A message of a function left as handed out (``NotImplementedError``) or of a check that could not
be judged is no failure: leaving the same task undone is not a shared mistake. Passing is no
evidence either: only failures are kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograder.bounded import cut_note
from autograder.diagnose import KINDS
from autograder.messages import LANGUAGES, translated

from .grading_report import CHECK_MESSAGE
from .verdict import NOT_JUDGED

# a number not part of a name (float64, d_w21), wherever it stands in a sentence of any language
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+\u2212]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z0-9_]|\.\d)")
_EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Exit|Interrupt)\b")
_NOT_FINITE = re.compile(r"\b(?:nan|inf)\b")
# the note autograder.bounded leaves where it cut a long message: its count is no behaviour
# The note a cut message holds, in every language the course speaks (its count of characters left out
# differs from one submission to another: no evidence).
_CUT = re.compile("|".join(re.escape(cut_note(0, lang)).replace("0", r"\d+") for lang in LANGUAGES))
UNDONE = "NotImplementedError"
MAX_NUMBERS = 200  # of one message: a wrong array is shown summarised, well within this


@dataclass(frozen=True)
class Failure:
    check: str      # the check's id, e.g. a01.sigmoid.values
    hidden: bool    # on inputs drawn for each submission
    key: tuple      # what two failures of the check share to be the same

    @property
    def label(self) -> str:
        return f"{self.check} ({'hidden' if self.hidden else 'public'} inputs)"


@dataclass
class Behaviour:
    """What one submission's grading found: its failures per task, each with a message saying it."""
    failures: dict[str, dict[Failure, str]] = field(default_factory=dict)  # task -> failure -> message
    judged: set[str] = field(default_factory=set)                          # tasks passed or failed


def _kinds() -> list[tuple[str, str]]:
    """(words, kind) for every hint's words in every language, the longest words first."""
    said = {(translated(kind, lang), kind) for kind in KINDS for lang in LANGUAGES}
    return sorted(said, key=lambda pair: -len(pair[0]))


KIND_WORDS = _kinds()


def kind_of(message: str) -> str | None:
    """The mistake a message's hint names (its English words, whatever language it is said in)."""
    return next((kind for words, kind in KIND_WORDS if words and words in message), None)


def _numbers(text: str) -> tuple[str, ...]:
    found = []
    for match in _NUMBER.finditer(text):
        try:
            found.append(format(float(match.group().replace("\u2212", "-")), ".6g"))
        except (ValueError, OverflowError):
            continue
        if len(found) >= MAX_NUMBERS:
            break
    return tuple(sorted(found))


def failure_of(message: str) -> Failure | None:
    """The failure one message of the report says, or None (not a check's failure, a function left
    undone, a check not judged)."""
    found = CHECK_MESSAGE.match(message.strip())
    # "not judged" is the grader's own problem (deepgrad.grading.verdict), never the student's
    if not found or UNDONE in message or found["rest"].startswith(f"{NOT_JUDGED}:"):
        return None
    rest, hidden = _CUT.sub(" ", found["rest"]), bool(found["hidden"])
    raised = tuple(sorted(set(_EXCEPTION.findall(rest))))
    numbers = () if hidden or raised else _numbers(rest)  # a traceback's numbers are line numbers
    return Failure(found["id"], hidden, (numbers, raised, kind_of(rest), bool(_NOT_FINITE.search(rest))))


def behaviour_of(rows: list[dict[str, str]]) -> dict[str, Behaviour]:
    """Each student's behaviour, from the grading report's rows of one assignment."""
    found: dict[str, Behaviour] = {}
    for row in rows:
        if not row.get("task") or row.get("status") not in ("passed", "failed"):
            continue
        behaviour = found.setdefault(row["student"], Behaviour())
        behaviour.judged.add(row["task"])
        for message in row.get("reason", "").split(" | "):
            failure = failure_of(message)
            if failure is not None:
                behaviour.failures.setdefault(row["task"], {}).setdefault(failure, message.strip())
    return found
