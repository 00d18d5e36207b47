"""The code signal of ``deepgrad similar``: a submission's answers as fingerprints, read as text and
never run.

Each answer cell is cut into *units* with Python's :mod:`ast` (each top-level function or class,
and the cell's other code together), and each unit into tokens with :mod:`tokenize`. The tokens
are normalised so that what does not change a program does not hide a copy:

- comments, docstrings (a statement that is only a string), blank lines and line breaks inside
  brackets are dropped; ``;`` and a line's end are one token; a trailing comma is dropped;
- every name is ``V``, except Python's keywords and builtins, the names the release itself defines
  (``np``, ``EPS``, the functions the notebook asks for: they say what the code does), an attribute
  (``.mean``) and a keyword argument (``axis=``);
- a number is written by its value (``.5``, ``0.50`` and ``5e-1`` alike), a string by its value.

A fragment is ``K`` tokens in a row. Of each unit's fragments a few are kept, by winnowing
(Schleimer, Wilkerson and Aiken, SIGMOD 2003: the smallest hash of every ``WINDOW`` fragments in a
row), so that any run of ``K + WINDOW - 1`` tokens two units share gives them a fingerprint in
common. A fragment the handed-out release holds (its stubs, its given code) is no fingerprint.

The code is never run, compiled or imported: :func:`ast.parse` and :mod:`tokenize` only read it,
each cell cut to :data:`MAX_CELL_CHARS` first. A cell that does not parse is still read as tokens
(as far as the tokenizer goes), with a note saying so.
"""
from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass, field

K = 8        # tokens in a fragment
WINDOW = 4   # fragments in a winnowing window
# An answer cell of this course is a few hundred characters; a longer one is read to here.
MAX_CELL_CHARS = 50_000
# What makes ast.parse or the tokenizer give up on text (besides SyntaxError): nesting too deep for
# the parser, a null byte.
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, tokenize.TokenError)

KEPT = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER, tokenize.TYPE_COMMENT}
_CLOSING = {")", "]", "}"}


@dataclass(frozen=True)
class Token:
    text: str    # normalised
    start: int   # where it is in the unit's source (characters)
    end: int


@dataclass
class Unit:
    """One function or class of an answer cell, or the cell's other code."""
    cell: str                 # the answer cell's grade id (or a label: "cell 3" of a file)
    name: str                 # the function or class it defines; "" for the cell's other code
    source: str               # as written
    tokens: list[Token] = field(default_factory=list)
    fingerprints: dict[int, list[int]] = field(default_factory=dict)  # hash -> where its fragments start (tokens)

    @property
    def label(self) -> str:
        return f"{self.cell}: {self.name}" if self.name else f"{self.cell} (code outside functions)"

    def spans(self, hashes) -> list[tuple[int, int]]:
        """The spans of source (start, end) of the tokens of the fragments with these hashes."""
        size = min(K, len(self.tokens))
        return sorted({(t.start, t.end) for h in hashes for i in self.fingerprints.get(h, ())
                       for t in self.tokens[i:i + size] if t.end > t.start})


def without_magics(source: str) -> str:
    """IPython-only lines (``%matplotlib``, ``!pip``) blanked: they are not Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _lines(source: str) -> list[str]:
    """The lines as the tokenizer reads them (split at "\\n" only), their ends kept."""
    return io.StringIO(source).readlines()


def _raw_tokens(source: str) -> tuple[list[tokenize.TokenInfo], bool]:
    """The tokenizer's tokens, as far as it reads; and whether it read to the end."""
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            found.append(tok)
    except PARSE_ERRORS:
        return found, False
    return found, True


@functools.lru_cache(maxsize=65536)
def _number(text: str) -> str:
    if len(text) > 40:  # no literal of this course; the cache keeps short texts only
        return text[:40]
    try:
        value = ast.literal_eval(text)
        return repr(value) if isinstance(value, complex) else format(float(value), ".12g")
    except (ValueError, SyntaxError, OverflowError, MemoryError):
        return text[:40]


@functools.lru_cache(maxsize=65536)
def _string(text: str) -> str:
    if len(text) > 80:  # its value is longer than a string kept by value
        return "S"
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "F"  # an f-string: its parts are not compared
    return repr(value) if len(repr(value)) <= 60 else "S"


