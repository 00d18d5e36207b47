"""The English text of a course notebook that an edition in another language replaces: its units.

A *unit* is one piece of prose, found where it sits in a cell's source:

- in a markdown cell, each paragraph (blank lines separate them; a ``$$`` formula or a fenced block
  that spans blank lines stays inside its paragraph). A paragraph of formulas or code only is no
  unit: there is nothing to translate;
- in a code cell that nbgrader does not grade (every cell but the test cells), each comment, each docstring, and each
  string a figure or a print shows (a title, an axis label, a legend entry, a printed line, a
  progress bar's description, a key of a dict the course's plots draw as a legend), f-strings included, their ``{...}`` kept as they are. Comments and
  strings inside ``### BEGIN SOLUTION`` blocks are not units: the release has none of them.

Code, names, signatures, grade ids and the test cells (which nbgrader replaces by its gradebook's
copy at every autograde) are never units, so every edition has them byte for byte
(:func:`code_outside_units` is what the tests compare).
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

# Calls whose string arguments a figure or a print shows, and keywords that show their string anywhere.
SHOWN_CALLS = frozenset({"print", "title", "set_title", "suptitle", "xlabel", "ylabel", "set_xlabel",
                         "set_ylabel", "text", "figtext", "annotate", "legend", "set_label"})
SHOWN_KEYWORDS = frozenset({"label", "title", "xlabel", "ylabel", "desc", "suptitle"})
# The course's plots (dlkit.plots) whose dict arguments' keys are the legend's entries.
LEGEND_KEYS = frozenset({"curves", "paths_on_curve", "surface_with_paths"})
MARKERS = re.compile(r"^#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)|YOUR CODE HERE|noqa|type:\s")
WORD = re.compile(r"[A-Za-z]{2,}")
NOT_PROSE = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|```.*?```|~~~.*?~~~|`[^`\n]*`|<[^>\n]*>|\]\([^)\n]*\)|https?://\S+",
                       re.DOTALL)
STRING = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")(.*)\2", re.DOTALL)


@dataclass(frozen=True)
class Unit:
    """One piece of prose: ``cell`` (index), ``start``/``end`` (characters of the cell's source it
    spans), ``text`` (what it says, the catalogue's key) and ``kind`` (markdown, comment, docstring,
    shown)."""

    cell: int
    start: int
    end: int
    text: str
    kind: str


def is_prose(text: str) -> bool:
    """Whether ``text`` has a word left once formulas, code, tags and links are taken out."""
    return bool(WORD.search(NOT_PROSE.sub(" ", text)))


def is_fixed(cell) -> bool:
    """A cell both editions share byte for byte: a test cell, which nbgrader's autograde replaces
    by its gradebook's copy, hidden tests and all. (A locked setup cell is translated: each
    edition's is recognised as its own, see :mod:`deepgrad.adapters.translated_release`.)"""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def paragraphs(source: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of a markdown source, a blank line inside a fence or a
    ``$$`` formula not ending it."""
    spans, start, offset, fence, math = [], None, 0, None, False
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if start is None and stripped:
            start = offset
        if fence is not None:
            fence = None if stripped.startswith(fence) else fence
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif stripped.count("$$") % 2:
            math = not math
        if not stripped and start is not None and fence is None and not math:
            spans.append((start, offset))
            start = None
        offset += len(line)
    if start is not None:
        spans.append((start, offset))
    return [(a, a + len(source[a:b].rstrip("\n"))) for a, b in spans]


def _solution_lines(source: str) -> set[int]:
    """Line numbers (1-based) inside a ``### BEGIN SOLUTION`` block, markers included."""
    inside, lines = False, set()
    for number, line in enumerate(source.splitlines(), 1):
        if "BEGIN SOLUTION" in line:
            inside = True
        if inside:
            lines.add(number)
        if "END SOLUTION" in line:
            inside = False
    return lines


