"""The 繁體中文 edition (assignments-zh-TW/): the English notebooks with their words translated and
nothing else changed, graded the same, its locked cells its own, its figures drawn in Chinese."""
from __future__ import annotations

import ast
import copy
import json
import logging
import subprocess
import sys

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT, solution_notebook
from fontTools.ttLib import TTFont
from nbclient import NotebookClient
from nbgrader.preprocessors import OverwriteCells

import deepgrad.grading.verdict as verdict_module
from autograder.course_fonts import FONT
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.adapters.translated_release import EditionOverwriteCells, release_folder
from deepgrad.base.catalogues import catalogue_path, read_catalogue, translated_notebook
from deepgrad.base.course_files import copy_course
from deepgrad.base.notebook_text import code_outside_units, units
from deepgrad.base.translation_rules import CJK, TWO_WORDS, prose_of
from deepgrad.commands.submissions import filled_in_place, read, write
from deepgrad.grading.verdict import grade_submission, reference_worker

LANGUAGE = "zh-TW"


def release(language: str, assignment: str):
    name = NOTEBOOKS[assignment]
    return nbformat.read(ROOT / release_folder(language) / name / f"{name}.ipynb", as_version=4)


def nbgrader_meta(cell) -> dict:
    meta = dict(cell.metadata.get("nbgrader", {}))
    meta.pop("checksum", None)  # an answer cell's checksum is of its words too
    return meta


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_editions_differ_in_words_only(assignment):
    """Same cells, kinds, grade ids, points and locks; the test cells byte for byte; every line of
    code the same once the words are set aside; every code cell still valid Python."""
    english, chinese = release("en", assignment), release(LANGUAGE, assignment)
    assert [c.cell_type for c in chinese.cells] == [c.cell_type for c in english.cells]
    assert [nbgrader_meta(c) for c in chinese.cells] == [nbgrader_meta(c) for c in english.cells]
    assert [c.source for c in chinese.cells if nbgrader_meta(c).get("grade")] == \
           [c.source for c in english.cells if nbgrader_meta(c).get("grade")]
    assert code_outside_units(chinese) == code_outside_units(english)
    for cell in chinese.cells:
        if cell.cell_type == "code":
            ast.parse(cell.source)
    assert chinese.metadata["deepgrad"]["language"] == LANGUAGE


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_edition_is_chinese_throughout(assignment):
    """Every sentence of the zh-TW release is in Chinese (names and code kept as they are)."""
    chinese = units(release(LANGUAGE, assignment))  # (a unit of Chinese only has no word to find)
    left = [u.text[:60] for u in chinese if TWO_WORDS.search(prose_of(u.text)) and not CJK.search(u.text)]
    assert not left, f"English left in the zh-TW release: {left}"


def test_the_code_comparison_sees_a_changed_line():
    """Planted: a translated notebook whose code changed too is told apart."""
    english = release("en", "a01")
    changed = copy.deepcopy(release(LANGUAGE, "a01"))
    setup = next(c for c in changed.cells if nbgrader_meta(c).get("grade_id") == "setup")
    setup.source = setup.source.replace("1e-12", "1e-9")
    assert code_outside_units(changed) != code_outside_units(english)


# --- locked cells: each edition's own, tampering still found -------------------------------------

@pytest.fixture(scope="module")
def both_released(tmp_path_factory):
    """A course copy with a03 released in English and then in 繁體中文 (the gradebook holds the
    copy of the last release, as nbgrader's SaveCells leaves it)."""
    course = copy_course(ROOT, tmp_path_factory.mktemp("editions") / "course")
    name = NOTEBOOKS["a03"]
    Nbgrader(course, language="en").generate_assignment(name)
    Nbgrader(course, language=LANGUAGE).generate_assignment(name)
    return course, name


def overwrite(step_class, course, name, nb, caplog):
    step = step_class(root=str(course)) if step_class is EditionOverwriteCells else step_class()
    step.log = logging.getLogger("deepgrad-test-overwrite")
    db_url = Nbgrader(course).db_url
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="deepgrad-test-overwrite"):
        step.preprocess(nb, {"nbgrader": {"notebook": name, "assignment": name, "db_url": db_url}})
    # (a test cell always differs from the gradebook's copy, which has the hidden tests: nbgrader
    # restores it every time, in any edition; the setup cell is the one in question)
    return [r.getMessage() for r in caplog.records if "has changed" in r.getMessage() and "cell setup " in r.getMessage()]


def setup_cell(nb):
    return next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "setup")


@pytest.mark.parametrize("language", ["en", LANGUAGE])
def test_each_editions_setup_cell_is_its_own(both_released, caplog, language):
    course, name = both_released
    nb = read_release(course, language, name)
    before = setup_cell(nb).source
    assert overwrite(EditionOverwriteCells, course, name, nb, caplog) == []
    assert setup_cell(nb).source == before


def test_nbgraders_own_step_would_call_one_edition_tampered(both_released, caplog):
    """Planted: nbgrader's OverwriteCells alone reports the English setup cell as changed when the
    gradebook holds the 繁體中文 copy (and replaces it): what EditionOverwriteCells prevents."""
    course, name = both_released
    nb = read_release(course, "en", name)
    assert overwrite(OverwriteCells, course, name, nb, caplog)


