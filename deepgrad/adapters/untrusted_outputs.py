"""Every part of a notebook that a submission controls, made inert and bounded before anyone sees it.

A submission's markdown cells, and everything its code makes a kernel display, end up in pages that
trusted people open: the student's feedback page, and the formgrader's view of the autograded
notebook in the instructor's own Jupyter session. nbconvert's templates put ``text/html``,
``application/javascript`` and markdown's raw HTML into those pages as they are, and a kernel can
print without end. So nothing a submission wrote is trusted, wherever it comes from:

- :class:`UntrustedOutputs` (in ``c.Autograde.autograde_preprocessors``, before the autograded
  notebook is written, and in ``c.GenerateFeedback.preprocessors`` for notebooks made any other
  way) keeps of each output only text and PNG/JPEG images (their base64 checked, their sizes
  numbers); HTML and markdown become HTML cleaned by nh3's allow-list (no script, no event
  attribute, no style, no image, no ``javascript:``/``data:`` link), anything else (JavaScript, SVG,
  LaTeX, widgets, unknown types) is dropped for its text. Markdown and raw cells keep no live HTML
  (see :func:`inert_markdown`), attachments only checked PNG/JPEG.
- Sizes are capped, with a visible "(cut: N bytes more)": each output's text at
  :data:`MAX_OUTPUT_BYTES`, each image at :data:`MAX_IMAGE_BYTES`, the notebook's outputs at
  :data:`MAX_NOTEBOOK_OUTPUT_BYTES`. :class:`BoundedOutputs` applies the same caps inside nbgrader's
  Execute as each output arrives, so a kernel printing without end never fills the grading process.
- :func:`clean_html` is also the feedback exporter's second layer (:mod:`deepgrad.adapters.feedback_html`).
"""
from __future__ import annotations

import functools
import math
import re
from html import escape

import nbformat
import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.messages import language, say, speaking_as
from autograder.notebook import cell_type, nbgrader_meta

from ..base.notebook_metadata import make_valid

MAX_OUTPUT_BYTES = 64 * 2**10           # the text of one output (a stream, a traceback, a cleaned HTML)
MAX_IMAGE_BYTES = 2 * 2**20             # one PNG/JPEG, base64 (a course figure is ~50 KiB)
MAX_NOTEBOOK_OUTPUT_BYTES = 4 * 2**20   # all outputs of one notebook, test cells' verdict aside
MAX_SOURCE_BYTES = 256 * 2**10          # one markdown or raw cell's source
NOTE_BYTES = 200                        # a cut's note; one per cell may come on top of the notebook cap
KEPT = ("text/plain", "image/png", "image/jpeg")  # shown as escaped text or as a checked data: image
IMAGES = ("image/png", "image/jpeg")

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")  # one bounded class, no backtracking
_SCHEMES = frozenset({"http", "https", "mailto", "data"})  # data: only for a checked image (below)
_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "*": {"class", "title"},
               **{f"h{n}": {"id"} for n in range(1, 7)}}  # markdown's heading anchors


def _kept_url(element: str, attribute: str, value: str) -> str | None:
    """nh3's hook: an image's source only a base64 PNG/JPEG ``data:`` URL (anything else would be a
    request as the page opens), and no other ``data:`` URL."""
    if attribute == "src" or value.lower().lstrip().startswith("data:"):
        return value if element == "img" and attribute == "src" and _data_image(value) else None
    return value


def _data_image(url: str) -> bool:
    head, _, data = url.partition(",")
    return head in ("data:image/png;base64", "data:image/jpeg;base64") and valid_base64(data)


