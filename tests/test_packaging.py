"""An installed course, or an installed student bundle, holds every package of its tree: a package
added under autograder/, deepgrad/ or dlkit/ (a layer of deepgrad/, an assignment's checks split
into a package) is found by the package list as written, not only by an editable install."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

from conftest import ROOT
from deepgrad.commands.bundle import STUDENT_PYPROJECT


def packages_in(tree: Path, tops: tuple[str, ...]) -> set[str]:
    """Every folder with an __init__.py under the given top-level packages, as a dotted name."""
    return {".".join(init.parent.relative_to(tree).parts) for top in tops
            for init in (tree / top).rglob("__init__.py") if "__pycache__" not in init.parts}


def listed(pyproject: dict, tree: Path) -> set[str]:
    """The packages setuptools installs from ``tree`` with this pyproject's [tool.setuptools]."""
    settings = pyproject["tool"]["setuptools"]
    if "packages" in settings and isinstance(settings["packages"], list):
        return set(settings["packages"])
    found = settings["packages"]["find"]
    return set(find_packages(str(tree), include=found.get("include", ("*",)), exclude=found.get("exclude", ())))


@pytest.mark.parametrize("pyproject, tops", [
    (ROOT / "pyproject.toml", ("autograder", "deepgrad", "dlkit")),
    (STUDENT_PYPROJECT, ("autograder", "dlkit")),
], ids=["course", "student-bundle"])
def test_every_package_of_the_tree_is_installed(pyproject, tops):
    text = pyproject.read_text(encoding="utf-8") if isinstance(pyproject, Path) else pyproject
    assert listed(tomllib.loads(text), ROOT) == packages_in(ROOT, tops)


def test_a_package_left_out_of_the_list_is_noticed(tmp_path):
    """The planted bug: the list the bundle had before, which left the split check packages out."""
    for name in ("autograder", "autograder/checks", "autograder/checks/a06", "dlkit"):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "__init__.py").write_text("")
    old = {"tool": {"setuptools": {"packages": ["autograder", "autograder.checks", "dlkit"]}}}
    assert listed(old, tmp_path) != packages_in(tmp_path, ("autograder", "dlkit"))
    assert listed(tomllib.loads(STUDENT_PYPROJECT), tmp_path) == packages_in(tmp_path, ("autograder", "dlkit"))


@pytest.mark.parametrize("pyproject", [ROOT / "pyproject.toml", STUDENT_PYPROJECT], ids=["course", "student-bundle"])
def test_every_file_the_student_package_reads_is_installed(pyproject):
    """Files beside autograder's modules that it reads (pytest.ini, the font, the messages'
    catalogues) are package data of the install: a pattern that misses one leaves a non-editable
    install without it (a 繁體中文 student would read English)."""
    import fnmatch

    text = pyproject.read_text(encoding="utf-8") if isinstance(pyproject, Path) else pyproject
    patterns = tomllib.loads(text)["tool"]["setuptools"]["package-data"]["autograder"]
    data = [p.relative_to(ROOT / "autograder").as_posix() for p in (ROOT / "autograder").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert any(d.startswith("locale/") for d in data)
    assert [d for d in data if not any(fnmatch.fnmatch(d, pattern) for pattern in patterns)] == []
    assert "polib" in text  # what reads the catalogues


def test_no_file_of_the_packages_is_ignored_by_git():
    """A module or catalogue that .gitignore matches (a report's pattern catching a module's name)
    works here and is missing from every clone: CI, the instructors' and the bundle."""
    import shutil
    import subprocess

    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = [str(p.relative_to(ROOT)) for top in ("autograder", "deepgrad", "dlkit", "tests", "tools", "bench")
             for p in (ROOT / top).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    done = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(files),
                          capture_output=True, text=True)
    assert done.stdout.split() == []
