"""The pieces of deepgrad's nbgrader plugin that a whole grading run does not show."""
from __future__ import annotations

import pytest

from deepgrad.nbgrader_plugin import Grading


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

    from deepgrad.nbgrader_plugin import Executed, ExecutedElsewhere, ExecutionFailed, fingerprint, grading_run

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

    from deepgrad.nbgrader_plugin import SKIP_WHEN_GRADING, SKIPPED_NOTE, NoteSkippedCells

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
    the note follows nbgrader's Execute before anything strips cell metadata."""
    from nbgrader.preprocessors import Execute

    from deepgrad.course import Nbgrader
    from deepgrad.nbgrader_plugin import SKIP_WHEN_GRADING, NoteSkippedCells
    from conftest import ROOT

    config = Nbgrader(ROOT).api.config
    assert config.Execute.skip_cells_with_tag == SKIP_WHEN_GRADING
    steps = list(config.Autograde.autograde_preprocessors)
    assert steps.index(NoteSkippedCells) == steps.index(Execute) + 1


def test_feedback_pages_are_the_stock_exporters_pages():
    """FeedbackHTMLExporter (templates compiled once, no second parse of the page) gives the page
    nbconvert's HTMLExporter gives with nbgrader's feedback template, image alt text included, for
    a first and a second page of one process."""
    import base64

    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter
    from nbgrader.converters import GenerateFeedback

    from deepgrad.feedback_html import NO_ALT, FeedbackHTMLExporter

    png = base64.b64encode(bytes.fromhex("89504e470d0a1a0a")).decode()
    cells = [nbformat.v4.new_markdown_cell("# Feedback\n\n$\\sigma(z)$ and `code` <img src='x.png'>"),
             nbformat.v4.new_code_cell("plot()", execution_count=1, outputs=[nbformat.v4.new_output(
                 "display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
             nbformat.v4.new_code_cell("print(1)", execution_count=2, outputs=[
                 nbformat.v4.new_output("stream", name="stdout", text="1\n")])]
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
