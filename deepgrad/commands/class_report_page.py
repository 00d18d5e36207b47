"""The class report's page (``deepgrad report``): one self-contained HTML file, said in a language.

It loads nothing from anywhere (its charts are embedded PNGs), and every piece of text in it is
escaped: student ids and reasons are untrusted. Its own words are said in the language the
instructor asks for (``deepgrad report --lang``); the students' messages it quotes are each in the
language its student was graded in.
"""
from __future__ import annotations

import base64
import html
import io
import statistics

from autograder.messages import phrase, say
from autograder.terminal import escape_controls


def _png(figure) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram_png(scores: list[float], most: float) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.8))
    axes = figure.add_subplot()
    top = max(most, max(scores, default=0), 1)
    bins = min(20, max(1, int(round(top))))
    axes.hist(scores, bins=bins, range=(0, top), color="#4063a0", edgecolor="white")
    axes.set_xlabel(say("score (out of {most:g})", most=most))
    axes.set_ylabel(say("submissions"))
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def pass_rate_png(tasks) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 0.6 + 0.32 * max(1, len(tasks))))
    axes = figure.add_subplot()
    names = [t.task for t in tasks][::-1]
    axes.barh(names, [100 * t.pass_rate for t in tasks][::-1], color="#3c8d5a")
    axes.set_xlim(0, 100)
    axes.set_xlabel(say("pass rate (%)"))
    return _png(figure)


def _e(value) -> str:
    # Control characters shown as escapes too: a bidirectional override would reorder what is read.
    return html.escape(escape_controls(str(value)), quote=True)


def _words(text: str) -> str:
    """The page's own words, escaped as text (a catalogue is ours, but nothing goes in unescaped)."""
    return html.escape(text, quote=False)


def _pct(rate: float) -> str:
    return f"{100 * rate:.0f} %"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of already escaped cells (the header's words are escaped here)."""
    head = "".join(f"<th>{_words(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.reason { font-family: monospace; font-size: 90%; white-space: pre-wrap; word-break: break-word; }
.broken { color: #a00; } .review { color: #a60; }
"""


def _section(anchor: str, title: str, *parts: str) -> str:
    return f"<section id=\"{anchor}\">\n<h2>{_words(title)}</h2>\n" + "".join(parts) + "\n</section>\n"


def _p(text: str) -> str:
    return f"<p>{_words(text)}</p>\n"


def render_html(report, lang: str = "en") -> str:
    """The page of a :class:`deepgrad.commands.class_report.ClassReport`, its words said in the current
    language (``lang``: the page's ``<html lang>``)."""
    a = report.assignment
    values = sorted(score for score, _ in report.scores.values())
    most = max((m for _, m in report.scores.values()), default=0.0)
    summary = say("{count} submission(s) in the gradebook; mean {mean:.2f}, median {median:g}, lowest {lowest:g}, "
                  "highest {highest:g} (out of {most:g}).", count=len(values), mean=statistics.fmean(values),
                  median=statistics.median(values), lowest=values[0], highest=values[-1], most=most)
    title = say("Class report: {assignment}", assignment=a)
    parts = [f"<!DOCTYPE html>\n<html lang=\"{_e(lang)}\">\n<head>\n<meta charset=\"utf-8\">\n"
             f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{_e(title)}</h1>\n"
             + _p(say("From the gradebook (scores) and the grading report (statuses, reasons, check messages)."))]
    parts.append(_section("scores", say("Scores"), _p(summary),
                          f"<img alt=\"{_e(say('histogram of the scores of {assignment}', assignment=a))}\" "
                          f"src=\"data:image/png;base64,{histogram_png(values, most)}\">"))

    task_rows = [[_e(t.task), f"{t.max_points:g}", str(t.submissions), str(t.passed), _pct(t.pass_rate),
                  f"{t.mean_score:.2f}"] for t in report.tasks]
    chart = (f"\n<img alt=\"{_e(say('pass rate per task'))}\" src=\"data:image/png;base64,"
             f"{pass_rate_png(report.tasks)}\">" if report.tasks else "")
    parts.append(_section("tasks", say("Pass rate per task"), _p(say("A task passes with its full points.")),
                          _table([say("task"), say("max points"), say("submissions"), say("passed"), say("pass rate"),
                                  say("mean score")], task_rows), chart))

    if report.checks:
        check_rows = [[_e(c.check), _e(say("hidden") if c.hidden else say("public")), _e(c.task), str(c.failed),
                       str(c.judged), _pct(c.pass_rate)] for c in report.checks]
        checks = _table([say("check"), say("inputs"), say("task"), say("failed"), say("judged"), say("pass rate")],
                        check_rows)
    else:
        checks = _p(say("No check failed."))
    parts.append(_section("checks", say("Pass rate per check"), _p(say(
        "Checks that failed at least once, by the grading report's messages (a check not listed passed for every "
        "submission whose task was judged). Public and hidden inputs are counted apart.")), checks))

    if report.hints:
        hints = _table([say("hint: the likely mistake"), say("failed checks"), say("students")],
                       [[_e(phrase(kind)), str(n), str(who)] for kind, n, who in report.hints])
    else:
        hints = _p(say("No hint fired."))
    parts.append(_section("diagnoses", say("Diagnoses"), _p(say(
        "The hints that named a known mistake in a wrong value, most frequent first.")), hints))

    if report.problems:
        problems = _table([say("student"), say("status"), say("reason")],
                          [[_e(s), f"<span class=\"{_e(status)}\">{_e(status)}</span>",
                            f"<span class=\"reason\">{_e(reason)}</span>"]
                           for s, status, reason in report.problems])
    else:
        problems = _p(say("None: every submission was graded."))
    parts.append(_section("problems", say("Broken and review submissions"), problems))

    student_rows = []
    for student in sorted(set(report.scores) | set(report.statuses)):
        score = report.scores.get(student)
        link = report.feedback.get(student)
        student_rows.append([_e(student), f"{score[0]:g} / {score[1]:g}" if score else "-",
                             _e(report.statuses.get(student, "-")),
                             f"<a href=\"{_e(link)}\">{_words(say('feedback'))}</a>" if link
                             else _words(say("no feedback page yet"))])
    parts.append(_section("students", say("Students"),
                          _table([say("student"), say("score"), say("status"), say("feedback")], student_rows)))
    parts.append("</body>\n</html>\n")
    return "".join(parts)
