"""The catalogues of the course's messages (:mod:`autograder.messages`): found in the code, one per module.

Every ``say("...")`` and ``N_("...")`` of ``autograder/`` and ``deepgrad/`` with a literal English
template is an entry of its module's catalogue, ``autograder/locale/<locale>/<module>.po``
(``autograder.compare.po``), keyed by the template; the catalogues live in the student's package,
since the self-check speaks too. :func:`update_message_catalogues` rebuilds them as
:func:`deepgrad.base.catalogues.updated` rebuilds a notebook's (a changed template keeps its old
translation, marked stale), and :func:`unsaid_prose` finds English sentences the code still writes
outside ``say``: what a student would read in English whatever their edition.
"""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.messages import LOCALE_DIR, catalogue_folder

from .catalogues import read_catalogue, stale_or_missing, updated
from .notebook_text import Unit
from .translation_rules import TWO_WORDS

SPEAKING_PACKAGES = ("autograder", "deepgrad")
MARKERS = frozenset({"say", "N_"})
# Exceptions whose words are a developer's, not a student's (a check registered twice, a bug of ours).
DEVELOPER_ERRORS = frozenset({"ValueError", "TypeError", "KeyError", "RuntimeError", "NotImplementedError",
                              "AttributeError", "LookupError", "IndexError", "ImportError", "OSError"})


def module_name(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _marker(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in MARKERS else None


def templates(path: Path) -> list[Unit]:
    """The literal templates of ``path``'s ``say``/``N_`` calls, in order (``cell`` is the line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _marker(node) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.strip():
                found.append(Unit(cell=first.lineno, start=0, end=0, text=first.value, kind="message"))
    return sorted(found, key=lambda unit: unit.cell)


def speaking_modules(root: Path) -> dict[str, list[Unit]]:
    """Module name -> its templates, for every module of the course's packages that has one."""
    modules = {}
    for package in SPEAKING_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found = templates(path)
            if found:
                modules[module_name(root, path)] = found
    return modules


def message_catalogue_path(language: str, module: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / catalogue_folder(language).name / f"{module}.po"


def fresh_catalogue(root: Path, language: str, module: str, found: list[Unit], locale_dir: Path = LOCALE_DIR):
    """The catalogue of ``module`` as its code says it now, keeping the translations it had; a
    template new to it that another module's catalogue has translated, word for word the same
    (moved code, a shared phrase), takes that translation."""
    path = message_catalogue_path(language, module, locale_dir)
    source = module.replace(".", "/") + ".py"
    made = updated(read_catalogue(path), found, module, language, place=lambda unit: (source, ""))
    waiting = {entry.msgid: entry for entry in made if not entry.msgstr}
    for other in sorted(path.parent.glob("*.po")) if waiting else ():
        if other != path:
            for entry in read_catalogue(other):
                if entry.msgid in waiting and entry.msgstr and "fuzzy" not in entry.flags and not entry.obsolete:
                    waiting.pop(entry.msgid).msgstr = entry.msgstr
    return made


def update_message_catalogues(root: Path, language: str, locale_dir: Path = LOCALE_DIR,
                              only: tuple[str, ...] = ()) -> dict[Path, int]:
    """Rebuild every module's catalogue in ``language`` (a module that no longer speaks loses its
    file), or only those of the modules ``only`` names (dotted, a prefix names a package's); for
    each file written, how many entries need a translator."""
    written = {}
    modules = speaking_modules(root)
    folder = locale_dir / catalogue_folder(language).name
    folder.mkdir(parents=True, exist_ok=True)
    if only:
        modules = {m: found for m, found in modules.items() if m.startswith(only)}
    else:
        for stale in folder.glob("*.po"):
            if stale.stem not in modules:
                stale.unlink()
    for module, found in modules.items():
        catalogue = fresh_catalogue(root, language, module, found, locale_dir)
        path = message_catalogue_path(language, module, locale_dir)
        catalogue.save(str(path))
        written[path] = len(stale_or_missing(catalogue))
    return written


def unsaid_prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each string in ``path`` that reads as an English sentence (two words or more)
    and is not a template given to ``say``/``N_``: not a docstring, not a developer's exception,
    not a name's or an id's spelling. An f-string counts by its literal parts."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        if isinstance(node, ast.Call) and node.args and _marker(node):
            skipped.update(id(n) for n in ast.walk(node.args[0]))
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            if isinstance(func, ast.Name) and func.id in DEVELOPER_ERRORS:
                skipped.update(id(n) for n in ast.walk(node.exc))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)
            words = " ".join(v.value if isinstance(v, ast.Constant) else " " for v in node.values)
            skipped.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = words = node.value
        else:
            continue
        if TWO_WORDS.search(words):
            found.append((node.lineno, text))
    return sorted(found)
