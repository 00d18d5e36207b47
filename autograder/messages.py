"""What the self-check and the grader say, in the student's language: gettext message catalogues.

Every sentence a student may read is written once, in English, as a template:
``say("`{fn}` returned {value!r}{where}", fn=fn, value=value, where=where)``. The English template
is the catalogue's key; ``autograder/locale/<locale>/<module>.po`` (one gettext file per module that
speaks, the format Poedit and Weblate read; ``deepgrad translate`` rebuilds them from the code) holds
its translation, with the same ``{placeholders}``. Numbers, names, code and values are the
placeholders' and stay as they are in every language.

A phrase kept as a constant (``autograder.diagnose``'s names of mistakes) is marked ``N_("...")``
for the catalogue and translated where it is said, by ``say(CONSTANT)`` or a placeholder filled with
``phrase(CONSTANT)``. A fragment (``where``, ``what``) is translated where it is written and
passed on as text: no code looks into a fragment's words.

The language is the current context's (:func:`speaking`): the self-check takes it from the notebook
it checks (``metadata.deepgrad.language``, which each edition's release writes), or from
``--lang`` / ``DEEPGRAD_LANG``; the grader from the submission it grades. English is the default
and the fallback: a template with no usable translation is said in English, never lost.
"""
from __future__ import annotations

import contextvars
import functools
import os
import string
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("en", "zh-TW")
SOURCE_LANGUAGE = "en"
ENVIRONMENT = "DEEPGRAD_LANG"  # the override a student or an instructor sets in their shell
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current = contextvars.ContextVar("deepgrad_language", default=SOURCE_LANGUAGE)


def N_(text: str) -> str:
    """``text`` as it is: marks a constant for the catalogue; :func:`say` translates it where said."""
    return text


def chosen(language: object) -> str | None:
    """``language`` if it is one of the course's (a code as ``en`` or ``zh-TW``), else None: a
    notebook's metadata is the student's, and anything else in it is ignored."""
    return language if isinstance(language, str) and language in LANGUAGES else None


def language_of(metadata: object) -> str:
    """The language a notebook's metadata names (``{"deepgrad": {"language": "zh-TW"}}``), English
    when it names none the course has."""
    deepgrad = metadata.get("deepgrad") if isinstance(metadata, dict) else None
    return (chosen(deepgrad.get("language")) if isinstance(deepgrad, dict) else None) or SOURCE_LANGUAGE


def overridden() -> str | None:
    """The language ``DEEPGRAD_LANG`` asks for, if any (an unknown one: a ValueError saying which exist)."""
    value = os.environ.get(ENVIRONMENT, "").strip()
    if not value:
        return None
    if chosen(value) is None:
        raise ValueError(f"{ENVIRONMENT}={value!r} is not a language of the course: use one of {', '.join(LANGUAGES)}")
    return value


def language() -> str:
    """The language messages are said in now."""
    return _current.get()


@contextmanager
def speaking(lang: str):
    """Say every message in ``lang`` inside the block (for this thread or task only)."""
    if chosen(lang) is None:
        raise ValueError(f"{lang!r} is not a language of the course: use one of {', '.join(LANGUAGES)}")
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def speaking_as(nb):
    """:func:`speaking` the language of notebook ``nb``'s edition (:func:`language_of` its metadata)."""
    return speaking(language_of(nb.get("metadata") if isinstance(nb, dict) else None))


def catalogue_folder(lang: str) -> Path:
    return LOCALE_DIR / lang.replace("-", "_")


@functools.cache
def _translations(lang: str) -> dict[str, str]:
    """English template -> translation, of every catalogue of ``lang``: the entries translated and
    not marked stale (``fuzzy``)."""
    if lang == SOURCE_LANGUAGE:
        return {}
    import polib  # only where a language other than English is spoken: the English self-check never needs it

    found: dict[str, str] = {}
    for path in sorted(catalogue_folder(lang).glob("*.po")):
        for entry in polib.pofile(str(path), wrapwidth=0):
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
                found[entry.msgid] = entry.msgstr
    return found


def fields(template: str) -> set[str]:
    """The names of ``template``'s placeholders (``{fn}``, ``{value!r}``, ``{diff:.3g}`` -> fn, value, diff)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<unbalanced>"}  # never a placeholder's name: a translation that unbalances them differs


def translated(template: str, lang: str | None = None) -> str:
    """``template`` (an English message or phrase) in ``lang`` (the current language), or as it
    is where the catalogue has no translation of it."""
    return _translations(lang or language()).get(template, template)


def say(template: str, /, **values) -> str:
    """``template`` in the current language, its ``{placeholders}`` filled from ``values`` (a template
    said without values is not formatted: its braces are its own). A translation that cannot be
    filled (a placeholder it lost: the tests catch that) gives way to the English."""
    text = translated(template)
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return template.format(**values)


def phrase(constant: str) -> str:
    """A constant marked with :func:`N_`, in the current language."""
    return translated(constant)
