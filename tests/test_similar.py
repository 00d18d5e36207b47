"""`deepgrad similar ASSIGNMENT [--against DIR]`: pairs of graded submissions worth a look, by code and
by behaviour. The classes are made cheaply (tests/similar_class.py: answer sets written out, their
grading report rows written directly); one small class is graded for real, by nbgrader's own
`nbgrader autograde`, at the end."""
from __future__ import annotations

import csv
import json
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from conftest import NOTEBOOKS, ROOT, released_course
from deepgrad.base.errors import CourseError
from deepgrad.commands import similar_page
from deepgrad.commands.cli import main
from deepgrad.commands.similar import gather, write_similarity
from deepgrad.grading.similar_behaviour import behaviour_of, failure_of
from deepgrad.grading.similar_code import cell_units, template_of, tokens
from deepgrad.grading import similarity
from deepgrad.grading.grading_report import REPORT_COLUMNS
from deepgrad.grading.similarity import LOOK, Submission, compare
from doc_rules import blocks, command
from similar_class import A01, FORMULATIONS, filled, independent, make_class, release_cells, renamed, write_course


def _pair_scores(comparison) -> dict[frozenset, float]:
    return {frozenset((p.a.who, p.b.who)): p.score for p in comparison.pairs}


# --- the measurement (issue 28, item 6) ------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_planted_copy_ranks_above_every_independent_pair(tmp_path, seed):
    """24 independently written answer sets (a third buggy), and copies of some of them planted:
    renamed, reformatted, functions moved between cells, a third rewritten, re-commented, all of
    those at once, and one written independently that has only the same rare bug. Does each copy's
    pair score above every pair of independent students?"""
    made = make_class(24, seed=seed)
    _, _, comparison = write_similarity(write_course(tmp_path / "course", made), A01, look=0.0)
    scores = _pair_scores(comparison)
    independent = max(score for pair, score in scores.items() if pair <= set(made.independent))
    planted = {how: scores[frozenset((copy, source))] for how, copy, source in made.planted}
    assert len(planted) == 7 and min(planted.values()) > independent, (planted, independent)
    assert min(planted.values()) >= LOOK  # each is worth a look at the default threshold


def test_the_rare_bug_is_found_by_behaviour_alone(tmp_path):
    """The copy that shares only the rare bug: is its evidence the failure both share, said as one
    other submission alone failing that way, with the check named?"""
    made = make_class(24, seed=1)
    _, _, comparison = write_similarity(write_course(tmp_path / "course", made), A01, look=0.0)
    (_, copy, source), = [p for p in made.planted if p[1] == "rare_bug"]
    pair = next(p for p in comparison.pairs if {p.a.who, p.b.who} == {copy, source})
    (task,) = pair.tasks
    assert task.task == "test_squared_error" and task.students == 2 and task.judged == len(made.bugs)
    assert {f.check for f in task.failures} == {"a01.squared_error.values"} and len(task.failures) == 2
    assert pair.behaviour > 0.7
    common = next(p for p in comparison.pairs if {p.a.who, p.b.who} <= set(made.independent) and p.tasks)
    assert all(t.students >= 3 for t in common.tasks) and common.behaviour < 0.25  # a common bug weighs little


# --- the code signal ----------------------------------------------------------------------------------

BASE = "def f(x, y):\n    total = np.sum(x * y, axis=0)\n    return total / len(x) + 0.5\n"


@pytest.mark.parametrize("variant", [
    "def f(x, y):\n    \"\"\"Say what it does.\"\"\"\n    total = np.sum(x * y, axis=0)  # the sum\n    return total / len(x) + 0.5\n",
    "def f(a, b):\n    acc = np.sum(a * b, axis=0)\n    return acc / len(a) + 0.5\n",
    "def f(x,y):\n  total=np.sum(x*y,axis=0,);return total/len(x)+.5\n",
    "def f(x, y):\n    total = np.sum(\n        x * y,\n        axis=0,\n    )\n\n    return total / len(x) + 5e-1\n",
], ids=["docstring and comment", "renamed", "reformatted", "lines split"])
def test_what_does_not_change_a_program_does_not_change_its_tokens(variant):
    kept = template_of(["import numpy as np"]).kept
    assert [t.text for t in tokens(variant, kept)[0]] == [t.text for t in tokens(BASE, kept)[0]]