@pytest.mark.parametrize("language", ["en", LANGUAGE])
def test_a_changed_setup_cell_is_still_reported_and_undone(both_released, caplog, language):
    course, name = both_released
    nb = read_release(course, language, name)
    setup_cell(nb).source += "\nnp.allclose = lambda *a, **k: True"
    assert overwrite(EditionOverwriteCells, course, name, nb, caplog)
    assert "np.allclose" not in setup_cell(nb).source  # the gradebook's copy again


def read_release(course, language, name):
    return nbformat.read(course / release_folder(language) / name / f"{name}.ipynb", as_version=4)


# --- graded the same --------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_both_editions_get_the_same_scores(assignment, tmp_path, monkeypatch):
    """The reference's answers, the stubs and the demo's planted bug, each written into either
    edition where a student of it writes them (the edition's docstrings and comments kept): the
    same status and the same score, task by task (the same hidden inputs for both)."""
    monkeypatch.setattr(verdict_module, "submission_seed", lambda *args, **kwargs: 20261207)
    source = solution_notebook(assignment)
    reference = reference_worker(source)
    scores = {}
    try:
        for variant in ("reference", "stubs", "bug"):
            for language in ("en", LANGUAGE):
                edition = json.loads(nbformat.writes(release(language, assignment)))
                nb = edition if variant == "stubs" else \
                    filled_in_place(edition, read(source), bug=assignment if variant == "bug" else None)
                path = tmp_path / variant / language / source.name
                write(nb, path)
                verdict = grade_submission(source, path, "student", NOTEBOOKS[assignment], secret=b"test",
                                           reference=reference)
                scores[variant, language] = (verdict.status, [(t.grade_id, t.score, t.status) for t in verdict.tasks])
    finally:
        reference.close()
    for variant in ("reference", "stubs", "bug"):
        assert scores[variant, LANGUAGE] == scores[variant, "en"], variant
    assert scores["reference", "en"][1] != scores["bug", "en"][1] != scores["stubs", "en"][1]


# --- figures in Chinese -----------------------------------------------------------------------

def catalogue_text() -> str:
    return "".join(e.msgstr for a in NOTEBOOKS.values()
                   for e in read_catalogue(catalogue_path(ROOT, LANGUAGE, a)))


def test_the_shipped_font_has_every_character_of_the_translations():
    covered = set(TTFont(str(FONT)).getBestCmap())
    missing = sorted({c for c in catalogue_text() if ord(c) > 0x7F and ord(c) not in covered})
    assert not missing, f"not in {FONT.name}: {''.join(missing)}; run tools/make_cjk_font.py"


FIGURE_SCRIPT = '''
import sys, warnings
import matplotlib
matplotlib.use("Agg")
if sys.argv[1] == "with-course-font":
    import autograder  # registers the course's font
import matplotlib.pyplot as plt
warnings.simplefilter("error")
fig, ax = plt.subplots()
for line in sys.stdin.read().split("\\0"):
    ax.set_title(line)
    ax.set_xlabel(line)
    fig.canvas.draw()
print("drawn")
'''


def shown_texts() -> list[str]:
    return [e.msgstr for a in NOTEBOOKS.values() for e in read_catalogue(catalogue_path(ROOT, LANGUAGE, a))
            if e.comment == "shown" and CJK.search(e.msgstr)]


def draw(texts: list[str], font: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", FIGURE_SCRIPT, font], input="\0".join(texts), text=True,
                          capture_output=True, cwd=ROOT, timeout=120, check=False)


def test_every_translated_figure_text_draws_without_a_missing_glyph():
    """Every translated string a figure or print shows, drawn as a title and a label: no
    "Glyph ... missing" warning (warnings are errors here), no mathtext error."""
    texts = [t.replace("{", "").replace("}", "") for t in shown_texts()]
    assert texts
    done = draw(texts, "with-course-font")
    assert done.returncode == 0 and "drawn" in done.stdout, done.stderr[-2000:]


def test_without_the_course_font_chinese_text_is_caught():
    """Planted: without the course's font, the same drawing fails on the missing glyphs."""
    done = draw(["梯度下降"], "without")
    assert done.returncode != 0 and "missing from font" in done.stderr


def test_a_chinese_notebook_runs_top_to_bottom_with_its_figures(tmp_path):
    """a01's reference in 繁體中文, every cell run as a student runs it: its tests pass, its figures
    are drawn, and matplotlib never says a glyph is missing."""
    path = solution_notebook("a01")
    nb = translated_notebook(nbformat.read(path, as_version=4), read_catalogue(
        catalogue_path(ROOT, LANGUAGE, NOTEBOOKS["a01"])), LANGUAGE, str(path))
    NotebookClient(nb, timeout=30, kernel_name="python3", shutdown_kernel="immediate",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if "missing from font" in o.get("text", "")]
    assert any("image/png" in o.get("data", {}) for o in outputs)
