"""A submission's outputs are bounded before they are stored: each output, each notebook's outputs
and each message from its kernel have a cap (deepgrad.adapters.untrusted_outputs,
deepgrad.adapters.kernel), whether the notebook arrives executed or is run by nbgrader's pass.
Each check is first shown to catch the same run without deepgrad's step (the planted bug).
"""
from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from conftest import ROOT


def autograded(nb):
    """What c.Autograde.autograde_preprocessors leave of it (the step that caps outputs)."""
    from deepgrad.adapters.untrusted_outputs import UntrustedOutputs

    return UntrustedOutputs().preprocess(nbformat.from_dict(nb), {})[0]


def test_a_huge_output_is_cut_to_its_cap_with_a_note():
    """20 MB from one print and 20 MB in small prints: each output within MAX_OUTPUT_BYTES, the
    notebook's within MAX_NOTEBOOK_OUTPUT_BYTES, each cut saying how much more there was."""
    from deepgrad.adapters.untrusted_outputs import (MAX_NOTEBOOK_OUTPUT_BYTES, MAX_OUTPUT_BYTES, NOTE_BYTES, output_bytes)

    big = "é" * 10_000_000  # 20 MB in UTF-8
    nb = new_notebook(cells=[
        new_code_cell("print(big)", outputs=[new_output("stream", name="stdout", text=big)]),
        new_code_cell("spam()", outputs=[new_output("stream", name="stdout", text="y" * 60_000)] * 340),
        new_code_cell("after()", outputs=[new_output("stream", name="stdout", text="late\n")])])
    done = autograded(nb)
    first = done.cells[0].outputs
    assert len(first) == 1 and output_bytes(first[0]) <= MAX_OUTPUT_BYTES
    more = int(re.search(r"\(cut: (\d+) bytes more\)", first[0].text)[1])
    assert more + len(first[0].text.split("\n…")[0].encode()) == 20_000_000
    total = sum(output_bytes(o) for c in done.cells for o in c.outputs)
    assert total <= MAX_NOTEBOOK_OUTPUT_BYTES + NOTE_BYTES * len(done.cells)
    assert "this notebook's outputs are over" in done.cells[1].outputs[-1].text
    assert "this notebook's outputs are over" in done.cells[2].outputs[-1].text
    assert nbformat.writes(done).__len__() < MAX_NOTEBOOK_OUTPUT_BYTES * 2
    assert autograded(done) == done  # a second pass (feedback) changes nothing


def test_outputs_are_cut_as_they_arrive_in_the_kernel_run(tmp_path):
    """nbgrader's Execute as the course runs it (ExecuteWithoutTests): a kernel printing 24 MB
    leaves the grading process a notebook within the caps (planted bug: no BoundedOutputs)."""
    from deepgrad.adapters.preprocessors import ExecuteWithoutTests
    from deepgrad.adapters.untrusted_outputs import (MAX_NOTEBOOK_OUTPUT_BYTES, MAX_OUTPUT_BYTES, NOTE_BYTES, output_bytes)

    nb = new_notebook(cells=[new_code_cell("import sys\nfor _ in range(3): print('x' * 8_000_000, flush=True)"),
                             new_code_cell("for _ in range(2000): print('y' * 4000, flush=True)"),
                             new_code_cell("print('done')")])
    ran, _ = ExecuteWithoutTests(timeout=60).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    sizes = [output_bytes(o) for c in ran.cells for o in c.outputs]
    assert max(sizes) <= MAX_OUTPUT_BYTES and sum(sizes) <= MAX_NOTEBOOK_OUTPUT_BYTES + NOTE_BYTES * 3
    assert "(cut: " in ran.cells[0].outputs[0].text
    assert "this notebook's outputs are over" in ran.cells[1].outputs[-1].text


HUGE_PRINT = r"""
import json, sys
from nbformat.v4 import new_code_cell, new_notebook
from deepgrad.adapters.kernel import SandboxedKernelManager
from deepgrad.adapters.preprocessors import ExecuteWithoutTests

from nbclient.exceptions import CellTimeoutError

nb = new_notebook(cells=[new_code_cell("print('y' * 200_000_000)"), new_code_cell("x = 1")])
try:  # refused, the message leaves nbclient waiting for the cell's end: nbgrader's pass stops there
    ExecuteWithoutTests(timeout=20, kernel_manager_class=SandboxedKernelManager).preprocess(
        nb, {"metadata": {"path": sys.argv[1]}})
    stopped = False
except CellTimeoutError:
    stopped = True
# VmHWM, not ru_maxrss: the latter keeps the peak of the process this one was forked from (a
# pytest worker of several hundred MB) across exec; VmHWM is this program's own.
peak = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"peak": peak, "stopped": stopped, "kept": len(json.dumps(nb))}))
"""


def test_one_huge_kernel_message_never_reaches_the_grading_process(tmp_path):
    """A cell printing 200 MB in one message: is the message refused before it is decoded (every
    client of the course's kernels takes no message over the cap, and nbgrader's pass stops there:
    the submission's feedback is then its unexecuted notebook, its scores the verdict's as ever),
    the grading process staying below the 750 MB it reached without the cap (some 160 MB here)?
    (Planted bug: no cap on a kernel message.)"""
    import json
    import subprocess
    import sys

    import zmq

    from deepgrad.adapters.kernel import KERNEL_MESSAGE_BYTES, SandboxedKernelManager

    client = SandboxedKernelManager().client()
    assert client.context.getsockopt(zmq.MAXMSGSIZE) == KERNEL_MESSAGE_BYTES

    done = subprocess.run([sys.executable, "-c", HUGE_PRINT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["stopped"] and result["peak"] < 300 * 2**20 and result["kept"] < 2**20, result
