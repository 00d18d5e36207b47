"""The exporter of nbgrader's feedback pages (``c.GenerateFeedback.exporter_class``): nbconvert's
HTMLExporter with nbgrader's feedback template, made cheap enough to run once per submission.

Three costs of the stock exporter are dropped, the page itself unchanged in what it shows:

- the Jinja templates are compiled once per process, not once per page (a new exporter is made for
  every page; Jinja's own bytecode cache, checked against each template's source);
- the stock exporter parses its whole finished page again (BeautifulSoup, figures included, about
  half of a page's time) only to give images without alt text one and to make JupyterLab-template
  cells focusable. nbgrader's feedback template is the classic one, which has no such cells, so the
  alt text is added to the ``<img>`` tags directly; a page from another template gets the stock
  treatment;
- each code cell's syntax highlighting (pygments, most of the rest of a page's time) is kept for
  the process: every submission of an assignment repeats the same setup, test and example cells,
  so each is highlighted once, not once per student.

The page is made of a submission's notebook, hostile data: the notebook is made inert before
(:class:`deepgrad.adapters.untrusted_outputs.UntrustedOutputs`, in both autograde and feedback), and this
exporter is the second layer: nbconvert's ``sanitize_html`` (no JavaScript or widget output), its
``clean_html`` filter being nh3's allow-list instead of bleach's (HTML outputs, code cells), markdown
cleaned by the same allow-list (nbgrader's template does not clean it), and the
alt text added by a linear scan (a regex with a lookahead backtracked quadratically on student HTML).
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from html import escape

from jinja2 import BytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from traitlets import default

from autograder.messages import (
    N_,
    SOURCE_LANGUAGE,
    language_of,
    say,
    speaking,
    translated,
)

from ..grading.shown_verdict import VERDICT_MARK
from .untrusted_outputs import clean_html

NO_ALT = N_("No description has been provided for this image")  # nbconvert's own words

# The words nbgrader's feedback template (nbgrader 0.9.6's feedback/index.html.j2) writes around the
# notebook, as its markup has them: a page of another edition gets them in its language. Each is
# found as written with its tags, so that no text of the notebook itself is taken for one.
LABELS = (N_("Test cell"), N_("Coding free-response"), N_("Written response"), N_("Task"), N_("Comment"),
          N_("(Top)"), N_("Student's answer"), N_("Student's task"), N_("Grade cell:"), N_("Task:"),
          N_("Comments:"), N_("Late submission penalty"))
_LABEL_MARKUP = ('>{}</a>', '<span class="nbgrader-label">{}</span>', '<span class="nbgrader-label">{} <code>',
                 '<b>{}</b>', '<li class="late-penalty">{} ')
# Linear on any page: the indent after a new line is spaces and tabs only (a run of blank lines, which a
# student's output may hold, is not scanned again from each of its new lines).
_SCORE = re.compile(r"\(Score: (-?\d+(?:\.\d+)?) / (\d+(?:\.\d+)?)\)|(?<=\n)([ \t]*)Score: (-?\d+(?:\.\d+)?) / "
                    r"(\d+(?:\.\d+)?) |\(Score: -(\d+(?:\.\d+)?)\)")


def in_language(html: str, lang: str) -> str:
    """The feedback page ``html`` with the template's own words in ``lang`` (the notebook's are its own)."""
    if lang == SOURCE_LANGUAGE:
        return html
    with speaking(lang):
        for label in LABELS:
            for markup in _LABEL_MARKUP:
                html = html.replace(markup.format(label), markup.format(escape(translated(label), quote=False)))
        html = html.replace(f'alt="{NO_ALT}"', f'alt="{escape(translated(NO_ALT))}"')
        return _SCORE.sub(_score_in_language, html)


def _score_in_language(match: re.Match) -> str:
    if match.group(1) is not None:
        return say("(Score: {score} / {points})", score=match.group(1), points=match.group(2))
    if match.group(4) is not None:
        return match.group(3) + say("Score: {score} / {points} ", score=match.group(4), points=match.group(5))
    return say("(Score: -{penalty})", penalty=match.group(6))
_IMG = re.compile(r"<img\b", re.IGNORECASE)   # fixed strings: no backtracking anywhere
_ALT = re.compile(r"\salt=", re.IGNORECASE)


def with_alt_text(html: str) -> str:
    """Each ``<img`` whose tag (up to the next ``>``) has no ``alt=`` gets nbconvert's alt text.

    Linear: every ``<img`` and every `` alt=`` is found once; the tag's end is searched only past the
    last one found, and whether an ``alt=`` lies inside is a bisection."""
    alts = [m.start() for m in _ALT.finditer(html)]
    parts, last, end = [], 0, -1
    for m in _IMG.finditer(html):
        start = m.start()
        if end < start:
            end = html.find(">", start)
            end = len(html) if end < 0 else end
        at = bisect_left(alts, m.end())  # (the original lookahead began after "<img")
        if at < len(alts) and alts[at] < end:
            continue
        parts += [html[last:m.end()], f' alt="{NO_ALT}"']
        last = m.end()
    return "".join(parts) + html[last:] if parts else html


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory for the process; Jinja reuses one only if its source's
    checksum is unchanged."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_compiled = _CompiledTemplates()


_highlighted: dict[tuple, str] = {}  # (filter settings, source, language, metadata but run records) -> HTML
MAX_HIGHLIGHTED = 4096                  # cells kept; past it, the store starts again


# Cell metadata that records how one run went, different in every submission's notebook and never
# read to highlight source: nbclient's timings, the verdict's mark.
RUN_RECORDS = ("execution", VERDICT_MARK)


def _without_run_records(metadata):
    if isinstance(metadata, dict) and any(k in metadata for k in RUN_RECORDS):
        return {k: v for k, v in metadata.items() if k not in RUN_RECORDS}
    return metadata


class _KeptHighlighting:
    """nbconvert's ``highlight_code`` filter (a ``Highlight2HTML``), its results kept: the same
    source, language and cell metadata with the same filter settings give the same HTML."""

    def __init__(self, highlight):
        self.highlight = highlight
        self.settings = (type(highlight).__qualname__, getattr(highlight, "pygments_lexer", None),
                         json.dumps(getattr(highlight, "extra_formatter_options", None), sort_keys=True,
                                    default=repr))

    def __call__(self, source, language=None, metadata=None, **more):
        try:
            key = (self.settings, source, language, json.dumps(_without_run_records(metadata), sort_keys=True))
        except (TypeError, ValueError):  # metadata that is not plain JSON: highlighted afresh
            key = None
        if key is None or more:  # (arguments a later nbconvert may add: passed on, not kept)
            return self.highlight(source, language, metadata, **more)
        if key not in _highlighted:
            if len(_highlighted) >= MAX_HIGHLIGHTED:
                _highlighted.clear()
            _highlighted[key] = self.highlight(source, language, metadata)
        return _highlighted[key]


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter for feedback pages (see the module)."""

    @default("sanitize_html")
    def _sanitize_by_default(self):
        return True

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", clean_html)  # the last registered wins: nh3's allow-list, not bleach's

    @pass_context
    def markdown2html(self, context, source):
        # nbgrader's feedback template renders markdown cells without clean_html: cleaned here
        return clean_html(super().markdown2html(context, source))

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _compiled
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        try:  # HTMLExporter's own set-up, without its second pass over the page
            from nbconvert.filters.highlight import Highlight2HTML
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        except (ImportError, AttributeError):  # another nbconvert: its own way, whole
            html, resources = super().from_notebook_node(nb, resources, **kw)
            return in_language(html, language_of(nb.get("metadata"))), resources
        self.register_filter("highlight_code", _KeptHighlighting(highlight_code))
        self.register_filter("filter_data_type", data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if "jp-Notebook" in html:  # a JupyterLab template: the stock exporter's pass is needed
            html, resources = super().from_notebook_node(nb, resources, **kw)
            return in_language(html, language_of(nb.get("metadata"))), resources
        return in_language(with_alt_text(html), language_of(nb.get("metadata"))), resources