class _Offsets:
    """Character offsets in a source from (line, column) pairs, columns in characters or in the
    UTF-8 bytes ``ast`` counts."""

    def __init__(self, source: str):
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def of(self, line: int, column: int, in_bytes: bool = False) -> int:
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        if in_bytes:
            column = len(text.encode()[:column].decode(errors="ignore"))
        return self.starts[line - 1] + column


def _shown_strings(tree: ast.AST) -> list[ast.expr]:
    """The string nodes a print or a figure shows, and every docstring."""
    found: list[ast.expr] = []

    def strings(node):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            found.append(node)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for element in node.elts:
                strings(element)
        elif isinstance(node, ast.BinOp):  # "..." % x, "..." + "..."
            strings(node.left)
            strings(node.right)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            strings(node.func.value)

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.append(body[0].value)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in SHOWN_CALLS:
                for arg in node.args:
                    strings(arg)
            if name in LEGEND_KEYS:
                for arg in node.args:
                    if isinstance(arg, ast.Dict):
                        for key in arg.keys:
                            strings(key)
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS:
                    strings(keyword.value)
    return found


def code_units(index: int, source: str, prose_only: bool = True) -> list[Unit]:
    """The comments, docstrings and shown strings of a code cell's source (none if it does not
    parse); with ``prose_only`` False, also those with no English word (as in a translation)."""
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError, IndentationError):
        return []
    offsets, skip, units = _Offsets(source), _solution_lines(source), []
    for token in tokens:
        if token.type != tokenize.COMMENT or token.start[0] in skip or MARKERS.search(token.string):
            continue
        body = token.string.lstrip("#").lstrip()
        if is_prose(body) or not prose_only:
            end = offsets.of(*token.end)
            units.append(Unit(index, end - len(body), end, body, "comment"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr)}
    for node in _shown_strings(tree):
        if node.lineno in skip:
            continue
        start = offsets.of(node.lineno, node.col_offset, in_bytes=True)
        end = offsets.of(node.end_lineno, node.end_col_offset, in_bytes=True)
        literal = STRING.fullmatch(source[start:end])
        quote = literal.group(2) if literal else ""
        if not literal or quote in literal.group(3).replace("\\" + quote[0], "") or \
                (prose_only and not is_prose(literal.group(3))):
            continue  # several literals side by side, or nothing to translate
        inner = start + len(literal.group(1)) + len(quote)
        kind = "docstring" if id(node) in docstrings else "shown"
        units.append(Unit(index, inner, inner + len(literal.group(3)), literal.group(3), kind))
    return sorted(units, key=lambda unit: unit.start)


def units(nb) -> list[Unit]:
    """Every unit of a notebook, in order."""
    found: list[Unit] = []
    for index, cell in enumerate(nb["cells"]):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            found += [Unit(index, a, b, source[a:b], "markdown") for a, b in paragraphs(source)
                      if is_prose(source[a:b])]
        elif cell["cell_type"] == "code" and not is_fixed(cell):
            found += code_units(index, source)
    return found


def replaced(nb, translate) -> list[str]:
    """Each unit of ``nb`` replaced, in place, by ``translate(unit)`` (a str, or None to keep it);
    the sources of the units ``translate`` had nothing for."""
    missing = []
    by_cell: dict[int, list[Unit]] = {}
    for unit in units(nb):
        by_cell.setdefault(unit.cell, []).append(unit)
    for index, found in by_cell.items():
        cell = nb["cells"][index]
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for unit in sorted(found, key=lambda u: u.start, reverse=True):
            text = translate(unit)
            if text is None:
                missing.append(unit.text)
                continue
            source = source[:unit.start] + text + source[unit.end:]
        cell["source"] = source
    return missing[::-1]


def code_outside_units(nb) -> list[str]:
    """Each code cell's source with its units blanked: what every edition of a notebook shares."""
    blanked = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for unit in sorted(code_units(index, source, prose_only=False) if not is_fixed(cell) else [],
                           key=lambda u: -u.start):
            source = source[:unit.start] + "…" + source[unit.end:]
        blanked.append(source)
    return blanked