@pytest.mark.parametrize("change", [("np.sum", "np.mean"), ("x * y", "x - y"), ("0.5", "0.25"), ("axis=0", "axis=1"),
                                    ("len(x)", "max(x)")])
def test_a_change_of_what_code_does_changes_its_tokens(change):
    """The planted bug of the normaliser: if it dropped more than names and layout, these would be
    equal."""
    kept = template_of(["import numpy as np"]).kept
    assert [t.text for t in tokens(BASE.replace(*change), kept)[0]] != [t.text for t in tokens(BASE, kept)[0]]


def _submission(who: str, cells: dict[str, str], template=None) -> Submission:
    template = template or template_of(list(release_cells().values()))
    units = [u for fn, source in cells.items() for u in cell_units(f"ans_{fn}", source, template.kept,
                                                                   template.hashes)[0]]
    return Submission(who, units)


def test_the_handed_out_template_is_no_evidence():
    """Two untouched stubs among independent answer sets: nothing the release holds is a
    fingerprint, so the two score nothing together. (The planted bug: compared without the
    release, the stubs alone would be fingerprints.)"""
    rng = random.Random(5)
    stubs = release_cells()
    others = [_submission(f"o{k}", filled({fn: b for fn, (_, b) in independent(rng).items()})) for k in range(4)]
    comparison = compare([_submission("stub1", stubs), _submission("stub2", stubs), *others], look=0.0)
    assert _pair_scores(comparison)[frozenset(("stub1", "stub2"))] == 0
    assert not _submission("stub1", stubs).hashes()
    assert _submission("stub1", stubs, template_of([])).hashes()


