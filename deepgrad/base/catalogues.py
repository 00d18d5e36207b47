"""The catalogues that make a notebook's other editions: one gettext file per assignment and language.

``translations/<locale>/<assignment>.po`` holds, for each unit of the English notebook
(:mod:`deepgrad.base.notebook_text`), the English as ``msgid`` and its translation as ``msgstr``:
the format Poedit, Weblate and every gettext tool read. :func:`updated` rebuilds a catalogue from
the notebook in ``solutions/``: a unit whose English is new gets an empty translation, or, if it
replaces a unit whose English was close, that one's translation marked ``fuzzy`` (stale) with the
old English beside it; units no longer in the notebook leave. A release refuses a catalogue with
an empty or stale entry (:func:`translated_notebook`), and so do the tests.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import polib

from .errors import CourseError
from .notebook_text import Unit, replaced, units

LANGUAGES = {"en": "English", "zh-TW": "繁體中文"}
SOURCE_LANGUAGE = "en"
ALL = "all"  # every language, where a command takes one
CLOSE_ENOUGH = 0.6  # difflib's ratio above which a changed paragraph keeps its old translation, as stale


def locale(language: str) -> str:
    """gettext's name of a language (``zh_TW`` for ``zh-TW``)."""
    if language not in LANGUAGES:
        raise CourseError(f"unknown language {language!r}: the course has {', '.join(LANGUAGES)}")
    return language.replace("-", "_")


def catalogue_path(root: Path, language: str, assignment: str) -> Path:
    return root / "translations" / locale(language) / f"{assignment}.po"


def glossary_path(root: Path, language: str) -> Path:
    return root / "translations" / locale(language) / "glossary.tsv"


def read_catalogue(path: Path) -> polib.POFile:
    """The catalogue at ``path`` (an empty one if there is none yet)."""
    if not path.is_file():
        return polib.POFile(wrapwidth=0)
    try:
        return polib.pofile(str(path), wrapwidth=0)
    except (OSError, ValueError) as exc:
        raise CourseError(f"{path} is not a readable gettext catalogue ({exc}): fix it, or restore it "
                          f"from git, then run `deepgrad translate` again") from None


def updated(old: polib.POFile, found: list[Unit], assignment: str, language: str, place=None) -> polib.POFile:
    """A catalogue of ``found`` (the English notebook's units) that keeps ``old``'s translations
    (``place``: a unit's occurrence, (file, where); by default the notebook's cell)."""
    made = polib.POFile(wrapwidth=0)
    made.metadata = {"Project-Id-Version": f"deepgrad {assignment}", "Language": locale(language),
                     "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                     "Content-Transfer-Encoding": "8bit"}
    known = {entry.msgid: entry for entry in old if not entry.obsolete}
    present = {unit.text for unit in found}
    gone = [msgid for msgid in known if msgid not in present]
    entries: dict[str, polib.POEntry] = {}
    for unit in found:
        where = place(unit) if place else (f"{assignment}.ipynb", f"cell-{unit.cell}")
        if unit.text in entries:
            if where not in entries[unit.text].occurrences:
                entries[unit.text].occurrences.append(where)
            continue
        entry = polib.POEntry(msgid=unit.text, msgstr="", occurrences=[where], comment=unit.kind)
        before = known.get(unit.text)
        if before is not None:
            entry.msgstr, entry.flags, entry.previous_msgid = before.msgstr, list(before.flags), before.previous_msgid
        else:
            close = difflib.get_close_matches(unit.text, gone, n=1, cutoff=CLOSE_ENOUGH)
            if close and known[close[0]].msgstr:
                entry.msgstr, entry.flags, entry.previous_msgid = known[close[0]].msgstr, ["fuzzy"], close[0]
        entries[unit.text] = entry
        made.append(entry)
    return made


def stale_or_missing(catalogue: polib.POFile) -> list[polib.POEntry]:
    """The entries a release cannot use: not translated, or translated from English since changed."""
    return [e for e in catalogue if not e.obsolete and (not e.msgstr or "fuzzy" in e.flags)]


def translated_notebook(nb, catalogue: polib.POFile, language: str, where: str):
    """``nb`` (the English notebook, changed in place) in ``language``, from ``catalogue``; a
    CourseError naming what is missing or stale if anything is."""
    usable = {e.msgid: e.msgstr for e in catalogue if not e.obsolete and e.msgstr and "fuzzy" not in e.flags}
    missing = replaced(nb, lambda unit: usable.get(unit.text))
    if missing:
        shown = "\n".join(f"  - {text[:70]!r}" for text in missing[:5])
        raise CourseError(f"{where}: {len(missing)} paragraph(s) of the English have no {LANGUAGES[language]} "
                          f"translation yet, or one made for an English text since changed:\n{shown}\n"
                          f"Run `deepgrad translate`, translate the empty and fuzzy entries, then release again.")
    nb.metadata.setdefault("deepgrad", {})["language"] = language
    return nb


def update_catalogues(root: Path, language: str, notebooks: dict[str, object]) -> dict[Path, int]:
    """Rebuild the catalogue of each assignment (name -> English notebook) in ``language``; for
    each file written, how many of its entries need a translator."""
    written = {}
    for assignment, nb in notebooks.items():
        path = catalogue_path(root, language, assignment)
        catalogue = updated(read_catalogue(path), units(nb), assignment, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save(str(path))
        written[path] = len(stale_or_missing(catalogue))
    return written
