"""The pieces of deepgrad's nbgrader plugin that a whole grading run does not show."""
from __future__ import annotations

import pytest

from deepgrad.adapters.preprocessors import Grading


def test_a_changed_source_notebook_gets_a_new_reference_worker(tmp_path):
    """A formgrader's server outlives the instructor's edits: is the reference remade from the
    edited notebook, and kept while it is unchanged?"""
    source = tmp_path / "a01.ipynb"
    source.write_text('{"cells": []}')
    grading = Grading(sandboxed=False)
    first = grading.reference(source)
    assert grading.reference(source) is first
    source.write_text('{"cells": [], "metadata": {}}')
    second = grading.reference(source)
    assert second is not first and grading.reference(source) is second
    grading.close()
    assert grading.references == {}


def test_a_pass_after_a_job_takes_the_jobs_run_only_of_the_very_same_notebook(monkeypatch):
    """`deepgrad autograde --jobs`: nbgrader's pass takes the outputs of the job's run when the job
    ran this notebook (same fingerprint); given any other notebook it runs it itself."""
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    from deepgrad.adapters.preprocessors import (Executed, ExecutedElsewhere, ExecutionFailed, fingerprint, grading_run)

    ran_here = []
    monkeypatch.setattr(ExecutePreprocessor, "preprocess", lambda self, nb, res, km=None: (ran_here.append(1), (nb, res))[1])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", execution_count=1)])
    resources = {"nbgrader": {"assignment": "a01", "student": "ann"}}
    grading = Grading(sandboxed=False)
    grading.executed[("a01", "ann")] = Executed(fingerprint(nb), nbformat.writes(executed))
    step = ExecutedElsewhere()
    with grading_run(grading):
        got, _ = step.preprocess(nb, resources)
        assert got.cells[0].execution_count == 1 and not ran_here
        other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 2")])  # not what the job ran
        assert step.preprocess(other, resources)[0] is other and ran_here == [1]
        grading.executed[("a01", "ann")] = Executed(fingerprint(nb), "", problem="the kernel died")
        with pytest.raises(ExecutionFailed, match="the kernel died"):  # fails nbgrader's pass as a run here would
            step.preprocess(nb, resources)


def _code_cell(tags=None, outputs=(), count=None):
    import nbformat

    cell = nbformat.v4.new_code_cell("train()", outputs=list(outputs), execution_count=count)
    if tags is not None:
        cell.metadata["tags"] = tags  # junk too: what a hand-edited submission may hold
    return cell


def test_a_cell_left_out_of_grading_says_so_and_no_other_cell_does():
    """NoteSkippedCells: the note goes into a tagged cell that did not run, and nowhere else (an
    untagged cell, a tagged cell the student's notebook ran anyway, junk tags)."""
    import nbformat

    from deepgrad.adapters.preprocessors import SKIP_WHEN_GRADING, SKIPPED_NOTE, NoteSkippedCells

    ran = nbformat.v4.new_output("stream", name="stdout", text="loss 0.1\n")
    cells = [_code_cell([SKIP_WHEN_GRADING]), _code_cell(), _code_cell([SKIP_WHEN_GRADING], [ran], 3),
             _code_cell("skip-when-grading"), _code_cell([SKIP_WHEN_GRADING + "x"]),
             nbformat.v4.new_markdown_cell("text", metadata={"tags": [SKIP_WHEN_GRADING]})]
    nb = nbformat.from_dict({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})  # unvalidated
    nb, _ = NoteSkippedCells().preprocess(nb, {})
    noted = [i for i, c in enumerate(nb.cells) if any(SKIPPED_NOTE == o.get("text") for o in c.get("outputs", []))]
    assert noted == [0]
    assert nb.cells[2].outputs == [ran]


def test_grading_leaves_out_the_tagged_cells_by_nbclients_own_option():
    """The course's nbgrader configuration is what skips them (nbclient's skip_cells_with_tag), and
    the note follows nbgrader's Execute (the course's: without the test cells) before anything
    strips cell metadata."""
    from nbgrader.preprocessors import Execute

    from deepgrad.adapters.nbgrader_api import Nbgrader
    from deepgrad.adapters.preprocessors import SKIP_WHEN_GRADING, ExecuteWithoutTests, NoteSkippedCells
    from conftest import ROOT

    config = Nbgrader(ROOT).api.config
    assert config.Execute.skip_cells_with_tag == SKIP_WHEN_GRADING
    assert config.Execute.shutdown_kernel == "immediate"  # no graceful shutdown after the last cell
    steps = list(config.Autograde.autograde_preprocessors)
    assert [s for s in steps if isinstance(s, type) and issubclass(s, Execute)] == [ExecuteWithoutTests]
    assert steps.index(NoteSkippedCells) == steps.index(ExecuteWithoutTests) + 1


def test_grading_runs_every_cell_but_the_test_cells(tmp_path):
    """Does the course's Execute leave the test cells out (no output, no execution count, nothing
    they call runs) and run every other code cell, the student's own extra cells included?
    (Planted bug: nbgrader's own Execute runs the test cell, and the last cell counts its call.)"""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from deepgrad.adapters.preprocessors import ExecuteWithoutTests

    def nbgrader(**meta):
        return {"nbgrader": {"grade_id": meta.pop("grade_id"), "locked": False, "schema_version": 3,
                             "solution": False, "grade": False, **meta}}

    nb = new_notebook(cells=[
        new_code_cell("calls = []", metadata=nbgrader(grade_id="setup", locked=True)),
        new_code_cell("def f():\n    calls.append(1)\n    return 1", metadata=nbgrader(grade_id="ans", solution=True)),
        new_markdown_cell("Explain.", metadata=nbgrader(grade_id="why", solution=True, grade=True, points=1)),
        new_code_cell("f()\nprint('test ran')", metadata=nbgrader(grade_id="test_f", grade=True, points=1, locked=True)),
        new_code_cell("f()\nprint('calls', len(calls))")])
    ran, _ = ExecuteWithoutTests(timeout=30).preprocess(nbformat.from_dict(nb), {"metadata": {"path": str(tmp_path)}})
    test = ran.cells[3]
    assert test.outputs == [] and test.execution_count is None
    assert [c.execution_count is not None for c in ran.cells if c.cell_type == "code"] == [True, True, False, True]
    assert [o.get("text") for o in ran.cells[4].outputs] == ["calls 1\n"]


