"""Everything a submission produces is hostile data: no byte of it is live markup or script in any
page anyone opens (the student's feedback, the formgrader's view of the autograded notebook, the
class report, the demo's index), made inert by deepgrad.adapters.untrusted_outputs and
deepgrad.adapters.feedback_html. (How its outputs are bounded before they are stored:
tests/test_untrusted_output_caps.py.)

One catalogue of payloads is planted in every carrier a submission has (each display mime type,
markdown and raw cells, attachments, image data and metadata); each page is rendered the way its
reader gets it and checked twice: statically (the student's marker only ever as text) and in
headless Chromium (no payload ran, no request left the page). Each check is first shown to catch
the same notebook rendered without deepgrad's step (the planted bug)."""
from __future__ import annotations

import base64
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from conftest import NEEDS_CHROMIUM, NOTEBOOKS, ROOT, headless_chromium, released_course

MARK = "PWNED"
JS = f"window.{MARK}=(window.{MARK}||0)+1;document.title='{MARK}'"
# Each payload: HTML that would run JS or make a request ({url}: the test's own local server).
PAYLOADS = {
    "script": f"<script>{JS}</script>",
    "img_onerror": f'<img src="x" onerror="{JS}">',
    "svg_onload": f'<svg onload="{JS}"><script>{JS}</script></svg>',
    "javascript_link": f'<a href="javascript:{JS}">{MARK} link</a>',
    "data_link": f'<a href="data:text/html;base64,{base64.b64encode(f"<script>{JS}</script>".encode()).decode()}">d</a>',
    "iframe_srcdoc": f'<iframe srcdoc="<script>parent.{JS}</script>"></iframe>',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url={url}/meta">',
    "css_url": '<div style="background:url({url}/css)">c</div><style>body{{background:url({url}/style)}}</style>',
    "css_expression": f'<div style="width:expression({JS})">e</div>',
    "form_action": '<form action="{url}/form"><button formaction="{url}/button">go</button></form>',
    "object_embed": '<object data="{url}/object"></object><embed src="{url}/embed">',
    "base_href": '<base href="{url}/base/"><img src="relative.png">',
    "img_request": '<img src="{url}/img">',
    "markdown_link": f"[click](javascript:{JS}) and [data](data:text/html,<script>{JS}</script>)",
    "mermaid": f"```mermaid\n<img src=x onerror=\"{JS}\">\n```",
    "mathjax_href": f"$\\href{{javascript:{JS}}}{{x}}$",
}
# A PNG's base64 that would end its <img src="data:..."> attribute and open a script.
BREAKOUT_PNG = f'iVBORw0KGgo="><script>{JS}</script><img src="x'
# Carriers of a payload in an executed notebook: every display mime type a kernel can send.
MIMES = ("text/html", "image/svg+xml", "text/markdown", "text/latex", "application/vnd.jupyter.widget-view+json",
         "application/x-unknown")


def hostile_notebook(url: str) -> nbformat.NotebookNode:
    cells = []
    for name, payload in PAYLOADS.items():
        payload = payload.replace("{url}", url).replace("{{", "{").replace("}}", "}")
        cells.append(new_markdown_cell(f"{name}: {payload}", attachments={
            "a.png": {"image/png": BREAKOUT_PNG, "image/svg+xml": payload}}))
        cells.append(new_raw_cell(payload, metadata={"raw_mimetype": "text/html"}))
        cells.append(new_code_cell("show()", execution_count=1, outputs=[
            new_output("display_data", data={mime: {"model_id": payload} if "widget" in mime else payload})
            for mime in MIMES]))
    cells.append(new_markdown_cell("![a](attachment:a.png)", attachments={"a.png": {"image/png": BREAKOUT_PNG}}))
    cells.append(new_code_cell("hostile()", execution_count=2, outputs=[
        new_output("display_data", data={"application/javascript": JS, "text/plain": "js"}),
        new_output("display_data", data={"image/png": BREAKOUT_PNG}),
        new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "fig"},
                   metadata={"image/png": {"width": f"1 onerror={JS}", "height": f'1" onload="{JS}'}}),
        new_output("display_data", data={"text/html": PAYLOADS["script"]}, metadata={"text/html": {"isolated": True}}),
        new_output("stream", name="stdout", text=PAYLOADS["img_onerror"]),
        new_output("error", ename=PAYLOADS["script"], evalue=PAYLOADS["script"], traceback=[PAYLOADS["svg_onload"]]),
    ]))
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "html": PAYLOADS["script"]}}
    return nb


