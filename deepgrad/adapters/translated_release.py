"""The course's editions in nbgrader: the release of an assignment in the course's language.

:class:`TranslateNotebook` is the first step of nbgrader's ``generate_assignment`` (the command,
the formgrader's button and ``deepgrad release`` alike): with ``c.TranslateNotebook.language`` set
to another language than English, it replaces the English of the source notebook by its
catalogue's translation (:mod:`deepgrad.base.catalogues`) before nbgrader locks, clears and
checksums anything, and the release goes to that language's folder (:func:`release_folder`).

One gradebook grades every edition, and a class may mix them. The test cells are the same in
each (no unit of text is in them). A locked setup cell's comments and docstrings are translated:
:class:`EditionOverwriteCells`, nbgrader's ``OverwriteCells`` at autograde, recognises each
edition's copy of it as unchanged, while any other change is still reported and undone.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells
from traitlets import Unicode

from ..base.catalogues import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    catalogue_path,
    read_catalogue,
    translated_notebook,
)
from ..base.errors import CourseError

RELEASE_FOLDER = "assignments"


def release_folder(language: str) -> str:
    """The folder of the course's release in ``language``: ``assignments`` for English,
    ``assignments-zh-TW`` for 繁體中文."""
    if language not in LANGUAGES:
        raise CourseError(f"unknown language {language!r}: the course has {', '.join(LANGUAGES)}")
    return RELEASE_FOLDER if language == SOURCE_LANGUAGE else f"{RELEASE_FOLDER}-{language}"


def generate_steps() -> list:
    """nbgrader's ``generate_assignment`` steps, the translation first."""
    return [TranslateNotebook, *GenerateAssignment.class_traits()["preprocessors"].default()]


class TranslateNotebook(NbGraderPreprocessor):
    """The source notebook in ``language``, from ``root``'s catalogues (nothing changes in English)."""

    language = Unicode(SOURCE_LANGUAGE, help="the language of the release: en, or zh-TW").tag(config=True)
    root = Unicode("", help="the course folder, whose translations/ holds the catalogues").tag(config=True)

    def preprocess(self, nb, resources):
        if self.language == SOURCE_LANGUAGE:
            return nb, resources
        assignment = resources["nbgrader"]["assignment"]
        path = catalogue_path(Path(self.root), self.language, resources["nbgrader"]["notebook"])
        return translated_notebook(nb, read_catalogue(path), self.language, f"{assignment}: {path}"), resources


def edition_sources(root: Path, assignment: str, notebook_name: str) -> dict[str, frozenset[str]]:
    """For each locked code cell of the source notebook that is not a test cell (grade id ->
    sources), its source in every edition whose catalogue is complete."""
    path = root / "solutions" / assignment / f"{notebook_name}.ipynb"
    files = [path, *(catalogue_path(root, language, notebook_name) for language in LANGUAGES
                     if language != SOURCE_LANGUAGE)]
    stamps = tuple(f.stat().st_mtime_ns if f.is_file() else None for f in files)
    return _edition_sources(root, path, notebook_name, stamps)


@functools.lru_cache(maxsize=32)  # a class's submissions: read and translated once per process
def _edition_sources(root: Path, path: Path, notebook_name: str, stamps: tuple) -> dict[str, frozenset[str]]:
    english = nbformat.read(path, as_version=4)
    versions = [english]
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        try:
            versions.append(translated_notebook(copy.deepcopy(english), read_catalogue(
                catalogue_path(root, language, notebook_name)), language, str(path)))
        except CourseError:  # not released in that language: only its complete catalogue counts
            continue
    sources: dict[str, set[str]] = {}
    for nb in versions:
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade"):
                sources.setdefault(meta.get("grade_id"), set()).add(cell.source)
    return {grade_id: frozenset(found) for grade_id, found in sources.items()}


class EditionOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, which also takes a locked setup cell as unchanged when it is that
    cell in any edition (its words translated, its code the same) and the gradebook's copy is one
    of those editions too: a 繁體中文 submission is not reported as tampered with, and keeps its
    own words. Any other change is nbgrader's: reported, and replaced by the gradebook's copy."""

    root = Unicode("", help="the course folder (its solutions/ and translations/)").tag(config=True)

    def preprocess(self, nb, resources):
        try:
            self._editions = edition_sources(Path(self.root), resources["nbgrader"]["assignment"],
                                            resources["nbgrader"]["notebook"]) if self.root else {}
        except (OSError, CourseError, ValueError):  # no source notebook here: nbgrader's own rule alone
            self._editions = {}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader", {})
        editions = self._editions.get(meta.get("grade_id"), set())
        if cell.cell_type != "code" or meta.get("grade") or cell.source not in editions:
            return super().preprocess_cell(cell, resources, cell_index)
        try:
            recorded = self.gradebook.find_source_cell(meta["grade_id"], self.notebook_id, self.assignment_id)
        except MissingEntry:
            return super().preprocess_cell(cell, resources, cell_index)
        if recorded.source not in editions or recorded.cell_type != "code":
            return super().preprocess_cell(cell, resources, cell_index)
        own = cell.source
        cell.source = recorded.source  # checked as nbgrader checks the gradebook's copy
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        cell.source = own
        return cell, resources