@pytest.mark.parametrize("source, said", [
    ("def f(:\n    return 1\n", "not valid Python"),
    ("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "not valid Python"),
    ("def f(x):\n\treturn x\n        return 2\n", "not valid Python"),
    ("s = '\0'\n" + "y = 'unterminated\n", "not valid Python"),
    ("def f(x):\n    return x\n" * 5000, "compared up to the first"),
], ids=["syntax", "nested too deeply", "inconsistent indentation", "null byte and open string", "too long"])
def test_code_that_does_not_parse_is_read_with_a_note(source, said):
    units, note = cell_units("ans_f", source)
    assert said in note and units


def test_the_pairs_left_unmatched_could_not_reach_the_threshold(tmp_path, monkeypatch):
    """Only pairs whose fingerprints in common bound their score near LOOK are matched function by
    function: are the pairs worth a look those a comparison of every pair finds? (The planted bug: a
    bound trusted beyond its margin loses pairs.)"""
    made = make_class(24, seed=6)
    students = gather(write_course(tmp_path / "course", made), A01).students
    every = {frozenset((p.a.who, p.b.who)) for p in compare(students, look=0.0).pairs if p.score >= LOOK}
    assert {frozenset((p.a.who, p.b.who)) for p in compare(students).pairs} == every
    monkeypatch.setattr(similarity, "BOUND_MARGIN", 1.9)
    assert {frozenset((p.a.who, p.b.who)) for p in compare(students).pairs} < every


# --- the behaviour signal ---------------------------------------------------------------------------

PUBLIC = "a01.sigmoid.values: `sigmoid` returned 0.2689; expected 0.7311 (difference -0.462)."
HIDDEN = ("a01.sigmoid.values (hidden): `sigmoid` returned {got}; expected {expected}.\n"
          "hint: it is exactly −1 × the expected value: check the sign")


@pytest.mark.parametrize("a, b, same", [
    (PUBLIC, PUBLIC, True),
    (PUBLIC, PUBLIC.replace("0.2689", "0.2690"), False),
    (PUBLIC, "a01.sigmoid.values: 預期0.7311，`sigmoid` 卻傳回0.2689（差-0.462）。", True),  # numbers, in any language or order
    ("a01.sigmoid.values: `sigmoid` returned 0.5; expected 1.0.", "a01.sigmoid.values: `sigmoid` returned 0.5; expected 2.0.",
     False),
    (HIDDEN.format(got=0.1, expected=0.9), HIDDEN.format(got=0.4, expected=0.6), True),  # hidden: the diagnosis
    (HIDDEN.format(got=0.1, expected=0.9), HIDDEN.format(got=0.1, expected=0.9).replace("check the sign", "transposed"),
     False),
    (PUBLIC, PUBLIC.replace("values", "extremes"), False),
    (PUBLIC, PUBLIC.replace(":", " (hidden):", 1), False),
], ids=["same", "other value", "translated", "a number ending a sentence", "hidden same hint", "hidden other hint", "other check", "public/hidden"])
def test_two_failures_are_the_same_when_their_check_and_numbers_or_diagnosis_are(a, b, same):
    assert (failure_of(a) == failure_of(b)) is same


def test_a_hint_is_recognised_in_every_language_the_autograder_speaks():
    from autograder.diagnose import SIGN
    from autograder.messages import LANGUAGES, translated

    said = {failure_of(f"a01.sigmoid.values (hidden): ... {translated(SIGN, lang)}") for lang in LANGUAGES}
    assert len(said) == 1 and next(iter(said)).key[2] == SIGN


@pytest.mark.parametrize("message", [
    "a01.sigmoid.values: not implemented yet: `sigmoid` still raises NotImplementedError. Replace `raise ...`",
    "a01.sigmoid.values (hidden): not judged: the reference failed",
    "the notebook could not be read",
])
def test_an_undone_function_or_an_unjudged_check_is_no_failure(message):
    assert failure_of(message) is None


def test_identical_correct_behaviour_is_no_evidence():
    """Two submissions that pass everything, with different code: behaviour 0."""
    rows = [{"student": s, "task": "test_sigmoid", "status": "passed", "reason": ""} for s in ("a", "b", "c")]
    found = behaviour_of(rows)
    class_ = [Submission(s, [], found[s]) for s in ("a", "b", "c")]
    assert all(p.behaviour == 0 for p in compare(class_, look=0.0).pairs)
    assert found["a"].judged == {"test_sigmoid"} and not found["a"].failures


# --- the command: its page, its CSV, its errors -----------------------------------------------------

HOSTILE_ID = '=HYPERLINK("x")<img src=x onerror=alert(1)>\u202e'  # a folder's name: anything but "/"
HOSTILE_CODE = '    s = "</pre><script>alert(2)</script><img src=x onerror=alert(3)>"\n    return s\n'


@pytest.fixture
def small(tmp_path):
    """Eight independent students, one renamed copy whose id is hostile, its code and messages too."""
    made = make_class(8, seed=4, planted=False)
    source = made.independent[0]
    made.cells[HOSTILE_ID] = renamed(made.cells[source])
    made.cells[HOSTILE_ID]["sigmoid_grad"] = made.cells[HOSTILE_ID]["sigmoid_grad"].replace(
        "    return", HOSTILE_CODE + "    return", 1)
    made.bugs[HOSTILE_ID] = made.bugs[source]
    return write_course(tmp_path / "course", made), made, source


def test_the_page_and_csv_list_the_copy_with_its_evidence_all_escaped(small, monkeypatch):
    """Does the page name the pair, show both sides' code with the shared fragments marked, say what
    the score means without accusing anyone, load nothing, and hold every hostile text as text?"""
    root, made, source = small
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("nothing may leave the machine"))
    report_before = (root / f"grading_report_{A01}.csv").read_bytes()
    page, table, comparison = write_similarity(root, A01)
    assert {comparison.pairs[0].a.who, comparison.pairs[0].b.who} == {source, HOSTILE_ID}
    text = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert not live_markup(text) and "alert(2)" in soup.get_text() and "\\u202e" in soup.get_text()
    assert soup.find("mark") and "similar, worth a look" in text and "changes no grade" in text
    assert not re.search(r"cheat|plagiar|guilt|dishonest|misconduct", text, re.I)
    assert (root / f"grading_report_{A01}.csv").read_bytes() == report_before  # nothing graded changes
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = rows[0]
    assert first["rank"] == "1" and float(first["score"]) >= LOOK and first["other_is"] == "student"
    assert any(who.startswith("'=HYPERLINK") for who in (first["student"], first["other"]))  # safe in a spreadsheet


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_every_assignment_compares_its_release_answered(tmp_path, assignment):
    """Each assignment's release, answered as the demo answers it (the reference, the reference with
    the demo's bug, the untouched stubs, and two more answered by the reference): every answer
    cell parses, the stubs share nothing, and the bug's pair is among those worth a look."""
    from deepgrad.commands.submissions import filled_in_place, read, write

    name = NOTEBOOKS[assignment]
    for folder in ("solutions", "assignments"):
        shutil.copytree(ROOT / folder / name, tmp_path / folder / name)
    release, source = (read(tmp_path / folder / name / f"{name}.ipynb") for folder in ("assignments", "solutions"))
    made = {"reference": filled_in_place(release, source), "buggy": filled_in_place(release, source, bug=assignment),
            "stubs": release, "other1": filled_in_place(release, source), "other2": filled_in_place(release, source)}
    rows = []
    for student, nb in made.items():
        write(nb, tmp_path / "submitted" / student / name / f"{name}.ipynb")
        rows.append([name, student, "graded", "", 1, 1, 1, "", "bubblewrap"])
    with (tmp_path / f"grading_report_{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([REPORT_COLUMNS, *rows])
    _, _, comparison = write_similarity(tmp_path, name, look=0.0)
    assert comparison.submissions == 5 and not [n for s in comparison.pairs for n in (s.a.notes + s.b.notes)]
    scores = _pair_scores(comparison)
    assert all(score == 0 for pair, score in scores.items() if "stubs" in pair)
    assert scores[frozenset(("reference", "buggy"))] > 0 and comparison.pairs[0].units


def live_markup(page: str) -> list[str]:
    """What of a page a browser would run, load or show reordered: elements that load or run,
    event handlers, a bidirectional override."""
    soup = BeautifulSoup(page, "html.parser")
    found = [t.name for t in soup.find_all(["script", "img", "iframe", "link", "object", "embed", "style"])
             if t.name != "style" or t.parent.name != "head"]
    found += [f"{t.name} {a}" for t in soup.find_all(True) for a in t.attrs if a.startswith("on")]
    return found + (["a bidirectional override"] if "\u202e" in page else [])


@pytest.mark.parametrize("escaped", [True, False], ids=["as written", "planted bug: unescaped"])
def test_every_text_of_a_submission_is_shown_as_text(small, monkeypatch, escaped):
    """The hostile id, code and messages: nothing of them is live in the page. (The planted bug:
    the page's escaping switched off, the check finds them.)"""
    if not escaped:
        monkeypatch.setattr(similar_page, "_e", str)
    page, _, _ = write_similarity(small[0], A01)
    assert (not live_markup(page.read_text(encoding="utf-8"))) is escaped


def test_the_command_line_says_where_the_page_is_with_a_progress_bar(small, monkeypatch, capsys):
    root, _, _ = small
    monkeypatch.chdir(root)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    assert main(["similar", A01]) == 0
    out, err = capsys.readouterr()
    assert f"similar submissions: {root / f'similar_{A01}.html'}" in out and "worth a look" in out
    assert f"comparing {A01}" in err  # tqdm's bar


@pytest.mark.parametrize("change, said", [
    (lambda root: None, "no assignment 'a99_nothing'"),
    (lambda root: (root / f"grading_report_{A01}.csv").unlink(), f"run `deepgrad autograde {A01}` first"),
])
def test_bad_input_is_a_clear_message(small, monkeypatch, capsys, change, said):
    root, _, _ = small
    change(root)
    monkeypatch.chdir(root)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    assignment = "a99_nothing" if "a99" in said else A01
    assert main(["similar", assignment]) == 2
    assert said in capsys.readouterr().err


def test_submissions_that_cannot_be_read_are_left_out_and_said(small):
    """A broken grading, a notebook that is not JSON, a link in place of a notebook, cells that are
    not text: each is said, and the others are compared."""
    root, made, _ = small
    students = made.independent
    rows = list(csv.reader((root / f"grading_report_{A01}.csv").open(encoding="utf-8")))
    for row in rows:
        if row[1] == students[1] and not row[3]:
            row[2], row[7] = "broken", "grading time cap reached"
    with (root / f"grading_report_{A01}.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    (root / "submitted" / students[2] / A01 / f"{A01}.ipynb").write_text("{ not json")
    path = root / "submitted" / students[3] / A01 / f"{A01}.ipynb"
    path.unlink()
    path.symlink_to(root / "submitted" / students[4] / A01 / f"{A01}.ipynb")
    path = root / "submitted" / students[5] / A01 / f"{A01}.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell["source"] = 12
    path.write_text(json.dumps(nb))
    page, _, comparison = write_similarity(root, A01)
    text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text()
    for said in ("grading time cap reached", "not a readable notebook", "symbolic link", "holds no text"):
        assert said in text, said
    assert comparison.submissions == len(made.bugs) - 3


def test_known_public_solutions_are_compared_and_named(small, tmp_path):
    """--against DIR: a .py file holding a student's code (renamed) and a notebook holding nothing of
    anyone's: the match names the file, and no other."""
    root, made, source = small
    known = tmp_path / "known"
    (known / "repo").mkdir(parents=True)
    (known / "repo" / "a01_solution.py").write_text("import numpy as np\n\n" + "\n\n".join(renamed(made.cells[source]).values()))
    (known / "other.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": "print('hello')",
                                                              "metadata": {}, "outputs": []}]}))
    page, table, comparison = write_similarity(root, A01, against=known)
    matched = {(p.a.who, p.b.who) for p in comparison.public}
    assert (source, "repo/a01_solution.py") in matched and not {b for _, b in matched} - {"repo/a01_solution.py"}
    assert "repo/a01_solution.py" in page.read_text(encoding="utf-8")
    with pytest.raises(CourseError, match="no such folder"):
        write_similarity(root, A01, against=tmp_path / "nowhere")