def autograded(nb):
    """What c.Autograde.autograde_preprocessors leave of it (the step that matters here)."""
    from deepgrad.adapters.untrusted_outputs import UntrustedOutputs

    return UntrustedOutputs().preprocess(nbformat.from_dict(nb), {})[0]


def feedback_page(nb, inert=True) -> str:
    """The student's page: c.GenerateFeedback's last step and exporter (planted bug: neither)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.converters import GenerateFeedback

    from deepgrad.adapters.feedback_html import FeedbackHTMLExporter
    from deepgrad.adapters.untrusted_outputs import UntrustedOutputs

    exporter = (FeedbackHTMLExporter if inert else HTMLExporter)(config=GenerateFeedback().config)
    if inert:
        nb = UntrustedOutputs().preprocess(autograded(nb), {})[0]
    resources = {"nbgrader": {"notebook": "a01", "score": 1.0, "max_score": 2.0, "late_penalty": 0}}
    return exporter.from_notebook_node(nb, resources)[0]


def formgrader_page(nb, tmp_path: Path, inert=True) -> str:
    """The formgrader's submission view, as nbgrader 0.9.6's SubmissionHandler makes it: a stock
    HTMLExporter with the `formgrade` template on the autograded notebook's file."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    path = tmp_path / "a01.ipynb"
    nbformat.write(autograded(nb) if inert else nb, path)
    resources = {"assignment_id": "a01", "notebook_id": "a01", "submission_id": "x", "index": 0, "total": 1,
                 "base_url": "", "student": "s", "last_name": "", "first_name": "", "notebook_path": "a01.ipynb"}
    return HTMLExporter(config=config).from_filename(str(path), resources=resources)[0]


def class_report_page(tmp_path: Path) -> str:
    from deepgrad.commands.class_report import ClassReport, TaskStats, render_html

    hostile = " ".join(PAYLOADS.values()).replace("{url}", "http://127.0.0.1:9")
    # student ids, statuses and reasons come from submissions; tasks and hints are the course's
    report = ClassReport(assignment="a01", scores={hostile: (1.0, 2.0)}, tasks=[TaskStats("a01_task", 2.0, 1)],
                         checks=[], hints=[], problems=[(hostile, "broken", hostile)],
                         statuses={hostile: hostile}, feedback={hostile: "/".join(  # as gather() links it
                             quote(part, safe="") for part in ("feedback", hostile, "a01", "a01.html"))})
    return render_html(report)


def demo_index_page(tmp_path: Path) -> str:
    from deepgrad.commands.demo import DemoResult, write_index

    hostile = " ".join(PAYLOADS.values()).replace("{url}", "http://127.0.0.1:9")
    return write_index(DemoResult(tmp_path, ["a01" + hostile], db_url=hostile)).read_text(encoding="utf-8")


LIVE_ATTRIBUTES = re.compile(r"^(on|href$|src$|action$|formaction$|data$|srcdoc$|style$|content$|background$|"
                             r"width$|height$|xlink:href$)")


def live_marks(page: str) -> list[str]:
    """Where the marker is more than text: in a script, a style, an attribute, or an element no
    page of ours has; [] for an inert page."""
    found = []
    for element in BeautifulSoup(page, "html.parser").find_all(True):
        if element.name in ("script", "style") and MARK in element.get_text():
            found.append(f"<{element.name}> holds it")
        if element.name in ("iframe", "object", "embed", "base", "form", "svg") or (
                element.name == "meta" and element.get("http-equiv")):
            found.append(f"a <{element.name}> element")
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            clicked_link = (element.name == "a" and name == "href"  # a link: only its scheme matters
                            and not re.match(r"\s*(javascript|vbscript|data)\s*:", value, re.I))
            if (LIVE_ATTRIBUTES.match(name.lower()) and not clicked_link and (
                    MARK in value or "127.0.0.1" in value or re.match(r"\s*(javascript|data:text)", value, re.I))):
                found.append(f"<{element.name} {name}={value[:60]!r}>")
    return found


PAGES = {"feedback": lambda nb, tmp, inert: feedback_page(nb, inert),
         "formgrader": lambda nb, tmp, inert: formgrader_page(nb, tmp, inert)}


@pytest.mark.parametrize("page", PAGES)
def test_no_payload_is_live_markup_in_the_page(page, tmp_path):
    """Static: the marker of every payload, in every carrier, is only ever text in the page; the
    same notebook without deepgrad's step is caught by the same check (planted bug)."""
    nb = hostile_notebook("http://127.0.0.1:9")
    assert len(live_marks(PAGES[page](nb, tmp_path, False))) > 20
    html = PAGES[page](nb, tmp_path, True)
    assert live_marks(html) == []
    assert not re.search(r"<script[^>]*>[^<]*" + MARK, html)
    assert not re.search(r"<[a-z][^<>]*\son\w+\s*=[^<>]*" + MARK, html, re.I)  # an event attribute in a tag
    assert "(not shown: output of type" in html  # the dropped outputs say so


