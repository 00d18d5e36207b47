"""``deepgrad similar ASSIGNMENT [--against DIR]``: the pairs of graded submissions that resemble
each other beyond what the class has in common, each with its evidence, in one self-contained
HTML page (``similar_ASSIGNMENT.html``) and a CSV beside it.

It reads, and never runs: the grading report (which submissions were graded, and what their
grading found), each graded submission's notebook in ``submitted/`` (read as
:mod:`deepgrad.base.snapshot` reads it for grading: a regular file, no link, at most 16 MiB), the
release (what every student was handed: :class:`~deepgrad.grading.similar_code.Template`) and,
with ``--against``, a folder of known public solutions (notebooks or ``.py`` files). The
comparing itself is :mod:`deepgrad.grading.similarity`'s. Nothing changes a grade, and nothing
leaves the machine.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from autograder.notebook import NotebookError, cell_source, cell_type, grade_id, nbgrader_meta, parse_notebook

from ..adapters.translated_release import release_folder
from ..base.catalogues import LANGUAGES
from ..base.course_files import assignments, notebook
from ..base.errors import CourseError
from ..base.safe_text import write_csv
from ..base.snapshot import MAX_NOTEBOOK_BYTES, SnapshotError, read_submitted
from ..grading.similar_behaviour import Behaviour, behaviour_of
from ..grading.similar_code import Template, cell_units, template_of
from ..grading.similarity import LOOK, Comparison, Pair, Submission, compare
from ..grading.verdict import SECRET_FILE, course_secret, submission_seed
from .class_report import read_report, report_file
from .similar_page import render_html
from .submissions import MARKERS, STUB

CSV_COLUMNS = ["rank", "student", "other", "other_is", "score", "code", "behaviour", "matching_code",
               "shared_failures"]
# nbgrader's default release folder, where a course keeps its release there
NBGRADER_RELEASE = "release"


@dataclass
class Gathered:
    assignment: str
    students: list[Submission]
    public: list[Submission]
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (who, why) not compared
    against: str = ""


def answer_ids(source: dict) -> list[str]:
    """The grade ids of the source notebook's answer cells."""
    return [grade_id(c) for c in source["cells"] if nbgrader_meta(c).get("solution") is True and grade_id(c)]


def _code_cells(nb: dict) -> list[tuple[int, object]]:
    return [(i, c) for i, c in enumerate(nb["cells"], start=1) if cell_type(c) == "code"]