def tokens(source: str, kept: frozenset[str] = KEPT) -> tuple[list[Token], bool]:
    """The normalised tokens of ``source`` (see the module's doc); and whether all of it was read."""
    starts = [0]
    for line in _lines(source):
        starts.append(starts[-1] + len(line))

    def at(row_col: tuple[int, int]) -> int:
        row, col = row_col
        return starts[min(row - 1, len(starts) - 1)] + col

    raw, complete = _raw_tokens(source)
    significant = [t for t in raw if t.type not in _SKIPPED]
    out: list[Token] = []
    line: list[Token] = []
    only_strings = True
    depth = 0

    def end_line(where: int) -> None:
        nonlocal line, only_strings
        if line and not only_strings:  # a line of strings alone is a docstring or a comment in quotes
            out.extend(line)
            out.append(Token(";", where, where))
        line, only_strings = [], True

    for i, tok in enumerate(significant):
        start, end = at(tok.start), at(tok.end)
        if tok.type in (tokenize.INDENT, tokenize.DEDENT):
            end_line(start)
            out.append(Token("{" if tok.type == tokenize.INDENT else "}", start, start))
            continue
        if tok.type == tokenize.NEWLINE or (tok.type == tokenize.OP and tok.string == ";"):
            end_line(start)
            continue
        text = tok.string
        if tok.type == tokenize.NAME:
            before = significant[i - 1].string if i else ""
            after = significant[i + 1].string if i + 1 < len(significant) else ""
            argument = depth > 0 and after == "=" and before in ("(", ",")
            text = text if text in kept or before == "." or argument else "V"
        elif tok.type == tokenize.NUMBER:
            text = _number(text)
        elif tok.type == tokenize.STRING:
            text = _string(text)
        elif tok.type == tokenize.OP:
            depth += text in ("(", "[", "{")
            depth -= text in _CLOSING and depth > 0
            if text in _CLOSING and line and line[-1].text == ",":
                line.pop()
        only_strings = only_strings and tok.type == tokenize.STRING
        line.append(Token(text, start, end))
    end_line(len(source))
    return out, complete


def _hash(texts: list[str]) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest(), "big")


def fingerprints(toks: list[Token], left_out: frozenset[int] = frozenset()) -> dict[int, list[int]]:
    """The winnowed fingerprints of ``toks``, each with where its fragments start (an index into
    ``toks``); hashes in ``left_out`` (the release's) are no fingerprints. A unit shorter than a
    fragment is one fragment."""
    grams = fragments(toks)
    chosen: set[int] = set()
    for first in range(max(1, len(grams) - WINDOW + 1) if grams else 0):
        window = range(first, min(first + WINDOW, len(grams)))
        chosen.add(min(window, key=lambda i: (grams[i], -i)))  # the rightmost smallest (robust winnowing)
    found: dict[int, list[int]] = {}
    for i in sorted(chosen):
        if grams[i] not in left_out:
            found.setdefault(grams[i], []).append(i)
    return found


def fragments(toks: list[Token]) -> list[int]:
    """The hash of every fragment of ``toks``, in order (one, of all of them, where they are fewer than K)."""
    size = min(K, len(toks))
    return [_hash([t.text for t in toks[i:i + size]]) for i in range(len(toks) - size + 1)] if toks else []


def _pieces(source: str) -> tuple[list[tuple[str, str]], bool]:
    """(name, source) of each top-level function and class, and ("", the other statements); and
    whether the cell parses."""
    try:
        tree = ast.parse(source)
    except PARSE_ERRORS:
        return [("", source)], False
    lines = _lines(source)
    pieces, other = [], []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        text = "".join(lines[first - 1:node.end_lineno])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pieces.append((node.name, text))
        else:
            other.append(text)
    if other:
        pieces.append(("", "".join(other)))
    return pieces, True


def cell_units(cell: str, source: str, kept: frozenset[str] = KEPT,
               left_out: frozenset[int] = frozenset()) -> tuple[list[Unit], str]:
    """The units of one answer cell, with their fingerprints; and a note on what could not be read
    ("" when all of it was)."""
    note = ""
    if len(source) > MAX_CELL_CHARS:
        note = f"{cell}: {len(source):,} characters, compared up to the first {MAX_CELL_CHARS:,}"
        source = source[:MAX_CELL_CHARS]
    source = without_magics(source)
    pieces, parsed = _pieces(source)
    units = []
    for name, text in pieces:
        toks, complete = tokens(text, kept)
        units.append(Unit(cell, name, text, toks, fingerprints(toks, left_out)))
        parsed = parsed and complete
    if not parsed:
        note = "; ".join(filter(None, [note, f"{cell} is not valid Python: compared as far as its tokens go"]))
    return units, note


def defined_names(sources: list[str]) -> frozenset[str]:
    """The names the release's code defines at its top level (imports, functions, classes, and
    constants, such as ``EPS``): kept by :func:`tokens`, since they say what code does. (The names
    its experiments assign, ``X`` or ``xs``, are any code's.)"""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(without_magics(source))
        except PARSE_ERRORS:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name) and _constant(n.id))
    return frozenset(names)


def _constant(name: str) -> bool:
    return len(name) > 1 and name.isupper()


@dataclass(frozen=True)
class Template:
    """What the release hands out: the names its code defines, and its fingerprints."""
    kept: frozenset[str]
    hashes: frozenset[int]


def template_of(sources: list[str]) -> Template:
    """The template made of the release's code cells (every edition's: their code is the same)."""
    kept = KEPT | defined_names(sources)
    hashes: set[int] = set()
    for source in sources:
        toks, _ = tokens(without_magics(source[:MAX_CELL_CHARS]), kept)
        hashes.update(fragments(toks))  # every fragment: a student's copy is winnowed where it sits
    return Template(kept, frozenset(hashes))