@pytest.mark.parametrize("render", [class_report_page, demo_index_page], ids=["class_report", "demo_index"])
def test_reports_show_hostile_ids_and_reasons_as_text(render, tmp_path):
    html = render(tmp_path)
    assert live_marks(html) == []
    assert "&lt;script&gt;" in html  # shown, escaped


class _Requests(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 -- http.server's name
        type(self).seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


@NEEDS_CHROMIUM
def test_no_payload_runs_or_calls_out_in_chromium(tmp_path):
    """Each page opened in headless Chromium: no payload sets the flag or the title, no
    ``javascript:``/``data:`` link is left to click, and the local server the payloads aim at hears nothing;
    the formgrader's page of the raw notebook (planted bug) is caught by the same checks."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Requests)  # (Chrome keeps idle sockets open)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    nb = hostile_notebook(url)
    pages = {"feedback": feedback_page(nb), "formgrader": formgrader_page(nb, tmp_path),
             "class_report": class_report_page(tmp_path), "demo_index": demo_index_page(tmp_path),
             "planted: formgrader without deepgrad's step": formgrader_page(nb, tmp_path, inert=False)}
    ran = {}
    try:
        with headless_chromium() as browser:
            browser.set_page_load_timeout(30)
            # The pages' own scripts from CDNs (MathJax) fail at once instead of waiting on a network
            # this machine may not have; the payloads' local server stays reachable.
            browser.execute_cdp_cmd("Network.enable", {})
            browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["https://*"]})
            for name, html in pages.items():
                _Requests.seen.clear()
                path = tmp_path / f"{len(ran)}.html"
                path.write_text(html, encoding="utf-8")
                browser.get(path.as_uri())
                time.sleep(1.0)  # onerror handlers, iframes and refreshes get their turn
                flag = browser.execute_script(f"return window.{MARK} || 0")
                links = browser.execute_script(  # each one would run its script when clicked
                    "return [...document.querySelectorAll('a[href]')].filter(a => "
                    "['javascript:', 'data:', 'vbscript:'].includes(a.protocol)).length")
                ran[name] = (flag, browser.title == MARK, links, sorted(set(_Requests.seen)))
    finally:
        server.shutdown()
    planted = ran.pop("planted: formgrader without deepgrad's step")
    assert planted[0] and planted[1] and planted[2] and planted[3], planted  # the checks catch live payloads
    assert ran == {name: (0, False, 0, []) for name in ran}


def test_the_course_config_makes_every_notebook_inert():
    """nbgrader_config.py runs UntrustedOutputs before the autograded notebook is written (after
    the run, before LimitOutput and SaveAutoGrades) and last in generate_feedback, and its Execute
    cuts outputs as they arrive (planted bug: any of these taken out)."""
    from traitlets.config.loader import PyFileConfigLoader

    from deepgrad.adapters.feedback_html import FeedbackHTMLExporter
    from deepgrad.adapters.preprocessors import ExecuteWithoutTests
    from deepgrad.adapters.untrusted_outputs import BoundedOutputs, UntrustedOutputs

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    steps = config.Autograde.autograde_preprocessors
    names = [getattr(s, "__name__", s) for s in steps]
    assert UntrustedOutputs in steps
    assert names.index("UntrustedOutputs") < min(names.index("LimitOutput"), names.index("SaveAutoGrades"))
    assert names.index("ExecuteWithoutTests") < names.index("UntrustedOutputs")
    assert config.GenerateFeedback.preprocessors[-1] is UntrustedOutputs
    assert issubclass(ExecuteWithoutTests, BoundedOutputs)
    assert FeedbackHTMLExporter().sanitize_html


def test_markdown_stays_as_written_unless_it_holds_live_html():
    """The course's own markdown (entities, code spans, math, safe links) is kept byte for byte;
    raw HTML is escaped outside code; what escaping cannot fix is shown as a code block."""
    from deepgrad.adapters.untrusted_outputs import inert_markdown

    kept = "# Title\n\n*a* &amp; `init_<name>(x)` and $a<b$, [docs](https://numpy.org), <https://numpy.org>"
    assert inert_markdown(kept) == kept
    assert inert_markdown("init_<name>(shape) and `<sos>`") == "init_&lt;name>(shape) and `<sos>`"
    assert inert_markdown(PAYLOADS["markdown_link"]).startswith("```text\n")
    assert inert_markdown(PAYLOADS["mermaid"]).startswith("````text\n")


def _alt_by_regex(html):  # the exporter's former way: right, but quadratic on `<img` without `>`
    from deepgrad.adapters.feedback_html import NO_ALT

    return re.compile(r"<img\b(?![^>]*\salt=)", re.IGNORECASE).sub(f'<img alt="{NO_ALT}"', html)


def test_alt_text_is_added_in_linear_time():
    """The same tags get alt text as with the former regex, and 20,000 `<img` without `>` (which
    took that regex seconds) take well under a second (planted bug: the regex back)."""
    import random

    from deepgrad.adapters.feedback_html import with_alt_text

    rng = random.Random(1)
    for _ in range(2000):
        html = "".join(rng.choice(["<img", " alt=", "\talt=", ">", "x", " ", "<imgx", "alt=", "<IMG"]) for _ in range(12))
        assert with_alt_text(html).lower() == _alt_by_regex(html).lower(), html
    started = time.perf_counter()
    with_alt_text("<img " * 20_000)
    assert time.perf_counter() - started < 1.0


INVALID_METADATA = {"tags": ["t", "t", "a,b", 5], "collapsed": "x", "scrolled": 5, "name": 7, "editable": "no",
                    "jupyter": ["x"], "execution": {"iopub.status.busy": 1}}


def _with_invalid_metadata(nb):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        cell.metadata.update(INVALID_METADATA)
    nb.metadata.update({"title": 7, "authors": "me"})
    return nb


def test_a_notebook_with_metadata_of_any_shape_comes_out_valid():
    """Metadata nbformat's schema refuses (duplicate tags, a number where a flag belongs) made nbconvert
    refuse the whole notebook, so the student got no feedback page: is it valid after the step, with
    the cells' sources and verdict fields kept? (Planted bug: the notebook as it came.)"""
    from nbformat import ValidationError, validate

    nb = _with_invalid_metadata(new_notebook(cells=[new_markdown_cell("hi"), new_code_cell("x = 1"),
                                                    new_raw_cell("r")]))
    nb.cells[1].metadata["deepgrad_verdict"] = "mark"
    with pytest.raises(ValidationError):
        validate(nb)
    made = autograded(nb)
    validate(made)
    assert made.cells[0].metadata.tags == ["t"] and made.cells[1].metadata.deepgrad_verdict == "mark"
    assert [c.source for c in made.cells] == ["hi", "x = 1", "r"]


def test_an_unexecuted_autograded_notebook_is_as_inert_as_any(tmp_path):
    """Where nbgrader wrote no autograded notebook, deepgrad writes the submission unexecuted: are its
    cells made inert and valid too (the formgrader shows it)? (Planted bug: the snapshot as it was.)"""
    from deepgrad.runs.autograde import write_unexecuted

    snapshot = tmp_path / "snapshot.ipynb"
    nb = new_notebook(cells=[new_markdown_cell(PAYLOADS["script"]), new_code_cell("x = 1")])
    snapshot.write_text(nbformat.writes(_with_invalid_metadata(nb)), encoding="utf-8")
    write_unexecuted(snapshot, tmp_path / "autograded" / "a01.ipynb", "a test")
    written = nbformat.read(tmp_path / "autograded" / "a01.ipynb", as_version=4)
    nbformat.validate(written)
    assert "<script" not in written.cells[1].source and "nbgrader could not run" in written.cells[0].source
    assert live_marks(formgrader_page(written, tmp_path, inert=False)) == []


def test_a_submission_with_invalid_metadata_is_run_and_gets_feedback(tmp_path):
    """Graded through the course's config: does nbgrader run a notebook whose cells carry metadata of
    the wrong shapes (no "could not run" note), and does its feedback page come out?"""
    from deepgrad.runs.autograde import autograde
    from deepgrad.adapters.nbgrader_api import Nbgrader
    from deepgrad.commands.submissions import answered, write

    course, release, answers = released_course(tmp_path / "course")
    name = NOTEBOOKS["a01"]
    write(_with_invalid_metadata(answered(release, answers)), course / "submitted" / "kim" / name / f"{name}.ipynb")
    grader = Nbgrader(course)
    (verdict,) = autograde(course, name, ["kim"], grader=grader)
    assert verdict.status == "graded" and verdict.score == 16, verdict.reason
    assert "nbgrader could not run" not in (course / "autograded" / "kim" / name / f"{name}.ipynb").read_text()
    grader.generate_feedback(name, "kim")
    assert (course / "feedback" / "kim" / name / f"{name}.html").is_file()