def stubbed(source: str) -> str:
    """A source cell as nbgrader's release has it: each solution block a stub."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == MARKERS[0]:
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + STUB[0], indent + STUB[1]]
            inside = True
        elif line.strip() == MARKERS[1]:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def release_template(root: Path, assignment: str, source: dict) -> Template:
    """What every student of the assignment was handed: the code cells of every edition's release
    found in the course (``assignments/``, ``assignments-zh-TW/``, or nbgrader's default ``release/``);
    where none is, the source notebook with each solution block a stub, as the release makes it."""
    folders = dict.fromkeys([*(release_folder(language) for language in LANGUAGES), NBGRADER_RELEASE])
    sources = []
    for folder in folders:
        path = notebook(root, folder, assignment)
        if path.is_file():
            try:
                released = parse_notebook(path.read_bytes(), str(path))
                sources += [cell_source(c) for _, c in _code_cells(released)]
            except NotebookError as exc:
                raise CourseError(f"the release {path} cannot be read ({exc}): run `deepgrad release` again") from None
    if not sources:
        sources = [stubbed(cell_source(c)) for _, c in _code_cells(source)]
    return template_of(sources)


def _units(nb: dict, answers: list[str], template: Template) -> tuple[list, list[str]]:
    """The units of a notebook's answer cells (every code cell where it has none of them), and notes."""
    chosen = [(grade_id(c), c) for _, c in _code_cells(nb) if grade_id(c) in answers]
    notes = []
    if not chosen:
        chosen = [(f"cell {i}", c) for i, c in _code_cells(nb)]
        if answers:
            notes.append("no answer cell found by its grade id (metadata removed?): every code cell compared")
    units = []
    for label, cell in chosen:
        try:
            found, note = cell_units(label, cell_source(cell), template.kept, template.hashes)
        except NotebookError:
            notes.append(f"{label} holds no text: left out")
            continue
        units += found
        if note:
            notes.append(note)
    return units, notes


def _public_units(path: Path, template: Template, shown: str) -> tuple[list, list[str]]:
    """A known solution's units: a notebook's code cells, or a .py file as one cell."""
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{shown} is over {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        return _units(parse_notebook(data, shown), [], template)
    units, note = cell_units(path.name, data.decode("utf-8", errors="replace"), template.kept, template.hashes)
    return units, [note] if note else []


def public_files(folder: Path) -> list[Path]:
    """The notebooks and .py files below ``folder`` (not in hidden folders or checkpoints)."""
    if not folder.is_dir():
        raise CourseError(f"--against {folder}: no such folder (give a folder of known solutions, .ipynb or .py files)")
    found = [p for p in sorted(folder.rglob("*")) if p.suffix in (".ipynb", ".py") and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    if not found:
        raise CourseError(f"--against {folder}: it holds no .ipynb or .py file")
    return found


def gather(root: Path, assignment: str, against: Path | None = None, report: Path | None = None,
           bar: tqdm | None = None) -> Gathered:
    """Every graded submission of ``assignment`` read (its units, and its behaviour from the
    report), and every known solution of ``against``; ``bar`` counts each twice (read, then
    compared)."""
    bar = bar or tqdm(disable=True)
    root = Path(root)
    source_path = notebook(root, "solutions", assignment)
    if not source_path.is_file():
        raise CourseError(f"no assignment {assignment!r} in {root / 'solutions'} (the course's assignments: "
                          f"{', '.join(assignments(root))})")
    rows = read_report(report or report_file(root, assignment), assignment)
    source = parse_notebook(source_path.read_bytes(), str(source_path))
    answers, template = answer_ids(source), release_template(root, assignment, source)
    graded = {row["student"]: row for row in rows if not row["task"]}
    behaviour = behaviour_of(rows)
    # The report's seed says which version of a notebook was graded (deepgrad.grading.verdict.submission_seed)
    secret = course_secret(root) if (root / SECRET_FILE).is_file() else None
    files = public_files(Path(against)) if against else []
    bar.reset(total=2 * (len(graded) + len(files)))
    gathered = Gathered(assignment, [], [], against=str(against or ""))
    for student, row in graded.items():
        bar.update()
        if row["status"] == "broken":
            gathered.left_out.append((student, f"its grading broke: {row['reason']}"))
            continue
        try:
            data = read_submitted(root, student, assignment)
            nb = parse_notebook(data, f"{student}'s notebook")
        except (SnapshotError, NotebookError) as exc:
            gathered.left_out.append((student, str(exc)))
            continue
        units, notes = _units(nb, answers, template)
        found = behaviour.get(student) or Behaviour()
        if secret is not None and str(submission_seed(student, assignment, secret, data)) != row["hidden_seed"]:
            notes.append("the notebook changed since it was graded: its code is compared, not what its grading found")
            found = Behaviour()
        gathered.students.append(Submission(student, units, found, notes))
    for path in files:
        bar.update()
        shown = path.relative_to(against).as_posix()
        try:
            units, notes = _public_units(path, template, shown)
        except (OSError, NotebookError) as exc:
            gathered.left_out.append((shown, f"not read: {exc}"))
            continue
        gathered.public.append(Submission(shown, units, notes=notes))
    return gathered


def _functions(pair: Pair) -> str:
    return "; ".join(f"{m.a.label} ~ {m.b.label} ({100 * m.share:.0f} %)" for m in pair.units)


def _failures(pair: Pair) -> str:
    return "; ".join(f"{t.task}: {', '.join(f.label for f in t.failures)} (shared by {t.students} of {t.judged})"
                     for t in pair.tasks)


def write_table(comparison: Comparison, path: Path) -> Path:
    """The pairs worth a look, then the matches with public solutions, strongest first; every text
    cell safe in a spreadsheet (deepgrad.base.safe_text)."""
    rows = []
    for kind, pairs in (("student", comparison.pairs), ("public solution", comparison.public)):
        for rank, p in enumerate(pairs, start=1):
            rows.append([rank, p.a.who, p.b.who, kind, round(p.score, 1), round(p.code, 3), round(p.behaviour, 3),
                         _functions(p), _failures(p)])
    write_csv(path, CSV_COLUMNS, rows)
    return path


def write_similarity(root: Path, assignment: str, against: Path | None = None, report: Path | None = None,
                     progress: bool = False, look: float = LOOK) -> tuple[Path, Path, Comparison]:
    """Write ``similar_ASSIGNMENT.html`` and ``.csv`` in ``root``: their paths, and the comparison.

    ``report``: the grading report (default ``grading_report_ASSIGNMENT.csv`` in ``root``);
    ``against``: a folder of known public solutions; ``progress``: a progress bar on stderr."""
    root = Path(root)
    with tqdm(total=0, desc=f"comparing {assignment}", unit=" steps", disable=not progress,
              file=sys.stderr, leave=True, dynamic_ncols=True) as bar:
        gathered = gather(root, assignment, against, report, bar)
        comparison = compare(gathered.students, gathered.public, look, tick=bar.update)
        bar.update(len(gathered.left_out))  # (read, and not compared)
    page = root / f"similar_{assignment}.html"
    page.write_text(render_html(gathered, comparison, look), encoding="utf-8")
    return page, write_table(comparison, root / f"similar_{assignment}.csv"), comparison
