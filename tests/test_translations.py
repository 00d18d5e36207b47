"""The 繁體中文 catalogues (translations/zh_TW/): current, complete, faithful to the English, in
Taiwan's Chinese. Each assignment's own tests name what is wrong, entry by entry, for a translator."""
from __future__ import annotations

import json

import opencc
import pytest
from conftest import NOTEBOOKS, ROOT, solution_notebook

from deepgrad.base.catalogues import (
    catalogue_path,
    glossary_path,
    read_catalogue,
    updated,
)
from deepgrad.base.notebook_text import units
from deepgrad.base.translation_rules import Glossary, problems

LANGUAGE = "zh-TW"
GLOSSARY = Glossary.read(glossary_path(ROOT, LANGUAGE))
TO_TRADITIONAL = opencc.OpenCC("s2tw")


def is_traditional(char: str) -> bool:
    """Whether Big5, Taiwan's character set, has ``char``: a Simplified-only form (学, 数) it has not."""
    try:
        char.encode("cp950")
        return True
    except UnicodeEncodeError:
        return False


def simplified_characters(text: str) -> list[str]:
    """The characters of ``text`` that OpenCC's Simplified-to-Taiwan conversion changes, each on its
    own, and that Big5 does not have. (OpenCC alone also re-spells Traditional characters that
    stand for several: 只 becomes 隻, 布 佈, in phrases 了 瞭; those are in Big5.)"""
    return sorted({c for c in set(text) if TO_TRADITIONAL.convert(c) != c and not is_traditional(c)})


def catalogue(assignment: str):
    return read_catalogue(catalogue_path(ROOT, LANGUAGE, NOTEBOOKS[assignment]))


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_catalogue_is_current(assignment):
    """Is the catalogue what `deepgrad translate` makes from solutions/ now (no English paragraph
    missing, none left over, every occurrence where it is)?"""
    path = catalogue_path(ROOT, LANGUAGE, NOTEBOOKS[assignment])
    nb = json.loads(solution_notebook(assignment).read_text())
    fresh = updated(read_catalogue(path), units(nb), NOTEBOOKS[assignment], LANGUAGE)
    assert str(fresh) == path.read_text(encoding="utf-8"), f"run `deepgrad translate` and commit {path}"


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_every_entry_is_translated_faithfully(assignment):
    """Is every entry translated, from the English as it is now, keeping its formulas, code,
    numbers and placeholders, with the glossary's terms and Chinese punctuation?"""
    said = []
    for entry in catalogue(assignment):
        found = ["stale: the English changed since (fuzzy)"] if "fuzzy" in entry.flags else []
        found += problems(entry.msgid, entry.msgstr, GLOSSARY)
        said += [f"{entry.occurrences[0][1]} {entry.msgid[:60]!r}: {p}" for p in found]
    assert not said, f"{len(said)} problem(s):\n" + "\n".join(said)


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_translations_are_traditional(assignment):
    """Does OpenCC find no Simplified character in any translation?"""
    said = [f"{e.msgid[:50]!r}: {simplified_characters(e.msgstr)}" for e in catalogue(assignment)
            if simplified_characters(e.msgstr)]
    assert not said, "Simplified characters:\n" + "\n".join(said)
