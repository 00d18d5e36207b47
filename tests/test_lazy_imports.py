"""matplotlib.pyplot runs only on first use where notebook code is run for grading: in a plain
process with autograder.lazy_imports installed, in the sandboxed worker, and in the grading
kernel (as an IPython extension). The module is the real one once used."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.calls import WorkerCaller
from autograder.sandbox import Limits, sandbox_missing
from worker_notebooks import write_notebook

# pyplot's own body imports matplotlib.figure: present only once pyplot has run
LOADED = "'matplotlib.figure' in __import__('sys').modules"


def test_pyplot_runs_on_first_use_only():
    script = f"""
from autograder.lazy_imports import install
install(); install()
import matplotlib.pyplot as plt
print({LOADED})
from matplotlib import pyplot
figure = plt.figure()
print({LOADED}, pyplot is plt, type(figure).__name__, plt.get_backend())
import sys; print(sum(type(f).__name__ == "LazyModules" for f in sys.meta_path))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}, check=True).stdout.split("\n")
    assert out[:3] == ["False", "True True Figure Agg", "1"]


def test_other_modules_are_untouched():
    script = """
from autograder.lazy_imports import install
install()
import json, numpy
print(type(numpy).__name__, type(json).__name__)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         check=True).stdout.split()
    assert out == ["module", "module"]


@pytest.mark.skipif(bool(sandbox_missing()), reason=sandbox_missing() or "sandbox here")
def test_the_worker_runs_pyplot_only_when_a_call_draws(tmp_path):
    notebook = write_notebook(tmp_path, f"""
import matplotlib.pyplot as plt

def loaded():
    return {LOADED}

def draw():
    return float(len(plt.figure().axes) + 1)
""")
    caller = WorkerCaller(notebook, Limits(call_seconds=20, start_seconds=30))
    try:
        assert caller("loaded") is False
        assert caller("draw") == 1.0
        assert caller("loaded") is True
    finally:
        caller.close()


@pytest.mark.skipif(bool(sandbox_missing()), reason=sandbox_missing() or "sandbox here")
def test_the_grading_kernel_runs_pyplot_only_when_a_cell_draws(tmp_path):
    from nbclient import NotebookClient

    from deepgrad.adapters.kernel import SandboxedKernelManager

    nb = new_notebook(cells=[new_code_cell(f"import matplotlib.pyplot as plt\nprint({LOADED})"),
                             new_code_cell(f"plt.plot([1, 2])\nprint({LOADED})")])
    NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    said = ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in nb.cells]
    assert said == ["False", "True"]

