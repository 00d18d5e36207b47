"""The page ``deepgrad similar`` writes: the pairs worth a look, strongest first, each with its
evidence (the matching code side by side, the shared fragments marked, and the failures both
share), and what the score means.

The page loads nothing from anywhere (no script, no stylesheet, no image from elsewhere), and
every piece of text in it is escaped, control characters shown as escapes: student ids, their code
and their grading's messages are all untrusted.
"""
from __future__ import annotations

import html
import math

from autograder.bounded import bounded
from autograder.terminal import escape_controls

from ..grading.similar_code import K
from ..grading.similarity import TASK_WEIGHT, Comparison, Pair, UnitMatch

SHOWN_PAIRS = 100         # pairs shown in full (the CSV lists them all)
SHOWN_UNITS = 12          # matching functions shown per pair
SHOWN_CODE = 12_000       # characters of one function shown
SHOWN_MESSAGE = 800       # characters of one grading message shown

_STYLE = """
body { font-family: sans-serif; max-width: 80em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; margin-bottom: 1em; }
.side > div { min-width: 0; }
.side h4 { margin: 0.2em 0; font-size: 95%; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; font-size: 85%; margin: 0; }
mark { background: #fff0a8; } mark.only { background: #ffc14d; }
.message { font-family: monospace; font-size: 85%; white-space: pre-wrap; word-break: break-word; }
.pair { border-top: 2px solid #ddd; margin-top: 2em; }
"""


def _e(value) -> str:
    # Control characters as escapes too: a bidirectional override would reorder what is read.
    return html.escape(escape_controls(str(value)), quote=True)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of already escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def marked(source: str, spans: list[tuple[int, int, str]]) -> str:
    """``source`` escaped, each span (start, end, css class) in a ``<mark>``; neighbouring spans of
    one class with only blanks between them are one mark. Cut at :data:`SHOWN_CODE` characters."""
    merged: list[list] = []
    for start, end, kind in sorted(spans):
        if merged and merged[-1][2] == kind and not source[merged[-1][1]:start].strip():
            merged[-1][1] = max(merged[-1][1], end)
        elif not merged or start >= merged[-1][1]:
            merged.append([start, end, kind])
    out, at = [], 0
    for start, end, kind in merged:
        if start >= SHOWN_CODE:
            break
        out.append(_e(source[at:start]))
        out.append(f'<mark class="{kind}">{_e(source[start:min(end, SHOWN_CODE)])}</mark>')
        at = min(end, SHOWN_CODE)
    out.append(_e(source[at:SHOWN_CODE]))
    if len(source) > SHOWN_CODE:
        out.append(_e(f"\n… ({len(source) - SHOWN_CODE:,} more characters)"))
    return "".join(out)


def _spans(match: UnitMatch, weights: dict[int, float], only: float) -> tuple[list, list]:
    """The marks of each side: fragments no other submission has ("only") and the rest shared."""
    rare = frozenset(h for h in match.hashes if weights.get(h, 0.0) >= only)
    sides = []
    for unit in (match.a, match.b):
        first = unit.spans(rare)
        taken = set(first)
        sides.append([(s, e, "only") for s, e in first]
                     + [(s, e, "shared") for s, e in unit.spans(match.hashes - rare) if (s, e) not in taken])
    return sides[0], sides[1]


def _code(pair: Pair, comparison: Comparison) -> str:
    if not pair.units:
        return "<p>No fragment of code in common beyond what the class shares.</p>\n"
    only = math.log(comparison.submissions / 2) - 1e-9 if comparison.submissions > 2 else math.inf
    parts = []
    for match in pair.units[:SHOWN_UNITS]:
        left, right = _spans(match, comparison.weights, only)
        parts.append(f"<p>{_e(match.a.label)} and {_e(match.b.label)}: {100 * match.share:.0f} % of the "
                     "first one's distinctive code in common</p>\n<div class=\"side\">"
                     f"<div><h4>{_e(pair.a.who)}</h4><pre>{marked(match.a.source, left)}</pre></div>"
                     f"<div><h4>{_e(pair.b.who)}</h4><pre>{marked(match.b.source, right)}</pre></div></div>\n")
    if len(pair.units) > SHOWN_UNITS:
        parts.append(f"<p>… and {len(pair.units) - SHOWN_UNITS} more functions with fragments in common.</p>\n")
    return "".join(parts)


def _behaviour(pair: Pair) -> str:
    if not pair.tasks:
        return "<p>No failure in common (passing the same checks is no evidence).</p>\n"
    rows = []
    for task in pair.tasks:
        for failure, (said_a, said_b) in zip(task.failures, task.messages):
            rows.append([_e(task.task), _e(failure.label), f"{task.students} of {task.judged}", f"{task.weight:.2f}",
                         f'<span class="message">{_e(bounded(said_a, SHOWN_MESSAGE))}</span>',
                         f'<span class="message">{_e(bounded(said_b, SHOWN_MESSAGE))}</span>'])
    return _table(["task", "check", "failing this way", "weight of the task", _e(pair.a.who), _e(pair.b.who)],
                  rows) + "\n"


def _pair_section(anchor: str, rank: int, pair: Pair, comparison: Comparison, public: bool) -> str:
    what = "and the public solution" if public else "and"
    head = (f"<section class=\"pair\" id=\"{anchor}\">\n<h3>{rank}. {_e(pair.a.who)} {what} {_e(pair.b.who)}: "
            f"score {pair.score:.0f}</h3>\n<p>code {pair.code:.2f}, behaviour {pair.behaviour:.2f}.</p>\n"
            "<h4>Code in common</h4>\n" + _code(pair, comparison))
    if not public:
        head += "<h4>Failures in common</h4>\n" + _behaviour(pair)
    return head + "</section>\n"