# --- one class graded for real -------------------------------------------------------------------------

SHOWN = next(b for b in blocks((ROOT / "README.md").read_text(encoding="utf-8")) if b.key == f"deepgrad similar {A01}")


def test_a_class_graded_by_nbgraders_own_autograde(tmp_path, monkeypatch, capsys):
    """Graded by plain `nbgrader autograde` (the formgrader's button runs the same), whose course
    configuration writes deepgrad's grading report; then the README's lines, as they stand, with a
    known solution in ../known-solutions: is the copy of a buggy answer set the first pair, with the
    failure both share, are the untouched stubs in no pair, and does the known solution name its file?"""
    from deepgrad.commands.submissions import answered, write

    course, release, ref = released_course(tmp_path / "course")
    rng = random.Random(7)
    own = {fn: body for fn, (_, body) in independent(rng, "bce_sum").items()}
    cells = {"ann": filled(own), "cal": filled({fn: b for fn, (_, b) in independent(rng).items()})}
    cells["ben"] = renamed(cells["ann"])
    ids = {fn: next(c["metadata"]["nbgrader"]["grade_id"] for c in release["cells"]
                    if c["metadata"].get("nbgrader", {}).get("solution") and f"def {fn}(" in "".join(c["source"]))
           for fn in FORMULATIONS}
    for student, answers in [*((s, {ids[fn]: src for fn, src in c.items()}) for s, c in cells.items()),
                             ("dee", ref), ("eve", {})]:
        write(answered(release, answers), course / "submitted" / student / A01 / f"{A01}.ipynb")
    (tmp_path / "known-solutions").mkdir()
    (tmp_path / "known-solutions" / "a01.py").write_text("\n\n".join(cells["cal"].values()), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", A01], cwd=course, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    monkeypatch.chdir(course)
    for line in SHOWN.lines:
        argv = shlex.split(command(line))
        assert argv[:2] == ["deepgrad", "similar"] and main(argv[1:]) == 0, line
    assert "1 match(es) with a public solution" in capsys.readouterr().out
    _, _, comparison = write_similarity(course, A01, against=tmp_path / "known-solutions")
    first = comparison.pairs[0]
    assert {first.a.who, first.b.who} == {"ann", "ben"} and first.code > 0.9
    assert "a01.binary_cross_entropy.values" in {f.check for t in first.tasks for f in t.failures}
    assert not [p for p in comparison.pairs if "eve" in (p.a.who, p.b.who)]
    assert [(p.a.who, p.b.who) for p in comparison.public] == [("cal", "a01.py")]
    # ben hands in again after grading: his grading's failures are no longer his notebook's
    path = course / "submitted" / "ben" / A01 / f"{A01}.ipynb"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _, _, comparison = write_similarity(course, A01)
    first = comparison.pairs[0]
    assert {first.a.who, first.b.who} == {"ann", "ben"} and not first.tasks
    assert "changed since it was graded" in " ".join(next(p for p in (first.a, first.b) if p.who == "ben").notes)
