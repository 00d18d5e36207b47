"""The pieces of deepgrad's nbgrader plugin that a whole grading run does not show."""
from __future__ import annotations

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