def _summary_rows(pairs: list[Pair], prefix: str) -> list[list[str]]:
    return [[f'<a href="#{prefix}-{rank}">{rank}</a>', _e(p.a.who), _e(p.b.who), f"{p.score:.0f}",
             f"{p.code:.2f}", f"{p.behaviour:.2f}", _e(", ".join(dict.fromkeys(m.a.label for m in p.units[:4]))),
             _e(", ".join(t.task for t in p.tasks))] for rank, p in enumerate(pairs[:SHOWN_PAIRS], start=1)]


def _explanation(look: float) -> str:
    return (
        "<section id=\"score\">\n<h2>What the score means</h2>\n<ul>\n"
        "<li><b>code</b> (0 to 1): the code the handed-out notebook gave (its stubs, given code, docstrings "
        "and comments) is left out, and names, comments, layout and the spelling of numbers do not count, "
        "so renaming, reformatting, re-commenting or reordering functions changes nothing. Each fragment of "
        f"{K} tokens weighs ln(N / n), n being the submissions that have it out of N: a line everybody writes "
        "weighs nothing, a fragment two alone share weighs most. Each function of one submission is matched "
        "with the function of the other that has most of it; its share is the part of its weight the other "
        "has too. <i>code</i> is the mean of the squared shares, each function weighed by its fragments' "
        "weight: 1 when one submission holds every function of the other whole. (Squared: students "
        "writing the same exercise share parts of many functions, and a function half shared counts a "
        "quarter; a copy shares functions whole.)</li>\n"
        "<li><b>behaviour</b> (0 to 1), from the grading report only (nothing is run again): for each task "
        "where both fail some checks the same way (the same wrong values on a public check; the same "
        "diagnosis on a hidden one, whose inputs differ between students), with n submissions failing "
        f"that way out of the N judged, the task weighs {TASK_WEIGHT} × (1 − (n − 1)/(N − 1)) / "
        "(n(n − 1)/2): most when the two alone fail that way in a large class, next to nothing for a "
        "mistake many make. The tasks combine as 1 − Π(1 − weight). Passing is no evidence.</li>\n"
        "<li><b>score</b> = 100 × (1 − (1 − code) × (1 − behaviour)), from 0 to 100. A pair scoring at "
        f"least {look:g} is listed: similar, worth a look. The score says how much two submissions resemble "
        "each other beyond what the class has in common; it is no finding that anyone copied (two students "
        "may have worked together as allowed, or both followed the same public source), and it changes no "
        "grade.</li>\n"
        "<li>Marked code: <mark class=\"only\">a fragment no other submission has</mark>, "
        "<mark>a fragment some others have too</mark>.</li>\n</ul>\n</section>\n")


def render_html(gathered, comparison: Comparison, look: float) -> str:
    a = gathered.assignment
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             f"<title>Similar submissions: {_e(a)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
             f"<h1>Similar submissions: {_e(a)}</h1>\n"
             "<p>Pairs of graded submissions that resemble each other more than what the class has in common "
             "explains: similar, worth a look. Read the evidence before drawing any conclusion. This page was "
             "made on this machine from the course's own files; it loads nothing and sends nothing anywhere, "
             "and it changes no grade.</p>\n", _explanation(look)]
    summary = (f"{comparison.submissions} submission(s) compared, {comparison.compared} pair(s); "
               f"{len(comparison.pairs)} pair(s) worth a look (score {look:g} or more)"
               + (f"; every other pair scores at most {comparison.next_score:.0f}." if comparison.compared else "."))
    if comparison.submissions < 3:
        summary += " With fewer than 3 submissions no fragment or failure can be told rare: nothing is listed."
    header = ["#", "student", "student", "score", "code", "behaviour", "where the code matches", "failures in common"]
    table = _table(header, _summary_rows(comparison.pairs, "pair")) if comparison.pairs else "<p>None.</p>"
    more = (f"<p>The first {SHOWN_PAIRS} are shown; the CSV lists all {len(comparison.pairs)}.</p>\n"
            if len(comparison.pairs) > SHOWN_PAIRS else "")
    parts.append(f"<section id=\"pairs\">\n<h2>Pairs worth a look</h2>\n<p>{_e(summary)}</p>\n{table}\n{more}"
                 "</section>\n")
    parts += [_pair_section(f"pair-{rank}", rank, p, comparison, False)
              for rank, p in enumerate(comparison.pairs[:SHOWN_PAIRS], start=1)]
    if gathered.against:
        rows = _summary_rows(comparison.public, "public")
        parts.append("<section id=\"public\">\n<h2>Known public solutions</h2>\n"
                     f"<p>Each submission compared with the files of {_e(gathered.against)} ({len(gathered.public)} "
                     "read), code only (the files are not run): the share of the submission's distinctive code "
                     "found in the file.</p>\n"
                     + (_table(["#", "student", "file", "score", "code", "behaviour", "where the code matches",
                                "failures in common"], rows) if rows else "<p>No submission matches a file.</p>")
                     + "\n</section>\n")
        parts += [_pair_section(f"public-{rank}", rank, p, comparison, True)
                  for rank, p in enumerate(comparison.public[:SHOWN_PAIRS], start=1)]
    notes = [[_e(who), _e(why)] for who, why in gathered.left_out]
    notes += [[_e(s.who), _e(note)] for s in (*gathered.students, *gathered.public) for note in s.notes]
    parts.append("<section id=\"notes\">\n<h2>Not compared, and notes</h2>\n"
                 + (_table(["submission", "note"], notes) if notes else "<p>Every graded submission was read in full.</p>")
                 + "\n</section>\n</body>\n</html>\n")
    return "".join(parts)