def test_feedback_pages_are_the_stock_exporters_pages():
    """FeedbackHTMLExporter (templates compiled once, no second parse of the page) gives the page
    nbconvert's HTMLExporter gives with nbgrader's feedback template, image alt text included, for
    a first and a second page of one process."""
    import base64
    import copy

    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter
    from nbgrader.converters import GenerateFeedback

    from deepgrad.adapters import feedback_html
    from deepgrad.adapters.feedback_html import NO_ALT, FeedbackHTMLExporter
    from deepgrad.grading.shown_verdict import VERDICT_MARK

    png = base64.b64encode(bytes.fromhex("89504e470d0a1a0a")).decode()
    # (an image in markdown: a data: one, the only kind the feedback's second layer keeps)
    cells = [nbformat.v4.new_markdown_cell(f"# Feedback\n\n$\\sigma(z)$ and `code` <img src='data:image/png;base64,{png}'>"),
             nbformat.v4.new_code_cell("plot()", execution_count=1, outputs=[nbformat.v4.new_output(
                 "display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
             nbformat.v4.new_code_cell("print(1)", execution_count=2, outputs=[
                 nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
             # one source, two languages: IPython's and, by its magics_language, bash's
             nbformat.v4.new_code_cell("%%bash\necho 1", execution_count=3),
             nbformat.v4.new_code_cell("%%bash\necho 1", execution_count=4, metadata={"magics_language": "bash"})]
    nb = nbformat.v4.new_notebook(cells=cells)
    # A second notebook sharing some cells, with others changed and another lexer: highlighting
    # kept from the first page must not leak into it (nor back).
    other = nbformat.v4.new_notebook(cells=[*cells[:2], nbformat.v4.new_code_cell(
        "%%bash\necho 1", execution_count=2, metadata={"magics_language": "bash"})],
        metadata={"language_info": {"name": "python", "pygments_lexer": "python"}})
    converter = GenerateFeedback()  # sets nbgrader's feedback template into its config

    def page(exporter_class, notebook):
        exporter = exporter_class(config=converter.config)
        resources = {"nbgrader": {"notebook": "a01", "score": 3.0, "max_score": 4.0, "late_penalty": 0}}
        html, _ = exporter.from_notebook_node(notebook, resources)
        return str(BeautifulSoup(html, "html.parser"))

    stock = page(HTMLExporter, nb)
    assert "a01 (Score: 3.0 / 4.0)" in stock and stock.count(f'alt="{NO_ALT}"') == 2
    for notebook in (nb, other, nb, other):  # first and later pages of one process
        assert page(FeedbackHTMLExporter, notebook) == page(HTMLExporter, notebook)
    assert page(HTMLExporter, other) != stock
    # Another student's run of the first notebook: only its run records differ (nbclient's timings,
    # the verdict's mark), so every cell's highlighting is the one already kept.
    rerun = copy.deepcopy(nb)
    for i, cell in enumerate(c for c in rerun.cells if c.cell_type == "code"):
        cell.metadata["execution"] = {"iopub.execute_input": f"2026-12-01T09:00:0{i}.000000Z"}
        cell.metadata[VERDICT_MARK] = f"{i:064x}"
    kept = len(feedback_html._highlighted)
    assert page(FeedbackHTMLExporter, rerun) == page(HTMLExporter, rerun)
    assert len(feedback_html._highlighted) == kept


def test_a_verdict_with_no_task_scored_sets_nbgraders_scores_aside(tmp_path):
    """Grading broke before any task was scored (a grader bug, say), yet nbgrader ran the notebook
    and saved its own scores: does RecordVerdict, on plain nbgrader's path too, leave none of them
    standing (0, flagged for a manual grade)? (Planted bug: recording only verdicts with tasks.)"""
    import nbformat
    from nbgrader.api import Gradebook
    from traitlets.config import Config

    from deepgrad.adapters.gradebook import create_if_absent
    from deepgrad.adapters.preprocessors import Grading, RecordVerdict, grading_run
    from deepgrad.grading.verdict import SubmissionVerdict

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    create_if_absent(url)
    with Gradebook(url) as gradebook:
        gradebook.add_assignment("a01")
        gradebook.add_notebook("a01", "a01")
        gradebook.add_grade_cell("test_f", "a01", "a01", max_score=2, cell_type="code")
        gradebook.add_student("mallory")
        gradebook.add_submission("a01", "mallory")
        gradebook.find_grade("test_f", "a01", "a01", "mallory").auto_score = 2.0  # as SaveAutoGrades left it
        gradebook.db.commit()
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    grading = Grading()
    grading.verdicts[("a01", "mallory")] = SubmissionVerdict("mallory", "a01", status="broken", reason="planted")
    with grading_run(grading):
        RecordVerdict(config=config).preprocess(
            nbformat.v4.new_notebook(), {"nbgrader": {"assignment": "a01", "student": "mallory", "db_url": url}})
    with Gradebook(url) as gradebook:
        grade = gradebook.find_grade("test_f", "a01", "a01", "mallory")
        assert (grade.auto_score, grade.needs_manual_grade) == (0.0, True)
