"""The child process that runs a student's notebook code for ``pytest autograder``.

Started by :mod:`autograder.sandbox` as ``python -I worker.py NOTEBOOK``. It loads the setup and
answer cells into a fresh module, then answers one JSON request per line on its original stdin
/stdout. The student's own prints go to a size-limited file instead, so they cannot garble the
channel. Everything this process says is treated as untrusted data by the grader.
"""
from __future__ import annotations

import builtins
import os
import signal
import sys
import types
from pathlib import Path

# `python -I` leaves the script's folder off sys.path; the package's parent must be on it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.channel import dumps, loads  # noqa: E402
from autograder.execute import (cell_filename, execute_call, register_source,  # noqa: E402
                                student_traceback)
from autograder.lazy_imports import install as lazy_imports  # noqa: E402
from autograder.notebook import NotebookError, loadable_cells  # noqa: E402


def _take_over_stdio(output_path: str):
    """Keep private copies of stdin/stdout for the channel; point fds 0-2 elsewhere."""
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    out = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # Past the file-size limit, a print fails with an OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return channel_in, channel_out


class _NoShortcuts:
    """Refuses to import the libraries that would do the exercises (autodiff, ready-made nets),
    however the import is spelled. (The grader also refuses answers that mention them.)"""

    BLOCKED = ("torch", "tensorflow", "keras", "jax", "autograd", "mxnet", "theano", "cupy", "numdifftools")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED:
            raise ImportError(f"`{name}` is not allowed in this course: write the answer with numpy")
        return None


_BUILTINS = dict(vars(builtins))


def restore_builtins() -> None:
    """Undo what student code did to the builtins, which this process's own code relies on too."""
    current = vars(builtins)
    for name in [n for n in current if n not in _BUILTINS]:
        del current[name]
    current.update(_BUILTINS)


def load_module(notebook: Path, skip: set[int], announce) -> tuple[types.ModuleType, list[dict]]:
    """Run the setup and answer cells into a fresh module, announcing each cell before it runs
    (so the grader knows which one never finished) and leaving out the cells in ``skip``."""
    module = types.ModuleType("submission")
    module.__file__ = str(notebook)
    errors = []
    for cell in loadable_cells(notebook):
        if cell.index in skip:
            continue
        announce(cell)
        filename = cell_filename(cell.label)
        register_source(filename, cell.source)
        try:
            exec(compile(cell.source, filename, "exec"), module.__dict__)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001 -- report it and keep loading later cells
            errors.append({"cell": cell.label, "traceback": student_traceback(exc)[-4000:]})
        restore_builtins()
    return module, errors


def main(argv: list[str]) -> int:
    notebook = Path(argv[1]).resolve()
    worker_pid = os.getpid()
    sys.meta_path.insert(0, _NoShortcuts())
    lazy_imports()  # matplotlib.pyplot runs only if a call draws
    channel_in, channel_out = _take_over_stdio(argv[2])

    def send(message: dict) -> None:
        channel_out.write(dumps(message))
        channel_out.flush()

    skip = {int(i) for i in argv[3].split(",") if i} if len(argv) > 3 else set()
    try:
        module, errors = load_module(
            notebook, skip, lambda cell: send({"status": "loading", "cell": cell.index, "label": cell.label}))
    except NotebookError as exc:
        send({"status": "unreadable", "message": str(exc)})
        return 0
    send({"status": "loaded", "load_errors": errors})
    for line in channel_in:
        request = loads(line)
        if request.get("op") != "call":
            send({"status": "bad_request", "id": request.get("id")})
            continue
        reply = execute_call(module.__dict__, str(request["fn"]), list(request["args"]))
        restore_builtins()
        if os.getpid() != worker_pid:  # a copy made by os.fork() in student code: only one answers
            os._exit(0)
        send({**reply, "id": request.get("id")})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
