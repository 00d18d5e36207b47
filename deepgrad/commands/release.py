"""The student release (``assignments/``, and ``assignments-zh-TW/`` for 繁體中文) generated from
``solutions/`` with nbgrader, and the catalogues its translation reads regenerated from it."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat

from ..adapters.nbgrader_api import Nbgrader
from ..adapters.translated_release import release_folder
from ..base.catalogues import ALL, LANGUAGES, SOURCE_LANGUAGE, update_catalogues
from ..base.course_files import assignments, notebook
from ..base.message_catalogues import update_message_catalogues


def editions(language: str) -> list[str]:
    """The languages ``--lang`` names: one, or every one with ``all``."""
    return list(LANGUAGES) if language == ALL else [language]


def generate_release(root: Path, language: str = SOURCE_LANGUAGE) -> list[Path]:
    """(Re)build the release of each edition ``language`` names from ``root/solutions``; the
    notebooks written."""
    written = []
    for edition in editions(language):
        folder = root / release_folder(edition)
        written += [folder / name / f"{name}.ipynb" for name in release_each(root, language=edition)]
    return written


def release_each(root: Path, grader: Nbgrader | None = None, language: str = SOURCE_LANGUAGE) -> Iterator[str]:
    """(Re)build one edition's release one assignment at a time, yielding each name once it is
    released (its notebook written and its gradebook entries made)."""
    release = root / release_folder(language)
    if release.exists():
        shutil.rmtree(release)  # no stale assignment survives a rename
    grader = grader or Nbgrader(root, language=language)
    for name in assignments(root):
        grader.generate_assignment(name)
        yield name


def update_translations(root: Path, language: str) -> dict[Path, int]:
    """Regenerate the catalogues of each edition ``language`` names (English has none) from the
    notebooks in ``solutions/`` and from the messages of the code (``autograder/locale/``); for each
    file, how many entries need a translator."""
    sources = {name: nbformat.read(notebook(root, "solutions", name), as_version=4) for name in assignments(root)}
    written: dict[Path, int] = {}
    for edition in editions(language):
        if edition != SOURCE_LANGUAGE:
            written.update(update_catalogues(root, edition, sources))
            written.update(update_message_catalogues(root, edition, root / "autograder" / "locale"))
    return written