def clean_html(html, images: bool = True) -> str:
    """nh3's allow-list (linear, no script, style or event attribute); ``images=False``: no ``<img>``
    at all, for what a kernel displays (whose every request would leave the page)."""
    html = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
    tags = set(nh3.ALLOWED_TAGS) if images else set(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
    return nh3.clean(html, tags=tags, attributes=_ATTRIBUTES, url_schemes=set(_SCHEMES),
                     attribute_filter=_kept_url, link_rel=None, strip_comments=True)  # (no target=: no rel needed)


def valid_base64(data) -> bool:
    return isinstance(data, str) and _BASE64.fullmatch(data.replace("\n", "")) is not None


def utf8_bytes(text: str) -> int:
    """Length in UTF-8, measured in slices (a 200 MiB text is not copied whole)."""
    step = 2**20
    return sum(len(text[i:i + step].encode("utf-8", "surrogatepass")) for i in range(0, len(text), step))


def cut(text: str, cap: int) -> str:
    """``text`` if it fits in ``cap`` bytes, else its start and the note, ``cap`` bytes in all."""
    if len(text) * 4 <= cap or utf8_bytes(text) <= cap:
        return text
    more = utf8_bytes(text)
    note = say("\n… (cut: {count} bytes more)\n", count=more)  # `more` is at most this many bytes too
    room = max(0, cap - len(note.encode()))
    head = text[:room].encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return head + say("\n… (cut: {count} bytes more)\n", count=more - len(head.encode("utf-8", "surrogatepass")))


def _text(value) -> str:
    if isinstance(value, list):  # nbformat's multi-line strings
        value = "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _cut_lines(lines: list[str], cap: int) -> list[str]:
    """The lines as they are if they fit in ``cap`` bytes together, else joined and cut."""
    if sum(map(utf8_bytes, lines)) + len(lines) <= cap:
        return lines
    return [cut("\n".join(lines), cap)]


def _html_of(html: str) -> str:
    """Cleaned HTML within MAX_OUTPUT_BYTES: cut before cleaning (nh3 closes what the cut opened),
    never after, so no tag is ever left half written."""
    room = MAX_OUTPUT_BYTES
    while room >= 1024:
        cleaned = clean_html(cut(html, room), images=False)
        if utf8_bytes(cleaned) <= MAX_OUTPUT_BYTES:
            return cleaned
        room //= 4
    return ""


def _markdown_html(source: str) -> str:
    return MarkdownWithMath(renderer=IPythonRenderer(escape=False, allow_harmful_protocols=False)).render(source)


def _number(value):
    ok = type(value) in (int, float) and math.isfinite(value) and 0 < value < 100_000
    return int(value) if ok else None


def safe_output(out) -> dict | None:
    """One output, inert and within the per-output caps (None: nothing of it can be shown)."""
    kind = out.get("output_type") if isinstance(out, dict) else None
    if kind == "stream":
        name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stdout"
        text = cut(_text(out.get("text")), MAX_OUTPUT_BYTES)
        return nbformat.v4.new_output("stream", name=name, text=text) if text else None
    if kind == "error":
        lines = out.get("traceback") if isinstance(out.get("traceback"), list) else []
        return nbformat.v4.new_output("error", ename=cut(_text(out.get("ename")), 1024),
                                      evalue=cut(_text(out.get("evalue")), 4096),
                                      traceback=_cut_lines([_text(line) for line in lines], MAX_OUTPUT_BYTES))
    if kind not in ("display_data", "execute_result"):
        return None
    data = out.get("data") if isinstance(out.get("data"), dict) else {}
    metadata = out.get("metadata") if isinstance(out.get("metadata"), dict) else {}
    kept, meta, dropped = {}, {}, []
    for mime, value in data.items():
        if mime in IMAGES and valid_base64(value) and len(value) <= MAX_IMAGE_BYTES:
            kept[mime] = value
            sizes = metadata.get(mime) if isinstance(metadata.get(mime), dict) else {}
            meta[mime] = {k: n for k in ("width", "height") if (n := _number(sizes.get(k))) is not None}
        elif mime == "text/plain":
            kept[mime] = cut(_text(value), MAX_OUTPUT_BYTES)
        elif mime == "text/html" and _text(value):
            kept[mime] = _html_of(_text(value))
        elif mime == "text/markdown" and _text(value):
            kept["text/html"] = _html_of(_markdown_html(cut(_text(value), MAX_OUTPUT_BYTES)))
        else:
            dropped.append(mime if isinstance(mime, str) else "?")
    if dropped and "text/plain" not in kept:
        kept["text/plain"] = cut(say("(not shown: output of type {kinds}; only text and PNG/JPEG images are)",
                                     kinds=", ".join(dropped)), 1024)
    if not kept:
        return None
    made = nbformat.v4.new_output(kind, data=kept, metadata={m: v for m, v in meta.items() if v})
    if kind == "execute_result":
        made["execution_count"] = out.get("execution_count") if type(out.get("execution_count")) is int else None
    return made


def output_bytes(out) -> int:
    if out.get("output_type") == "stream":
        return utf8_bytes(_text(out.get("text")))
    if out.get("output_type") == "error":
        return sum(utf8_bytes(_text(line)) for line in out.get("traceback", []))
    return sum(utf8_bytes(_text(v)) for v in (out.get("data") or {}).values())


def over_cap_note(more: int) -> dict:
    return nbformat.v4.new_output("stream", name="stdout", text=say(
        "… (cut: {count} bytes more: this notebook's outputs are over {cap} MiB)\n", count=more,
        cap=MAX_NOTEBOOK_OUTPUT_BYTES // 2**20))


# Markdown: live HTML comes from raw HTML, from any link whose scheme is not plainly safe
# (nbconvert renders markdown allowing every scheme), from a mermaid block (its text is not
# escaped) and from MathJax's \href/\url; an image other than an attachment is a request. The test is nbconvert's own renderer: a source is kept
# as written only if it renders the same with raw HTML escaped and unsafe links refused.


class _Refusing(IPythonRenderer):
    """nbconvert's markdown renderer refusing raw HTML (escaped) and links of unsafe schemes."""

    def __init__(self, attachments):
        super().__init__(escape=False, allow_harmful_protocols=False, attachments=attachments)

    def block_html(self, html: str) -> str:
        return escape(html)

    def inline_html(self, html: str) -> str:
        return escape(html)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        # only a cell's own attachments: any other source is a request the page would make
        return super().image(text, url, title) if url.startswith("attachment:") else escape(text)

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_MATH_LINK = re.compile(r"\\(href|url)(?![A-Za-z])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1|`+")  # a lone run of backticks is left as is


def _renders_inert(source: str, attachments: dict) -> bool:
    try:  # nbconvert's HTMLExporter.markdown2html renders as `page` does
        page = MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments)).render(source)
        refused = MarkdownWithMath(renderer=_Refusing(attachments)).render(source)
        return page == refused and 'class="mermaid"' not in page and not _MATH_LINK.search(source)
    except Exception:  # noqa: BLE001 -- (a missing attachment, a renderer failure): not shown as written
        return False


def _escape_outside_code(source: str) -> str:
    """``<`` that would start a tag becomes ``&lt;``, and an image's ``![`` plain text, outside fenced
    blocks and code spans (which show them as written); MathJax's links become plain text."""
    lines, fence = [], None
    for line in source.split("\n"):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            lines.append(line)
            continue
        if opened:
            fence = opened.group(1)
            lines.append(line)
            continue
        parts, last = [], 0
        for span in _CODE_SPAN.finditer(line):
            parts += [_escape_text(line[last:span.start()]), span.group(0)]
            last = span.end()
        lines.append("".join(parts) + _escape_text(line[last:]))
    return _MATH_LINK.sub(r"\\mathrm{\1}", "\n".join(lines))


def _escape_text(text: str) -> str:
    return _TAG_START.sub("&lt;", text).replace("![", "!\\[")  # an image's syntax, shown as written


def inert_markdown(source: str, attachments: dict | None = None) -> str:
    """A markdown source that nbconvert renders with no live HTML: as written when it already is,
    else with its tags escaped, else shown whole as a code block."""
    source = cut(source, MAX_SOURCE_BYTES)
    if not attachments and len(source) <= CACHED_SOURCE_CHARS:
        return _inert_markdown_of(source, language())
    return _inert_markdown(source, attachments or {})


# Most markdown cells of a class's submissions are the release's own, the same in every notebook:
# each is rendered (twice, by nbconvert's markdown renderer) once per process, not once per
# submission. The answer is a function of the source alone (no attachments): nothing of one
# submission reaches another's. Bounded: at most 1024 sources of up to 16 Ki characters.
CACHED_SOURCE_CHARS = 16 * 2**10


@functools.lru_cache(maxsize=1024)
def _inert_markdown_of(source: str, lang: str) -> str:
    """(``lang``: the answer's note, where a cell cannot be shown, is said in it)"""
    return _inert_markdown(source, {})


def _inert_markdown(source: str, attachments: dict) -> str:
    if _renders_inert(source, attachments):
        return source
    escaped = _escape_outside_code(source)
    if _renders_inert(escaped, attachments):
        return escaped
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", source)), default=0))
    shown = f"{fence}text\n" + _MATH_LINK.sub(r"\\mathrm{\1}", source) + f"\n{fence}"
    return shown if _renders_inert(shown, {}) else say("(this cell is not shown: it could not be made safe to display)")


def safe_attachments(attachments) -> dict:
    """Only checked PNG/JPEG; a name whose images are all refused keeps an empty PNG, so that the
    markdown naming it still renders."""
    safe = {}
    for name, bundle in (attachments.items() if isinstance(attachments, dict) else ()):
        if isinstance(name, str) and isinstance(bundle, dict):
            safe[name] = {m: v for m, v in bundle.items() if m in IMAGES and valid_base64(v)
                          and len(v) <= MAX_IMAGE_BYTES} or {"image/png": ""}
    return safe


def is_test_cell(cell) -> bool:
    """A code cell nbgrader grades automatically (its metadata says grade, not solution): its
    outputs are the verdict's. Read from any shape of metadata."""
    meta = nbgrader_meta(cell)
    return cell_type(cell) == "code" and bool(meta.get("grade")) and not meta.get("solution")


def make_inert(nb) -> None:
    """Every student-controlled part of ``nb`` inert, bounded and valid, in place (see the module)."""
    make_valid(nb)
    left = MAX_NOTEBOOK_OUTPUT_BYTES + NOTE_BYTES * len(nb.cells)
    for cell in nb.cells:
        kind = cell_type(cell)
        if kind in ("markdown", "raw"):
            if "attachments" in cell:
                cell["attachments"] = safe_attachments(cell.get("attachments"))
            source = _text(cell.get("source"))
            cell["source"] = (inert_markdown(source, cell.get("attachments")) if kind == "markdown"
                              else clean_html(cut(source, MAX_SOURCE_BYTES), images=False))
            continue
        if kind != "code":
            continue
        if type(cell.get("execution_count")) is not int:
            cell["execution_count"] = None
        outputs = [o for o in map(safe_output, cell.get("outputs") or []) if o is not None]
        if is_test_cell(cell):  # the verdict's own messages: never cut (they are marked as written)
            cell["outputs"] = outputs
            continue
        kept = []
        for number, out in enumerate(outputs):
            size = output_bytes(out)
            if size > left:
                kept.append(over_cap_note(sum(map(output_bytes, outputs[number:]))))
                left = 0
                break
            left -= size
            kept.append(out)
        cell["outputs"] = kept


class UntrustedOutputs(NbGraderPreprocessor):
    """The notebook's student-controlled parts made inert and bounded (:func:`make_inert`)."""

    def preprocess(self, nb, resources):
        nb = nbformat.from_dict(nb)
        with speaking_as(nb):  # the notes it leaves, in the notebook's edition
            make_inert(nb)
        return nbformat.from_dict(nb), resources  # (the metadata it rebuilt as nbformat's nodes too)


class BoundedOutputs:
    """Mixed into nbgrader's ``Execute`` (an nbclient ``NotebookClient``): each output is made safe
    and cut as it arrives, and once the notebook's outputs reach their cap the rest are kept out
    (a cell says how much), so the grading process never holds more than the caps plus one
    kernel message."""

    def preprocess(self, nb, resources=None, km=None):
        self._cell_bytes: dict[int, int] = {}
        self._left_out: dict[int, int] = {}
        with speaking_as(nb):  # the notes it leaves, in the notebook's edition
            return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        before = len(outs)
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return out
        if len(outs) <= before:  # nbclient cleared the cell first
            self._cell_bytes[cell_index] = 0
        safe = safe_output(out) or nbformat.v4.new_output("stream", name="stdout", text="")
        size = output_bytes(safe)
        if sum(self._cell_bytes.values()) + size > MAX_NOTEBOOK_OUTPUT_BYTES:
            self._left_out[cell_index] = self._left_out.get(cell_index, 0) + size
            safe = nbformat.v4.new_output("stream", name="stdout", text="")  # its place kept for display ids
            size = 0
        out.clear()
        out.update(safe)
        self._cell_bytes[cell_index] = self._cell_bytes.get(cell_index, 0) + size
        return out

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        if not outs:
            self._cell_bytes[cell_index] = 0

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if self._left_out.get(index):
            cell.outputs.append(over_cap_note(self._left_out.pop(index)))
        return cell, resources
