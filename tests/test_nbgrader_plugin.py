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
