"""What a translation of a notebook's unit must keep of its English, and how Chinese is written here.

A translation changes the words only. Formulas (``$...$``, ``$$...$$``), inline code, fenced
blocks, links' targets, placeholders (``{...}``, ``%s``), numbers, a heading's level, a table's
rows, a docstring's parameter names (``name :``, indented as they are) and its underlines stay as
they are, each as many times as in the English. The Chinese is Taiwan's: the glossary's terms where the English has them, never the
glossary's mainland forms, and full-width punctuation in prose (half-width in code and math).
(Simplified characters are found by OpenCC, in the tests.)
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .notebook_text import NOT_PROSE

KEPT = {
    "display formula": re.compile(r"\$\$.*?\$\$", re.DOTALL),
    "fenced block": re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL),
    "inline code": re.compile(r"`[^`\n]+`"),
    "link target": re.compile(r"\]\([^)\n]*\)|https?://[^\s)]+"),
    "placeholder": re.compile(r"\{[^{}\n]*\}|%(?:\([A-Za-z_]\w*\))?[-+#0]*\d*(?:\.\d+)?[sdifgrex](?![A-Za-z])"),
    # a docstring's parameter names (indented as they are) and its sections' underlines
    "docstring line": re.compile(r"^[ \t]*\**\w+ :(?= )|^[ \t]*-{3,}[ \t]*$", re.MULTILINE),
}
INLINE_MATH = re.compile(r"(?<![$\\])\$(?!\$)[^$\n]+?\$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
CJK = re.compile(r"[\u3400-\u9fff]")
# Half-width punctuation beside Chinese (a space or a formula or piece of code between them too)
HALF_WIDTH = re.compile(r"[\u3400-\u9fff][ \t]*[,;:!?]|[,;:!?][ \t]*[\u3400-\u9fff]|[\u3400-\u9fff][ \t]*\.(?=\s|$)")
CODE_MARK = "\x1f"  # stands for a formula or a piece of code taken out of the prose
TWO_WORDS = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


@dataclass
class Glossary:
    """The terms every translation uses (English -> Chinese), the forms none may use, and the
    terms of Taiwan's that are allowed though they hold such a form (身體質量指數 holds 質量)."""

    required: dict[str, str] = field(default_factory=dict)
    forbidden: dict[str, str] = field(default_factory=dict)
    allowed: dict[str, str] = field(default_factory=dict)  # Taiwan's own terms that hold a forbidden form

    @classmethod
    def read(cls, path: Path) -> Glossary:
        made = cls()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            kind, term, chinese = line.split("\t")
            getattr(made, kind)[term] = chinese
        return made


def prose_of(text: str, mark: str = " ") -> str:
    """``text`` with every part a translation keeps as it is (formulas, code, links, placeholders,
    a docstring's parameter names) replaced by ``mark``: the prose the rules of words and
    punctuation are about."""
    for pattern in (*KEPT.values(), NOT_PROSE, INLINE_MATH):
        text = pattern.sub(mark, text)
    return text


def kept_parts(text: str) -> Counter:
    """What a translation keeps of ``text``: every formula, piece of code, link, placeholder and
    number, with its kind, counted."""
    found: Counter = Counter()
    rest = text
    for kind, pattern in KEPT.items():
        for match in pattern.findall(rest):
            found[(kind, match.strip())] += 1
        if kind != "docstring line":
            rest = pattern.sub(" ", rest)
    for match in INLINE_MATH.findall(rest):
        found[("formula", match)] += 1
    rest = INLINE_MATH.sub(" ", rest)
    for match in NUMBER.findall(rest):
        found[("number", match)] += 1
    # every brace, placeholder or not: a stray one breaks a string that .format() fills
    found[("brace", "{")] = text.count("{")
    found[("brace", "}")] = text.count("}")
    heading = re.match(r"#+ ", text)
    found[("heading level", heading.group(0) if heading else "")] = 1
    found[("table rows", sum(bool(TABLE_ROW.match(line)) for line in text.splitlines()))] = 1
    return found


def problems(english: str, chinese: str, glossary: Glossary) -> list[str]:
    """What is wrong with ``chinese`` as the translation of ``english``: one sentence each."""
    if not chinese:
        return ["not translated"]
    said = []
    theirs, ours = kept_parts(english), kept_parts(chinese)
    for (kind, part), count in (theirs - ours).items():
        said.append(f"the English has {kind} {part!r}{f' {count} times' if count > 1 else ''} more than the translation")
    for (kind, part), count in (ours - theirs).items():
        said.append(f"the translation has {kind} {part!r} that the English does not{f' ({count} more)' if count > 1 else ''}")
    prose = prose_of(english)
    if TWO_WORDS.search(prose) and not CJK.search(chinese):
        said.append("no Chinese in the translation of an English sentence")
    # in the English's prose, not its code or names; a longer term first, and what it matched is
    # not read again for a shorter one ("bias correction" is not "bias")
    for term, word in sorted(glossary.required.items(), key=lambda item: -len(item[0])):
        pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", re.IGNORECASE)
        if pattern.search(prose):
            prose = pattern.sub(" ", prose)
            if word not in chinese:
                said.append(f"the English says {term!r}: the glossary's word is {word}")
    words = chinese
    for term in glossary.allowed:
        words = words.replace(term, " ")
    for form, instead in glossary.forbidden.items():
        if form in words:
            said.append(f"{form} is the mainland's form: write {instead}")
    # Chinese on either side of the mark: "`x0 = 10`, 學習率" is Chinese prose around code
    marked = prose_of(chinese, CODE_MARK)
    for match in HALF_WIDTH.finditer(marked):
        near = marked[max(0, match.start() - 6):match.end() + 6].replace(CODE_MARK, "…")
        said.append(f"half-width punctuation in Chinese prose, near {near!r} (write ，；：！？。)")
    return said
